"""`smworkbook gradebook`: a class graded into one gradebook, whatever one learner's notebook does."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from smworkbook import WorkbookError
from smworkbook.authoring.lessons import exercises_name
from smworkbook.checks import EXERCISES
from smworkbook.cli import main
from smworkbook.grading import gradebook, learner_users
from smworkbook.grading import run as grading

from .conftest import ROOT

LESSON01 = "01_create_retrieve_update_delete.ipynb"
TIMEOUT = 10


def _solutions_with(folder, change=None):
    folder.mkdir(parents=True)
    notebook = nbformat.read(ROOT / "solutions" / LESSON01, as_version=4)
    if change:
        change(notebook)
    nbformat.write(notebook, folder / LESSON01)


def _first_exercise(notebook):
    return next(c for c in notebook.cells if 'checks.setup("1.1")' in c.source)


def _endless(notebook):
    _first_exercise(notebook).source = 'checks.setup("1.1")\nwhile True:\n    pass'


def _crash(notebook):
    notebook.cells.insert(1, nbformat.v4.new_code_cell("import os\nos._exit(1)"))


def _flood(notebook):
    _first_exercise(notebook).source += '\nfor _ in range(300):\n    print("x" * 100_000)'


HOSTILE = """import subprocess
script = "sleep 4; " + "; ".join(f"echo forged > '{{target}}'" for target in {targets!r})
subprocess.Popen(["/bin/sh", "-c", script], start_new_session=True, stderr=subprocess.DEVNULL)"""


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """Seven learners of lesson 1: solved, unsolved, an invalid notebook, an endless loop, a kernel that
    dies, a flood of output, and one whose notebook leaves a process behind to rewrite others' files."""
    root = tmp_path_factory.mktemp("class")
    submissions, out = root / "submissions", root / "grades"
    _solutions_with(submissions / "ann")
    (submissions / "bob").mkdir()
    shutil.copy(ROOT / "exercises" / exercises_name(LESSON01), submissions / "bob")
    (submissions / "cy").mkdir()
    (submissions / "cy" / LESSON01).write_text('{"cells": [', encoding="utf-8")
    _solutions_with(submissions / "dee", _endless)
    _solutions_with(submissions / "eve", _crash)
    _solutions_with(submissions / "fay", _flood)
    targets = [
        str(out / "learners" / "ann.json"),
        str(out / "gradebook.csv"),
        str(submissions / "ann" / "forged.txt"),
        str(out / "stolen-key.txt"),
    ]
    hostile = HOSTILE.format(targets=targets)
    _solutions_with(submissions / "gus", lambda nb: nb.cells.insert(1, nbformat.v4.new_code_cell(hostile)))
    said = []
    path, graded = gradebook.grade_class(submissions, out, timeout=TIMEOUT, workers=3, say=said.append)
    time.sleep(5)  # longer than the hostile process waits before it writes
    return {"submissions": submissions, "out": out, "path": path, "graded": graded, "said": said}


# A kernel whose message packing was replaced sends text JSON escapes as "\\ud800": the grader reads a lone surrogate.
LONE_SURROGATE = """checks.setup("1.1")
import json
from jupyter_client import session
kernel = get_ipython().kernel
kernel.session.pack = lambda message: json.dumps(session.squash_dates(message), default=session.json_default).encode()
raise ValueError("a lone \\ud800 surrogate")"""


