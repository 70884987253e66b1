"""`checks.progress(N)`, the last cell of each exercise notebook: this kernel's own check results, as a view."""

from __future__ import annotations

import json

import pytest

from smworkbook import CheckFailed, WorkbookError, checks
from smworkbook.checks import _registry


@pytest.fixture(autouse=True)
def fresh_progress(monkeypatch):
    monkeypatch.setattr(_registry, "_seen", {})


def test_progress_shows_each_checked_exercise_and_says_it_is_not_the_grade(sm, capsys):
    checks.setup("1.1")
    with pytest.raises(CheckFailed):
        checks.verify("1.1")
    checks.setup("1.3")
    sm.update_secret(
        SecretId="lesson01/db-app", SecretString=json.dumps({"username": "app_user", "password": "p" * 20})
    )
    checks.verify("1.3")
    capsys.readouterr()
    checks.progress(1)
    # One entry per line; a long one goes on in lines indented by two (broken at spaces, at a laptop's width).
    lines = capsys.readouterr().out.splitlines()
    assert all(len(line) <= 100 for line in lines)
    shown = "\n".join(lines).replace("\n  ", " ").splitlines()
    assert "a view, not your grade" in shown[0]
    assert shown[1].startswith("✘ 1.1 create a JSON secret: not right yet (There is no secret called")
    assert shown[2] == "· 1.2 read one field of a JSON secret: not checked yet"
    assert shown[3].startswith("✔ 1.3 change a password, keep the username: passed")
    assert shown[-1] == "1 of 6 passed in this kernel."


def test_a_check_that_fails_after_passing_shows_its_latest_result(sm, capsys):
    checks.setup("1.1")
    sm.create_secret(Name="lesson01/db-credentials", SecretString=json.dumps({"username": "app_user", "password": "p"}))
    checks.verify("1.1")
    checks.setup("1.1")  # starts the exercise again: the secret is gone
    with pytest.raises(CheckFailed):
        checks.verify("1.1")
    checks.progress(1)
    assert "✘ 1.1" in capsys.readouterr().out


def test_progress_of_an_unknown_lesson_is_a_one_line_error(aws):
    with pytest.raises(WorkbookError, match="The lessons are 1, 2, 3, 4, 5"):
        checks.progress(9)
