"""How the grader turns verdicts into a report, a score and an exit code, and how the gradebook signs and
reads reports: what decides a learner's marks, tested without starting a kernel."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import tempfile
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest

from smworkbook import WorkbookError
from smworkbook.checks import EXERCISES
from smworkbook.cli import main
from smworkbook.grading import discover, formats, gradebook, grader_mock, learner_users
from smworkbook.grading import run as grading
from smworkbook.toolkit import graded

LESSON1 = [number for number in EXERCISES if number.startswith("1.")]


def result(number: str, status: str, hint: str = "", notebook: str = "01_a.ipynb") -> grading.Result:
    return grading.Result(number, EXERCISES[number].title, notebook, status, hint)


def mixed() -> grading.Report:
    return grading.Report(
        results=[
            result("1.1", grading.PASSED),
            result("1.2", grading.FAILED, "The secret holds no JSON."),
            result("1.3", grading.NOT_ATTEMPTED, "Not attempted yet."),
        ]
    )


# Full marks and the exit code -------------------------------------------------------------------


def test_an_empty_report_is_not_full_marks():
    assert not grading.Report().full_marks
    assert not grading.Report(missing_lessons=["1", "2"]).full_marks


def test_full_marks_needs_every_exercise_passed():
    assert grading.Report(results=[result(n, grading.PASSED) for n in LESSON1]).full_marks
    assert not mixed().full_marks
    assert not grading.Report(results=[result("1.1", grading.PASSED), result("1.2", grading.FAILED)]).full_marks


GRADED = [
    (grading.Report(), 1),
    (grading.Report(results=[result("1.1", grading.PASSED)]), 0),
    (grading.Report(results=[result("1.1", grading.PASSED), result("1.2", grading.NOT_ATTEMPTED)]), 1),
]
GRADED_IDS = ["nothing graded", "all passed", "one not attempted"]


@pytest.mark.parametrize(("report", "code"), GRADED, ids=GRADED_IDS)
@pytest.mark.parametrize(("flags", "ci"), [(["--strict"], None), ([], "true"), ([], "TRUE"), (["--strict"], "false")])
def test_strict_or_ci_grading_exits_0_only_with_full_marks(tmp_path, monkeypatch, capsys, report, code, flags, ci):
    """What CI reads (GitHub Actions and GitLab set CI=true): red until every exercise passed."""
    monkeypatch.setattr(learner_users, "available", lambda: False)
    monkeypatch.setattr(grading, "grade", lambda *args, **kwargs: report)
    monkeypatch.delenv("CI", raising=False)
    if ci is not None:
        monkeypatch.setenv("CI", ci)
    assert main(["grade", str(tmp_path), *flags]) == code
    assert f"Score: {report.passed}/{report.total} passed" in capsys.readouterr().out


@pytest.mark.parametrize(("report", "code"), GRADED, ids=GRADED_IDS)
@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_a_learners_grade_exits_0_whatever_the_score_and_ends_with_what_to_do_next(
    tmp_path, monkeypatch, capsys, report, code, ci
):
    """Work left is not an error: `make grade` must not end its table with "make: *** [grade] Error 1"."""
    monkeypatch.setattr(learner_users, "available", lambda: False)
    monkeypatch.setattr(grading, "grade", lambda *args, **kwargs: report)
    monkeypatch.delenv("CI", raising=False)
    if ci is not None:
        monkeypatch.setenv("CI", ci)
    assert main(["grade", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == report.closing()


def test_the_closing_line_names_the_next_exercise_to_work_on_or_says_all_passed():
    assert mixed().closing() == (
        "1 of 3 passed so far. Next: exercise 1.2 in 01_a.ipynb (its hint is above); then grade again."
    )
    later = grading.Report(results=[result("1.1", grading.PASSED), result("1.2", grading.PASSED, notebook="01_b")])
    later.results.append(result("1.3", grading.NOT_ATTEMPTED, "Not yet.", notebook="01_c.ipynb"))
    assert "Next: exercise 1.3 in 01_c.ipynb" in later.closing()
    everything = grading.Report(results=[result(n, grading.PASSED) for n in LESSON1], missing_lessons=["2", "3"])
    assert everything.closing() == f"All {len(LESSON1)} exercises passed. Not graded (no notebook): lesson 2, 3."
    assert grading.Report().closing().startswith("No exercise was graded")


# What the learner reads: the table, JSON and JUnit ----------------------------------------------


def test_the_table_has_a_row_per_exercise_a_hint_under_each_one_not_passed_and_the_score():
    lines = mixed().table().splitlines()
    title = EXERCISES["1.2"].title
    assert any(line.startswith("✔ 1.1") and line.endswith("passed") for line in lines)
    row = next(i for i, line in enumerate(lines) if line.startswith("✘ 1.2"))
    assert title in lines[row] and lines[row].endswith("failed")
    assert lines[row + 1].strip() == "hint: The secret holds no JSON."
    assert any(line.startswith("· 1.3") and line.endswith("not attempted") for line in lines)
    assert sum("hint:" in line for line in lines) == 2
    assert lines[-1] == "Score: 1/3 passed, 1 failed, 1 not attempted."


def test_the_json_report_counts_each_status_and_keeps_each_result():
    body = json.loads(mixed().to_json())
    assert {k: body[k] for k in ("score", "total", "passed", "failed", "not_attempted")} == {
        "score": 1,
        "total": 3,
        "passed": 1,
        "failed": 1,
        "not_attempted": 1,
    }
    assert [(r["number"], r["status"], r["hint"]) for r in body["results"]] == [
        ("1.1", "passed", ""),
        ("1.2", "failed", "The secret holds no JSON."),
        ("1.3", "not attempted", "Not attempted yet."),
    ]


def test_the_junit_report_has_a_suite_per_notebook_with_failures_and_skips():
    report = mixed()
    report.results.append(result("2.1", grading.FAILED, "No second version.", notebook="02_b.ipynb"))
    root = ET.fromstring(report.to_junit())
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("4", "2", "1")
    suites = {suite.get("name"): suite for suite in root}
    assert list(suites) == ["01_a.ipynb", "02_b.ipynb"]
    first = suites["01_a.ipynb"]
    assert (first.get("tests"), first.get("failures"), first.get("skipped")) == ("3", "1", "1")
    cases = {case.get("name").split()[0]: case for case in first}
    assert list(cases["1.1"]) == []
    (failure,) = cases["1.2"]
    assert failure.tag == "failure"
    assert failure.get("message") == failure.text == "The secret holds no JSON."
    (skipped,) = cases["1.3"]
    assert skipped.tag == "skipped"
    assert suites["02_b.ipynb"].get("failures") == "1"


def test_reports_are_written_where_asked_and_nowhere_else(tmp_path):
    json_path, junit_path = tmp_path / "a" / "r.json", tmp_path / "b" / "j.xml"
    assert grading.write_reports(mixed(), json_path, None) == [json_path]
    assert json.loads(json_path.read_text())["score"] == 1
    assert not junit_path.exists()
    assert grading.write_reports(mixed(), None, junit_path) == [junit_path]
    assert ET.fromstring(junit_path.read_text()).get("tests") == "3"


def test_reports_go_into_folders_made_for_them_however_deep(tmp_path):
    """CI asks for artifacts/grade/report.json in a fresh clone: every missing folder on the way is made."""
    json_path = tmp_path / "artifacts" / "grade" / "report.json"
    assert grading.write_reports(mixed(), json_path, None) == [json_path]
    assert json.loads(json_path.read_text())["total"] == 3


# What a hostile notebook puts in its name and its errors ------------------------------------------------

# A notebook named with a byte that is not UTF-8 (Python reads it as the surrogate U+DCFF), an error text with a lone
# surrogate (a kernel whose message packing was replaced sends it), and control characters that XML refuses and
# that rewrite a terminal's lines.
HOSTILE_NAME = os.fsdecode(b"01_\xff.ipynb")
HOSTILE_HINT = "Your exercise cell raised ValueError: \ud800 \x1b]0;owned\x07\rScore: 6/6\x00"


def hostile() -> grading.Report:
    return grading.Report(results=[result("1.1", grading.FAILED, HOSTILE_HINT, notebook=HOSTILE_NAME)])


def test_a_hostile_name_and_error_text_are_written_escaped_in_every_report_and_table(tmp_path):
    json_path, junit_path = tmp_path / "r.json", tmp_path / "j.xml"
    grading.write_reports(hostile(), json_path, junit_path)
    written = json.loads(json_path.read_text(encoding="utf-8"))["results"][0]
    assert written["notebook"] == "01_\\xff.ipynb"
    assert written["hint"] == "Your exercise cell raised ValueError: \\ud800 \\x1b]0;owned\\x07\\x0dScore: 6/6\\x00"
    case = ET.fromstring(junit_path.read_text(encoding="utf-8")).find("testsuite/testcase/failure")
    assert case.get("message") == written["hint"]
    table = hostile().table()
    table.encode("utf-8")  # printable on a UTF-8 terminal, and with nothing that moves the cursor
    assert "\\ud800" in table and not any(c in table for c in "\x1b\x07\r\x00")
    key = b"k" * 32
    (tmp_path / "ann.json").write_text(gradebook.signed_report(hostile(), "ann", key), encoding="utf-8")
    assert gradebook.read_learner(tmp_path, "ann", key)["results"][0]["hint"] == written["hint"]
    assert formats.gradescope(json_path)["tests"][0]["output"] == f"failed: {written['hint']}"


def test_a_report_holding_a_lone_surrogate_is_refused_not_a_crash(tmp_path):
    """Only the grader writes reports, with every text made safe: one that JSON-escapes a lone surrogate was not."""
    key = b"k" * 32
    body = json.loads(gradebook.signed_report(mixed(), "ann", key))
    body["results"][0]["hint"] = "\ud800"
    (tmp_path / "ann.json").write_text(json.dumps(body), encoding="utf-8")  # ensure_ascii: "\\ud800" in the file
    with pytest.raises(WorkbookError, match="signature does not match"):
        gradebook.read_learner(tmp_path, "ann", key)


def test_a_learner_whose_report_cannot_be_written_is_that_learners_row_only(tmp_path, monkeypatch):
    """The report is written inside the per-learner guard: whatever text a check has not seen yet breaks writing it,
    that learner's row says so, every other learner's row stands, and the gradebook is written."""
    for name in ("ann", "bob"):
        (tmp_path / "class" / name).mkdir(parents=True)

    async def all_passed(folder, timeout, slots, user, limit):
        return grading.Report(results=[result(n, grading.PASSED) for n in LESSON1])

    signed = gradebook.signed_report

    def breaks_for_bob(report, learner, key, digest=None):
        if learner == "bob" and report.passed:
            raise UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed")
        return signed(report, learner, key, digest)

    monkeypatch.setattr(learner_users, "available", lambda: False)
    monkeypatch.setattr(gradebook, "_grade_learner", all_passed)
    monkeypatch.setattr(gradebook, "signed_report", breaks_for_bob)
    path, graded_now = gradebook.grade_class(tmp_path / "class", tmp_path / "out", say=lambda line: None)
    with open(path, newline="", encoding="utf-8") as file:
        assert {row[0]: row[-2] for row in list(csv.reader(file))[1:]} == {"ann": "6", "bob": "0"}
    bob = gradebook.read_learner(tmp_path / "out" / "learners", "bob", gradebook.grader_key(tmp_path / "out"))
    assert bob["results"][0]["hint"].startswith("The grader could not write this learner's report: UnicodeEncodeError")


@pytest.mark.skipif(not learner_users.available(), reason="needs root to act as another OS user")
def test_a_report_written_by_grade_cannot_be_read_by_another_os_user():
    """`smworkbook grade --json/--junit`: the files are 0600, a folder made for them 0700; another user of the
    machine (here a learner's kernel's user) is refused, even where it can pass through the folders above."""
    root = Path(tempfile.mkdtemp(prefix="smw-reports-"))
    try:
        root.chmod(0o755)
        (root / "open").mkdir(mode=0o755)
        paths = [root / "open" / "report.json", root / "made" / "report.xml"]
        grading.write_reports(mixed(), *paths)
        attacker = learner_users._as(learner_users.user_for("another-learner"))
        for path in paths:
            refused = subprocess.run([*attacker, "/bin/cat", str(path)], capture_output=True, text=True, timeout=30)
            assert refused.returncode != 0 and "Permission denied" in refused.stderr, (path, refused.stdout)
        listed = subprocess.run([*attacker, "/bin/ls", str(root / "made")], capture_output=True, text=True)
        assert listed.returncode != 0 and "Permission denied" in listed.stderr
        assert json.loads(paths[0].read_text())["score"] == 1  # the grader's user reads them
    finally:
        shutil.rmtree(root, ignore_errors=True)


# One report from several notebooks --------------------------------------------------------------


def test_of_two_notebooks_for_one_lesson_the_better_result_counts():
    first = [result("1.1", grading.FAILED, "wrong"), result("1.2", grading.PASSED)]
    second = [result("1.1", grading.PASSED, notebook="01_b.ipynb"), result("1.2", grading.NOT_ATTEMPTED)]
    report = grading.assemble([first, second], ["1.1", "1.2"], [])
    assert [(r.number, r.status, r.notebook) for r in report.results] == [
        ("1.1", grading.PASSED, "01_b.ipynb"),
        ("1.2", grading.PASSED, "01_a.ipynb"),
    ]


def test_on_a_tie_the_first_notebooks_result_counts_and_the_order_is_the_exercises():
    first = [result("2.1", grading.FAILED, "first", notebook="02_a.ipynb"), result("1.2", grading.FAILED)]
    second = [result("1.2", grading.FAILED, "second", notebook="01_b.ipynb")]
    report = grading.assemble([first, second], ["1.2", "2.1"], ["3"])
    assert [(r.number, r.notebook) for r in report.results] == [("1.2", "01_a.ipynb"), ("2.1", "02_a.ipynb")]
    assert report.missing_lessons == ["3"]


def _notebook(path):
    nbformat.write(nbformat.v4.new_notebook(), path)
    return path


def test_a_folder_grades_the_lessons_present_and_names_the_missing_ones(tmp_path):
    one = _notebook(tmp_path / "01_mine.ipynb")
    three = _notebook(tmp_path / "03_mine.ipynb")
    (tmp_path / "notes.txt").write_text("not a notebook")
    notebooks, expected, missing = discover.notebooks_and_expected(tmp_path)
    assert notebooks == [one, three]
    assert expected == [n for n in EXERCISES if n.split(".")[0] in ("1", "3")]
    assert missing == [lesson for lesson in discover.lessons() if lesson not in ("1", "3")]
    # Notebooks named one by one: only their lessons, nothing reported missing.
    assert discover.notebooks_and_expected([three]) == ([three], [n for n in EXERCISES if n.startswith("3.")], [])


@pytest.mark.parametrize("make", ["empty folder", "text file", "missing"])
def test_grading_nothing_gradable_is_a_one_line_error(tmp_path, make):
    target = tmp_path / "work"
    if make == "empty folder":
        target.mkdir()
    elif make == "text file":
        target = tmp_path / "answers.txt"
        target.write_text("x")
    with pytest.raises(WorkbookError):
        discover.notebooks_and_expected(target)


# From a verdict to a result ---------------------------------------------------------------------


def _run(numbers: str = "1") -> grading._NotebookRun:
    return grading._NotebookRun(grading.Path(f"0{numbers}_mine.ipynb"), nbformat.v4.new_notebook(), timeout=7)


def test_a_pass_is_the_graders_verdict_alone():
    run = _run()
    run.verdicts["1.1"] = {"status": grading.PASSED}
    run.sections["1.1"] = {"errors": [], "stub": False, "ran": True}
    assert (run._result("1.1").status, run._result("1.1").hint) == (grading.PASSED, "")
    # Whatever the learner's cells printed or raised, no verdict is no pass.
    run.sections["1.2"] = {"errors": [], "stub": False, "ran": True}
    assert run._result("1.2").status == grading.FAILED
    assert run._result("1.2").hint == "The check did not run."


def test_a_check_cell_that_printed_the_pass_line_then_raised_is_not_a_pass():
    run = _run()
    error = {"ename": "RuntimeError", "evalue": "after the pass line", "output_type": "error"}
    run.sections["1.1"] = {"errors": [error], "stub": False, "ran": True}
    run.verdicts["1.1"] = {"status": grading.FAILED, "message": "There is no secret called 'x'."}
    found = run._result("1.1")
    assert found.status == grading.FAILED
    assert (
        found.hint == "Your exercise cell raised RuntimeError: after the pass line Then: There is no secret called 'x'."
    )


def test_a_pass_with_the_stub_line_left_has_a_note_and_an_untouched_stub_is_not_attempted():
    run = _run()
    run.sections["1.1"] = {"errors": [], "stub": True, "ran": True}
    run.verdicts["1.1"] = {"status": grading.PASSED}
    assert (run._result("1.1").status, run._result("1.1").hint) == (grading.PASSED, grading.STUB_NOTE)
    run.verdicts["1.1"] = {"status": grading.FAILED, "message": "Nothing yet."}
    assert (run._result("1.1").status, run._result("1.1").hint) == (grading.NOT_ATTEMPTED, "Nothing yet.")


def test_a_missing_setup_cell_is_not_attempted_and_says_to_restore_it():
    run = _run()
    run.verdicts["1.1"] = {"status": grading.FAILED, "message": "no secret"}
    found = run._result("1.1")
    assert found.status == grading.NOT_ATTEMPTED
    assert found.hint.startswith('No cell calls checks.setup("1.1")') and found.hint.endswith("no secret")


def test_a_stopped_cell_or_a_stopped_notebook_says_so_before_the_checks_message():
    run = _run()
    interrupted = {"ename": "KeyboardInterrupt", "evalue": "", "output_type": "error"}
    run.sections["1.1"] = {"errors": [interrupted], "stub": False, "ran": True}
    run.verdicts["1.1"] = {"status": grading.FAILED, "message": "no secret"}
    assert (
        run._result("1.1").hint
        == "Your exercise cell ran for more than 7 s and was stopped (an endless loop?). no secret"
    )
    run.stopped = "The kernel died while running the notebook; the cells after that did not run."
    run.sections["1.2"] = {"errors": [], "stub": False, "ran": False}
    run.verdicts["1.2"] = {"status": grading.FAILED, "message": "no secret"}
    assert run._result("1.2").hint == f"{run.stopped} no secret"
    run.sections["1.3"] = {"errors": [], "stub": False, "ran": False}
    # No verdict at all (the grader's mock stopped): why the check did not run, said once.
    assert run._result("1.3").hint == run.stopped


def test_an_error_is_told_in_one_line_without_colour_codes():
    failed = {"ename": "CheckFailed", "evalue": "\x1b[31mExercise 1.2 (a title) is not right yet. Add JSON.\x1b[0m"}
    assert grading._one_line(failed) == "Add JSON."
    assert grading._one_line({"ename": "WorkbookError", "evalue": "\x1b[1mName it.\x1b[0m"}) == "Name it."
    assert grading._one_line({"ename": "KeyError", "evalue": "'x'"}) == "KeyError: 'x'"


def test_the_lesson_of_a_notebook_is_its_leading_number():
    assert discover.lesson_of(grading.Path("04_rotation.ipynb")) == "4"
    assert discover.lesson_of(grading.Path("rotation.ipynb")) is None
    assert _run("2").numbers == [n for n in EXERCISES if n.startswith("2.")]


def test_workers_default_to_one_more_than_the_cores_and_never_more_than_the_notebooks(monkeypatch):
    monkeypatch.setattr(grading.os, "cpu_count", lambda: 2)
    assert grading._default_workers(10) == 3
    assert grading._default_workers(2) == 2
    assert grading._default_workers(0) == 1


# The gradebook: signed reports ------------------------------------------------------------------


def test_a_signed_report_reads_back_and_any_change_to_it_is_refused(tmp_path):
    key = b"k" * 32
    path = tmp_path / "ann.json"
    path.write_text(gradebook.signed_report(mixed(), "ann", key))
    body = gradebook.read_learner(tmp_path, "ann", key)
    assert (body["learner"], body["score"]) == ("ann", 1)
    with pytest.raises(WorkbookError, match="signature does not match"):
        gradebook.read_signed(path, b"another key")
    forged = json.loads(path.read_text())
    forged["score"] = 3
    path.write_text(json.dumps(forged))
    with pytest.raises(WorkbookError, match="signature does not match"):
        gradebook.read_signed(path, key)
    path.write_text(gradebook.signed_report(mixed(), "ann", None))
    with pytest.raises(WorkbookError, match="not signed"):
        gradebook.read_signed(path, key)
    path.write_text("[1, 2")
    with pytest.raises(WorkbookError, match="not a report"):
        gradebook.read_signed(path, key)


def test_a_report_renamed_to_another_learner_is_refused(tmp_path):
    key = b"k" * 32
    (tmp_path / "bob.json").write_text(gradebook.signed_report(mixed(), "ann", key))
    with pytest.raises(WorkbookError, match="'ann''s, not 'bob''s"):
        gradebook.read_learner(tmp_path, "bob", key)
    with pytest.raises(WorkbookError, match="no report"):
        gradebook.read_learner(tmp_path, "cy", key)


def test_the_gradebook_counts_a_point_per_passed_exercise(tmp_path):
    key = b"k" * 32
    everything = grading.Report(results=[result(n, grading.PASSED) for n in LESSON1])
    (tmp_path / "ann.json").write_text(gradebook.signed_report(everything, "ann", key))
    (tmp_path / "=bob.json").write_text(gradebook.signed_report(mixed(), "=bob", key))
    path = gradebook.write_gradebook(["ann", "=bob"], tmp_path, tmp_path / "grades" / "out", key)
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["learner", *EXERCISES, "total", "note"]
    assert rows[1][0] == "ann" and rows[1][-2] == str(len(LESSON1)) and rows[1][-1] == ""
    assert rows[1][1 : 1 + len(LESSON1)] == ["1"] * len(LESSON1)
    assert rows[2][0] == "'=bob" and rows[2][-2] == "1" and rows[2][1:4] == ["1", "0", "0"]
    with open(tmp_path / "grades" / "out" / "lms.csv", newline="", encoding="utf-8") as file:
        lms = list(csv.reader(file))
    assert lms == [
        ["Username", f"Secrets Manager workbook (out of {len(EXERCISES)})"],
        ["ann", str(len(LESSON1))],
        ["'=bob", "1"],
    ]


def test_a_learners_notebooks_are_found_at_the_top_or_in_my_work(tmp_path):
    (tmp_path / "ann").mkdir()
    _notebook(tmp_path / "ann" / "01_a.ipynb")
    (tmp_path / "bob" / "my-work").mkdir(parents=True)
    (tmp_path / "cy" / "exercises").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    assert gradebook.learners(tmp_path) == [
        ("ann", tmp_path / "ann"),
        ("bob", tmp_path / "bob" / "my-work"),
        ("cy", tmp_path / "cy" / "exercises"),
    ]
    (tmp_path / "bad name").mkdir()
    with pytest.raises(WorkbookError, match="named with letters"):
        gradebook.learners(tmp_path)


def test_a_learner_with_nothing_to_grade_fails_every_exercise_with_the_reason():
    report = gradebook._failed_report("There are no notebooks in x/.")
    assert [r.number for r in report.results] == list(EXERCISES)
    assert {(r.status, r.hint) for r in report.results} == {(grading.FAILED, "There are no notebooks in x/.")}
    assert not report.full_marks


def test_the_grader_key_comes_from_the_environment_or_a_private_file(tmp_path, monkeypatch):
    monkeypatch.delenv(gradebook.KEY_VARIABLE, raising=False)
    assert gradebook.grader_key(None) is None
    made = gradebook.grader_key(tmp_path / "grades")
    assert len(made) == 64 and gradebook.grader_key(tmp_path / "grades") == made
    assert (tmp_path / "grades" / ".grader-key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv(gradebook.KEY_VARIABLE, "from-ci")
    assert gradebook.grader_key(tmp_path / "grades") == b"from-ci"


def _serve(handler):
    """An HTTP server on a free loopback port, stopped when the test ends."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def test_a_refusal_from_the_grader_s_control_address_is_its_one_line_message(monkeypatch):
    """A graded kernel's request the grader's mock refuses (here one it does not know) reaches the
    notebook as the mock's own message, a WorkbookError: no traceback of urllib's."""
    httpd = _serve(grader_mock._Control)
    try:
        monkeypatch.setenv(graded.CONTROL, f"http://127.0.0.1:{httpd.server_address[1]}/{grader_mock._TOKEN}")
        with pytest.raises(WorkbookError, match="no such request: .*/no-such-thing"):
            graded.ask("/no-such-thing")
    finally:
        httpd.shutdown()