@pytest.fixture(scope="module")
def hostile_class():
    """Three learners of lesson 1: one solved, one whose notebook is named with a byte that is not UTF-8
    (`01_\\xff.ipynb`), one whose exercise cell raises an error holding a lone surrogate. The grades go in a folder
    other users can pass through (as a course folder such as /srv/course would be)."""
    root = Path(tempfile.mkdtemp(prefix="smw-hostile-class-"))
    root.chmod(0o755)
    submissions, out = root / "submissions", root / "grades"
    _solutions_with(submissions / "ann")
    (submissions / "hal").mkdir(parents=True)
    shutil.copy(submissions / "ann" / LESSON01, submissions / "hal" / os.fsdecode(b"01_\xff.ipynb"))
    _solutions_with(submissions / "ivy", lambda nb: setattr(_first_exercise(nb), "source", LONE_SURROGATE))
    submissions.chmod(0o700)
    said = []
    path, graded = gradebook.grade_class(submissions, out, timeout=TIMEOUT, workers=3, say=said.append)
    yield {"submissions": submissions, "out": out, "path": path, "graded": graded, "said": said}
    shutil.rmtree(root, ignore_errors=True)


def _rows(path):
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def _report(classroom, name):
    return json.loads((classroom["out"] / "learners" / f"{name}.json").read_text())


def test_the_gradebook_has_a_row_per_learner_and_a_column_per_exercise_in_registry_order(classroom):
    header, *rows = _rows(classroom["path"])
    assert header == ["learner", *EXERCISES, "total", "note"]
    totals = {row[0]: int(row[-2]) for row in rows}
    assert totals == {"ann": 6, "bob": 0, "cy": 0, "dee": 5, "eve": 0, "fay": 6, "gus": 6}
    ann = dict(zip(header, rows[0], strict=True))
    assert [ann[n] for n in EXERCISES if n.startswith("1.")] == ["1"] * 6
    assert [ann[n] for n in EXERCISES if n.startswith("2.")] == ["0"] * 6


def test_each_broken_notebook_costs_its_learner_only_with_the_reason(classroom):
    assert "could not be read" in _report(classroom, "cy")["results"][0]["hint"]
    dee = {r["number"]: r for r in _report(classroom, "dee")["results"]}
    assert dee["1.1"]["status"] == "failed"
    assert f"ran for more than {TIMEOUT} s" in dee["1.1"]["hint"]
    assert all(r["hint"].startswith("The kernel died") for r in _report(classroom, "eve")["results"])


def test_a_learners_report_grades_the_lessons_present_and_names_the_missing_ones_once(classroom):
    ann = _report(classroom, "ann")
    other_lessons = sorted({number.split(".")[0] for number in EXERCISES} - {"1"}, key=int)
    assert (ann["score"], ann["total"], ann["missing_lessons"]) == (6, 6, other_lessons)


def test_progress_is_shown_learner_by_learner(classroom):
    progress = [line for line in classroom["said"] if "] " in line]
    assert len(progress) == 7
    assert progress[-1].lstrip().startswith("[7/7]")


def test_the_lms_csv_has_one_score_per_learner(classroom):
    header, *rows = _rows(classroom["out"] / "lms.csv")
    assert header[0] == "Username" and f"out of {len(EXERCISES)}" in header[1]
    assert dict(rows)["ann"] == "6"


def test_an_interrupted_run_resumes_without_regrading_finished_learners(classroom, capsys):
    out = classroom["out"]
    (out / "learners" / "bob.json").unlink()  # bob was being graded when the run stopped
    shutil.copy(out / "learners" / "ann.json", out / "learners" / "dee.json")  # not dee's: refused
    path, graded = gradebook.grade_class(classroom["submissions"], out, timeout=TIMEOUT, say=lambda line: None)
    assert sorted(graded) == ["bob", "dee"]
    assert _rows(path) == _rows(classroom["path"])
    assert main(["gradebook", str(classroom["submissions"]), "--out", str(out)]) == 0
    assert capsys.readouterr().out.count("notebooks unchanged: kept") == 7


