"""The workbook's own answer to exercise 6.4: AWS's alternating-users createSecret and setSecret for PostgreSQL.

The checks do not run these (6.4 runs the learner's two steps); the tests pass them to the check as the right
answer, or pair one of them with a wrong other step, and bench/run.py rotates with them under load.
"""

from __future__ import annotations

import json

from smworkbook.checks import lesson04
from smworkbook.checks.lesson06 import other_user


def alternating_create_secret(client, arn, token):
    current_value = lesson04._read(client, arn, VersionStage="AWSCURRENT")
    try:
        lesson04._read(client, arn, VersionId=token, VersionStage="AWSPENDING")
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    current_value["username"] = other_user(current_value["username"])
    current_value["password"] = client.get_random_password(ExcludeCharacters="/@\"'\\")["RandomPassword"]
    client.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(current_value), VersionStages=["AWSPENDING"]
    )


def alternating_set_secret(client, arn, token):
    """AWS's alternating-users setSecret for PostgreSQL (its "master-user rotation scheme"): log in as the admin
    named by `masterarn`, create the pending user or change its password. AWS's template also grants the new
    user the rotated user's permissions; the lesson's query needs none beyond logging in."""
    import pg8000.native

    pending = lesson04._read(client, arn, VersionId=token, VersionStage="AWSPENDING")
    if lesson04._can_log_in(pending):
        return
    admin = lesson04._login(lesson04._read(client, pending["masterarn"]))
    try:
        user, password = pg8000.native.identifier(pending["username"]), pg8000.native.literal(pending["password"])
        exists = admin.run("SELECT 1 FROM pg_roles WHERE rolname = :name", name=pending["username"])
        admin.run(f"{'ALTER' if exists else 'CREATE'} ROLE {user} WITH LOGIN PASSWORD {password}")
    finally:
        admin.close()
