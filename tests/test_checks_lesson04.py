"""Lesson 4's checks: each runs a full rotation against this process's PostgreSQL; it passes on the
right step and fails with a hint on the unsolved exercise and on plausible wrong steps."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from smworkbook import CheckFailed, checks, clock
from smworkbook.checks import lesson04
from smworkbook.toolkit import rotation

from .check_contract import contract_tests


def unsolved(client, arn, token):
    raise NotImplementedError()


# Wrong createSecret answers ---------------------------------------------------------------------
def create_makes_it_current(client, arn, token):
    """Writes the new password straight to AWSCURRENT (no VersionStages)."""
    value = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    value["password"] = client.get_random_password(ExcludeCharacters="/@\"'\\")["RandomPassword"]
    client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(value))


def create_not_idempotent(client, arn, token):
    """Makes a new password every time it runs."""
    value = json.loads(client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"])
    value["password"] = client.get_random_password(ExcludeCharacters="/@\"'\\")["RandomPassword"]
    client.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(value), VersionStages=["AWSPENDING"]
    )


def create_copying_the_current(client, arn, token):
    """Stores the current value, password and all, as AWSPENDING: nothing new to rotate to."""
    try:
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    value = client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"]
    client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=value, VersionStages=["AWSPENDING"])


def create_with(change):
    """A createSecret that is right but for `change`, applied to the new value before it is stored."""

    def create_secret(client, arn, token):
        try:
            client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
            return
        except client.exceptions.ResourceNotFoundException:
            pass
        value = json.loads(client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"])
        value["password"] = client.get_random_password(ExcludeCharacters="/@\"'\\")["RandomPassword"]
        value = change(value)
        client.put_secret_value(
            SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(value), VersionStages=["AWSPENDING"]
        )

    create_secret.__name__ = f"create_{change.__name__}"
    return create_secret


def renames_the_user(value):
    return {**value, "username": "app_user_2"}


def renames_the_user_in_capitals(value):
    """Upper-cases the user name: to PostgreSQL, once quoted by identifier(), another user."""
    return {**value, "username": value["username"].upper()}


def keeps_the_password(value):
    return {**value, "password": None}


def keeps_only_the_login(value):
    return {"username": value["username"], "password": value["password"]}


def create_under_a_new_token(client, arn, token):
    """Stores the pending value as a version of its own, not under the rotation's token."""
    value = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    value["password"] = client.get_random_password(ExcludeCharacters="/@\"'\\")["RandomPassword"]
    client.put_secret_value(SecretId=arn, SecretString=json.dumps(value), VersionStages=["AWSPENDING"])


def create_storing_the_whole_answer(client, arn, token):
    """Stores get_random_password's whole answer (a dict) as the password, not its 'RandomPassword' (browser walk,
    issue 31: the rotation then failed in setSecret, a step the learner did not write)."""
    try:
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    value = json.loads(client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"])
    value["password"] = client.get_random_password(ExcludeCharacters="/@\"'\\")
    client.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(value), VersionStages=["AWSPENDING"]
    )


def create_reading_a_wrong_key(client, arn, token):
    value = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    value["pass"] = value["passwd"]


# Wrong setSecret answer -------------------------------------------------------------------------
def set_not_idempotent(client, arn, token):
    """Always logs in with AWSCURRENT: the second run fails, the password has already changed."""
    import pg8000.native

    pending = lesson04._read(client, arn, VersionId=token, VersionStage="AWSPENDING")
    connection = lesson04._login(lesson04._read(client, arn, VersionStage="AWSCURRENT"))
    try:
        connection.run(
            f"ALTER USER {pg8000.native.identifier(pending['username'])} "
            f"WITH PASSWORD {pg8000.native.literal(pending['password'])}"
        )
    finally:
        connection.close()


def set_nothing(client, arn, token):
    """Forgets to change the password in the database."""


def set_logging_in_with_the_pending_password(client, arn, token):
    """Logs in with the new password to change it: the database does not know it yet."""
    lesson04._login(lesson04._read(client, arn, VersionId=token, VersionStage="AWSPENDING")).close()