@pytest.mark.skipif(not learner_users.available(), reason="kernels run as other OS users only when graded as root")
def test_a_process_a_notebook_leaves_behind_cannot_rewrite_reports_or_reach_another_learner(classroom):
    out, submissions = classroom["out"], classroom["submissions"]
    key = gradebook.grader_key(out)
    assert gradebook.read_signed(out / "learners" / "ann.json", key)["score"] == 6
    assert "forged" not in (out / "gradebook.csv").read_text()
    assert not (submissions / "ann" / "forged.txt").exists()
    assert not (out / "stolen-key.txt").exists()
    # The reports' folder is the grader's alone: another OS user can neither list it nor reach into it.
    assert (out / "learners").stat().st_mode & 0o777 == 0o700
    gus = learner_users.user_for("gus")
    assert [pid for pid in learner_users._pids() if learner_users._uid_of(pid) == gus.uid] == []


def test_merge_builds_the_same_gradebook_from_signed_reports(classroom, tmp_path, monkeypatch):
    out = classroom["out"]
    monkeypatch.setenv(gradebook.KEY_VARIABLE, (out / ".grader-key").read_text().strip())
    reports = tmp_path / "reports"
    shutil.copytree(out / "learners", reports)
    assert main(["gradebook", "--merge", str(reports), "--out", str(tmp_path / "merged")]) == 0
    assert _rows(tmp_path / "merged" / "gradebook.csv") == _rows(classroom["path"])


def test_merge_refuses_a_report_changed_after_grading(classroom, tmp_path, monkeypatch):
    out = classroom["out"]
    monkeypatch.setenv(gradebook.KEY_VARIABLE, (out / ".grader-key").read_text().strip())
    reports = tmp_path / "reports"
    shutil.copytree(out / "learners", reports)
    bob = json.loads((reports / "bob.json").read_text())
    bob["results"][0]["status"], bob["score"] = "passed", 1
    (reports / "bob.json").write_text(json.dumps(bob))
    with pytest.raises(WorkbookError, match="signature does not match"):
        gradebook.merge(reports, tmp_path / "merged")
    (reports / "bob.json").write_text(json.dumps({k: v for k, v in bob.items() if k != "signature"}))
    with pytest.raises(WorkbookError, match="not signed by the grader"):
        gradebook.merge(reports, tmp_path / "merged")


def test_one_learner_graded_alone_writes_a_report_merge_accepts(tmp_path, monkeypatch):
    """The command a job runner fans out: one learner, one signed JSON report."""
    monkeypatch.setenv(gradebook.KEY_VARIABLE, "the-ci-secret")
    _solutions_with(tmp_path / "ann")
    reports = tmp_path / "reports"
    code = main(["grade", str(tmp_path / "ann"), "--learner", "ann", "--json", str(reports / "ann.json")])
    assert code == 0
    assert main(["gradebook", "--merge", str(reports), "--out", str(tmp_path / "book")]) == 0
    assert _rows(tmp_path / "book" / "gradebook.csv")[1][-2:] == ["6", ""]
    monkeypatch.setenv(gradebook.KEY_VARIABLE, "another-key")
    with pytest.raises(WorkbookError, match="signature does not match"):
        gradebook.merge(reports, tmp_path / "book")


def test_a_learner_graded_alone_into_the_gradebooks_folder_is_kept_until_their_notebooks_change(tmp_path, monkeypatch):
    """`smworkbook grade --learner` signs the digest the gradebook keeps (with the gradebook's own key when no
    SMWORKBOOK_GRADE_KEY is set): the next `smworkbook gradebook` keeps that report, and regrades after a change."""
    monkeypatch.delenv(gradebook.KEY_VARIABLE, raising=False)
    submissions, out = tmp_path / "submissions", tmp_path / "grades"
    _solutions_with(submissions / "ann")
    report = out / "learners" / "ann.json"
    assert main(["grade", str(submissions / "ann"), "--learner", "ann", "--json", str(report)]) == 0
    body = gradebook.read_learner(out / "learners", "ann", gradebook.grader_key(out))
    assert body["submission_digest"] == gradebook.submission_digest(submissions / "ann")
    said = []
    _, graded = gradebook.grade_class(submissions, out, timeout=TIMEOUT, say=said.append)
    assert graded == [] and "  ann: graded before, notebooks unchanged: kept" in said, said
    assert json.loads(report.read_text())["graded_at"] == body["graded_at"]

    notebook = nbformat.read(submissions / "ann" / LESSON01, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("done"))
    nbformat.write(notebook, submissions / "ann" / LESSON01)
    said = []
    _, graded = gradebook.grade_class(submissions, out, timeout=TIMEOUT, say=said.append)
    assert graded == ["ann"] and any(line.startswith("  ann: notebooks changed since graded") for line in said), said


