"""The mock answers only its owner: every AWS request is checked by its SigV4 signature (server.OwnerOnly).

AWS's answers over the JSON protocol (Secrets Manager): an unknown key is UnrecognizedClientException
"The security token included in the request is invalid.", a wrong secret InvalidSignatureException "The
request signature we calculated does not match the signature you provided. ...", no signature
MissingAuthenticationTokenException; over the query protocol (IAM) InvalidClientTokenId, HTTP 403.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import botocore.exceptions
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from smworkbook.toolkit import access

NO_RETRIES = Config(retries={"max_attempts": 1})
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def client(aws, key_id: str, secret: str, service: str = "secretsmanager"):
    return boto3.client(
        service,
        endpoint_url=aws.endpoint_url,
        region_name="us-east-1",
        config=NO_RETRIES,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )


def error_code(call) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_the_mocks_keys_are_its_own_never_the_public_testing_pair(aws):
    keys = aws.credentials
    assert keys.access_key_id.startswith("SMWB") and keys.access_key_id != "testing"
    assert len(keys.secret_access_key) >= 40 and len(keys.api_token) >= 32
    assert keys.secret_access_key not in repr(keys) and keys.api_token not in repr(keys)


def test_the_public_testing_keys_are_an_unrecognized_client(aws, sm):
    sm.create_secret(Name="mine", SecretString="v")
    stranger = client(aws, "testing", "testing")
    assert error_code(stranger.list_secrets) == "UnrecognizedClientException"
    assert error_code(lambda: stranger.get_secret_value(SecretId="mine")) == "UnrecognizedClientException"


def test_the_mocks_key_id_with_another_secret_is_an_invalid_signature(aws, sm):
    guesser = client(aws, aws.credentials.access_key_id, "a-guessed-secret")
    assert error_code(guesser.list_secrets) == "InvalidSignatureException"


def test_an_unsigned_request_is_missing_its_authentication_token(aws):
    request = urllib.request.Request(
        aws.endpoint_url + "/",
        data=b"{}",
        method="POST",
        headers={"X-Amz-Target": "secretsmanager.ListSecrets", "Content-Type": "application/x-amz-json-1.1"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["__type"] == "MissingAuthenticationTokenException"


def test_a_signed_request_whose_body_was_changed_is_refused(aws, sm):
    """A signature covers the body: the owner's signature on one request does not carry over to another."""
    sm.create_secret(Name="mine", SecretString="v")
    headers = {"X-Amz-Target": "secretsmanager.ListSecrets", "Content-Type": "application/x-amz-json-1.1"}
    signed = AWSRequest(method="POST", url=aws.endpoint_url + "/", data=b"{}", headers=headers)
    keys = aws.credentials
    SigV4Auth(Credentials(keys.access_key_id, keys.secret_access_key), "secretsmanager", "us-east-1").add_auth(signed)
    prepared = dict(signed.headers.items())
    honest = urllib.request.Request(aws.endpoint_url + "/", data=b"{}", method="POST", headers=prepared)
    with urllib.request.urlopen(honest, timeout=10) as answer:
        assert [s["Name"] for s in json.loads(answer.read())["SecretList"]] == ["mine"]
    body = json.dumps({"SecretId": "mine", "ForceDeleteWithoutRecovery": True}).encode()
    tampered = dict(prepared, **{"X-Amz-Target": "secretsmanager.DeleteSecret"})
    for changed in (
        urllib.request.Request(aws.endpoint_url + "/", data=body, method="POST", headers=prepared),
        urllib.request.Request(aws.endpoint_url + "/", data=b"{}", method="POST", headers=tampered),
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(changed, timeout=10)
        assert json.loads(refused.value.read())["__type"] == "InvalidSignatureException"
    assert [s["Name"] for s in sm.list_secrets()["SecretList"]] == ["mine"]


def test_iam_answers_a_stranger_with_its_own_error(aws):
    """IAM speaks the query protocol: InvalidClientTokenId, HTTP 403, which botocore parses."""
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client(aws, "testing", "testing", "iam").list_users()
    assert raised.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_an_iam_user_made_in_the_mock_signs_with_its_own_key_under_enforcement(aws, sm):
    """Lesson 5: keys the mock's IAM issued are the mock's to check; enforcement judges what they may do."""
    sm.create_secret(Name="mine", SecretString="v")
    reader = access.create_user("reader", ALLOW_ALL)
    as_reader = aws.client_as(reader)
    assert as_reader.get_secret_value(SecretId="mine")["SecretString"] == "v"
    access.enforce_policies()
    assert as_reader.get_secret_value(SecretId="mine")["SecretString"] == "v"
    forged = client(aws, reader.access_key_id, reader.secret_access_key[:-1] + "x")
    assert error_code(lambda: forged.get_secret_value(SecretId="mine")) == "InvalidSignatureException"
    # AWS refuses an inactive key as an unknown one.
    iam = aws.client("iam")
    iam.update_access_key(UserName="reader", AccessKeyId=reader.access_key_id, Status="Inactive")
    assert error_code(lambda: as_reader.get_secret_value(SecretId="mine")) == "UnrecognizedClientException"


def test_reset_and_enforcement_never_switch_the_check_off(aws, sm):
    stranger = client(aws, "testing", "testing")
    access.enforce_policies()
    assert error_code(stranger.list_secrets) == "UnrecognizedClientException"
    aws.reset()
    assert error_code(stranger.list_secrets) == "UnrecognizedClientException"
    assert sm.list_secrets()["SecretList"] == []  # the owner still gets in


def test_a_child_process_gets_the_mocks_endpoint_and_keys_from_environment_for(aws, sm):
    """What a grader that owns the mock hands to the kernel it runs."""
    import subprocess
    import sys

    from smworkbook.engine import isolation

    keys = aws.credentials
    env = isolation.environment_for(aws.endpoint_url, keys.access_key_id, keys.secret_access_key, keys.api_token)
    assert env["SMWORKBOOK_MOCK_TOKEN"] == keys.api_token
    code = (
        "import boto3; print(boto3.client('secretsmanager').create_secret(Name='from-child', SecretString='x')['Name'])"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "from-child", result.stderr
    assert [s["Name"] for s in sm.list_secrets()["SecretList"]] == ["from-child"]
