"""Bad input to every public helper: a short, clear error naming what to fix, and nothing stored lost.

THE TABLE below is every input tried. Each row is (what the learner typed, the call, words the
message must contain). Before each row the mock holds two secrets the learner cares about; after
the error they must still be there, unchanged. The second table repeats the helpers that talk to
the mock with the mock stopped. In a notebook, WorkbookError is shown as its one line (see
tests/test_server_faults.py for that seen through a real kernel).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import smworkbook
from smworkbook import WorkbookError, checks
from smworkbook.grading import instructor
from smworkbook.grading import run as grading
from smworkbook.toolkit import access, rotation

KEPT = "kept/secret"
DELETED = "deleted/secret"


def _handler(event, context):
    return None


class _NotAClient:
    pass


TABLE = [
    # The mock's own helpers (aws = smworkbook.start()).
    ("aws.client(42)", lambda aws: aws.client(42), "service name"),
    ("aws.client('')", lambda aws: aws.client(""), "service name"),
    ("aws.client('secretmanager')", lambda aws: aws.client("secretmanager"), "Did you mean 'secretsmanager'"),
    ("aws.client_as('alice')", lambda aws: aws.client_as("alice"), "access.create_user"),
    ("aws.client('kms', 42)", lambda aws: aws.client("kms", 42), "Region code"),
    ("aws.ensure_absent('x', region='')", lambda aws: aws.ensure_absent("x", region=""), "Region code"),
    ("aws.ensure_absent(None)", lambda aws: aws.ensure_absent(None), "non-empty string"),
    ("aws.ensure_absent('   ')", lambda aws: aws.ensure_absent("   "), "non-empty string"),
    ("aws.ensure_absent('x' * 600)", lambda aws: aws.ensure_absent("x" * 600), "at most 512"),
    ("aws.ensure_secret(KEPT, SecretString=42)", lambda aws: aws.ensure_secret("new", SecretString=42), "SecretString"),
    ("aws.ensure_secret('new', Colour='red')", lambda aws: aws.ensure_secret("new", Colour="red"), "Colour"),
    # Tables, widgets and the label history.
    ("versions_table(None)", lambda aws: smworkbook.versions_table(None), "non-empty string"),
    ("version_rows(None)", lambda aws: smworkbook.version_rows(None), "non-empty string"),
    ("version_rows('missing')", lambda aws: smworkbook.version_rows("missing"), "missing"),
    ("versions_table('')", lambda aws: smworkbook.versions_table(""), "non-empty string"),
    ("versions_table('missing')", lambda aws: smworkbook.versions_table("missing"), "missing"),
    ("versions_table(['a', 'b'])", lambda aws: smworkbook.versions_table(["a", "b"]), "non-empty string"),
    ("show_versions(42)", lambda aws: smworkbook.show_versions(42), "non-empty string"),
    ("versions_snapshot(None)", lambda aws: smworkbook.versions_snapshot(None), "non-empty string"),
    ("versions_snapshot('missing')", lambda aws: smworkbook.versions_snapshot("missing"), "missing"),
    ("LabelHistory(None)", lambda aws: smworkbook.LabelHistory(None), "non-empty string"),
    (
        "LabelHistory('missing').record('start')",
        lambda aws: smworkbook.LabelHistory("missing").record("start"),
        "missing",
    ),
    ("LabelHistory(KEPT).record(42)", lambda aws: smworkbook.LabelHistory(KEPT).record(42), "step"),
    ("describe_table(None)", lambda aws: smworkbook.describe_table(None), "describe_table"),
    ("describe_table('missing')", lambda aws: smworkbook.describe_table("missing"), "missing"),
    ("describe_table(42)", lambda aws: smworkbook.describe_table(42), "describe_table"),
    ("VersionsView(42)", lambda aws: smworkbook.VersionsView(42), "non-empty string"),
    # Rotation.
    (
        "register_rotation_function('bad name!', f)",
        lambda aws: smworkbook.register_rotation_function("bad name!", _handler),
        "function name",
    ),
    (
        "register_rotation_function('', f)",
        lambda aws: smworkbook.register_rotation_function("", _handler),
        "function name",
    ),
    (
        "register_rotation_function('f', 'code')",
        lambda aws: smworkbook.register_rotation_function("f", "code"),
        "function itself",
    ),
    (
        "register_rotation_function('f', f())",
        lambda aws: smworkbook.register_rotation_function("f", None),
        "function itself",
    ),
    ("rotation_log('never-registered')", lambda aws: smworkbook.rotation_log("never-registered"), "never-registered"),
    ("rotation.invocations(42)", lambda aws: rotation.invocations(42), "function"),
    # Faults on purpose.
    ("throttled('sm')", lambda aws: smworkbook.throttled("sm").__enter__(), "boto3 client"),
    (
        "throttled(client, times=-1)",
        lambda aws: smworkbook.throttled(aws.client("secretsmanager"), times=-1).__enter__(),
        "whole number",
    ),
    (
        "throttled(client, times='2')",
        lambda aws: smworkbook.throttled(aws.client("secretsmanager"), times="2").__enter__(),
        "whole number",
    ),
    (
        "throttled(client, code='Boom')",
        lambda aws: smworkbook.throttled(aws.client("secretsmanager"), code="Boom").__enter__(),
        "ThrottlingException",
    ),
    ("throttled(object())", lambda aws: smworkbook.throttled(_NotAClient()).__enter__(), "boto3 client"),
    # Access control.
    ("access.create_user('')", lambda aws: access.create_user(""), "user name"),
    ("access.create_user(42)", lambda aws: access.create_user(42), "user name"),
    ("access.create_user('bob', tags={'team': 1})", lambda aws: access.create_user("bob", tags={"team": 1}), "tags"),
    ("access.create_user('bob', tags='team')", lambda aws: access.create_user("bob", tags="team"), "tags"),
    (
        "access.create_user('bob', policy='{not json')",
        lambda aws: access.create_user("bob", policy="{not json"),
        "JSON",
    ),
    ("access.create_user('bob', policy=42)", lambda aws: access.create_user("bob", policy=42), "policy"),
    (
        "access.put_user_policy('bob', {...})",
        lambda aws: access.put_user_policy("bob", {"Version": "2012-10-17"}),
        "identity",
    ),
    ("access.delete_user('')", lambda aws: access.delete_user(""), "user name"),
    ("access.client_as(None)", lambda aws: access.client_as(None), "identity"),
    (
        "access.simulate(None, 'secretsmanager:GetSecretValue')",
        lambda aws: access.simulate(None, "secretsmanager:GetSecretValue"),
        "identity",
    ),
    (
        "access.simulate('nobody', 'secretsmanager:GetSecretValue')",
        lambda aws: access.simulate("nobody", "secretsmanager:GetSecretValue"),
        "nobody",
    ),
    ("access.enforce_policies('yes')", lambda aws: access.enforce_policies("yes"), "True or False"),
    # The instructor's helpers.
    ("instructor.present(0)", lambda aws: instructor.present(0), "lesson"),
    ("instructor.present('1')", lambda aws: instructor.present("1"), "lesson number"),
    ("instructor.present(True)", lambda aws: instructor.present(True), "lesson number"),
    ("instructor.present(99)", lambda aws: instructor.present(99), "lesson"),
    # Lesson 4's database (starts this process's PostgreSQL once).
    (
        "start_database().create_login('drop table')",
        lambda aws: smworkbook.start_database().create_login("drop table"),
        "login name",
    ),
    ("start_database().can_log_in(None, 'x')", lambda aws: smworkbook.start_database().can_log_in(None, "x"), "login"),
    ("instructor.reset(seed='yes')", lambda aws: instructor.reset(seed="yes"), "True or False"),
    # Exercise checks and grading.
    ("checks.setup('9.9')", lambda aws: checks.setup("9.9"), "9.9"),
    ("checks.setup(1.1)", lambda aws: checks.setup(1.1), "in quotes, like '1.1'"),
    ("checks.verify('9.9')", lambda aws: checks.verify("9.9"), "9.9"),
    ("grading.grade('no-such-folder')", lambda aws: grading.grade(Path("no-such-folder")), "no-such-folder"),
]

STOPPED = [
    ("smworkbook.current()", lambda aws: smworkbook.current()),
    ("aws.client('secretsmanager')", lambda aws: aws.client("secretsmanager")),
    ("aws.reset()", lambda aws: aws.reset()),
    ("aws.ensure_absent(KEPT)", lambda aws: aws.ensure_absent(KEPT)),
    ("aws.ensure_secret(KEPT, SecretString='x')", lambda aws: aws.ensure_secret(KEPT, SecretString="x")),
    ("versions_table(KEPT)", lambda aws: smworkbook.versions_table(KEPT)),
    ("LabelHistory(KEPT).record('step')", lambda aws: smworkbook.LabelHistory(KEPT).record("step")),
    ("describe_table(KEPT)", lambda aws: smworkbook.describe_table(KEPT)),
    ("show_versions(KEPT)", lambda aws: smworkbook.show_versions(KEPT)),
    ("access.enforce_policies()", lambda aws: access.enforce_policies()),
    ("access.create_user('bob')", lambda aws: access.create_user("bob")),
    ("instructor.dashboard_url()", lambda aws: instructor.dashboard_url()),
    ("checks.setup('1.1')", lambda aws: checks.setup("1.1")),
    ("checks.verify('1.1')", lambda aws: checks.verify("1.1")),
]


@pytest.fixture
def stored(aws, sm):
    """What the learner has stored so far: a secret with two versions and one scheduled for deletion."""
    sm.create_secret(Name=KEPT, SecretString="v1")
    sm.put_secret_value(SecretId=KEPT, SecretString="v2")
    sm.create_secret(Name=DELETED, SecretString="gone soon")
    sm.delete_secret(SecretId=DELETED)
    return _snapshot(sm)


def _snapshot(sm) -> dict:
    versions = sm.list_secret_version_ids(SecretId=KEPT, IncludeDeprecated=True)["Versions"]
    return {
        "names": sorted(s["Name"] for s in sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]),
        "value": sm.get_secret_value(SecretId=KEPT)["SecretString"],
        "labels": sorted((v["VersionId"], tuple(sorted(v.get("VersionStages", [])))) for v in versions),
        "deleted": "DeletedDate" in sm.describe_secret(SecretId=DELETED),
    }


def _assert_short(error: BaseException, *fragments: str) -> None:
    message = str(error)
    assert "\n" not in message and len(message) <= 300, message  # one line a learner reads at a glance
    assert "Traceback" not in message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("typed, call, fragment", TABLE, ids=[row[0] for row in TABLE])
def test_bad_input_gets_one_clear_line_and_loses_nothing(aws, sm, stored, typed, call, fragment):
    with pytest.raises(WorkbookError) as raised:
        call(aws)
    _assert_short(raised.value, fragment)
    assert _snapshot(sm) == stored


@pytest.mark.parametrize("typed, call", STOPPED, ids=[row[0] for row in STOPPED])
def test_a_stopped_mock_gets_one_clear_line_from_every_helper(aws, typed, call):
    aws.stop()
    try:
        with pytest.raises(WorkbookError) as raised:
            call(aws)
        _assert_short(raised.value, "smworkbook.start()")
    finally:
        smworkbook.start()


def test_the_table_covers_every_public_helper():
    """A helper added to the package's public names gets a row here too."""
    typed = " ".join(row[0] for row in TABLE + STOPPED)
    public = set(smworkbook.__all__) - {"CheckFailed", "WorkbookError", "MockAWS", "Database", "start", "current"}
    public -= {"ROTATION_FUNCTION_FILE"}  # a path to read, not a helper that takes input
    public |= {"ensure_absent", "ensure_secret", "client_as", "create_user", "put_user_policy", "delete_user"}
    public |= {"simulate", "enforce_policies", "present", "dashboard_url", "setup", "verify", "grade"}
    missing = sorted(name for name in public if name not in typed)
    assert missing == [], f"no bad-input row for {missing}"