# Wrong testSecret answer ------------------------------------------------------------------------
def check_skipped(client, arn, token):
    """Tests nothing."""


def check_with_current_credentials(client, arn, token):
    """Logs in with the AWSCURRENT credentials, which says nothing about the new password."""
    lesson04._login(lesson04._read(client, arn, VersionStage="AWSCURRENT")).close()


# Wrong finishSecret answers ---------------------------------------------------------------------
def finish_by_copying(client, arn, token):
    """Writes the pending value as a new AWSCURRENT version instead of moving the label."""
    pending = client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")["SecretString"]
    client.put_secret_value(SecretId=arn, SecretString=pending)


def finish_not_idempotent(client, arn, token):
    """Moves AWSCURRENT without checking where it is: the second run names the wrong version."""
    versions = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
    old = next(v for v, s in versions.items() if "AWSPREVIOUS" not in s and v != token)
    client.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=old
    )


def test_always_failing(client, arn, token):
    """Raises whatever the password: no rotation can ever finish."""
    raise ValueError("the database did not answer")


test_always_failing.__test__ = False  # a step of the answer, not a test of pytest's


def finish_dropping_previous(client, arn, token):
    """Moves AWSCURRENT, then takes AWSPREVIOUS off the old version: nothing is left to roll back to."""
    lesson04.finish_secret(client, arn, token)
    versions = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
    for old in [v for v, s in versions.items() if "AWSPREVIOUS" in s]:
        client.update_secret_version_stage(SecretId=arn, VersionStage="AWSPREVIOUS", RemoveFromVersionId=old)


def finish_without_removing(client, arn, token):
    """MoveToVersionId alone: AWS refuses to move AWSCURRENT without RemoveFromVersionId."""
    client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token)


def finish_removing_from_the_token(client, arn, token):
    """Names the token in RemoveFromVersionId too: AWS refuses (the token does not hold AWSCURRENT) on the first run
    (browser walk, issue 31: the hint quoted the refusal but not which version each parameter must name)."""
    client.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=token
    )


def finish_moving_pending_back(client, arn, token):
    """Moves AWSPENDING from the token to the AWSCURRENT version instead of moving AWSCURRENT to the token: the
    first run returns, the second fails (AWSPENDING is no longer on the token), whatever the mock's error says."""
    versions = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
    current_version = next(v for v, s in versions.items() if "AWSCURRENT" in s)
    if current_version == token:
        return
    client.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSPENDING", MoveToVersionId=current_version, RemoveFromVersionId=token
    )


def finish_moving_pending_back_once(client, arn, token):
    """The same mistake, run again without an error (it returns once AWSPENDING has left the token)."""
    versions = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
    if "AWSPENDING" not in versions.get(token, []):
        return
    finish_moving_pending_back(client, arn, token)


def finish_nothing(client, arn, token):
    """Leaves the labels as they are."""


# Exercise 4.5: the rotation function deployed as on AWS -------------------------------------------
def deployment(
    name: str,
    runtime: str = "python3.12",
    handler: str = "lambda_function.lambda_handler",
    file: str = "lambda_function.py",
    actions=lesson04.ROTATION_ACTIONS,
    permission: bool = True,
):
    """An answer to 4.5: the workbook's rotation function zipped, deployed with a role, maybe allowed."""

    def learner_answer(sm):
        import io
        import zipfile

        import smworkbook

        aws = smworkbook.current()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as package:
            package.write(smworkbook.ROTATION_FUNCTION_FILE, file)
        iam, lam = aws.client("iam"), aws.client("lambda")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        role = iam.create_role(RoleName=lesson04.DEPLOYED_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}
        iam.put_role_policy(RoleName=lesson04.DEPLOYED_ROLE, PolicyName="rotation", PolicyDocument=json.dumps(policy))
        function = lam.create_function(
            FunctionName=lesson04.DEPLOYED_FUNCTION,
            Runtime=runtime,
            Role=role["Role"]["Arn"],
            Handler=handler,
            Code={"ZipFile": buffer.getvalue()},
            Timeout=30,
        )
        if permission:
            lam.add_permission(
                FunctionName=lesson04.DEPLOYED_FUNCTION,
                StatementId="SecretsManagerAccess",
                Action="lambda:InvokeFunction",
                Principal="secretsmanager.amazonaws.com",
            )
        return (function["FunctionArn"],)

    learner_answer.__name__ = name
    return learner_answer


