"""describe_table(): describe_secret as a table of field, value and meaning, read from the mock."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas
import pytest

from smworkbook import WorkbookError, describe_table

from .conftest import run_python

LESSON_FIELDS = [
    "Name",
    "ARN",
    "Description",
    "Status",
    "KmsKeyId",
    "CreatedDate",
    "LastChangedDate",
    "LastAccessedDate",
    "LastRotatedDate",
    "RotationEnabled",
    "VersionIdsToStages",
    "DeletedDate",
    "Tags",
]


def rows(table) -> dict[str, tuple[str, str]]:
    return {row.field: (row.value, row.meaning) for row in table.itertuples()}


def test_every_field_the_lesson_names_is_a_row_with_a_meaning(sm):
    sm.create_secret(Name="s", SecretString="x")
    table = describe_table(sm.describe_secret(SecretId="s"))
    assert list(table.columns) == ["field", "value", "meaning"]
    assert list(table.field) == LESSON_FIELDS
    assert all(meaning for meaning in table.meaning)


def test_values_come_from_the_secret_in_the_mock(sm):
    created = sm.create_secret(
        Name="app/db",
        SecretString="x",
        Description="the app's database",
        Tags=[{"Key": "team", "Value": "payments"}, {"Key": "env", "Value": "prod"}],
    )
    updated = sm.update_secret(SecretId="app/db", SecretString="y")
    table = rows(describe_table(sm.describe_secret(SecretId="app/db")))
    assert table["Name"][0] == "app/db"
    assert table["ARN"][0] == created["ARN"]
    assert table["Description"][0] == "the app's database"
    assert table["Status"][0] == "Active"
    assert table["Tags"][0] == "team=payments, env=prod"
    versions = f"{created['VersionId']}: AWSPREVIOUS; {updated['VersionId']}: AWSCURRENT"
    assert table["VersionIdsToStages"][0] == versions


def test_absent_fields_say_what_their_absence_means(sm):
    sm.create_secret(Name="s", SecretString="x")
    table = rows(describe_table(sm.describe_secret(SecretId="s")))
    assert table["KmsKeyId"] == (
        "(not in the response)",
        "Encrypted with the AWS managed key aws/secretsmanager (the default).",
    )
    assert table["LastAccessedDate"][1].startswith("Nobody has read the value")
    assert table["DeletedDate"][1] == "The secret is not scheduled for deletion."


def test_dates_are_utc_and_say_how_far_away_they_are(sm):
    sm.create_secret(Name="s", SecretString="x")
    sm.get_secret_value(SecretId="s")
    sm.delete_secret(SecretId="s", RecoveryWindowInDays=7)
    response = sm.describe_secret(SecretId="s")
    now = response["CreatedDate"].astimezone(UTC)
    table = rows(describe_table(response, now=now))
    assert table["CreatedDate"][0] == now.strftime("%Y-%m-%d %H:%M:%S UTC") + ", today"
    assert table["LastAccessedDate"][0].endswith("(day only), today")
    assert table["Status"][0] == "Scheduled for deletion"
    # The mock's DeletedDate is the end of the recovery window (see the lesson's callout).
    assert table["DeletedDate"][0].endswith(", in 7 days")


def test_relative_days_count_calendar_days():
    response = {
        "Name": "s",
        "CreatedDate": datetime(2026, 1, 1, 23, 0, tzinfo=UTC),
        "LastChangedDate": datetime(2026, 1, 3, 1, 0, tzinfo=UTC),
        "DeletedDate": datetime(2026, 1, 9, 0, 0, tzinfo=UTC),
    }
    table = rows(describe_table(response, now=datetime(2026, 1, 2, 0, 30, tzinfo=UTC)))
    assert table["CreatedDate"][0] == "2026-01-01 23:00:00 UTC, yesterday"
    assert table["LastChangedDate"][0] == "2026-01-03 01:00:00 UTC, tomorrow"
    assert table["DeletedDate"][0] == "2026-01-09 00:00:00 UTC, in 7 days"


def test_rotation_fields_and_unknown_fields_are_shown_when_present():
    response = {
        "Name": "s",
        "RotationEnabled": True,
        "RotationRules": {"AutomaticallyAfterDays": 30},
        "SomethingNew": "kept",
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }
    table = rows(describe_table(response))
    assert table["RotationEnabled"][0] == "yes"
    assert table["RotationRules"][0] == "every 30 days"
    assert table["SomethingNew"] == ("kept", "")
    assert "ResponseMetadata" not in table


def test_a_name_is_described_from_the_mock(sm):
    sm.create_secret(Name="s", SecretString="x")
    assert rows(describe_table("s"))["Name"][0] == "s"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (None, "not a NoneType"),
        (42, "not a int"),
        (["s"], "not a list"),
        ({"Name": "s", "SecretString": "x"}, "get_secret_value response"),
        ({"SecretList": []}, "list_secrets response"),
        ({"Foo": 1}, "no Name or ARN"),
        ("  ", "non-empty"),
        ("no-such-secret", "There is no secret called 'no-such-secret'"),
    ],
)
def test_bad_input_is_a_short_clear_error(aws, bad, message):
    with pytest.raises(WorkbookError, match=message):
        describe_table(bad)


def test_long_values_and_meanings_are_shown_whole(sm):
    """pandas cuts cells at 50 characters by default; a cut-off meaning or ARN is useless here."""
    created = sm.create_secret(Name="a-fairly-long-secret-name/for-the-describe-table", SecretString="x")
    table = describe_table(created["Name"])
    meaning = table[table.field == "VersionIdsToStages"].meaning.item()
    assert len(meaning) > 50
    with pandas.option_context("display.max_columns", None, "display.width", 1000):  # as wide as it needs
        shown = [table._repr_html_(), repr(table), table[table.field == "ARN"]._repr_html_()]
    for text in shown:
        assert created["ARN"] in text
    assert meaning in shown[0] and meaning in shown[1]


def test_describe_table_loads_pandas_on_first_use_only():
    code = (
        "import sys, smworkbook; smworkbook.start(); print('pandas' in sys.modules); "
        "smworkbook.describe_table; print('pandas' in sys.modules)"
    )
    result = run_python(code)
    assert result.stdout.splitlines() == ["False", "True"], result.stderr
