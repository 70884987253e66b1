"""Rotation end to end: a Python rotation function, run by rotate_secret, changes a real
PostgreSQL password; an application that always reads the current secret never loses access."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

import smworkbook
from smworkbook import WorkbookError
from smworkbook.checks import lesson04
from smworkbook.engine import lambdas
from smworkbook.toolkit import rotation


@pytest.fixture
def db_secret(sm):
    """A secret holding working credentials for a fresh login on this process's PostgreSQL."""
    credentials = smworkbook.start_database().create_login("app_user")
    sm.create_secret(Name="app/db", SecretString=json.dumps(credentials))
    return credentials


def application(sm) -> str:
    """The 'application': reads the current secret every time, logs in, runs a query."""
    secret = json.loads(sm.get_secret_value(SecretId="app/db")["SecretString"])
    connection = smworkbook.start_database().connect(secret["username"], secret["password"])
    try:
        return connection.run("SELECT current_user")[0][0]
    finally:
        connection.close()


def labels(sm) -> dict:
    return sm.describe_secret(SecretId="app/db")["VersionIdsToStages"]


def watched(handler, sm, seen):
    """The handler, with the application run after each step."""
    import pg8000.exceptions

    def lambda_handler(event, context):
        handler(event, context)
        try:
            seen.append((event["Step"], application(sm)))
        except pg8000.exceptions.DatabaseError:
            seen.append((event["Step"], "login refused"))

    return lambda_handler


def test_the_source_lessons_call_rotates_the_database_password(sm, db_secret):
    db = smworkbook.start_database()
    seen = []
    arn = smworkbook.register_rotation_function(
        "rotate-app-db", watched(lesson04.handler_with(lesson04.REFERENCE), sm, seen)
    )
    response = sm.rotate_secret(SecretId="app/db", RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 30})
    new = json.loads(sm.get_secret_value(SecretId="app/db")["SecretString"])
    assert new["password"] != db_secret["password"]
    assert {k: v for k, v in new.items() if k != "password"} == {k: v for k, v in db_secret.items() if k != "password"}
    assert db.can_log_in("app_user", new["password"])
    assert not db.can_log_in("app_user", db_secret["password"])
    assert "AWSCURRENT" in labels(sm)[response["VersionId"]]
    # Single-user rotation (AWS's template): between setSecret and finishSecret the database has the
    # new password and AWSCURRENT the old one, so a new login fails until finishSecret; then the
    # application works again without any change to it.
    assert seen == [
        ("createSecret", "app_user"),
        ("setSecret", "login refused"),
        ("testSecret", "login refused"),
        ("finishSecret", "app_user"),
    ]
    assert application(sm) == "app_user"