def the_function_name(sm):
    deployment("deployed")(sm)
    return (lesson04.DEPLOYED_FUNCTION,)


def a_function_never_deployed(sm):
    return ("arn:aws:lambda:us-east-1:123456789012:function:nothing-here",)


def naming(*held):
    """A pattern for a hint's list of versions and their labels, in any order."""
    return "".join(f"(?=[^)]*{piece}[;)])" for piece in held) + r"[^)]*\)"


def answer(step):
    """What the learner's notebook passes to verify(): the step function itself."""

    def learner_answer(sm):
        return (step,)

    learner_answer.__name__ = step.__name__
    return learner_answer


CASES = {
    "4.1": (
        answer(lesson04.create_secret),
        [
            (
                answer(create_makes_it_current),
                "made the new password AWSCURRENT at once.*VersionStages=\\['AWSPENDING'\\]",
            ),
            (answer(create_not_idempotent), "Run twice, createSecret changed the pending password"),
            (
                answer(create_with(renames_the_user)),
                "pending value's username is 'app_user_2'; it should stay 'app_user'",
            ),
            (
                answer(create_with(renames_the_user_in_capitals)),
                "pending value's username is 'APP_USER'; it should stay 'app_user'",
            ),
            (answer(create_with(keeps_the_password)), "The pending password is not new"),
            (answer(create_copying_the_current), "The pending password is not new"),
            (
                answer(create_with(keeps_only_the_login)),
                r"pending value has the keys \['password', 'username'\]; it "
                r"should keep every key of the current one: \['dbname', ",
            ),
            (
                answer(create_under_a_new_token),
                r"no value under AWSPENDING for the rotation's token \(found "
                + naming("[0-9a-f]{8}…: AWSCURRENT", "[0-9a-f]{8}…: AWSPENDING"),
            ),
            (answer(create_reading_a_wrong_key), "createSecret raised: KeyError: 'passwd'"),
            (
                answer(create_storing_the_whole_answer),
                r"^(?!.*setSecret).*The pending password is a dict, not text: get_random_password's whole answer\. "
                r"Store its 'RandomPassword' field",
            ),
        ],
        "not written yet",
    ),
    "4.2": (
        answer(lesson04.set_secret),
        [
            (answer(set_not_idempotent), "setSecret failed when run a second time \\(RuntimeError: on its second"),
            (answer(set_nothing), "The rotation stopped: testSecret raised \\(.*password authentication failed"),
            (answer(set_logging_in_with_the_pending_password), "The rotation stopped: setSecret raised"),
        ],
        "not written yet",
    ),
    "4.3": (
        answer(lesson04.test_secret),
        [
            (answer(check_skipped), "did not raise"),
            (answer(check_with_current_credentials), "did not raise"),
            (answer(test_always_failing), "The rotation stopped: testSecret raised \\(ValueError: the database did"),
        ],
        "not written yet",
    ),
    "4.4": (
        answer(lesson04.finish_secret),
        [
            (
                answer(finish_by_copying),
                r"AWSCURRENT did not move to the new version \(the ClientRequestToken; found "
                + naming("the token: AWSPENDING", "[0-9a-f]{8}…: AWSPREVIOUS", "[0-9a-f]{8}…: AWSCURRENT")
                + ".*Don't write a new value",
            ),
            (answer(finish_nothing), "found " + naming("[0-9a-f]{8}…: AWSCURRENT", "the token: AWSPENDING")),
            (answer(finish_not_idempotent), "finishSecret failed \\(RuntimeError: on its second run"),
            (
                answer(finish_moving_pending_back),
                r"^(?!.*return early)(?!.*InvalidParameterException).*Your finish_secret returned, but AWSCURRENT "
                r"never moved to the token \(found "
                + naming("the token: no label", "[0-9a-f]{8}…: AWSCURRENT, AWSPENDING")
                + r": it moved AWSPENDING instead\. Move AWSCURRENT: update_secret_version_stage\(.*"
                r"VersionStage='AWSCURRENT', MoveToVersionId=token",
            ),
            (
                answer(finish_moving_pending_back_once),
                r"^(?!.*return early)(?!.*InvalidParameterException).*Your finish_secret returned, but AWSCURRENT "
                r"never moved to the token \(found "
                + naming("the token: no label", "[0-9a-f]{8}…: AWSCURRENT, AWSPENDING")
                + r": it moved AWSPENDING instead\. Move AWSCURRENT: update_secret_version_stage\(.*"
                r"VersionStage='AWSCURRENT', MoveToVersionId=token",
            ),
            (
                answer(finish_dropping_previous),
                r"old version should now be AWSPREVIOUS \(found the token: AWSPENDING, AWSCURRENT\)",
            ),
            (
                answer(finish_removing_from_the_token),
                r"The rotation stopped: finishSecret raised \(InvalidParameterException: .*\)\. AWSCURRENT is still on "
                r"(?P<v>[0-9a-f]{8})… \(found "
                + naming("the token: AWSPENDING", "[0-9a-f]{8}…: AWSCURRENT")
                + r": RemoveFromVersionId names the version that holds AWSCURRENT now \((?P=v)…, .*MoveToVersionId the "
                r"token\.",
            ),
            (
                answer(finish_without_removing),
                "The rotation stopped: finishSecret raised \\(InvalidParameterException: .*RemoveFromVersionId",
            ),
        ],
        "not written yet",
    ),
    "4.5": (
        deployment("deployed"),
        [
            (
                deployment("without_permission", permission=False),
                "answered AccessDeniedException: Secrets Manager may "
                "not invoke your function. Grant it: lambda_client.add_permission\\(FunctionName='lesson04-rotation'",
            ),
            (
                deployment("without_put", actions=[a for a in lesson04.ROTATION_ACTIONS if "PutSecret" not in a]),
                "The function's role may not call secretsmanager:PutSecretValue \\(AccessDeniedException\\)",
            ),
            (
                deployment("without_any_action", actions=["secretsmanager:ListSecrets"]),
                "may not call secretsmanager:DescribeSecret",
            ),
            (
                deployment("handler_naming_another_file", handler="rotate.lambda_handler"),
                r"could not load the handler 'rotate.lambda_handler' \(Runtime.ImportModuleError: Unable to import "
                r"module 'rotate'.*The zip holds lambda_function.py",
            ),
            (
                deployment("handler_naming_another_function", handler="lambda_function.handler"),
                r"Runtime.HandlerNotFound: Handler 'handler' missing on module 'lambda_function'",
            ),
            (deployment("file_named_otherwise", file="rotate.py"), r"The zip holds rotate.py: Handler is"),
            (
                deployment("node_runtime", runtime="nodejs20.x"),
                r"The rotation stopped: Runtime.InvalidRuntime: The workbook's mock runs only Python functions.*"
                r"logGroupName='/aws/lambda/lesson04-rotation'",
            ),
            (the_function_name, "function_arn is 'lesson04-rotation': set it to the FunctionArn"),
            (a_function_never_deployed, "There is no function arn:aws:lambda:.*nothing-here: deploy it"),
        ],
        "function_arn is None: set it to the FunctionArn that create_function returned",
    ),
}


