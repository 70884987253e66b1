"""Functions deployed with the mock's Lambda API: run without Docker, in a child process, as Lambda runs them.

What AWS documents and these tests hold the mock to: the environment Lambda gives a function (Developer Guide,
"Defined runtime environment variables"), Invoke's answer for a function that raised (API reference, Invoke:
X-Amz-Function-Error; Developer Guide, "AWS Lambda function errors in Python": errorMessage, errorType,
requestId, stackTrace), the log in /aws/lambda/<name> with START/END/REPORT lines ("Log and monitor Python
Lambda functions"), the timeout ("Configure Lambda function timeout"), and RotateSecret's AccessDeniedException
for a function whose policy does not let secretsmanager.amazonaws.com invoke it (recorded from AWS: localstack's
test_rotate_secret_invalid_lambda_arn snapshot).
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import botocore.exceptions
import pytest

import smworkbook
from smworkbook.engine import lambda_runtime
from smworkbook.engine.corrections.rotation import CANNOT_INVOKE

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# What AWS's rotation templates call (their SAR template's policy, and the User Guide's "Permissions for rotation").
ROTATION_ACTIONS = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:GetRandomPassword",
]


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, text in files.items():
            package.writestr(name, textwrap.dedent(text))
    return buffer.getvalue()


@pytest.fixture
def role(aws):
    iam = aws.client("iam")
    arn = iam.create_role(RoleName="rotation-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ROTATION_ACTIONS, "Resource": "*"}]}
    iam.put_role_policy(RoleName="rotation-role", PolicyName="rotation", PolicyDocument=json.dumps(policy))
    return arn


@pytest.fixture
def lam(aws):
    return aws.client("lambda")


def deploy(lam, role, code: str, name: str = "fn", handler: str = "lambda_function.lambda_handler", **more) -> str:
    package = zipped({handler.split(".")[0] + ".py": code}) if "files" not in more else zipped(more.pop("files"))
    return lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler=handler, Code={"ZipFile": package}, **more
    )["FunctionArn"]


def invoke(lam, name: str = "fn", event=None, **more) -> tuple[dict, object]:
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}), **more)
    return response, json.loads(response["Payload"].read() or b"null")


ENVIRONMENT = """
import os
def lambda_handler(event, context):
    names = ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
             "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_EXECUTION_ENV", "_HANDLER", "SECRETS_MANAGER_ENDPOINT",
             "AWS_ENDPOINT_URL", "MY_SETTING", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "HTTPS_PROXY"]
    found = {name: os.environ.get(name) for name in names}
    found["cwd_is_task_root"] = os.getcwd() == os.environ["LAMBDA_TASK_ROOT"]
    found["context"] = [context.function_name, context.invoked_function_arn, context.aws_request_id]
    found["remaining_ms"] = context.get_remaining_time_in_millis()
    return found
