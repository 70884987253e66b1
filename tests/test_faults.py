"""throttled(): AWS's transient errors on purpose, so that botocore's retries can be seen working."""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from smworkbook import WorkbookError, throttled


def client_with_retries(max_attempts: int):
    # max_attempts counts the retries after the first try (botocore's Config).
    return boto3.client("secretsmanager", config=Config(retries={"mode": "standard", "max_attempts": max_attempts}))


def test_throttled_requests_are_retried_until_one_reaches_the_mock(aws):
    aws.ensure_secret("s", SecretString="value")
    client = client_with_retries(3)
    with throttled(client, times=2) as failed:
        response = client.get_secret_value(SecretId="s")
    assert response["SecretString"] == "value"
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert failed == ["GetSecretValue", "GetSecretValue"]


def test_when_retries_run_out_the_error_is_awss(aws):
    aws.ensure_secret("s", SecretString="value")
    client = client_with_retries(1)
    with throttled(client, times=5, code="InternalServiceError") as failed, pytest.raises(ClientError) as raised:
        client.get_secret_value(SecretId="s")
    assert raised.value.response["Error"] == {
        "Code": "InternalServiceError",
        "Message": "An error occurred on the server side.",
    }
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert len(failed) == 2  # the first try and one retry
    # As the mock's own errors (corrections/wire.py): a modelled error's top-level Message, a UUID request id.
    assert raised.value.response["Message"] == "An error occurred on the server side."
    request_id = raised.value.response["ResponseMetadata"]["RequestId"]
    assert str(uuid.UUID(request_id)) == request_id


def test_throttling_is_awss_error_and_code(aws):
    client = client_with_retries(0)
    with throttled(client, times=1), pytest.raises(ClientError) as raised:
        client.list_secrets()
    assert raised.value.response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}


def test_a_write_that_was_throttled_then_retried_happens_once(aws):
    """The throttled attempts never reach the mock: the secret is created once, not three times."""
    client = client_with_retries(3)
    with throttled(client, times=2):
        client.create_secret(Name="s", SecretString="value")
    assert [s["Name"] for s in client.list_secrets()["SecretList"]] == ["s"]
    assert len(client.describe_secret(SecretId="s")["VersionIdsToStages"]) == 1


def test_after_the_block_requests_go_through_again(aws):
    aws.ensure_secret("s", SecretString="value")
    client = client_with_retries(0)
    with throttled(client, times=100):
        pass
    assert client.get_secret_value(SecretId="s")["ResponseMetadata"]["RetryAttempts"] == 0


def test_other_clients_are_not_throttled(aws):
    aws.ensure_secret("s", SecretString="value")
    throttled_client, other = client_with_retries(0), client_with_retries(0)
    with throttled(throttled_client, times=1):
        assert other.get_secret_value(SecretId="s")["SecretString"] == "value"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"client": "secretsmanager"}, "needs a boto3 client"),
        ({"times": -1}, "whole number 0 or more"),
        ({"times": 1.5}, "whole number 0 or more"),
        ({"times": True}, "whole number 0 or more"),
        ({"code": "ResourceNotFoundException"}, "code must be one of ThrottlingException, InternalServiceError"),
    ],
)
def test_bad_input_is_a_short_clear_error(aws, kwargs, message):
    arguments = {"client": aws.client("secretsmanager"), **kwargs}
    with pytest.raises(WorkbookError, match=message), throttled(**arguments):
        pass
