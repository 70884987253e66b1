"""CloudTrail in the mock (corrections/trail.py): every Secrets Manager call recorded, LookupEvents to find them,
as the CloudTrail API reference (LookupEvents, Event) and "CloudTrail record contents" describe them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from smworkbook.toolkit import access

TEAM_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}],
}


@pytest.fixture
def trail(aws):
    return aws.client("cloudtrail")


def by(trail, key: str, value: str, **more) -> list[dict]:
    return trail.lookup_events(LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}], **more)["Events"]


def test_a_read_is_an_event_with_the_caller_its_key_the_time_and_the_secret_s_arn(enforced, sm, trail):
    """Event (API reference): EventName, ReadOnly ("true" for a read), AccessKeyId, EventTime, EventSource
    (secretsmanager.amazonaws.com), Username, Resources [{ResourceType AWS::SecretsManager::Secret, ResourceName
    <the secret's ARN>}], CloudTrailEvent (the record: userIdentity with type IAMUser, userName and accessKeyId;
    requestParameters without the value; no responseElements for a read). moto 5.2: LookupEvents is HTTP 500."""
    arn = sm.create_secret(Name="db", SecretString="hunter2")["ARN"]
    app = access.create_user("app", TEAM_READ)
    before = datetime.now(UTC) - timedelta(seconds=1)
    enforced.client_as(app).get_secret_value(SecretId="db")
    [event] = by(trail, "AccessKeyId", app.access_key_id)
    assert event["EventName"] == "GetSecretValue"
    assert event["ReadOnly"] == "true"
    assert event["Username"] == "app"
    assert event["EventSource"] == "secretsmanager.amazonaws.com"
    assert event["Resources"] == [{"ResourceType": "AWS::SecretsManager::Secret", "ResourceName": arn}]
    assert before <= event["EventTime"] <= datetime.now(UTC) + timedelta(seconds=1)
    record = json.loads(event["CloudTrailEvent"])
    assert record["userIdentity"]["type"] == "IAMUser"
    assert record["userIdentity"]["userName"] == "app"
    assert record["userIdentity"]["accessKeyId"] == app.access_key_id
    assert record["requestParameters"] == {"secretId": "db"}
    assert record["responseElements"] is None
    assert record["readOnly"] is True and record["awsRegion"] == "us-east-1"
    assert "hunter2" not in json.dumps(trail.lookup_events()["Events"], default=str)


def test_writes_are_not_read_only_and_the_workbook_s_keys_are_the_root_user(sm, trail):
    """ReadOnly "false" for a change; its record answers responseElements {"arn": ...}; the account's own keys are
    the root user (Username "root", userIdentity type Root). The value is never in the record."""
    arn = sm.create_secret(Name="db", SecretString="hunter2")["ARN"]
    sm.put_secret_value(SecretId="db", SecretString="hunter3")
    [put] = by(trail, "EventName", "PutSecretValue")
    assert (put["ReadOnly"], put["Username"]) == ("false", "root")
    record = json.loads(put["CloudTrailEvent"])
    assert record["userIdentity"]["type"] == "Root"
    assert record["responseElements"] == {"arn": arn}
    assert "hunter3" not in put["CloudTrailEvent"]
    assert [e["EventName"] for e in by(trail, "ReadOnly", "false")] == ["PutSecretValue", "CreateSecret"]


def test_a_refused_call_is_recorded_with_its_error(enforced, sm, trail):
    """ "CloudTrail record contents": errorCode and errorMessage "If the request returns an error"."""
    sm.create_secret(Name="db", SecretString="v")
    nobody = access.create_user("nobody")
    with pytest.raises(ClientError):
        enforced.client_as(nobody).get_secret_value(SecretId="db")
    [event] = by(trail, "Username", "nobody")
    record = json.loads(event["CloudTrailEvent"])
    assert record["errorCode"] == "AccessDeniedException"
    assert record["errorMessage"].startswith("User: arn:aws:iam::123456789012:user/nobody is not authorized")


def test_lookup_filters_by_resource_name_and_time_newest_first(sm, trail):
    """LookupAttributes ResourceName; StartTime "only events that occur after or at the specified time", EndTime
    "before or at"; the mock lists the newest first."""
    one = sm.create_secret(Name="one", SecretString="1")["ARN"]
    sm.create_secret(Name="two", SecretString="2")
    sm.get_secret_value(SecretId="one")
    names = [e["EventName"] for e in by(trail, "ResourceName", one)]
    assert names == ["GetSecretValue", "CreateSecret"]
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert trail.lookup_events(StartTime=later)["Events"] == []
    assert trail.lookup_events(EndTime=datetime.now(UTC) - timedelta(minutes=1))["Events"] == []


def test_events_are_kept_per_region(aws, sm, trail):
    """ "You can look up events that occurred in a Region": a read of a replica in eu-west-1 is in eu-west-1's
    trail, not in us-east-1's."""
    sm.create_secret(Name="db", SecretString="v", AddReplicaRegions=[{"Region": "eu-west-1"}])
    eu = aws._session.client("secretsmanager", region_name="eu-west-1", endpoint_url=aws.endpoint_url)
    eu.get_secret_value(SecretId="db")
    eu_trail = aws._session.client("cloudtrail", region_name="eu-west-1", endpoint_url=aws.endpoint_url)
    assert [e["EventName"] for e in by(eu_trail, "EventName", "GetSecretValue")] == ["GetSecretValue"]
    assert by(trail, "EventName", "GetSecretValue") == []


def test_pages_of_at_most_max_results_with_a_next_token(sm, trail):
    """MaxResults "Possible values are 1 through 50. The default is 50."; "The response includes a token that you
    can use to get the next page of results"."""
    for n in range(3):
        sm.create_secret(Name=f"s{n}", SecretString="v")
    first = trail.lookup_events(MaxResults=2)
    assert len(first["Events"]) == 2
    rest = trail.lookup_events(MaxResults=2, NextToken=first["NextToken"])
    assert len(rest["Events"]) == 1 and "NextToken" not in rest
    assert len(trail.lookup_events(MaxResults=50)["Events"]) == 3


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        (
            {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "a"}] * 2},
            "InvalidLookupAttributesException",
        ),
        ({"LookupAttributes": [{"AttributeKey": "Colour", "AttributeValue": "a"}]}, "InvalidLookupAttributesException"),
        ({"StartTime": datetime(2030, 1, 1), "EndTime": datetime(2029, 1, 1)}, "InvalidTimeRangeException"),
        ({"MaxResults": 51}, "InvalidMaxResultsException"),
        ({"NextToken": "not-a-token"}, "InvalidNextTokenException"),
    ],
    ids=["two attributes", "unknown attribute", "start after end", "max results", "next token"],
)
def test_invalid_lookups_are_the_documented_errors(trail, arguments, code):
    """LookupAttributes: "Currently the list can contain only one item."; InvalidTimeRangeException: "the start time
    occurs after the end time"; InvalidMaxResultsException, InvalidNextTokenException, InvalidLookupAttributes-
    Exception: "a lookup attribute is specified that is not valid". All HTTP 400."""
    with pytest.raises(ClientError) as raised:
        trail.lookup_events(**arguments)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_reset_forgets_the_trail(aws, sm, trail):
    """The trail is part of the mock's state: aws.reset() empties it with everything else."""
    sm.create_secret(Name="db", SecretString="v")
    aws.reset()
    assert trail.lookup_events()["Events"] == []


def test_an_error_the_service_models_keeps_its_message(sm, trail):
    """A ResourceNotFoundException (whose body says "Message", wire.py) is recorded with its errorMessage too."""
    with pytest.raises(ClientError):
        sm.get_secret_value(SecretId="missing")
    [event] = by(trail, "EventName", "GetSecretValue")
    record = json.loads(event["CloudTrailEvent"])
    assert (record["errorCode"], record["errorMessage"]) == (
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret.",
    )
    assert event["Resources"] == []