"""


def test_invoke_runs_the_code_with_lambdas_environment_pointed_at_the_mock(aws, lam, role, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")  # the kernel's proxy never reaches the function
    arn = deploy(
        lam,
        role,
        ENVIRONMENT,
        Timeout=20,
        # AWS's templates are deployed with the regional endpoint: the mock points it at itself.
        Environment={
            "Variables": {
                "MY_SETTING": "on",
                "SECRETS_MANAGER_ENDPOINT": "https://secretsmanager.us-east-1.amazonaws.com",
            }
        },
    )
    response, found = invoke(lam)
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert found["AWS_REGION"] == found["AWS_DEFAULT_REGION"] == "us-east-1"
    assert found["AWS_LAMBDA_FUNCTION_NAME"] == "fn" and found["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert found["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn"
    assert found["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert found["_HANDLER"] == "lambda_function.lambda_handler"
    assert found["SECRETS_MANAGER_ENDPOINT"] == found["AWS_ENDPOINT_URL"] == aws.endpoint_url
    assert found["MY_SETTING"] == "on" and found["HTTPS_PROXY"] is None
    # The execution role's temporary keys (STS: ASIA...), not the kernel's own.
    assert found["AWS_ACCESS_KEY_ID"].startswith("ASIA") and found["AWS_SESSION_TOKEN"]
    assert found["AWS_ACCESS_KEY_ID"] != aws.credentials.access_key_id
    assert found["cwd_is_task_root"] is True
    assert found["context"][:2] == ["fn", arn] and len(found["context"][2]) == 36
    assert 0 < found["remaining_ms"] <= 20_000


def test_the_function_runs_in_a_child_process_of_the_learners_own_user(lam, role):
    deploy(
        lam,
        role,
        "import os\ndef lambda_handler(event, context):\n    return [os.getpid(), os.getppid(), os.getuid()]\n",
    )
    _, (pid, parent, uid) = invoke(lam)
    assert parent == os.getpid() and pid != os.getpid() and uid == os.getuid()


def test_a_function_that_raises_answers_lambdas_error_document_and_logs_its_traceback(aws, lam, role):
    deploy(
        lam, role, "def lambda_handler(event, context):\n    print('about to fail')\n    raise KeyError('password')\n"
    )
    response, payload = invoke(lam, LogType="Tail")
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert set(payload) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert payload["errorType"] == "KeyError" and payload["errorMessage"] == "'password'"
    assert payload["stackTrace"] == [
        "  File \"/var/task/lambda_function.py\", line 3, in lambda_handler\n    raise KeyError('password')\n"
    ]
    import base64

    tail = base64.b64decode(response["LogResult"]).decode()
    assert "about to fail" in tail and "[ERROR] KeyError: 'password'" in tail
    events = aws.client("logs").filter_log_events(logGroupName="/aws/lambda/fn")["events"]
    messages = [event["message"] for event in events]
    request = payload["requestId"]
    assert messages[0] == f"START RequestId: {request} Version: $LATEST"
    assert messages[1] == "about to fail"
    # The traceback is one event, as Lambda's runtime sends it.
    assert messages[2].splitlines()[:2] == ["[ERROR] KeyError: 'password'", "Traceback (most recent call last):"]
    assert messages[3] == f"END RequestId: {request}"
    assert messages[4].startswith(f"REPORT RequestId: {request}\tDuration: ")
    assert "\tBilled Duration: " in messages[4] and "\tMemory Size: 128 MB\tMax Memory Used: " in messages[4]


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("lambda_function.handler", "Runtime.HandlerNotFound", "Handler 'handler' missing on module 'lambda_function'"),
        (
            "rotate.lambda_handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'rotate': No module named 'rotate'",
        ),
        ("lambda_handler", "Runtime.MalformedHandlerName", "Bad handler 'lambda_handler': not enough values to unpack"),
    ],
)
def test_a_handler_that_does_not_match_the_package_answers_lambdas_runtime_error(
    lam, role, handler, error_type, message
):
    lam.create_function(
        FunctionName="fn",
        Runtime="python3.12",
        Role=role,
        Handler=handler,
        Code={"ZipFile": zipped({"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"})},
    )
    response, payload = invoke(lam)
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == error_type and payload["errorMessage"].startswith(message)


def test_a_function_that_runs_past_its_timeout_is_stopped_with_whatever_it_started(lam, role, tmp_path):
    pids = tmp_path / "pids"
    code = f"""
        import os, subprocess, time
        def lambda_handler(event, context):
            child = subprocess.Popen(["sleep", "300"])
            open({str(pids)!r}, "w").write(f"{{os.getpid()}} {{child.pid}}")
            time.sleep(300)
        """
    deploy(lam, role, code, Timeout=1)
    response, payload = invoke(lam)
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert payload["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")
    for pid in map(int, pids.read_text().split()):
        assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) runs nothing.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_nothing_is_left_running_when_the_kernel_dies(tmp_path):
    pid_file = tmp_path / "pid"
    kernel = textwrap.dedent(
        f"""
        import io, json, threading, zipfile, boto3, smworkbook
        aws = smworkbook.start()
        code = ("import os, time\\ndef lambda_handler(e, c):\\n"
                "    open({str(pid_file)!r}, 'w').write(str(os.getpid()))\\n    time.sleep(300)\\n")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("lambda_function.py", code)
        iam = boto3.client("iam")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{{}}")["Role"]["Arn"]
        lam = boto3.client("lambda")
        lam.create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="lambda_function.lambda_handler",
                            Code={{"ZipFile": buffer.getvalue()}}, Timeout=300)
        lam.invoke(FunctionName="f", InvocationType="Event")
        """
    )
    process = subprocess.Popen([sys.executable, "-c", kernel], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if pid_file.exists() and pid_file.read_text():
                break
            time.sleep(0.1)
        function_pid = int(pid_file.read_text())
        assert _alive(function_pid)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    for _ in range(100):  # the function's process notices within a moment (PR_SET_PDEATHSIG: at once on Linux)
        if not _alive(function_pid):
            break
        time.sleep(0.1)
    assert not _alive(function_pid)


STEPS = """
import json, os, boto3
def lambda_handler(event, context):
    client = boto3.client("secretsmanager", endpoint_url=os.environ["SECRETS_MANAGER_ENDPOINT"])
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    print("step", step)
    if step == "createSecret":
        client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
        client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString="new",
                                VersionStages=["AWSPENDING"])
    elif step == "finishSecret":
        versions = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
        current = next(v for v, stages in versions.items() if "AWSCURRENT" in stages)
        client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token,
                                           RemoveFromVersionId=current)
