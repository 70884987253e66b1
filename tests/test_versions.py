"""versions_table(): one row per version, oldest first, with its labels."""

from __future__ import annotations

import pytest

from smworkbook import WorkbookError, versions_table
from smworkbook.toolkit.styles import DEPRECATED_TEXT
from smworkbook.toolkit.versions import COLUMNS, label_colour, ordered_labels, secret_names, style_versions


def test_one_row_per_version_in_creation_order_with_labels(sm):
    """The deprecated v1 comes from ListSecretVersionIds without a VersionStages key (as on AWS:
    test_corrections.py::test_a_deprecated_version_is_listed_without_version_stages); the table
    shows it with no labels rather than failing on the missing key."""
    first = sm.create_secret(Name="s", SecretString="1")["VersionId"]
    second = sm.update_secret(SecretId="s", SecretString="2")["VersionId"]
    third = sm.put_secret_value(SecretId="s", SecretString="3")["VersionId"]
    listed = sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=True)["Versions"]
    assert "VersionStages" not in next(version for version in listed if version["VersionId"] == first)
    table = versions_table("s")
    assert list(table.columns) == COLUMNS
    assert table["version"].tolist() == ["v1", "v2", "v3"]
    assert table["VersionId"].tolist() == [first, second, third]
    assert table["labels"].tolist() == [(), ("AWSPREVIOUS",), ("AWSCURRENT",)]
    assert table["deprecated"].tolist() == [True, False, False]
    assert table["created"].is_monotonic_increasing


def test_custom_labels_and_several_labels_on_one_version(sm):
    sm.create_secret(Name="s", SecretString="1")
    canary = sm.put_secret_value(SecretId="s", SecretString="2", VersionStages=["canary", "beta"])["VersionId"]
    row = versions_table("s").set_index("VersionId").loc[canary]
    assert sorted(row["labels"]) == ["beta", "canary"]
    assert not row["deprecated"]


def test_a_secret_with_no_value_has_an_empty_table(sm):
    sm.create_secret(Name="empty")
    table = versions_table("empty")
    assert table.empty
    assert list(table.columns) == COLUMNS


def test_more_than_one_page_of_versions(sm):
    sm.create_secret(Name="s", SecretString="0")
    for number in range(1, 120):
        sm.put_secret_value(SecretId="s", SecretString=str(number))
    assert len(versions_table("s")) == 120


@pytest.mark.parametrize(
    ("setup", "secret", "message"),
    [
        (lambda sm: None, "nope", "There is no secret called 'nope'"),
        (lambda sm: (sm.create_secret(Name="d", SecretString="x"), sm.delete_secret(SecretId="d")), "d", "scheduled"),
        (lambda sm: None, "", "non-empty string"),
        (lambda sm: None, None, "non-empty string"),
        (lambda sm: None, 7, "non-empty string"),
    ],
)
def test_bad_secret_is_a_clear_error(sm, setup, secret, message):
    setup(sm)
    with pytest.raises(WorkbookError, match=message):
        versions_table(secret)


def test_secret_names_includes_those_scheduled_for_deletion(sm):
    sm.create_secret(Name="b", SecretString="x")
    sm.create_secret(Name="a", SecretString="x")
    sm.delete_secret(SecretId="b")
    assert secret_names() == ["a", "b"]


def test_rows_are_coloured_by_label(sm):
    sm.create_secret(Name="s", SecretString="1")
    sm.put_secret_value(SecretId="s", SecretString="2")
    sm.put_secret_value(SecretId="s", SecretString="3")
    html = style_versions(versions_table("s")).to_html()
    assert label_colour(("AWSCURRENT",)) in html
    assert label_colour(("AWSPREVIOUS",)) in html
    assert f"color: {DEPRECATED_TEXT}" in html  # the deprecated v1, greyed out (tests/test_contrast.py: 4.5:1)


