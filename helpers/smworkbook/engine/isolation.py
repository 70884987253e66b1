"""Point this process's AWS SDK at the mock, and away from any real AWS account.

botocore looks for credentials and settings in this order: explicit arguments, environment
variables, the shared files (~/.aws/credentials and ~/.aws/config, or the files named by
AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE), then container and EC2 instance metadata.
We set the mock's own keys in the environment (first in the chain), point both shared files at an empty
file so no profile of the learner's can be loaded, drop every variable that could select a
profile, a role or another endpoint, and switch off the instance metadata lookup.
"""

from __future__ import annotations

import os

import boto3

# Keys for an endpoint that accepts any (SMWORKBOOK_BACKEND=http://..., e.g. LocalStack): never real.
# The embedded mock never uses these: it has its own, made when it starts (server.Credentials).
FAKE_ACCESS_KEY_ID = "testing"
FAKE_SECRET_ACCESS_KEY = "testing"
# Where the kernel finds its mock's /moto-api/ token (the dashboard link, reset).
TOKEN_VARIABLE = "SMWORKBOOK_MOCK_TOKEN"
REGION = "us-east-1"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")

# Variables that could make botocore use a real identity, profile or endpoint.
_DROPPED = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_CREDENTIAL_EXPIRATION",
)


def point_environment_at(
    endpoint_url: str | None,
    access_key_id: str,
    secret_access_key: str,
    api_token: str | None = None,
) -> None:
    """Make every boto3 client created from now on in this process talk to `endpoint_url` with these keys.

    `endpoint_url` None: AWS's own endpoints, which only a mock in this process may answer (the browser
    edition's moto, smworkbook.toolkit.inpage); nothing leaves a browser page but what the page allows.

    For a mock started elsewhere (a grader that owns the mock hands its endpoint, keys and
    /moto-api/ token to the kernel it runs), pass what its starter made; `environment_for()`
    gives the same variables for a child process.
    """
    for name in list(os.environ):
        # AWS_ENDPOINT_URL_<SERVICE> beats AWS_ENDPOINT_URL: a stale one would bypass the mock.
        if name in _DROPPED or name.startswith("AWS_ENDPOINT_URL"):
            del os.environ[name]
    os.environ.pop(TOKEN_VARIABLE, None)
    os.environ.update(environment_for(endpoint_url, access_key_id, secret_access_key, api_token))
    # botocore sends requests through the proxy named in HTTP_PROXY / HTTPS_PROXY (common on work
    # laptops) unless the host is in NO_PROXY: the mock's traffic, secrets included, would leave
    # the machine. Loopback never goes through a proxy.
    for name in ("NO_PROXY", "no_proxy"):
        hosts = [host for host in os.environ.get(name, "").split(",") if host.strip()]
        os.environ[name] = ",".join(dict.fromkeys([*hosts, *_LOOPBACK]))
    # boto3.client() uses a module-level default session; one made before start() may hold
    # credentials it resolved from the learner's real profile. Drop it so the next call
    # builds a new one from the environment above.
    boto3.DEFAULT_SESSION = None


def environment_for(
    endpoint_url: str | None, access_key_id: str, secret_access_key: str, api_token: str | None = None
) -> dict[str, str]:
    """The variables that point boto3 at `endpoint_url` with these keys (for a child process's environment).

    Pass the child an environment without the parent's AWS_* variables (see _DROPPED) as well.
    """
    variables = {
        "AWS_ACCESS_KEY_ID": access_key_id,
        "AWS_SECRET_ACCESS_KEY": secret_access_key,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        # os.devnull is not a regular file, so botocore reads it as "no profiles at all".
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if endpoint_url is not None:
        variables["AWS_ENDPOINT_URL"] = endpoint_url
    if api_token is not None:
        variables[TOKEN_VARIABLE] = api_token
    return variables
