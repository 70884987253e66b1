"""The mock answers only its owner: every AWS request is checked by its SigV4 signature (server.OwnerOnly).

AWS's answers over the JSON protocol (Secrets Manager): an unknown key is UnrecognizedClientException
"The security token included in the request is invalid.", a wrong secret InvalidSignatureException "The
request signature we calculated does not match the signature you provided. ...", no signature
MissingAuthenticationTokenException; over the query protocol (IAM) InvalidClientTokenId, HTTP 403. A signature
dated more than 5 minutes from now: InvalidSignatureException "Signature expired: ..." or "Signature not yet
current: ..." (see server._WINDOW_JSON for AWS's text and where it is recorded).
"""

from __future__ import annotations

import datetime
import json
import re
import time
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
    secret = reader.secret_access_key  # random: its last character is "x" one time in 64
    forged = client(aws, reader.access_key_id, secret[:-1] + ("y" if secret.endswith("x") else "x"))
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


# Signatures dated away from now, and signatures sent twice ----------------------------------------------------------


def _signed_at(monkeypatch, offset: datetime.timedelta) -> None:
    """botocore signs as if its clock were `offset` away from now (a captured request, or a wrong clock)."""
    import botocore.auth

    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *args, **kwargs: now + offset)


def test_a_request_signed_six_minutes_ago_is_refused_as_aws_says_signature_expired(aws, sm, monkeypatch):
    """AWS (GetSecretValue, boto/botocore#3587): InvalidSignatureException, HTTP 400, "Signature expired:
    20251105T220858Z is now earlier than 20251106T132108Z (20251106T132608Z - 5 min.)"."""
    sm.create_secret(Name="mine", SecretString="s3cret")
    _signed_at(monkeypatch, -datetime.timedelta(minutes=6))
    old = client(aws, aws.credentials.access_key_id, aws.credentials.secret_access_key)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        old.get_secret_value(SecretId="mine")
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("InvalidSignatureException", 400)
    stamp = r"\d{8}T\d{6}Z"
    expired = rf"Signature expired: {stamp} is now earlier than {stamp} \({stamp} - 5 min\.\)"
    assert re.fullmatch(expired, error["Error"]["Message"]), error["Error"]["Message"]


def test_a_request_dated_six_minutes_ahead_is_not_yet_current_and_four_minutes_either_way_is_served(
    aws, sm, monkeypatch
):
    """AWS (serverless/enterprise#11): "Signature not yet current: 20181120T211543Z is still later than
    20181120T211529Z (20181120T211029Z + 5 min.)". Inside the 5 minutes, a clock that is off still works, as on AWS."""
    sm.create_secret(Name="mine", SecretString="s3cret")
    keys = aws.credentials
    _signed_at(monkeypatch, datetime.timedelta(minutes=6))
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client(aws, keys.access_key_id, keys.secret_access_key).get_secret_value(SecretId="mine")
    assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert refused.value.response["Error"]["Message"].startswith("Signature not yet current: ")
    for minutes in (4, -4):
        _signed_at(monkeypatch, datetime.timedelta(minutes=minutes))
        answer = client(aws, keys.access_key_id, keys.secret_access_key).get_secret_value(SecretId="mine")
        assert answer["SecretString"] == "s3cret"


def test_iam_refuses_an_expired_signature_with_its_own_code_after_15_minutes(aws, monkeypatch):
    """The query protocol (STS GetCallerIdentity, aws/aws-cli#6676): SignatureDoesNotMatch, HTTP 403, "Signature
    expired: ... (... - 15 min.)"."""
    keys = aws.credentials
    _signed_at(monkeypatch, -datetime.timedelta(minutes=10))
    assert client(aws, keys.access_key_id, keys.secret_access_key, "iam").list_users()["Users"] == []
    _signed_at(monkeypatch, -datetime.timedelta(minutes=16))
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client(aws, keys.access_key_id, keys.secret_access_key, "iam").list_users()
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("SignatureDoesNotMatch", 403)
    assert error["Error"]["Message"].startswith("Signature expired: ") and "- 15 min.)" in error["Error"]["Message"]


def test_a_captured_signed_request_replayed_raw_is_refused_and_reads_nothing(aws, sm):
    """A request captured on its way (here from botocore's own before-send event) and sent again within its
    5 minutes gets nothing: after the few seconds an SDK's own repeats need (server._REPEAT_GRACE), the mock
    refuses a signature it has served. (AWS would serve it again; see server._REPLAYED.)"""
    from smworkbook.engine import server

    sm.create_secret(Name="mine", SecretString="s3cret")
    captured = []
    owner = client(aws, aws.credentials.access_key_id, aws.credentials.secret_access_key)
    owner.meta.events.register(
        "before-send.secrets-manager.GetSecretValue", lambda request, **_: captured.append(request)
    )
    assert owner.get_secret_value(SecretId="mine")["SecretString"] == "s3cret"
    [request] = captured
    time.sleep(server._REPEAT_GRACE + 0.5)
    replay = urllib.request.Request(request.url, data=request.body, method="POST", headers=dict(request.headers))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(replay, timeout=10)
    answer = refused.value.read()
    assert refused.value.code == 400 and b"s3cret" not in answer
    assert json.loads(answer)["__type"] == "InvalidSignatureException"
    assert json.loads(answer)["message"].startswith("Signature already used")
    assert owner.get_secret_value(SecretId="mine")["SecretString"] == "s3cret"  # the owner's next call is signed anew


def test_two_equal_calls_signed_in_one_second_are_both_served(aws, sm, monkeypatch):
    """X-Amz-Date counts whole seconds and botocore does not sign its per-call headers: two equal calls within one
    second carry one signature, and both are the owner's."""
    sm.create_secret(Name="mine", SecretString="s3cret")
    _signed_at(monkeypatch, datetime.timedelta(0))  # one fixed second for every signature below
    signatures = []
    owner = client(aws, aws.credentials.access_key_id, aws.credentials.secret_access_key)
    owner.meta.events.register(
        "before-send.secrets-manager.GetSecretValue",
        lambda request, **_: signatures.append(request.headers["Authorization"]),
    )
    assert [owner.get_secret_value(SecretId="mine")["SecretString"] for _ in range(3)] == ["s3cret"] * 3
    assert len(set(signatures)) == 1


def test_botocores_retries_are_served_whether_or_not_signed_in_the_same_second(aws, sm):
    """botocore signs each attempt anew; an attempt that reached the mock and is retried at once (same second, so
    the same signature) is served again, as one a second later (a new signature) is."""
    sm.create_secret(Name="mine", SecretString="s3cret")
    retrying = boto3.client(
        "secretsmanager",
        endpoint_url=aws.endpoint_url,
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "max_attempts": 3}),
        aws_access_key_id=aws.credentials.access_key_id,
        aws_secret_access_key=aws.credentials.secret_access_key,
    )
    for pause in (0, 1.1):
        served = []

        def retry_once(attempts, response=None, caught_exception=None, pause=pause, served=served, **_):
            served.append(response[0].status_code if response else repr(caught_exception))
            return pause if attempts == 1 else None  # as if the first answer had been lost

        retrying.meta.events.register("needs-retry.secrets-manager.GetSecretValue", retry_once)
        answer = retrying.get_secret_value(SecretId="mine")
        retrying.meta.events.unregister("needs-retry.secrets-manager.GetSecretValue", retry_once)
        assert answer["SecretString"] == "s3cret" and answer["ResponseMetadata"]["RetryAttempts"] == 1
        assert served == [200, 200]