def test_label_colours():
    assert label_colour(("AWSCURRENT", "canary")) == label_colour(("AWSCURRENT",))
    assert label_colour(("canary",)) != label_colour(("AWSPREVIOUS",))
    assert label_colour(()) == ""


def test_a_labelled_version_without_a_value_comes_from_describe_secret(sm):
    """ListSecretVersionIds "only returns versions that contain a secret value. To see all version IDs
    that have staging labels attached, including ones without a secret value, call DescribeSecret":
    the table does, so the empty AWSPENDING of a failed createSecret shows, last, with no date."""
    from smworkbook import LabelHistory
    from smworkbook.toolkit import rotation

    current = sm.create_secret(Name="s", SecretString="1")["VersionId"]
    arn = rotation.register_rotation_function("versions-fails", lambda event, context: 1 / 0)
    pending = sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)["VersionId"]
    listed = sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=True)["Versions"]
    assert [version["VersionId"] for version in listed] == [current]
    table = versions_table("s")
    assert table["VersionId"].tolist() == [current, pending]
    assert table["labels"].tolist() == [("AWSCURRENT",), ("AWSPENDING",)]
    assert table["created"].isna().tolist() == [False, True]
    assert "(no value)" in style_versions(table).to_html()
    history = LabelHistory("s")
    history.record("after the failed rotation")
    assert history.table().loc["after the failed rotation"].tolist() == ["AWSCURRENT", "AWSPENDING"]


def test_labels_keep_one_order_whatever_order_aws_answers_in():
    assert ordered_labels(["stable", "AWSCURRENT"]) == ("AWSCURRENT", "stable")
    assert ordered_labels(["AWSCURRENT", "stable"]) == ("AWSCURRENT", "stable")
    assert ordered_labels(["zeta", "AWSPENDING", "alpha", "AWSCURRENT"]) == (
        "AWSCURRENT",
        "AWSPENDING",
        "alpha",
        "zeta",
    )


def test_the_table_and_the_browser_editions_html_come_from_one_data_function(sm, monkeypatch):
    """version_rows feeds both: the DataFrame (desktop) and, where pandas is missing (the browser edition, make
    lite), the HTML table and text a snapshot shows, with the same rows, colours and "(no value)"."""
    from smworkbook.toolkit import versions

    sm.create_secret(Name="s", SecretString="1")
    sm.put_secret_value(SecretId="s", SecretString="2")
    sm.put_secret_value(SecretId="s", SecretString="<3>", VersionStages=["canary"])
    rows = versions.version_rows("s")
    table = versions_table("s")
    assert [list(row) for row in rows] == [
        [r["version"], r["VersionId"], r["labels"], r["created"], r["deprecated"]] for r in table.to_dict("records")
    ]
    monkeypatch.setattr(versions, "has_pandas", lambda: False)
    snapshot = versions.versions_snapshot("s")
    html = snapshot._repr_html_()
    assert html.count("<tr>") == 1 + 3 and "<th" in html
    assert html.count(label_colour(("AWSCURRENT",))) == 5  # every cell of v2's row
    assert label_colour(("AWSPREVIOUS",)) in html and label_colour(("canary",)) in html
    assert "v3" in html and "canary" in html and rows[0].VersionId in html
    text = repr(snapshot)
    assert text.splitlines()[0].split() == COLUMNS
    assert [line.split()[0] for line in text.splitlines()[1:]] == ["v1", "v2", "v3"]
    assert versions.rows_text([]).split() == COLUMNS


def test_a_version_without_a_value_reads_no_value_in_the_browser_edition():
    from datetime import UTC, datetime

    from smworkbook.toolkit.versions import VersionRow, rows_html

    rows = [
        VersionRow("v1", "a", ("AWSCURRENT",), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), False),
        VersionRow("v2", "b<", ("AWSPENDING",), None, False),
    ]
    html = rows_html(rows)
    assert "2026-01-02 03:04:05" in html and "(no value)" in html
    assert "b&lt;" in html and "b<" not in html
