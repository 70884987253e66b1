"""What goes over the wire: HTTP status codes, error bodies and response headers, as AWS sends them.

Follows responses recorded from AWS Secrets Manager itself: LocalStack's snapshot tests, which are run
against AWS and store what it answered (localstack/localstack,
tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json, tests marked `markers.aws.validated`),
and the response headers of a Secrets Manager error printed by the AWS SDK for JavaScript in
aws/aws-sdk-js-v3#1215. The protocol is AWS JSON 1.1 (botocore's service model: "protocol": "json",
"jsonVersion": "1.1").
"""

from __future__ import annotations

import functools
import json
import uuid

from moto.secretsmanager.exceptions import SecretsManagerClientError

from smworkbook.engine import server


@functools.cache
def _modelled_errors() -> frozenset[str]:
    """The error codes botocore's model of Secrets Manager lists for its operations (each has a class in
    `client.exceptions`); AWS's common errors, such as ValidationException and AccessDeniedException, are not
    among them."""
    from smworkbook.engine.corrections.validation import service_model

    model = service_model()
    return frozenset(shape.name for name in model.operation_names for shape in model.operation_model(name).error_shapes)


def client_errors_are_http_400() -> None:
    """Every Secrets Manager client error is HTTP 400, ResourceNotFoundException included.

    AWS (recorded, LocalStack's snapshot): test_secret_not_found, GetSecretValue and ListSecretVersionIds of a
    secret that does not exist: ResourceNotFoundException "Secrets Manager can't find the specified secret.",
    HTTPStatusCode 400; test_get_secret_value_errors: a VersionStage no version has, ResourceNotFoundException,
    400, and a VersionId and VersionStage that do not belong together, InvalidRequestException, 400. The API
    reference's Common Errors give 400 for every client error.
    moto 5.2: answers ResourceNotFoundException, and the VersionId / VersionStage mismatch, with HTTP 404.
    """
    original = SecretsManagerClientError.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        if self.code == 404:
            self.code = 400

    SecretsManagerClientError.__init__ = __init__


def modelled_errors_say_message() -> None:
    """An error the service models has a body {"__type": <code>, "Message": <text>}; any other error says "message".

    AWS (recorded, LocalStack's snapshot): the raw body of an error, test_no_client_request_token:
    {"Message": "You must provide a ClientRequestToken value. ...", "__type": "InvalidRequestException"}; in
    botocore's parsed response a modelled error (ResourceNotFoundException, InvalidRequestException,
    ResourceExistsException) carries a top-level "Message" beside "Error", because botocore reads the error's
    modelled member `Message` from the body (test_secret_not_found, test_secret_exists_snapshots,
    test_tag_untag_resource_on_deleted_secret). ValidationException (test_invalid_secret_name) and
    AccessDeniedException (test_rotate_secret_invalid_lambda_arn), which the service does not model, have no
    top-level "Message": their body says "message". `__type` is the bare code in both.
    moto 5.2: every body says "message", so botocore's response has no top-level "Message".
    """
    original = SecretsManagerClientError.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        key = "Message" if self.error_type in _modelled_errors() else "message"
        self.description = json.dumps({"__type": self.error_type, key: self.message})

    SecretsManagerClientError.__init__ = __init__


# Headers moto or werkzeug add that AWS does not send, or sends with another value.
_NOT_AWS = {"server", "access-control-allow-origin", "status"}
_JSON_PROTOCOL = {"x-amzn-requestid", "content-type", "x-amzn-errortype"}


class AwsResponseMetadata:
    """WSGI middleware: the response headers of an AWS request as AWS sends them (responses_carry_aws_metadata)."""

    def __init__(self, app) -> None:
        self._app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return self._app(environ, start_response)
        dropped = set(_NOT_AWS)
        added = []
        requested = environ.get("CONTENT_TYPE") or ""
        if environ.get("HTTP_X_AMZ_TARGET"):  # AWS's JSON protocol (Secrets Manager, KMS, ...)
            dropped |= _JSON_PROTOCOL
            json_type = requested if requested.startswith("application/x-amz-json-1.") else "application/x-amz-json-1.1"
            added = [("x-amzn-RequestId", str(uuid.uuid4())), ("Content-Type", json_type)]

        def aws_start_response(status, headers, exc_info=None):
            kept = [(name, value) for name, value in headers if name.lower() not in dropped]
            return start_response(status, kept + added, exc_info)

        return self._app(environ, aws_start_response)


def responses_carry_aws_metadata() -> None:
    """A response's headers are AWS's: a UUID x-amzn-RequestId, Content-Type application/x-amz-json-1.1, no
    Server.

    AWS (the headers of a Secrets Manager error, printed by the AWS SDK for JavaScript in
    aws/aws-sdk-js-v3#1215, and of a TagResource answer recorded by Cloud Custodian, cloud-custodian/cloud-custodian
    tests/data/placebo/test_secrets_manager_tag/secretsmanager.TagResource_1.json): date, content-type:
    application/x-amz-json-1.1, content-length, connection, x-amzn-requestid: 4af526d6-33fd-4f86-a368-a46631968f09
    (a UUID). Nothing else: no Server header, no CORS
    header, no X-Amzn-ErrorType. botocore shows them in a response's ResponseMetadata.HTTPHeaders, and its
    RequestId is x-amzn-requestid.
    moto 5.2 behind werkzeug: server: Werkzeug/<version> Python/<version>, amazon.com; content-type: text/html;
    charset=utf-8 (application/json for an error); a 52-character x-amzn-requestid;
    access-control-allow-origin: *; X-Amzn-ErrorType and a "status" header on errors.
    The JSON protocol's headers change for every request that names its operation in X-Amz-Target; Server, the
    CORS header and "status" go from every AWS request (IAM's XML answers keep moto's request id, which their body
    repeats). moto's /moto-api/ pages are left as they are.
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    server.MIDDLEWARE.append(AwsResponseMetadata)

    def send_response(self, code: int, message: str | None = None) -> None:
        # http.server's send_response, without its Server header (werkzeug's and Python's versions).
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    MotoRequestHandler.send_response = send_response


def tag_resource_and_untag_resource_answer_an_empty_body() -> None:
    """TagResource and UntagResource answer HTTP 200 with an empty body.

    AWS (recorded by Cloud Custodian's placebo tests: cloud-custodian/cloud-custodian
    tests/data/placebo/test_secrets_manager_tag/secretsmanager.TagResource_1.json and UntagResource_1.json):
    "content-length": "0", "content-type": "application/x-amz-json-1.1". Both operations have no output shape
    (API reference: "If the action is successful, the service sends back an HTTP 200 response with an empty HTTP
    body.").
    moto 5.2: answers "{}" (content-length 2).
    """
    from moto.secretsmanager.responses import SecretsManagerResponse

    for name in ("tag_resource", "untag_resource"):
        original = getattr(SecretsManagerResponse, name)

        def empty(self, _original=original) -> str:
            _original(self)
            return ""

        functools.update_wrapper(empty, original)
        setattr(SecretsManagerResponse, name, empty)


CORRECTIONS = (
    client_errors_are_http_400,
    modelled_errors_say_message,
    responses_carry_aws_metadata,
    tag_resource_and_untag_resource_answer_an_empty_body,
)
