"""LabelHistory: snapshots of the labels after each step, drawn as a grid."""

from __future__ import annotations

import pytest

from smworkbook import LabelHistory, WorkbookError


def rolled_back_history(sm) -> LabelHistory:
    first = sm.create_secret(Name="s", SecretString="good")["VersionId"]
    history = LabelHistory("s")
    history.record("created")
    second = sm.update_secret(SecretId="s", SecretString="bad")["VersionId"]
    history.record("update")
    sm.update_secret_version_stage(
        SecretId="s", VersionStage="AWSCURRENT", MoveToVersionId=first, RemoveFromVersionId=second
    )
    history.record("rollback")
    return history


def test_grid_has_a_row_per_step_and_a_column_per_version(sm):
    grid = rolled_back_history(sm).table()
    assert list(grid.index) == ["created", "update", "rollback"]
    assert grid.to_dict(orient="index") == {
        "created": {"v1": "AWSCURRENT", "v2": "·"},
        "update": {"v1": "AWSPREVIOUS", "v2": "AWSCURRENT"},
        "rollback": {"v1": "AWSCURRENT", "v2": "AWSPREVIOUS"},
    }


def test_recording_a_step_again_replaces_it(sm):
    history = rolled_back_history(sm)
    sm.put_secret_value(SecretId="s", SecretString="fixed")
    history.record("rollback")
    assert list(history.table().index) == ["created", "update", "rollback"]
    assert history.table().loc["rollback"].tolist() == ["AWSPREVIOUS", "", "AWSCURRENT"]
    assert ">deprecated<" in history.show().data  # v2 lost its last label


def test_picture_colours_each_label(sm):
    html = rolled_back_history(sm).show().data
    assert "#c8e6c9" in html and "#ffe0b2" in html
    assert "Labels of s" in html
    assert ">deprecated<" not in html  # nothing is deprecated yet in this history

    assert "T_label_history" in html  # a fixed id: the same HTML on every run, so nbval can compare it


@pytest.mark.parametrize(("step", "message"), [("", "short name"), (None, "short name")])
def test_bad_step_names_are_clear_errors(sm, step, message):
    sm.create_secret(Name="s", SecretString="x")
    with pytest.raises(WorkbookError, match=message):
        LabelHistory("s").record(step)


def test_showing_an_empty_history_says_what_to_do(sm):
    sm.create_secret(Name="s", SecretString="x")
    with pytest.raises(WorkbookError, match="record"):
        LabelHistory("s").show()


def test_history_of_a_missing_secret_is_a_clear_error(aws):
    with pytest.raises(WorkbookError, match="There is no secret called 'nope'"):
        LabelHistory("nope").record("start")


def test_the_browser_edition_draws_the_same_grid_without_pandas(sm, monkeypatch):
    """Where pandas is missing (the browser edition, make lite), show() draws grid()'s cells, coloured the same."""
    from smworkbook.toolkit import history as module

    history = rolled_back_history(sm)
    sm.put_secret_value(SecretId="s", SecretString="fixed")
    history.record("put")
    desktop = history.show().data
    monkeypatch.setattr(module, "has_pandas", lambda: False)
    page = history.show().data
    assert page != desktop
    for text in ("Labels of s", ">deprecated<", ">·<", ">created<", ">rollback<", "#c8e6c9", "#ffe0b2"):
        assert text in page and text in desktop, text
    columns, rows = history.grid()
    assert columns == ["v1", "v2", "v3"]
    assert rows["put"] == ["AWSPREVIOUS", "", "AWSCURRENT"]
    assert page.count("<tr>") == 1 + 4
