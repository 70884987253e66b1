"""Rotation functions written in the notebook, run by the mock's Secrets Manager as AWS runs a Lambda.

    arn = smworkbook.register_rotation_function("my-rotation", lambda_handler)
    client.rotate_secret(SecretId="...", RotationLambdaARN=arn, RotationRules={...})

This is lesson 4's short path: a registered function needs no role and no add_permission (Secrets Manager may
always invoke it). A function deployed with the mock's Lambda API (create_function, add_permission) is the AWS
way: engine/lambda_runtime.py runs it, and `rotation_log(name)` shows its log too.

The mock calls the function once per step (see helpers/smworkbook/engine/lambdas.py for the event and
for what happens when a step raises); `rotation_log(name)` shows what it printed and logged.
"""

from __future__ import annotations

from collections.abc import Callable

from smworkbook.engine.errors import WorkbookError
from smworkbook.engine.lambdas import (
    _NAME,
    STEPS,
    LambdaContext,
    _find,  # noqa: F401  (checks read a function's log through rotation._find)
    function_arn,
    invoke,
    is_registered,
    register,
)
from smworkbook.toolkit.mock import refuse_other_backends

__all__ = [
    "STEPS",
    "LambdaContext",
    "ensure_function_absent",
    "ensure_role_absent",
    "function_log",
    "function_arn",
    "invocations",
    "invoke",
    "is_registered",
    "register_rotation_function",
    "rotation_log",
]


def register_rotation_function(name: str, handler: Callable) -> str:
    """Make `handler` (a `lambda_handler(event, context)`) the rotation function called `name`.

    Returns its ARN, to pass to rotate_secret(RotationLambdaARN=...). Registering the same name
    again replaces the code (like deploying a new version of a Lambda function) and keeps its log.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise WorkbookError(
            f"A function name is 1 to 64 letters, digits, '-' or '_' (like 'rotate-db-password'), not {name!r}."
        )
    if not callable(handler):
        raise WorkbookError(f"Pass the function itself (lambda_handler, no brackets), not {handler!r}.")
    # The mock calls the function in this kernel; an endpoint or real AWS would look for a Lambda.
    refuse_other_backends("Rotation with a function in this kernel")
    arn = register(name, handler)
    from smworkbook.toolkit import graded

    if graded.active():  # the grader's mock, in another process, invokes it here over loopback
        graded.serve_rotation_function(name)
    return arn


def invocations(function: str) -> list[dict]:
    """The events the function received since it was (re-)registered, oldest first."""
    return list(_find(function).invocations)


def ensure_function_absent(name: str) -> None:
    """Delete the Lambda function `name` from the mock if it exists (a lesson cell's set-up, so it can run again)."""
    from smworkbook.toolkit.mock import current

    lam = current().client("lambda")
    try:
        lam.delete_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        pass


def ensure_role_absent(name: str) -> None:
    """Delete the IAM role `name` and its inline policies from the mock if it exists (a lesson cell's set-up)."""
    from smworkbook.toolkit.mock import current

    iam = current().client("iam")
    try:
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
        iam.delete_role(RoleName=name)
    except iam.exceptions.NoSuchEntityException:
        pass


def function_log(function: str) -> list[str]:
    """The lines of `function`'s log so far (a registered function, or one deployed with create_function)."""
    found = _find(function, missing_ok=True)
    return list(found.log) if found else []


def rotation_log(function: str) -> None:
    """Print the log of the rotation function `function` (its name or ARN): what it printed and
    logged, and any error, step by step. In AWS, this is the function's CloudWatch Logs."""
    found = _find(function)
    print("\n".join(found.log) if found.log else f"(the function {found.name} has not run yet)")