# Exercise 4.6: rotation on a schedule -------------------------------------------------------------------------
WEEKLY_RULES = {"ScheduleExpression": "cron(0 6 ? * MON *)", "Duration": "2h"}


def scheduled(rules, days=14, immediately=False):
    """Turn rotation on for the exercise's secret with `rules`, then advance the mock's clock `days`."""

    def learner_answer(sm):
        sm.rotate_secret(
            SecretId=lesson04.WEEKLY,
            RotationLambdaARN=rotation.function_arn(lesson04.WEEKLY_FUNCTION),
            RotationRules=rules,
            RotateImmediately=immediately,
        )
        clock.advance(days=days)
        return (rules,)

    learner_answer.__name__ = f"scheduled_{days}_days" + ("_rotating_now" if immediately else "")
    return learner_answer


def refused(rules):
    """A schedule AWS refuses: rotate_secret raises in the learner's cell; they pass their rules all the same."""

    def learner_answer(sm):
        with pytest.raises(ClientError):
            sm.rotate_secret(SecretId=lesson04.WEEKLY, RotationRules=rules)
        return (rules,)

    learner_answer.__name__ = "refused_" + "_".join(str(v) for v in rules.values()).replace(" ", "_")
    return learner_answer


def rules_only(rules):
    """Right rules, never passed to rotate_secret."""

    def learner_answer(sm):
        return (rules,)

    learner_answer.__name__ = "rules_never_applied"
    return learner_answer