def test_describe_secret_reports_the_rotation(sm, db_secret):
    arn = smworkbook.register_rotation_function("rotate-app-db", lesson04.handler_with(lesson04.REFERENCE))
    sm.rotate_secret(SecretId="app/db", RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 30})
    described = sm.describe_secret(SecretId="app/db")
    assert described["RotationEnabled"] is True
    assert described["RotationLambdaARN"] == arn
    assert described["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert (described["NextRotationDate"] - described["LastRotatedDate"]).days == 30


def test_a_failing_testsecret_leaves_awscurrent_and_a_retry_with_the_token_finishes(sm, db_secret, capsys):
    db = smworkbook.start_database()
    broken = {**lesson04.REFERENCE, "setSecret": lambda client, arn, token: None}  # forgets the database
    arn = smworkbook.register_rotation_function("rotate-app-db", lesson04.handler_with(broken))
    token = sm.rotate_secret(SecretId="app/db", RotationLambdaARN=arn)["VersionId"]

    assert "failed at testSecret" in capsys.readouterr().out
    assert labels(sm)[token] == ["AWSPENDING"]
    assert json.loads(sm.get_secret_value(SecretId="app/db")["SecretString"]) == db_secret
    assert application(sm) == "app_user"  # the application is unaffected
    assert db.can_log_in("app_user", db_secret["password"])
    assert [e["Step"] for e in rotation.invocations(arn)] == ["createSecret", "setSecret", "testSecret"]

    # Fix the function (deploy new code), then retry with the same token: the same version finishes.
    smworkbook.register_rotation_function("rotate-app-db", lesson04.handler_with(lesson04.REFERENCE))
    sm.rotate_secret(SecretId="app/db", ClientRequestToken=token)
    new = json.loads(sm.get_secret_value(SecretId="app/db")["SecretString"])
    assert "AWSCURRENT" in labels(sm)[token]
    assert db.can_log_in("app_user", new["password"])
    assert not db.can_log_in("app_user", db_secret["password"])
    assert application(sm) == "app_user"


def test_the_failure_is_in_the_functions_log(sm, db_secret, capsys):
    def lambda_handler(event, context):
        print("step", event["Step"])
        if event["Step"] == "setSecret":
            raise ConnectionError("database unreachable")

    arn = smworkbook.register_rotation_function("log-demo", lambda_handler)
    sm.rotate_secret(SecretId="app/db", RotationLambdaARN=arn)
    capsys.readouterr()
    smworkbook.rotation_log("log-demo")
    log = capsys.readouterr().out
    assert "step createSecret" in log and "step setSecret" in log
    assert "ConnectionError: database unreachable" in log
    assert "END setSecret: FAILED" in log
    assert "testSecret" not in log


def test_a_refused_login_prints_the_servers_message_not_the_drivers_dict(sm, db_secret, capsys):
    """pg8000's error is the server's whole ErrorResponse as a dict, with the server's source line
    ('L') that changes with PostgreSQL's version: the printed line and the log show the message."""
    broken = {**lesson04.REFERENCE, "setSecret": lambda client, arn, token: None}  # forgets the database
    arn = smworkbook.register_rotation_function("rotate-app-db", lesson04.handler_with(broken))
    sm.rotate_secret(SecretId="app/db", RotationLambdaARN=arn)
    printed = capsys.readouterr().out
    smworkbook.rotation_log("rotate-app-db")
    log = capsys.readouterr().out
    for text in (printed, log):
        assert 'DatabaseError: password authentication failed for user "app_user"' in text
        assert not any(field in text for field in ("{'S':", "'M':", "'L':", "28P01", "auth.c"))


def test_other_errors_print_as_they_are():
    import pg8000.exceptions

    assert lambdas.error_text(ConnectionError("database unreachable")) == "ConnectionError: database unreachable"
    assert lambdas.error_text(ValueError({"a": 1})) == "ValueError: {'a': 1}"  # not a server's error response
    # A driver's error the server did not send (no 'M'): shown whole.
    assert lambdas.error_text(pg8000.exceptions.InterfaceError("timed out")) == "InterfaceError: timed out"


def test_rotate_secret_with_no_arguments_reuses_the_stored_configuration(sm, db_secret):
    db = smworkbook.start_database()
    arn = smworkbook.register_rotation_function("rotate-app-db", lesson04.handler_with(lesson04.REFERENCE))
    sm.rotate_secret(SecretId="app/db", RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 30})
    first = json.loads(sm.get_secret_value(SecretId="app/db")["SecretString"])["password"]
    sm.rotate_secret(SecretId="app/db")
    second = json.loads(sm.get_secret_value(SecretId="app/db")["SecretString"])["password"]
    assert second != first
    assert db.can_log_in("app_user", second) and not db.can_log_in("app_user", first)
    assert sm.describe_secret(SecretId="app/db")["RotationRules"]["AutomaticallyAfterDays"] == 30


def test_steps_run_twice_change_the_password_once(sm, db_secret):
    db = smworkbook.start_database()
    arn = smworkbook.register_rotation_function("twice", lesson04.handler_with(lesson04.REFERENCE, twice=True))
    token = sm.rotate_secret(SecretId="app/db", RotationLambdaARN=arn)["VersionId"]
    new = json.loads(sm.get_secret_value(SecretId="app/db")["SecretString"])
    assert db.can_log_in("app_user", new["password"])
    assert sorted(labels(sm)[token]) == ["AWSCURRENT", "AWSPENDING"]
    assert len(labels(sm)) == 2  # the new version and AWSPREVIOUS: no duplicate version


@pytest.mark.parametrize("name", ["", "has space", "x" * 65, None])
def test_a_bad_function_name_is_a_short_error(name):
    with pytest.raises(WorkbookError):
        smworkbook.register_rotation_function(name, print)


def test_a_handler_must_be_a_function():
    with pytest.raises(WorkbookError):
        smworkbook.register_rotation_function("ok-name", "lambda_handler")


def test_the_log_of_an_unknown_function_is_a_short_error():
    with pytest.raises(WorkbookError, match="register_rotation_function"):
        smworkbook.rotation_log("never-registered")


def test_rotation_days_out_of_range_are_refused(sm, db_secret):
    """AutomaticallyAfterDays: "Valid Range: Minimum value of 1. Maximum value of 1000."; AWS answers a broken limit
    with ValidationException, which botocore has no class for: catch ClientError and compare the code."""
    arn = smworkbook.register_rotation_function("rotate-app-db", lesson04.handler_with(lesson04.REFERENCE))
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        sm.rotate_secret(SecretId="app/db", RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 1001})
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "RotationEnabled" not in sm.describe_secret(SecretId="app/db")