def test_a_control_address_that_answers_but_not_as_the_grader_is_a_workbook_error(monkeypatch):
    """Something else on the control port (an HTML page, not the grader's JSON) or nothing there at
    all: the kernel is told the grader's mock did not answer."""

    class NotTheGrader(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            page = b"<html>hello</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            """Quiet."""

    httpd = _serve(NotTheGrader)
    try:
        monkeypatch.setenv(graded.CONTROL, f"http://127.0.0.1:{httpd.server_address[1]}/token")
        with pytest.raises(WorkbookError, match="did not answer"):
            graded.ask("/reset")
    finally:
        httpd.shutdown()
        httpd.server_close()
    monkeypatch.setenv(graded.CONTROL, f"http://127.0.0.1:{httpd.server_address[1]}/token")
    with pytest.raises(WorkbookError, match="did not answer"):
        graded.ask("/reset")


def test_grade_files_are_the_owners_alone_whatever_the_umask(tmp_path):
    """gradebook.csv, lms.csv and each report: 0600 in a 0700 folder, even under umask 0 and in a folder that
    existed open (tests/test_owner_only.py shows another user refused; this pins the modes themselves)."""
    import os
    import stat

    from smworkbook.grading import report

    folder = tmp_path / "grades"
    folder.mkdir(mode=0o755)
    old = os.umask(0)
    try:
        report.private_folder(folder)
        written = report.write_private(folder / "gradebook.csv", "learner,score\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert written.read_text() == "learner,score\n"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("01_\udc80.ipynb", "01_\\x80.ipynb"),  # the lowest byte os.fsdecode() cannot decode (b"\x80")
        ("01_\udcff.ipynb", "01_\\xff.ipynb"),  # the highest (b"\xff")
        ("bad \ud800 text", "bad \\ud800 text"),  # a lone surrogate a kernel sent: no byte behind it
        ("\x1b[2Jcleared", "\\x1b[2Jcleared"),  # a terminal escape rewrites the table above it
    ],
)
def test_a_name_or_error_that_no_grade_file_can_hold_is_shown_escaped(text, shown):
    """A file name's undecodable byte shows as that byte; other unsafe characters as their code point."""
    from smworkbook.grading import report

    assert report.safe_text(text) == shown
    shown.encode("utf-8")  # every grade file can hold it


def test_an_aws_error_from_the_learners_function_is_rebuilt_under_its_own_name():
    """A learner's function that raised boto3's InvalidParameterException in the kernel raises, in the grader's
    mock, a ClientError named InvalidParameterException: a hint that names the error reads as in the notebook,
    not 'ClientError' (issue 31)."""
    import botocore.exceptions

    error = {"code": "InvalidParameterException", "message": "bad", "operation": "UpdateSecretVersionStage"}
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        grader_mock._raise_like(error)
    assert type(raised.value).__name__ == "InvalidParameterException"
    assert raised.value.response["Error"] == {"Code": "InvalidParameterException", "Message": "bad"}
    assert "UpdateSecretVersionStage" in str(raised.value)