CASES["4.6"] = (
    scheduled(WEEKLY_RULES),
    [
        # cron() with five fields, as Unix cron has: AWS's has six (the Year last)
        (refused({"ScheduleExpression": "cron(0 6 ? * MON)"}), "six fields.*found 5"),
        # both day fields given: AWS's cron takes ? in one of them
        (refused({"ScheduleExpression": "cron(0 6 * * MON *)"}), "use \\? in exactly one of Day-of-month"),
        # Monday as Unix cron numbers it (1): AWS's 1 is Sunday
        (scheduled({"ScheduleExpression": "cron(0 6 ? * 1 *)", "Duration": "2h"}), "on Sundays at 06:00"),
        (refused({"ScheduleExpression": "cron(0 6 ? * 8 *)"}), "'8' is not a Day-of-week value"),
        # a window that runs past midnight
        (
            refused({"ScheduleExpression": "cron(0 6 ? * MON *)", "Duration": "20h"}),
            "would extend into the next UTC day; make it 18h or less",
        ),
        (scheduled({"ScheduleExpression": "cron(0 6 ? * MON *)"}), "lasts 18 hours; the task asks for 2"),
        (scheduled({"AutomaticallyAfterDays": 7}), "set no cron\\(\\) schedule"),
        (rules_only(WEEKLY_RULES), "is not rotating on that schedule"),
        (scheduled(WEEKLY_RULES, immediately=True), "also rotated when you turned.*RotateImmediately=False"),
        # advancing a week: one Monday, not two
        (scheduled(WEEKLY_RULES, days=7), "1 scheduled rotation\\(s\\) of lesson04/weekly so far.*advance the clock"),
    ],
    "rotation_rules is None",
)

# Exercise cells whose own code raises, run again after a right run (issue 31): the source after the set-up line.
# A function's cell raises when it cannot be defined (the check would judge the earlier run's function) or when
# the learner tries it there; the hint names the error and the line or parameter involved.
# 4.5's cell up to create_function: the zip, the role and its policy, as the solution makes them.
DEPLOY = """import io, json, zipfile, smworkbook
iam, lambda_client = smworkbook.current().client("iam"), smworkbook.current().client("lambda")
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as package:
    package.write(smworkbook.ROTATION_FUNCTION_FILE, "lambda_function.py")
trust = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="lesson04-rotation-role", AssumeRolePolicyDocument=json.dumps(trust))
"""
RAISING = {
    "4.1": [("def create_secret(client, arn, token):\n"
             "    current = client.get_secret_value(SecretId=arn)\n"
             "      current['password'] = 'new'",
             r"raised IndentationError: unexpected indent \(line 4: current\['password'\] = 'new'\)")],
    "4.2": [("def set_secret(client, arn, token)\n    pass",
             r"raised SyntaxError: expected ':' \(line 2: def set_secret\(client, arn, token\)\)")],
    "4.3": [("def test_secret(client, arn, token):\n    pass\ntest_secret(client, arn, 'token')",
             r"raised NameError: name 'arn' is not defined\. At `test_secret\(client, arn, 'token'\)`")],
    "4.4": [("def finish_secret(client, arn, token):\n"
             "    client.update_secret_version_stage(SecretId=arn, VersionStage='AWSCURRENT', MoveToVersionId=token\n",
             r"raised SyntaxError: incomplete input \(line 3: client.update_secret_version_stage")],
    # The role's name where create_function needs its ARN: AWS's ValidationException names the parameter (Lambda API
    # reference, CreateFunction: Role "Pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+").
    "4.5": [(DEPLOY + 'function = lambda_client.create_function(FunctionName="lesson04-rotation", '
             'Runtime="python3.12", Role="lesson04-rotation-role", Handler="lambda_function.lambda_handler", '
             'Code={"ZipFile": buffer.getvalue()}, Timeout=30)',
             r"raised ValidationException from CreateFunction: .*Value 'lesson04-rotation-role' at 'role' failed to "
             r"satisfy constraint.* At `function = lambda_client.create_function\("),
            # The trust policy as a dict, not JSON text: botocore refuses it before sending.
            (DEPLOY.split("role = ")[0] + 'role = iam.create_role(RoleName="lesson04-rotation-role", '
             "AssumeRolePolicyDocument=trust)",
             r"raised ParamValidationError: .*Invalid type for parameter AssumeRolePolicyDocument")],
    # A cron() with five fields, as Unix cron has: AWS refuses it before anything rotates (InvalidParameterException).
    "4.6": [("import smworkbook\n"
             "rotation_rules = {'ScheduleExpression': 'cron(0 6 ? * MON)', 'Duration': '2h'}\n"
             "client.rotate_secret(SecretId='lesson04/weekly', RotationRules=rotation_rules, RotateImmediately=False,\n"
             "                     RotationLambdaARN=smworkbook.rotation.function_arn('rotate-weekly'))",
             r"raised InvalidParameterException from RotateSecret: .*six fields")],
}  # fmt: skip


