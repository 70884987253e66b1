"""CloudTrail: every Secrets Manager call recorded as an event, and LookupEvents to find them.

Follows the CloudTrail API reference (LookupEvents, Event, LookupAttribute, Resource; botocore's model of
cloudtrail 2013-11-01 carries its text), the CloudTrail User Guide's "CloudTrail record contents" and the Secrets
Manager User Guide's "Log AWS Secrets Manager events with AWS CloudTrail".
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime

from moto.core.exceptions import JsonRESTError

from smworkbook.engine import server

ROOT_ACCOUNT_ID = "123456789012"
SOURCE = "secretsmanager.amazonaws.com"
RESOURCE_TYPE = "AWS::SecretsManager::Secret"
# Answers OwnerOnly gives before a request reaches AWS's service: CloudTrail has nothing to record for them.
_NOT_AUTHENTICATED = {
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
}
# Request members CloudTrail leaves out of requestParameters: the secret's value.
_NEVER_LOGGED = {"SecretString", "SecretBinary"}
_READ_PREFIXES = ("Get", "Describe", "List", "BatchGet", "Validate")
MAX_RESULTS = 50
LOOKUP_KEYS = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)
_lock = threading.Lock()


def _events(account: str, region: str) -> list[dict]:
    """This Region's events, kept on moto's CloudTrail backend so that a reset of the mock forgets them."""
    from moto.cloudtrail.models import cloudtrail_backends

    backend = cloudtrail_backends[account][region]
    if not hasattr(backend, "smworkbook_events"):
        backend.smworkbook_events = []
    return backend.smworkbook_events


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _identity(key_id: str, owner: bool) -> dict:
    if owner:
        return {
            "type": "Root",
            "principalId": ROOT_ACCOUNT_ID,
            "arn": f"arn:aws:iam::{ROOT_ACCOUNT_ID}:root",
            "accountId": ROOT_ACCOUNT_ID,
            "accessKeyId": key_id,
        }
    from moto.iam.models import PARTITION_NAMES, iam_backends

    for account_id, account in list(iam_backends.items()):
        for partition in PARTITION_NAMES:
            key = account[partition].access_keys.get(key_id)
            if key is not None and key.user_name:
                user = account[partition].users.get(key.user_name)
                return {
                    "type": "IAMUser",
                    "principalId": getattr(user, "id", key.user_name),
                    "arn": getattr(user, "arn", f"arn:aws:iam::{account_id}:user/{key.user_name}"),
                    "accountId": account_id,
                    "accessKeyId": key_id,
                    "userName": key.user_name,
                }
    return {"type": "Unknown", "accountId": ROOT_ACCOUNT_ID, "accessKeyId": key_id}


def _secret_arn(account: str, region: str, request: dict, answer: dict) -> str | None:
    if isinstance(answer.get("ARN"), str):
        return answer["ARN"]
    from moto.secretsmanager.models import secretsmanager_backends

    secret_id = request.get("SecretId")
    if isinstance(secret_id, str):
        secret = secretsmanager_backends[account][region].secrets.get(secret_id)
        if secret is not None:
            return secret.arn
    return None


def _record(environ, request_body: bytes, status: str, response_body: bytes) -> None:
    event_name = environ["HTTP_X_AMZ_TARGET"].split(".", 1)[1]
    try:
        answer = json.loads(response_body or b"{}")
        request = json.loads(request_body or b"{}")
    except ValueError:
        return
    if not isinstance(answer, dict) or not isinstance(request, dict):
        return
    error_code = answer.get("__type") if not status.startswith("2") else None
    if error_code in _NOT_AUTHENTICATED:
        return
    credential = (environ.get("HTTP_AUTHORIZATION") or "").split("Credential=", 1)[-1].split("/")
    if len(credential) < 3:
        return
    key_id, region = credential[0], credential[2]
    owner = server.signed_by_owner()
    identity = _identity(key_id, owner)
    # LookupEvents' Username: the IAM user's name; "root" for the account's root user.
    username = identity.get("userName") or ("root" if owner else key_id)
    account = ROOT_ACCOUNT_ID
    now = datetime.now(UTC)
    arn = _secret_arn(account, region, request, answer)
    read_only = event_name.startswith(_READ_PREFIXES)
    event = {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": SOURCE,
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": environ.get("REMOTE_ADDR", "127.0.0.1"),
        "userAgent": environ.get("HTTP_USER_AGENT", ""),
        "requestParameters": {_camel(k): v for k, v in request.items() if k not in _NEVER_LOGGED} or None,
        "responseElements": {"arn": arn} if arn and not (read_only or error_code) else None,
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": read_only,
        "resources": [{"accountId": account, "type": RESOURCE_TYPE, "ARN": arn}] if arn else [],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }
    if error_code:
        event["errorCode"] = error_code
        event["errorMessage"] = answer.get("message") or answer.get("Message") or ""
    with _lock:
        _events(account, region).append({"time": now, "event": event, "username": username})


class TrailRecorder:
    """WSGI middleware: each Secrets Manager request that was authenticated is recorded as a CloudTrail event."""

    def __init__(self, app) -> None:
        self._app = app

    def __call__(self, environ, start_response):
        if not (environ.get("HTTP_X_AMZ_TARGET") or "").startswith("secretsmanager."):
            return self._app(environ, start_response)
        request_body = server.read_body(environ)
        seen = {}

        def remember(status, headers, exc_info=None):
            seen["status"] = status
            return start_response(status, headers, exc_info)

        chunks = self._app(environ, remember)
        try:
            response_body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        _record(environ, request_body, seen.get("status", "500"), response_body)
        return [response_body]


def secrets_manager_calls_are_recorded_in_cloudtrail() -> None:
    """Every authenticated Secrets Manager call, allowed or refused, becomes a CloudTrail management event.

    AWS (Secrets Manager User Guide, "Log AWS Secrets Manager events with AWS CloudTrail"): "CloudTrail captures
    all API calls for Secrets Manager as events ... including calls from the Secrets Manager console and from
    code calls to the Secrets Manager APIs"; CloudTrail User Guide, "CloudTrail record contents": eventTime,
    eventSource, eventName, awsRegion, userIdentity (type, principalId, arn, accountId, accessKeyId, userName),
    requestParameters, responseElements, readOnly ("Identifies whether this operation is a read-only
    operation"), resources, errorCode and errorMessage ("If the request returns an error"). Secret values are not
    in the event (the mock leaves SecretString and SecretBinary out of requestParameters; a change answers
    responseElements {"arn": <the secret's ARN>}, a read none). Requests refused before authentication (no
    signature, a key the account does not have) are not recorded.
    moto 5.2: records nothing.
    """
    server.MIDDLEWARE.append(TrailRecorder)


def _invalid(code: str, message: str) -> JsonRESTError:
    error = JsonRESTError(code, message)
    error.code = 400
    return error


def _matches(entry: dict, key: str, value: str) -> bool:
    event = entry["event"]
    identity = event["userIdentity"]
    values = {
        "EventId": [event["eventID"]],
        "EventName": [event["eventName"]],
        "ReadOnly": [str(event["readOnly"]).lower()],
        "Username": [entry["username"]],
        "ResourceType": [r["type"] for r in event["resources"]],
        "ResourceName": [r["ARN"] for r in event["resources"]],
        "EventSource": [event["eventSource"]],
        "AccessKeyId": [identity.get("accessKeyId")],
    }[key]
    return value in values


def _as_event(entry: dict) -> dict:
    event = entry["event"]
    identity = event["userIdentity"]
    return {
        "EventId": event["eventID"],
        "EventName": event["eventName"],
        "ReadOnly": str(event["readOnly"]).lower(),
        "AccessKeyId": identity.get("accessKeyId"),
        "EventTime": entry["time"].timestamp(),
        "EventSource": event["eventSource"],
        "Username": entry["username"],
        "Resources": [{"ResourceType": r["type"], "ResourceName": r["ARN"]} for r in event["resources"]],
        "CloudTrailEvent": json.dumps(event),
    }


def cloudtrail_lookup_events_finds_the_recorded_events() -> None:
    """LookupEvents answers the Region's recorded events, filtered by one lookup attribute and a time range.

    AWS (CloudTrail API reference, LookupEvents): "Lookup supports the following attributes for management events:
    Amazon Web Services access key, Event ID, Event name, Event source, Read only, Resource name, Resource type,
    User name"; LookupAttributes "Currently the list can contain only one item."; StartTime "only events that occur
    after or at the specified time are returned. If the specified start time is after the specified end time, an
    error is returned." (InvalidTimeRangeException); MaxResults "Possible values are 1 through 50. The default is
    50."; "The response includes a token that you can use to get the next page of results" (NextToken; a token
    "that is not valid" is InvalidNextTokenException); an attribute that is not valid is
    InvalidLookupAttributesException. Event: EventId, EventName, ReadOnly, AccessKeyId, EventTime, EventSource,
    Username, Resources (ResourceType, ResourceName), CloudTrailEvent ("A JSON string that contains a
    representation of the event returned"). The API reference does not give the order; the mock lists the newest
    first. The root user's Username is "root".
    moto 5.2: LookupEvents has no handler: HTTP 500, which botocore retries.
    """
    from moto.cloudtrail.responses import CloudTrailResponse

    def lookup_events(self) -> str:
        attributes = self._get_param("LookupAttributes") or []
        if len(attributes) > 1:
            raise _invalid("InvalidLookupAttributesException", "You can only specify one lookup attribute.")
        start, end = self._get_param("StartTime"), self._get_param("EndTime")
        if start is not None and end is not None and float(start) > float(end):
            raise _invalid("InvalidTimeRangeException", "Start time must be before end time.")
        max_results = self._get_param("MaxResults") or MAX_RESULTS
        if not 1 <= int(max_results) <= MAX_RESULTS:
            raise _invalid("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
        token = self._get_param("NextToken")
        if token is not None and not str(token).isdigit():
            raise _invalid("InvalidNextTokenException", "Invalid NextToken.")
        with _lock:
            entries = list(_events(self.current_account, self.region))
        entries.reverse()
        for attribute in attributes:
            if attribute.get("AttributeKey") not in LOOKUP_KEYS:
                raise _invalid("InvalidLookupAttributesException", f"Invalid lookup attribute: {attribute}")
            entries = [e for e in entries if _matches(e, attribute["AttributeKey"], attribute["AttributeValue"])]
        if start is not None:
            entries = [e for e in entries if e["time"].timestamp() >= float(start)]
        if end is not None:
            entries = [e for e in entries if e["time"].timestamp() <= float(end)]
        first = int(token or 0)
        page = entries[first : first + int(max_results)]
        answer: dict = {"Events": [_as_event(e) for e in page]}
        if first + int(max_results) < len(entries):
            answer["NextToken"] = str(first + int(max_results))
        return json.dumps(answer)

    CloudTrailResponse.lookup_events = lookup_events


CORRECTIONS = (secrets_manager_calls_are_recorded_in_cloudtrail, cloudtrail_lookup_events_finds_the_recorded_events)
