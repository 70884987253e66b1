"""The versions widget's model, without a browser: what it shows for each secret and state."""

from __future__ import annotations

import re

import pytest

from smworkbook import VersionsView, WorkbookError, show_versions, versions_snapshot


def test_widget_shows_the_chosen_secret_and_lists_every_secret(sm):
    sm.create_secret(Name="b", SecretString="1")
    sm.create_secret(Name="a", SecretString="1")
    view = show_versions("b")
    assert view.secret == "b"
    assert list(view.dropdown.options) == ["a", "b"]
    assert view.table["labels"].tolist() == [("AWSCURRENT",)]
    assert "smw-versions" in view._dom_classes
    assert repr(view) == "VersionsView(secret='b')"


def test_changing_the_dropdown_shows_that_secret(sm):
    sm.create_secret(Name="a", SecretString="1")
    sm.create_secret(Name="b", SecretString="1")
    sm.put_secret_value(SecretId="b", SecretString="2")
    view = show_versions("a")
    view.dropdown.value = "b"
    assert view.table["labels"].tolist() == [("AWSPREVIOUS",), ("AWSCURRENT",)]
    assert len(view.output.outputs) == 1  # the table, rendered once


def test_refresh_shows_new_versions_and_new_secrets(sm):
    sm.create_secret(Name="a", SecretString="1")
    view = show_versions()
    assert view.secret == "a"
    sm.update_secret(SecretId="a", SecretString="2")
    sm.create_secret(Name="c", SecretString="1")
    view.refresh()
    assert len(view.table) == 2
    assert list(view.dropdown.options) == ["a", "c"]
    assert "AWSCURRENT" in view.output.outputs[0]["data"]["text/html"]


def test_rows_with_awscurrent_and_awsprevious_are_highlighted(sm):
    sm.create_secret(Name="a", SecretString="1")
    sm.update_secret(SecretId="a", SecretString="2")
    html = show_versions("a").output.outputs[0]["data"]["text/html"]
    assert "#c8e6c9" in html and "#ffe0b2" in html


def test_no_secrets_yet_says_so(aws):
    view = VersionsView()
    assert view.secret is None and view.table is None
    assert "no secrets yet" in view.message
    assert view.output.outputs == ()


def test_a_secret_deleted_after_the_widget_was_drawn_shows_a_message_not_a_traceback(sm):
    sm.create_secret(Name="a", SecretString="1")
    view = show_versions("a")
    sm.delete_secret(SecretId="a")
    view.refresh()
    assert view.table is None
    assert "scheduled for deletion" in view.message
    assert "scheduled for deletion" in view.notice.value
    assert view.output.outputs == ()


@pytest.mark.parametrize("secret", ["nope", "", 3])
def test_show_versions_of_a_bad_name_is_a_clear_error(aws, secret):
    with pytest.raises(WorkbookError):
        show_versions(secret)


def test_the_view_is_stored_as_html_and_text_of_its_moment_not_as_its_python_form(sm):
    """Before anything runs (or in an untrusted notebook) JupyterLab shows the stored HTML of a widget."""
    sm.create_secret(Name="a", SecretString="1")
    view = show_versions("a")
    sm.update_secret(SecretId="a", SecretString="2")
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "AWSCURRENT" in bundle["text/html"] and "AWSPREVIOUS" not in bundle["text/html"]  # the moment drawn
    assert "VersionsView(" not in bundle["text/plain"] and "AWSCURRENT" in bundle["text/plain"]
    assert "(" not in bundle["text/plain"].split("\n", 2)[2]  # labels as text, not as a tuple


def test_a_secret_gone_with_the_mock_reset_says_so_and_what_to_do(aws, sm):
    sm.create_secret(Name="TestSecret", SecretString="1")
    view = show_versions("TestSecret")
    aws.reset()
    view.refresh()
    assert view.table is None and list(view.dropdown.options) == ["TestSecret"]
    assert "not in the mock any more" in view.message and "clean-up cell" in view.message
    assert "Run the cells that create it again" in view.notice.value


def test_a_snapshot_keeps_its_moment_and_each_table_has_its_own_style_id(sm):
    sm.create_secret(Name="a", SecretString="1")
    first = versions_snapshot("a")
    sm.update_secret(SecretId="a", SecretString="2")
    second = versions_snapshot("a")
    assert "AWSPREVIOUS" not in first._repr_html_() and "AWSPREVIOUS" in second._repr_html_()
    ids = [re.search(r"#T_(\w+?)_row0", snap._repr_html_()).group(1) for snap in (first, second)]
    assert ids[0] != ids[1]  # two tables on one page must not colour each other's rows
    assert repr(second).split("\n")[1].split()[2:3] == ["AWSPREVIOUS"]