UNSOLVED = {number: (unsolved,) for number in CASES} | {"4.5": (None,), "4.6": (None,)}

(
    test_every_registered_exercise_is_tested_here,
    test_check_passes_on_the_right_answer,
    test_check_fails_on_the_unsolved_exercise,
    test_check_fails_on_a_plausible_wrong_answer_with_a_hint,
    test_a_cell_that_raises_is_named_in_the_hint_and_an_earlier_run_is_not_judged,
) = contract_tests("4", CASES, UNSOLVED, RAISING)


def test_passing_the_result_of_a_call_is_a_hint(aws):
    checks.setup("4.4")
    with pytest.raises(CheckFailed, match="without brackets"):
        checks.verify("4.4", None)


@pytest.mark.parametrize("number", ["4.1", "4.2", "4.3"])
def test_passing_the_result_of_a_call_names_it(aws, number):
    checks.setup(number)
    with pytest.raises(CheckFailed, match="You passed 'done', not a function.*without brackets"):
        checks.verify(number, "done")


def completed(**changes) -> dict:
    """What _rotate reports for a rotation that went right, with `changes`."""
    result = {
        "function": "check-4-3",
        "failed": [],
        "error": "",
        "token": "t",
        "stages": {"t": ["AWSCURRENT", "AWSPENDING"]},
    }
    return {**result, "new_logs_in": True, "old_logs_in": False, **changes}


@pytest.mark.parametrize(
    ("result", "hint"),
    [
        (completed(), None),
        (completed(new_logs_in=False), "The new AWSCURRENT password does not log in"),
        (completed(old_logs_in=True), "The old password still logs in"),
        (completed(stages={"t": ["AWSPENDING"], "o": ["AWSCURRENT"]}), "found the token: AWSPENDING; o…: AWSCURRENT"),
        (
            completed(failed=["END testSecret: FAILED"], error="ValueError: no"),
            r"^The rotation stopped: testSecret raised \(ValueError: no\)\. The line that raised is in "
            r"smworkbook\.rotation_log\('check-4-3'\)\.$",
        ),
        (completed(failed=["END setSecret: FAILED"]), r"setSecret raised: see smworkbook\.rotation_log\('check-4-3'\)"),
        (completed(failed=["END setSecret: FAILED"], error="NotImplementedError: "), "test_secret is not written yet"),
    ],
)
def test_a_rotation_is_complete_when_the_new_password_alone_logs_in(result, hint):
    """Every way a finished rotation can still be wrong has its hint (some can't be reached with the workbook's
    own steps in place, which the exercises' checks use for the steps the learner did not write)."""
    if hint is None:
        lesson04._require_completed(result, "test_secret")
        return
    with pytest.raises(CheckFailed, match=hint):
        lesson04._require_completed(result, "test_secret")