def test_a_report_graded_alone_elsewhere_is_signed_only_with_the_shared_key(tmp_path, monkeypatch):
    monkeypatch.delenv(gradebook.KEY_VARIABLE, raising=False)
    assert gradebook.report_key(tmp_path / "reports" / "ann.json") is None
    assert not (tmp_path / ".grader-key").exists()
    assert gradebook.report_key(tmp_path / "out" / "learners" / "ann.json") == gradebook.grader_key(tmp_path / "out")
    monkeypatch.setenv(gradebook.KEY_VARIABLE, "the-ci-secret")
    assert gradebook.report_key(tmp_path / "out" / "learners" / "ann.json") == b"the-ci-secret"


def test_a_learner_folder_name_cannot_become_a_spreadsheet_formula():
    assert gradebook._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert gradebook._cell("ann") == "ann"


def test_a_notebook_named_with_a_byte_that_is_not_utf8_or_an_error_with_a_lone_surrogate_costs_no_one_the_gradebook(
    hostile_class,
):
    header, *rows = _rows(hostile_class["path"])
    assert header == ["learner", *EXERCISES, "total", "note"]
    assert {row[0]: int(row[-2]) for row in rows} == {"ann": 6, "hal": 6, "ivy": 5}
    assert dict(_rows(hostile_class["out"] / "lms.csv")[1:]) == {"ann": "6", "hal": "6", "ivy": "5"}
    hal = _report(hostile_class, "hal")
    assert {r["notebook"] for r in hal["results"]} == {"01_\\xff.ipynb"}  # the byte, shown escaped
    ivy = {r["number"]: r for r in _report(hostile_class, "ivy")["results"]}
    assert ivy["1.1"]["status"] == "failed"
    assert "ValueError: a lone \\ud800 surrogate" in ivy["1.1"]["hint"]
    key = gradebook.grader_key(hostile_class["out"])
    assert gradebook.read_signed(hostile_class["out"] / "learners" / "ivy.json", key)["score"] == 5


def test_a_class_with_those_notebooks_resumes(hostile_class, capsys):
    out, submissions = hostile_class["out"], hostile_class["submissions"]
    (out / "learners" / "hal.json").unlink()  # hal was being graded when the run stopped
    path, graded = gradebook.grade_class(submissions, out, timeout=TIMEOUT, say=lambda line: None)
    assert graded == ["hal"]
    assert _rows(path) == _rows(hostile_class["path"])
    assert main(["gradebook", str(submissions), "--out", str(out)]) == 0
    assert capsys.readouterr().out.count("notebooks unchanged: kept") == 3


def _as_learner(learner: str, *command: str) -> subprocess.CompletedProcess:
    """`command` run as the OS user `learner`'s kernels run as: what a notebook's code could do."""
    user = learner_users.user_for(learner)
    return subprocess.run([*learner_users._as(user), *command], capture_output=True, text=True, timeout=30)


