"""Each learner's feedback page (smworkbook.grading.feedback) and the LMS imports, from one `smworkbook gradebook`.

A small class of lesson 1 (the benchmark's class is 30; `make bench` grades it): one learner solved it, one
handed in the exercises untouched, and one whose exercise cell is hostile: its code holds a script tag and
quotes, and the error it raises holds a script tag, an ANSI escape, a lone surrogate and the mock's keys.
"""

from __future__ import annotations

import csv
import re
import shutil

import pytest

from smworkbook.authoring.lessons import exercises_name
from smworkbook.checks import EXERCISES
from smworkbook.cli import main
from smworkbook.grading import classreport, feedback, gradebook, lms

from .conftest import ROOT
from .test_browser import CHROMIUM, CHROMIUM_ARGS, DOCS, SHOTS, _require_chromium
from .test_gradebook import LESSON01, TIMEOUT, _first_exercise, _solutions_with

LESSON1 = [number for number in EXERCISES if number.startswith("1.")]

# The kernel's message packing replaced so the error reaches the grader with a lone surrogate (as in
# test_gradebook.py); the error also carries markup, an ANSI escape and the mock's keys the kernel was given.
HOSTILE = """checks.setup("1.1")
# </pre><script>alert("code")</script> "double" 'single' &amp;
import json, os
from jupyter_client import session
kernel = get_ipython().kernel
kernel.session.pack = lambda message: json.dumps(session.squash_dates(message), default=session.json_default).encode()
keys = os.environ["SMWORKBOOK_GRADER_KEYS"]
raise ValueError("<script>alert(1)</script> \\x1b[31mred\\x1b[0m \\x1b[2J \\ud800 keys=" + keys)"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("feedback")
    submissions, out = root / "submissions", root / "grades"
    _solutions_with(submissions / "ann")
    (submissions / "bob").mkdir(parents=True)
    shutil.copy(ROOT / "exercises" / exercises_name(LESSON01), submissions / "bob")
    _solutions_with(submissions / "mal", lambda nb: setattr(_first_exercise(nb), "source", HOSTILE))
    roster = root / "roster.csv"
    roster.write_text(
        "learner,name,canvas_id,sis_user_id,sis_login_id,section,email,idnumber\n"
        'ann,"Lee, Ann",101,S-1,ann,Sec A,ann@example.edu,1001\n'
        "bob,Bob Ray,102,S-2,bob,Sec A,bob@example.edu,1002\n",
        encoding="utf-8",
    )
    args = ["gradebook", str(submissions), "--out", str(out), "--timeout", str(TIMEOUT), "--roster", str(roster)]
    assert main(args) == 0
    return {"root": root, "out": out, "submissions": submissions, "roster": roster}


def _page(graded, name):
    return (graded["out"] / "feedback" / f"{name}.html").read_text(encoding="utf-8")


def _rows(path):
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def test_one_command_writes_each_learners_page_and_both_lms_files_owner_only(graded):
    out = graded["out"]
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["ann.html", "bob.html", "mal.html"]
    assert (out / "feedback").stat().st_mode & 0o777 == 0o700
    for path in [*(out / "feedback").iterdir(), out / "canvas.csv", out / "moodle.csv"]:
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_a_page_shows_every_exercise_with_its_status_hint_and_the_learners_own_code(graded):
    bob = _page(graded, "bob")
    for number in LESSON1:
        assert f'id="exercise-{number}"' in bob
    assert bob.count('<p class="status">not attempted</p>') == len(LESSON1)
    assert "checks.setup(&quot;1.1&quot;)" in bob and "raise NotImplementedError()" in bob
    ann = _page(graded, "ann")
    assert ann.count('<p class="status">passed</p>') == len(LESSON1)
    assert "<td>6 / 6</td>" in ann


def test_a_page_holds_its_learners_data_only(graded):
    ann, bob, mal = _page(graded, "ann"), _page(graded, "bob"), _page(graded, "mal")
    assert "feedback for ann<" in ann and "feedback for mal<" in mal
    assert "alert" not in ann + bob  # mal's code is on mal's page alone
    assert "feedback for" not in mal.replace("feedback for mal", "")


def test_a_hostile_cell_and_error_are_shown_escaped_never_run(graded):
    mal = _page(graded, "mal")
    assert "<script>" not in mal and "</pre><script>" not in mal
    assert "&lt;/pre&gt;&lt;script&gt;alert(&quot;code&quot;)&lt;/script&gt;" in mal  # the code, as written
    assert "&#x27;single&#x27;" in mal and "&amp;amp;" in mal
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mal  # the error it raised
    # Colours are dropped (as the learner's terminal shows them); any other escape and the lone surrogate are text.
    assert "\x1b" not in mal and "\\x1b[2J" in mal and "\\ud800" in mal
    mal.encode("utf-8")  # a page UTF-8 can hold
    assert re.search(r"keys=\[redacted\]:\[redacted\]:\[redacted\]", mal), "the mock's keys reach no page"
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', mal).group(1)
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_no_page_holds_the_graders_key(graded):
    key = (graded["out"] / ".grader-key").read_text().strip()
    assert all(key not in _page(graded, name) for name in ("ann", "bob", "mal"))
    report = {"learner": "x", "results": [{"number": "1.1", "status": "failed", "hint": f"saw {key}"}]}
    assert key not in feedback.render(report, (key,)) and "saw [redacted]" in feedback.render(report, (key,))


def test_the_class_report_shows_a_hostile_hint_as_text_and_holds_no_key(graded):
    """The class report (classreport.py) follows the feedback pages' rules: escaped, no script, keys redacted."""
    html = (graded["out"] / "class-report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "\x1b" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # mal's hint, among 1.1's common hints and mal's own
    assert re.search(r"keys=\[redacted\]:\[redacted\]:\[redacted\]", html), "the mock's keys reach no page"
    assert (graded["out"] / ".grader-key").read_text().strip() not in html
    assert "default-src 'none'" in html
    mal = html[html.index('id="learner-mal"') :]
    assert f"1.1 {EXERCISES['1.1'].title}" in mal and "Not attempted" not in mal


def test_a_hostile_title_learner_name_or_hint_in_a_report_is_text_in_the_class_report():
    hostile = '<img src=x onerror="alert(1)">'
    report = {
        "learner": f"x{hostile}",
        "results": [{"number": "1.1", "title": hostile, "status": "failed", "hint": f"{hostile} key=k-123456789"}],
    }
    html = classreport.render([report], ("k-123456789",))
    assert "<img" not in html and "onerror=&quot;alert(1)&quot;" in html and "k-123456789" not in html
    assert 'href="feedback/x%3Cimg%20src%3Dx%20onerror%3D%22alert%281%29%22%3E.html"' in html
    assert classreport.statuses(report)[:2] == ["failed", "not attempted"]


def test_release_copies_each_page_into_a_folder_per_learner_readable_by_others(graded, capsys):
    released = graded["root"] / "released"
    assert main(["gradebook", "--out", str(graded["out"]), "--release-feedback", str(released)]) == 0
    assert sorted(p.name for p in released.iterdir()) == ["ann", "bob", "mal"]
    page = released / "bob" / "feedback.html"
    assert page.read_text(encoding="utf-8") == _page(graded, "bob")
    assert (page.stat().st_mode & 0o777, page.parent.stat().st_mode & 0o777) == (0o644, 0o755)
    assert "released 3 feedback page(s)" in capsys.readouterr().out
    assert not list(released.rglob("class-report.html"))  # the class report is the instructor's alone


def test_canvas_csv_has_the_columns_canvas_gradebook_import_documents(graded, capsys):
    """Canvas Instructor Guide, "How do I import grades in the Gradebook?": Student, ID, SIS User ID, SIS Login ID,
    Section, then one column per assignment; a learner the roster does not name is left out, saying so."""
    header, *rows = _rows(graded["out"] / "canvas.csv")
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", gradebook.LMS_ITEM]
    assert rows == [["Lee, Ann", "101", "S-1", "ann", "Sec A", "6"], ["Bob Ray", "102", "S-2", "bob", "Sec A", "0"]]


def test_moodle_csv_has_an_identifying_column_per_user_field_and_one_grade_item(graded):
    """Moodle docs, Grade import (CSV): a column mapped to a user field (Email address -> useremail, ID number ->
    useridnumber, Username -> username) and one column per grade item."""
    header, *rows = _rows(graded["out"] / "moodle.csv")
    assert header == ["Email address", "ID number", gradebook.LMS_ITEM]
    assert rows == [["ann@example.edu", "1001", "6"], ["bob@example.edu", "1002", "0"]]


def test_without_a_roster_the_folder_name_is_the_login():
    totals = [("ann", 6), ("=cmd", 0)]
    canvas, left_out = lms.canvas(totals, "W", None)
    assert canvas[1] == ["ann", "", "", "ann", "", 6] and left_out == []
    moodle, _ = lms.moodle(totals, "W", None)
    assert moodle == [["Username", "W"], ["ann", 6], ["=cmd", 0]]


def test_a_roster_without_a_learner_column_or_with_an_unknown_one_is_a_clear_error(tmp_path):
    (tmp_path / "a.csv").write_text("name,email\nAnn,a@x\n")
    with pytest.raises(gradebook.WorkbookError, match="`learner` column"):
        lms.read_roster(tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text("learner,e-mail\nann,a@x\n")
    with pytest.raises(gradebook.WorkbookError, match="unknown roster column"):
        lms.read_roster(tmp_path / "b.csv")


def test_the_feedback_page_read_offline_with_scripts_off_shows_every_exercise(graded):
    """Chromium opens bob's page from disk with JavaScript disabled and every request other than the file itself
    refused; each exercise's status, hint and code are on the page. The screenshot is the instructor's guide's."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    path = graded["out"] / "feedback" / "bob.html"
    refused = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 900})
            context.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url == path.as_uri()
                    else (refused.append(route.request.url), route.abort())
                ),
            )
            page = context.new_page()
            page.goto(path.as_uri())
            for number in LESSON1:
                section = page.locator(f'section[id="exercise-{number}"]')
                assert section.locator(".status").inner_text().lower() == "not attempted"
                assert section.locator(".hint").inner_text().startswith("Hint:")
                assert f'checks.setup("{number}")' in section.locator("pre.code").inner_text()
            page.screenshot(path=DOCS / "feedback-page.png", full_page=False)
        finally:
            browser.close()
    assert refused == []  # the page asked for nothing


def test_the_page_template_is_reusable_for_a_class_page():
    html = feedback.page("Class <1>", "<p>body</p>")
    assert "<title>Class &lt;1&gt;</title>" in html and "<p>body</p>" in html and feedback.POLICY in html


def test_grading_nothing_cannot_be_released(tmp_path):
    assert main(["gradebook", "--out", str(tmp_path), "--release-feedback", str(tmp_path / "r")]) == 2
    assert not (tmp_path / "r").exists()