# The function's log (AWS: CloudWatch Logs). AWS Lambda developer guide, "Log and monitor Python Lambda functions":
# what a function prints and what it logs with the logging module go to its log stream; AWS's rotation templates
# log with `logger = logging.getLogger(); logger.setLevel(logging.INFO)` and `logger.info(...)`.


def _simple_secret(sm) -> None:
    sm.create_secret(Name="app/db", SecretString="v1")


def test_logger_info_lines_appear_in_the_log_and_debug_lines_do_not(sm, capsys):
    import logging

    logger = logging.getLogger()
    level = logger.level

    def lambda_handler(event, context):
        logger.setLevel(logging.INFO)  # as AWS's templates do
        logger.info("step %s for version %s", event["Step"], event["ClientRequestToken"])
        logger.debug("a detail no one asked for")
        logging.getLogger("botocore.endpoint").info("the SDK's own line")
        raise RuntimeError("stop here")

    _simple_secret(sm)
    try:
        arn = smworkbook.register_rotation_function("log-info", lambda_handler)
        token = sm.rotate_secret(SecretId="app/db", RotationLambdaARN=arn)["VersionId"]
    finally:
        logger.setLevel(level)
    capsys.readouterr()
    smworkbook.rotation_log("log-info")
    log = capsys.readouterr().out.splitlines()
    assert f"[INFO] step createSecret for version {token}" in log
    assert not any("no one asked" in line or "the SDK's own line" in line for line in log)


def test_no_logging_handler_stays_on_the_root_logger(sm, capsys):
    import logging

    root = logging.getLogger()
    before = list(root.handlers)

    def lambda_handler(event, context):
        if event["Step"] == "testSecret":
            raise RuntimeError("the new password does not work")

    _simple_secret(sm)
    arn = smworkbook.register_rotation_function("log-handlers", lambda_handler)
    sm.rotate_secret(SecretId="app/db", RotationLambdaARN=arn)  # three steps ran, the last one failed
    assert root.handlers == before
    # A line logged after the rotation is not the function's.
    root.warning("after the rotation")
    capsys.readouterr()
    smworkbook.rotation_log("log-handlers")
    assert "after the rotation" not in capsys.readouterr().out


def test_registering_a_function_again_keeps_its_log_and_starts_its_invocations_afresh(sm, capsys):
    def first(event, context):
        print("old code at", event["Step"])
        raise RuntimeError("bug in the old code")

    def second(event, context):
        print("new code at", event["Step"])
        raise RuntimeError("bug in the new code")

    _simple_secret(sm)
    arn = smworkbook.register_rotation_function("redeployed", first)
    token = sm.rotate_secret(SecretId="app/db", RotationLambdaARN=arn)["VersionId"]
    assert smworkbook.register_rotation_function("redeployed", second) == arn
    assert rotation.invocations("redeployed") == []
    sm.rotate_secret(SecretId="app/db", ClientRequestToken=token)
    assert [e["Step"] for e in rotation.invocations(arn)] == ["createSecret"]
    capsys.readouterr()
    smworkbook.rotation_log(arn)
    log = capsys.readouterr().out.splitlines()
    assert log.index("old code at createSecret") < log.index("new code at createSecret")
    assert "RuntimeError: bug in the old code" in log and "RuntimeError: bug in the new code" in log
    assert log.count("END createSecret: FAILED") == 2


def test_a_function_that_has_not_run_says_so(capsys):
    smworkbook.register_rotation_function("never-ran", lambda event, context: None)
    smworkbook.rotation_log("never-ran")
    assert capsys.readouterr().out.strip() == "(the function never-ran has not run yet)"