def test_the_rotation_function_checks_the_labels_as_the_aws_template_does(sm):
    """The check's lambda_handler does nothing for a version that is AWSCURRENT, refuses one that is not
    AWSPENDING, and runs the step twice when asked to (as AWS may retry an invocation)."""
    calls = []
    steps = {"createSecret": lambda client, arn, token: calls.append(token)}
    version = sm.create_secret(Name="lesson04/labels", SecretString="{}")["VersionId"]
    event = {"SecretId": "lesson04/labels", "ClientRequestToken": version, "Step": "createSecret"}
    lesson04.handler_with(steps)(event, None)
    assert calls == []
    pending = sm.put_secret_value(SecretId="lesson04/labels", SecretString="{}", VersionStages=["AWSPENDING"])
    lesson04.handler_with(steps)({**event, "ClientRequestToken": pending["VersionId"]}, None)
    lesson04.handler_with(steps, twice=False)({**event, "ClientRequestToken": pending["VersionId"]}, None)
    assert calls == [pending["VersionId"]] * 3
    unlabelled = sm.put_secret_value(SecretId="lesson04/labels", SecretString="{}", VersionStages=["other"])
    with pytest.raises(ValueError, match=f"Version {unlabelled['VersionId']} is not AWSPENDING"):
        lesson04.handler_with(steps)({**event, "ClientRequestToken": unlabelled["VersionId"]}, None)


def test_a_step_that_fails_only_when_run_again_says_so(sm):
    runs = []

    def once_only(client, arn, token):
        runs.append(token)
        if len(runs) > 1:
            raise KeyError("gone")

    sm.create_secret(Name="lesson04/twice", SecretString="{}")
    pending = sm.put_secret_value(SecretId="lesson04/twice", SecretString="{}", VersionStages=["AWSPENDING"])
    event = {"SecretId": "lesson04/twice", "ClientRequestToken": pending["VersionId"], "Step": "setSecret"}
    with pytest.raises(RuntimeError, match="on its second run: KeyError: 'gone'"):
        lesson04.handler_with({"setSecret": once_only})(event, None)


def test_the_set_up_stores_credentials_that_log_in(sm):
    checks.setup("4.1")
    value = json.loads(sm.get_secret_value(SecretId="lesson04/app-db")["SecretString"])
    assert value["username"] == "app_user"
    assert lesson04._can_log_in(value)
    assert not lesson04._can_log_in({**value, "password": value["password"] + "x"})


def test_a_passing_4_3_prints_only_its_pass_line(sm, capsys):
    """The check's own broken rotation (a setSecret that changes nothing, which the learner's testSecret must stop)
    fails on purpose: that failure is not the learner's and is not printed."""
    checks.setup("4.3")
    capsys.readouterr()
    checks.verify("4.3", lesson04.test_secret)
    lines = capsys.readouterr().out.splitlines()  # the pass line, wrapped at spaces (engine.errors.wrapped)
    assert all(line.startswith("  ") for line in lines[1:])  # every later line continues it
    assert " ".join(line.strip() for line in lines) == (
        "✔ Exercise 4.3 passed: testSecret stops a rotation whose password does not work, and passes a good one."
    )


def finish_raising(client, arn, token):
    """Raises an error of its own at once."""
    raise LookupError("no version holds the label the step looked for")


def test_a_failing_step_s_error_is_said_once_with_where_to_find_its_traceback(sm, capsys):
    checks.setup("4.4")
    capsys.readouterr()
    with pytest.raises(CheckFailed) as failure:
        checks.verify("4.4", finish_raising)
    said = capsys.readouterr().out + str(failure.value)
    assert said.count("no version holds the label the step looked for") == 1, said
    assert "on its own to see the error" not in said
    assert str(failure.value).endswith(
        "finishSecret raised (LookupError: no version holds the label the step looked for). "
        "The line that raised is in smworkbook.rotation_log('check-4-4')."
    )