"""


def grant(lam, principal: str = "secretsmanager.amazonaws.com", action: str = "lambda:InvokeFunction") -> None:
    lam.add_permission(FunctionName="fn", StatementId="rotation", Action=action, Principal=principal)


def test_rotate_secret_without_the_invoke_permission_is_aws_access_denied(sm, lam, role):
    arn = deploy(lam, role, STEPS)
    sm.create_secret(Name="s", SecretString="old")
    grant(lam, principal="events.amazonaws.com")  # another service's permission does not count
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)
    assert refused.value.response["Error"] == {"Code": "AccessDeniedException", "Message": CANNOT_INVOKE}
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "RotationEnabled" not in sm.describe_secret(SecretId="s")  # nothing stored
    grant(lam)
    sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "new"


def test_a_rotation_step_that_fails_is_in_the_functions_log(aws, sm, lam, role):
    arn = deploy(
        lam, role, STEPS.replace('print("step", step)', 'print("step", step)\n    assert step != "testSecret", "no"')
    )
    grant(lam)
    sm.create_secret(Name="s", SecretString="old")
    sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "old"
    messages = [e["message"] for e in aws.client("logs").filter_log_events(logGroupName="/aws/lambda/fn")["events"]]
    assert [m for m in messages if m.startswith("step ")] == ["step createSecret", "step setSecret", "step testSecret"]
    assert any(m.startswith("[ERROR] AssertionError: no\nTraceback (most recent call last):") for m in messages)
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        smworkbook.rotation_log("fn")
    assert "[ERROR] AssertionError: no" in out.getvalue() and "step testSecret" in out.getvalue()


def test_with_enforcement_on_the_functions_calls_are_judged_by_its_roles_policies(aws, sm, lam, role, enforced):
    iam = aws.client("iam")
    without_put = [a for a in ROTATION_ACTIONS if a != "secretsmanager:PutSecretValue"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": without_put, "Resource": "*"}]}
    iam.put_role_policy(RoleName="rotation-role", PolicyName="rotation", PolicyDocument=json.dumps(policy))
    arn = deploy(lam, role, STEPS)
    grant(lam)
    sm.create_secret(Name="s", SecretString="old")
    sm.rotate_secret(SecretId="s", RotationLambdaARN=arn)
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "old"
    messages = "\n".join(
        e["message"] for e in aws.client("logs").filter_log_events(logGroupName="/aws/lambda/fn")["events"]
    )
    assert "AccessDeniedException" in messages
    assert "assumed-role/rotation-role/fn is not authorized to perform: secretsmanager:PutSecretValue" in messages
    policy["Statement"][0]["Action"] = ROTATION_ACTIONS
    iam.put_role_policy(RoleName="rotation-role", PolicyName="rotation", PolicyDocument=json.dumps(policy))
    pending = next(v for v, s in sm.describe_secret(SecretId="s")["VersionIdsToStages"].items() if s == ["AWSPENDING"])
    sm.rotate_secret(SecretId="s", ClientRequestToken=pending)
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "new"


def test_a_runtime_other_than_python_is_refused_with_a_clear_error(lam, role):
    lam.create_function(
        FunctionName="fn",
        Runtime="nodejs20.x",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": zipped({"index.js": ""})},
    )
    response, payload = invoke(lam)
    assert response["FunctionError"] == "Unhandled" and "only Python functions" in payload["errorMessage"]


def test_a_package_with_a_path_outside_its_folder_is_not_unzipped(tmp_path):
    invocation = lambda_runtime.Invocation(
        name="fn",
        arn="arn",
        handler="a.b",
        runtime="python3.12",
        timeout=3,
        memory=128,
        environment={},
        code=zipped({"../escape.py": "x = 1"}),
        event={},
        endpoint="http://127.0.0.1:9",
        credentials=("a", "b", "c"),
    )
    outcome = lambda_runtime.run(invocation)
    assert outcome.failed and "outside its folder" in outcome.payload["errorMessage"]