@pytest.mark.skipif(not learner_users.available(), reason="needs root to act as a learner's OS user")
def test_a_learners_os_user_can_read_no_grade_file(hostile_class):
    """The gradebook, the LMS file and every learner's report are the grader's alone, even in a folder others
    can pass through: a learner's kernel (its own OS user) cannot read them, or list where they are."""
    out = hostile_class["out"]
    assert _as_learner("ivy", "/bin/ls", str(out.parent)).returncode == 0  # the course folder is open to them
    files = ("gradebook.csv", "status.csv", "class-report.html", "lms.csv", "canvas.csv", "moodle.csv")
    files += ("learners/ann.json", "feedback/ann.html")
    for path in [*(out / file for file in files), out / ".grader-key"]:
        refused = _as_learner("ivy", "/bin/cat", str(path))
        assert refused.returncode != 0 and "Permission denied" in refused.stderr, (path, refused.stdout)
    for folder in (out, out / "learners", out / "feedback"):
        refused = _as_learner("ivy", "/bin/ls", str(folder))
        assert refused.returncode != 0 and "Permission denied" in refused.stderr, (folder, refused.stdout)
    assert {p.name: p.stat().st_mode & 0o777 for p in out.iterdir() if p.is_file()} == dict.fromkeys(
        [".grader-key", "gradebook.csv", "status.csv", "class-report.html", "lms.csv", "canvas.csv", "moodle.csv"],
        0o600,
    )


def test_the_score_table_lists_a_missing_lesson_once():
    report = grading.Report(missing_lessons=["2"])
    assert report.table().count("Lesson 2: missing") == 1