def test_the_log_shows_each_step_and_only_the_learners_frames_of_a_traceback(sm, capsys):
    """AWS Lambda developer guide, "Lambda context object in Python": the context has function_name,
    invoked_function_arn, memory_limit_in_mb, aws_request_id and get_remaining_time_in_millis()."""
    seen = []

    def check_new_password(event):
        raise ValueError(f"the new password does not work at {event['Step']}")

    def lambda_handler(event, context):
        seen.append((context.function_name, context.invoked_function_arn, context.memory_limit_in_mb))
        # AWS's rotation function templates run with a 30-second timeout: the mock's context says 30 s left.
        assert context.get_remaining_time_in_millis() == 30_000 and context.aws_request_id
        if event["Step"] == "setSecret":
            check_new_password(event)

    _simple_secret(sm)
    arn = smworkbook.register_rotation_function("frames", lambda_handler)
    token = sm.rotate_secret(SecretId="app/db", RotationLambdaARN=arn)["VersionId"]
    assert seen == [("frames", arn, 128)] * 2
    capsys.readouterr()
    smworkbook.rotation_log("frames")
    log = capsys.readouterr().out.splitlines()
    assert log[:3] == [f"START createSecret token {token}", "END createSecret", f"START setSecret token {token}"]
    # The workbook's own frames (which call the function) are left out: the learner's code, and the error.
    frames = [line.split(", line ")[0] for line in log if line.startswith("  in ")]
    assert frames == ["  in lambda_handler", "  in check_new_password"]
    assert log[-3:] == [
        log[-3],
        "ValueError: the new password does not work at setSecret",
        "END setSecret: FAILED",
    ]
    assert log[-3].endswith("raise ValueError(f\"the new password does not work at {event['Step']}\")")


def test_a_line_logged_by_another_thread_during_a_step_is_not_the_functions(sm, capsys):
    import logging
    import threading

    def lambda_handler(event, context):
        other = threading.Thread(target=lambda: logging.getLogger().warning("a line from another thread"))
        other.start()
        other.join()
        logging.getLogger().warning("the function's own warning")

    _simple_secret(sm)
    smworkbook.register_rotation_function("threads", lambda_handler)
    sm.rotate_secret(SecretId="app/db", RotationLambdaARN=lambdas.function_arn("threads"))
    capsys.readouterr()
    smworkbook.rotation_log("threads")
    log = capsys.readouterr().out
    assert "[WARNING] the function's own warning" in log
    assert "another thread" not in log


def test_an_unknown_function_s_error_names_the_registered_ones():
    smworkbook.register_rotation_function("known-one", lambda event, context: None)
    with pytest.raises(WorkbookError) as raised:
        rotation.invocations("unknown-one")
    assert "known-one" in str(raised.value) and "none yet" not in str(raised.value)
    with pytest.raises(WorkbookError, match="by its name or ARN"):
        rotation.invocations(None)


def test_a_learners_folder_named_like_the_workbook_keeps_its_frames_in_the_log(sm, capsys):
    """Only the workbook's own files are left out of a traceback, not a learner's file whose path
    happens to contain "smworkbook"."""
    code = compile(
        "def lambda_handler(event, context):\n    raise KeyError('no such column')\n",
        "/home/learner/smworkbook-course/rotation.py",
        "exec",
    )
    namespace: dict = {}
    exec(code, namespace)
    _simple_secret(sm)
    smworkbook.register_rotation_function("named-folder", namespace["lambda_handler"])
    sm.rotate_secret(SecretId="app/db", RotationLambdaARN=lambdas.function_arn("named-folder"))
    capsys.readouterr()
    smworkbook.rotation_log("named-folder")
    log = capsys.readouterr().out.splitlines()
    assert [line for line in log if line.startswith("  in ")] == ["  in lambda_handler, line 2: "]


def test_only_a_registered_function_counts_as_registered():
    assert not lambdas.is_registered(lambdas.function_arn("nobody-registered-me"))
    smworkbook.register_rotation_function("somebody", lambda event, context: None)
    assert lambdas.is_registered(lambdas.function_arn("somebody")) and lambdas.is_registered("somebody")


def test_the_copy_of_a_functions_output_flushes_through_unless_the_output_is_closed():
    import io

    class Output(io.StringIO):
        flushed = 0

        def flush(self):
            self.flushed += 1

    out = Output()
    tee = lambdas._Tee(out)
    tee.write("step done\n")
    tee.flush()
    assert out.flushed == 1 and out.getvalue() == "step done\n" and tee.lines() == ["step done"]
    closed = io.StringIO()
    closed.close()
    lambdas._Tee(closed).flush()  # nothing left to flush, and no error


def test_a_function_not_registered_is_named_in_one_line_however_many_are(aws):
    """A kernel with many registered functions (a learner's retries, a class demo) is told the first few and a count,
    in one line it reads at a glance, not a paragraph of names."""
    for index in range(20):
        smworkbook.register_rotation_function(f"many-{index:02d}-rotation-function", lambda event, context: None)
    with pytest.raises(WorkbookError) as raised:
        smworkbook.rotation_log("never-registered")
    message = str(raised.value)
    assert "\n" not in message and len(message) <= 300, message
    assert "There is no rotation function 'never-registered'." in message and " more." in message
