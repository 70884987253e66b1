"""Functions deployed with the mock's Lambda API (create_function): found, allowed, invoked, logged.

moto keeps the function (its configuration, its zip, its resource-based policy from AddPermission); this module
runs it through engine/lambda_runtime.py with its execution role's temporary keys, and writes each invocation's
log to CloudWatch Logs as Lambda does. Used by corrections/functions.py (Invoke) and corrections/rotation.py
(RotateSecret). Part of the engine: it imports neither the mock nor the learner's helpers.
"""

from __future__ import annotations

import time

from moto.awslambda import models as lambda_models

from smworkbook.engine import isolation, lambda_runtime, lambdas

# The service principal AWS's rotation guide grants lambda:InvokeFunction to (User Guide, "Lambda rotation
# functions": aws lambda add-permission --principal secretsmanager.amazonaws.com --action lambda:InvokeFunction).
SECRETS_MANAGER = "secretsmanager.amazonaws.com"
ACCOUNT, REGION = lambdas.ACCOUNT_ID, isolation.REGION  # where the workbook's functions live


def find(arn: str, account: str, region: str):
    """The deployed function `arn` names ($LATEST), or None."""
    backend = lambda_models.lambda_backends[account][region]
    try:
        return backend._lambdas.get_function_by_name_or_arn_with_qualifier(arn)
    except Exception:  # moto's UnknownFunctionException, or an ARN it cannot parse: no such function
        return None


def allows(function, service: str, action: str = "lambda:InvokeFunction") -> bool:
    """Does the function's resource-based policy (AddPermission's statements) let `service` call `action`?

    A statement counts when its Effect is Allow, its Principal is the service, and its Action is the action,
    "lambda:*" or "*". Conditions (SourceArn, SourceAccount) are not evaluated: the mock has one account.
    """
    for statement in function.policy.statements:
        principal = statement.get("Principal")
        services = principal.get("Service") if isinstance(principal, dict) else principal
        services = services if isinstance(services, list) else [services]
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if (
            statement.get("Effect", "Allow") == "Allow"
            and service in services
            and any(a in (action, "lambda:*", "*") for a in actions)
        ):
            return True
    return False


def invoke(function, event, endpoint: str) -> tuple[lambda_runtime.Outcome, list[str]]:
    """Run the deployed `function` once with `event` (by RUNNER: this process, or the learner's kernel) and write
    its log to the log group /aws/lambda/<name>, START/END/REPORT lines included, as Lambda does.

    Returns the outcome and the invocation's log lines; the lines are also kept for rotation_log(name).
    """
    stream = lambda_runtime.log_stream_name()
    invocation = lambda_runtime.Invocation(
        name=function.function_name,
        arn=function.function_arn,
        handler=function.handler or "",
        runtime=function.run_time or "",
        timeout=float(function.timeout or 3),
        memory=int(function.memory_size or 128),
        environment=dict(function.environment_vars or {}),
        code=function.code_bytes,
        event=event,
        endpoint=endpoint,
        credentials=_role_credentials(function),
        log_stream=stream,
    )
    outcome = lambda_runtime.RUNNER(invocation)
    request = invocation.request_id
    billed = max(1, int(outcome.duration_ms + 0.999))
    lines = [
        f"START RequestId: {request} Version: $LATEST",
        *outcome.log,
        f"END RequestId: {request}",
        f"REPORT RequestId: {request}\tDuration: {outcome.duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
        f"Memory Size: {invocation.memory} MB\tMax Memory Used: {outcome.max_memory_mb} MB",
    ]
    _write_log(function, stream, lines)
    record = lambdas.deployed_log(function.function_name, function.function_arn)
    record.extend(lines)
    return outcome, lines


def _role_credentials(function) -> tuple[str, str, str]:
    """Temporary keys for the function's execution role, as Lambda gets them from STS (AssumeRole).

    Requests signed with them are judged by the role's policies when lesson 5's enforcement is on.
    """
    from moto.sts.models import sts_backends

    sts = sts_backends[function.account_id]["aws"]
    role = sts.assume_role(
        region_name=function.region,
        role_session_name=function.function_name,
        role_arn=function.role,
        policy="",
        duration=900,
        external_id="",
    )
    return role.access_key_id, role.secret_access_key, role.session_token


def _write_log(function, stream: str, lines: list[str]) -> None:
    logs = function.logs_backend
    logs.ensure_log_group(function.logs_group_name)
    logs.create_log_stream(function.logs_group_name, stream)
    now = int(time.time() * 1000)
    # A traceback is one event in Lambda's log (the runtime sends it as one message): lines that continue
    # an "[ERROR]" line (indented, or "Traceback ...") are kept with it.
    events: list[str] = []
    for line in lines:
        if events and events[-1].startswith("[ERROR]") and (line.startswith((" ", "Traceback"))):
            events[-1] += "\n" + line
        else:
            events.append(line)
    logs.put_log_events(function.logs_group_name, stream, [{"timestamp": now, "message": m} for m in events])