def test_grading_a_class_folder_with_no_learners_is_a_one_line_error(tmp_path, capsys):
    assert main(["gradebook", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "no learners' folders" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_a_signed_report_rewritten_with_its_keys_in_another_order_is_still_the_graders(tmp_path):
    """The signature covers the report's content, not its layout: a tool that rewrites the JSON (jq -S, an editor)
    with its keys in another order keeps it valid; a changed value does not."""
    key = b"k" * 32
    report = grading.Report(results=[grading.Result("1.1", "t", "01_a.ipynb", grading.PASSED, "")])
    body = json.loads(gradebook.signed_report(report, "ann", key))
    reordered = tmp_path / "ann.json"
    reordered.write_text(json.dumps(dict(reversed(list(body.items())))), encoding="utf-8")
    assert gradebook.read_signed(reordered, key)["learner"] == "ann"
    reordered.write_text(json.dumps({**body, "learner": "bob"}), encoding="utf-8")
    with pytest.raises(WorkbookError, match="signature does not match"):
        gradebook.read_signed(reordered, key)


def test_the_warning_about_a_submissions_folder_others_can_read_comes_only_when_they_can(classroom, hostile_class):
    """As root (each learner's kernel under its own OS user), a readable folder would let kernels read each other's
    work: the grader says so for the classroom's folder (made 0755) and not for the hostile class's (0700)."""
    warning = "can be read by other users"
    assert any(warning in line for line in classroom["said"]) == learner_users.available()
    assert not any(warning in line for line in hostile_class["said"])


# A wrong attempt at 1.4 whose error (the hint) holds markup: the class report shows it as text.
WRONG_14 = """checks.setup("1.4")
key_bytes = secrets.token_bytes(32)
raise ValueError("<b>stored</b> as text & not bytes")"""


def _half_done(notebook):
    """Exercises 1.1-1.3 solved (the solution's cells), 1.4 tried and wrong, 1.5 and 1.6 as generated."""
    solved = nbformat.read(ROOT / "solutions" / LESSON01, as_version=4)
    for number in ("1.1", "1.2", "1.3"):
        cell = next(c for c in notebook.cells if f'checks.setup("{number}")' in c.source)
        cell.source = next(c for c in solved.cells if f'checks.setup("{number}")' in c.source).source
    next(c for c in notebook.cells if 'checks.setup("1.4")' in c.source).source = WRONG_14


def _exercises_with(folder, change=None):
    folder.mkdir(parents=True)
    notebook = nbformat.read(ROOT / "exercises" / exercises_name(LESSON01), as_version=4)
    if change:
        change(notebook)
    nbformat.write(notebook, folder / LESSON01)


@pytest.fixture(scope="module")
def trio(tmp_path_factory):
    """The instructor's class of lesson 1: ann solved it, bob half did it, cat handed in the exercises untouched."""
    root = tmp_path_factory.mktemp("trio")
    submissions, out = root / "submissions", root / "grades"
    _solutions_with(submissions / "ann")
    _exercises_with(submissions / "bob", _half_done)
    _exercises_with(submissions / "cat")
    said = []
    path, graded = gradebook.grade_class(submissions, out, timeout=TIMEOUT, workers=3, say=said.append)
    assert sorted(graded) == ["ann", "bob", "cat"]
    return {"submissions": submissions, "out": out, "path": path}


LESSON1 = [number for number in EXERCISES if number.startswith("1.")]


def test_status_csv_tells_tried_and_failed_from_not_attempted(trio):
    header, *rows = _rows(trio["out"] / "status.csv")
    numbers = list(EXERCISES)
    assert header[0] == "learner" and header[-3:] == ["passed", "failed", "not attempted"]
    assert header[1:-3] == [f"{number} {EXERCISES[number].title}" for number in numbers]  # titles, registry order
    status = {row[0]: dict(zip(numbers, row[1:-3], strict=True)) for row in rows}
    assert [status["ann"][n] for n in LESSON1] == ["passed"] * 6
    bob = ["passed"] * 3 + ["failed", "not attempted", "not attempted"]
    assert [status["bob"][n] for n in LESSON1] == bob
    assert [status["cat"][n] for n in LESSON1] == ["not attempted"] * 6
    # Lesson 2 was handed in by no one: not attempted, as in gradebook.csv's 0.
    assert {status[name]["2.1"] for name in status} == {"not attempted"}
    counts = {row[0]: row[-3:] for row in rows}
    others = str(len(numbers) - 6)
    assert counts["bob"] == ["3", "1", str(len(numbers) - 4)] and counts["cat"] == ["0", "0", str(len(numbers))]
    assert counts["ann"] == ["6", "0", others]
    # gradebook.csv is as it was: numbers in its header, 1 or 0, the total; then the note (nobody ran out of time).
    header, *rows = _rows(trio["path"])
    assert header == ["learner", *numbers, "total", "note"]
    assert {row[0]: row[-2:] for row in rows} == {"ann": ["6", ""], "bob": ["3", ""], "cat": ["0", ""]}


def _exercise_counts(html, number):
    found = re.search(
        rf'<tr id="exercise-{re.escape(number)}"><td>[^<]*</td><td>([^<]*)</td>'
        r"<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)%</td><td>(.*?)</td></tr>",
        html,
    )
    assert found, number
    return found.group(1), tuple(int(found.group(i)) for i in (2, 3, 4, 5)), found.group(6)


def test_the_class_report_counts_each_exercise_and_lists_each_learners_failures(trio):
    html = (trio["out"] / "class-report.html").read_text(encoding="utf-8")
    title, counts, hints = _exercise_counts(html, "1.1")
    assert (title, counts, hints) == (EXERCISES["1.1"].title, (2, 0, 1, 67), "")
    title, counts, hints = _exercise_counts(html, "1.4")
    assert counts == (1, 1, 1, 33)
    assert "&lt;b&gt;stored&lt;/b&gt; as text &amp; not bytes" in hints and "(1 learner)" in hints
    assert _exercise_counts(html, "1.6")[1] == (1, 0, 2, 33)
    assert 'id="exercise-2.1"' not in html and "No learner handed in a notebook for lesson 2, 3" in html
    bob = html[html.index('id="learner-bob"') : html.index('id="learner-cat"')]
    assert '<a href="feedback/bob.html">bob</a>: 3 / 6 passed' in bob
    assert bob.count("<li>") == 1 and "1.4 " + EXERCISES["1.4"].title in bob and "Not attempted: 1.5, 1.6." in bob
    assert "<b>" not in html and "<script" not in html.lower()
    assert (trio["out"] / "class-report.html").stat().st_mode & 0o777 == 0o600
    assert (trio["out"] / "status.csv").stat().st_mode & 0o777 == 0o600


def _graded_at(out):
    return {p.stem: json.loads(p.read_text())["graded_at"] for p in (out / "learners").glob("*.json")}


def test_a_rerun_regrades_only_the_learner_whose_notebooks_changed_and_regrade_grades_all(trio, tmp_path, capsys):
    submissions, out = tmp_path / "submissions", tmp_path / "grades"
    shutil.copytree(trio["submissions"], submissions)
    shutil.copytree(trio["out"], out)
    before = _graded_at(out)
    key = gradebook.grader_key(out)
    digest = gradebook.submission_digest(submissions / "cat")
    assert gradebook.read_learner(out / "learners", "cat", key)["submission_digest"] == digest

    # cat solves 1.1 after the first grading: cat alone is graded again, and the gradebook shows it.
    notebook = nbformat.read(submissions / "cat" / LESSON01, as_version=4)
    solved = nbformat.read(ROOT / "solutions" / LESSON01, as_version=4)
    _first_exercise(notebook).source = _first_exercise(solved).source
    nbformat.write(notebook, submissions / "cat" / LESSON01)
    said = []
    path, graded = gradebook.grade_class(submissions, out, timeout=TIMEOUT, say=said.append)
    assert graded == ["cat"]
    after = _graded_at(out)
    assert after["cat"] > before["cat"] and {n: after[n] for n in ("ann", "bob")} == {
        n: before[n] for n in ("ann", "bob")
    }
    assert any(line.startswith("  cat: notebooks changed since graded") for line in said), said
    assert sum("notebooks unchanged: kept" in line for line in said) == 2
    assert {row[0]: row[-2] for row in _rows(path)[1:]} == {"ann": "6", "bob": "3", "cat": "1"}
    assert gradebook.read_learner(out / "learners", "cat", key)["submission_digest"] != digest

    # bob changes a notebook and writes the new digest into his report: the signature refuses it, bob is regraded.
    notebook = nbformat.read(submissions / "bob" / LESSON01, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("done"))
    nbformat.write(notebook, submissions / "bob" / LESSON01)
    report = json.loads((out / "learners" / "bob.json").read_text())
    report["submission_digest"] = gradebook.submission_digest(submissions / "bob")
    (out / "learners" / "bob.json").write_text(json.dumps(report))
    said = []
    _, graded = gradebook.grade_class(submissions, out, timeout=TIMEOUT, say=said.append)
    assert graded == ["bob"]
    assert any(line.startswith("  bob: report refused") and "signature does not match" in line for line in said)

    # --regrade grades everyone again, saying why.
    before = _graded_at(out)
    capsys.readouterr()
    assert main(["gradebook", str(submissions), "--out", str(out), "--timeout", str(TIMEOUT), "--regrade"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("grading again (--regrade)") == 3 and "Grading 3 learner(s)" in printed
    after = _graded_at(out)
    assert all(after[name] > before[name] for name in ("ann", "bob", "cat"))


def test_the_digest_covers_each_notebooks_name_and_bytes(tmp_path):
    (tmp_path / "01_a.ipynb").write_bytes(b"{}")
    (tmp_path / "notes.txt").write_text("not graded")
    first = gradebook.submission_digest(tmp_path)
    (tmp_path / "notes.txt").write_text("changed")
    assert gradebook.submission_digest(tmp_path) == first  # only what a grade runs
    (tmp_path / "01_a.ipynb").write_bytes(b"{} ")
    assert gradebook.submission_digest(tmp_path) != first
    (tmp_path / "01_a.ipynb").write_bytes(b"{}")
    assert gradebook.submission_digest(tmp_path) == first
    (tmp_path / "01_a.ipynb").rename(tmp_path / "01_b.ipynb")
    assert gradebook.submission_digest(tmp_path) != first
    (tmp_path / "01_b.ipynb").unlink()
    (tmp_path / "01_a.ipynb").symlink_to("/dev/zero")  # not read: a device never ends
    assert gradebook.submission_digest(tmp_path).startswith("sha256:")
