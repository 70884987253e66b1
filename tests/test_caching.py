"""AWS's caching client (aws-secretsmanager-caching) works against the mock, as lesson 3 shows it."""

from __future__ import annotations

import textwrap

import boto3
from aws_secretsmanager_caching import SecretCache, SecretCacheConfig

from .conftest import run_python


def counting_client():
    calls: list[str] = []
    client = boto3.client("secretsmanager")
    client.meta.events.register("before-call.secrets-manager", lambda model, **_: calls.append(model.name))
    return client, calls


def test_the_cache_describes_then_reads_once_for_many_reads(aws):
    aws.ensure_secret("app/key", SecretString="v1")
    client, calls = counting_client()
    cache = SecretCache(config=SecretCacheConfig(secret_refresh_interval=3600), client=client)
    assert [cache.get_secret_string("app/key") for _ in range(5)] == ["v1"] * 5
    assert calls == ["DescribeSecret", "GetSecretValue"]


def test_the_cache_serves_the_old_value_until_it_refreshes(aws):
    aws.ensure_secret("app/key", SecretString="v1")
    client, _ = counting_client()
    cache = SecretCache(client=client)
    assert cache.get_secret_string("app/key") == "v1"
    aws.client("secretsmanager").put_secret_value(SecretId="app/key", SecretString="v2")
    assert cache.get_secret_string("app/key") == "v1"


def test_a_default_cache_finds_the_mock_through_the_kernels_environment(aws):
    """SecretCache() builds its own botocore client from the environment, as an application's would."""
    aws.ensure_secret("app/key", SecretString="from the mock")
    cache = SecretCache()
    assert cache._client.meta.endpoint_url == aws.endpoint_url
    assert cache.get_secret_string("app/key") == "from the mock"


def test_a_new_kernel_reaches_its_own_mock_with_a_default_cache():
    code = textwrap.dedent(
        """
        import smworkbook
        from aws_secretsmanager_caching import SecretCache

        aws = smworkbook.start()
        aws.ensure_secret("app/key", SecretString="kernel's own")
        print(SecretCache().get_secret_string("app/key"))
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "kernel's own"
