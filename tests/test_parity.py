"""Does the mock answer as real AWS answered? Responses recorded from AWS, and tests verified against AWS, replayed.

The data is in tests/parity_data/sources/: one file per public source (moto's tests marked as verified on AWS,
LocalStack's snapshots recorded on AWS, cloud-custodian's placebo recordings, issues quoting AWS's answers), each
scenario naming the repository, file and test it comes from. A scenario is the recorded test's requests, in order;
each recorded response is one entry (one test here). Every scenario runs once against a freshly reset mock, through
boto3 (or a signed raw request where the recording was one), and each entry compares its step exactly:

- an error: its code, HTTP status, message and the parsed response's top-level keys (AWS's JSON error body says
  `Message`, which botocore copies beside `Error`);
- a success: every key of the response and every value, except what is normalised: ids (`<uuid>`, or `{name}`
  when the recording ties the id to an earlier response), an ARN's random suffix and account (`<arn:NAME>`), dates
  (`<date>`) and request ids (ResponseMetadata is never compared, except by the entries that record headers).
  Lists of staging labels and of versions are compared as sets: the recordings sorted them.

Notation of the data: `call` (a boto3 method) with `args`, or `raw` (an operation) with a JSON `body`, or
`rotation_function` (registers _rotation_template); `save` keeps values of a response for later steps as `{name}`
(`{name|partial}`: an ARN without its suffix); `let` draws fresh UUIDs; `expect` is the whole success body, `error`
the error's code, message, status and top-level keys, `raw_expect` a raw answer's status and body, `checks` the
assertions of a test that asserts instead of recording, `headers` the recorded HTTP headers. `<any>` matches
anything present. `whole: true` makes the scenario one entry (a verified test whose every assertion must hold).

An entry that differs fails, unless it is listed in tests/parity_data/gaps.yaml (a gap of issue 28 still open:
strict xfail, so a fix makes it fail until the line goes) or in tests/parity_data/allowed.yaml (a difference the
maintainer's guide lists under "Differences that remain on purpose", named by its row).
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError

from smworkbook.toolkit import rotation

from .conftest import raw_request

DATA = Path(__file__).resolve().parent / "parity_data"
GUIDE = Path(__file__).resolve().parent.parent / "docs" / "maintainer.md"
# The account moto puts every request in: recordings name their own (normalised like an ARN suffix).
ACCOUNT = "123456789012"
REGION = "us-east-1"
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
VARIABLE = re.compile(r"\{(\w+)(\|partial)?\}")
# Lists whose order the recordings do not keep (LocalStack's snapshots sort them).
UNORDERED = {"VersionStages", "Versions"}
# The header names AWS sent with Secrets Manager's JSON answers (sources/cloud_custodian.yaml, sources/issues.yaml).
AWS_HEADER_NAMES = {"date", "content-type", "content-length", "connection", "x-amzn-requestid"}
# The differences table's rows that issue 28 takes away: no entry may be allowed by them.
NOT_ALLOWED_ROWS = {"Validation's code"}
# botocore's own checks off, so that a request reaches the mock as the recorded test sent it; no retries.
_CONFIG = Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"})


# ---- the data ----


@dataclass
class Scenario:
    source: dict
    data: dict

    @property
    def id(self) -> str:
        return f"{self.source['name']}/{self.data['test']}"

    @property
    def whole(self) -> bool:
        """A verified test as one entry: every step's expectations must hold (moto's aws_verified tests)."""
        return bool(self.data.get("whole"))


@dataclass
class Entry:
    scenario: Scenario
    step: int | None  # None: the whole scenario

    @property
    def id(self) -> str:
        if self.step is None:
            return self.scenario.id
        return f"{self.scenario.id}/{self.scenario.data['steps'][self.step]['record']}"


def _load_sources() -> list[tuple[Path, dict]]:
    return [(path, yaml.safe_load(path.read_text())) for path in sorted((DATA / "sources").glob("*.yaml"))]


def _entries() -> list[Entry]:
    entries = []
    for _, document in _load_sources():
        for data in document["scenarios"]:
            scenario = Scenario(document["source"], data)
            if scenario.whole:
                entries.append(Entry(scenario, None))
            else:
                entries += [Entry(scenario, i) for i, step in enumerate(data["steps"]) if "record" in step]
    return entries


def _listing(name: str) -> dict[str, str]:
    return yaml.safe_load((DATA / name).read_text()) or {}


ENTRIES = _entries()
GAPS = _listing("gaps.yaml")
ALLOWED = _listing("allowed.yaml")


def _param(entry: Entry):
    marks = []
    if entry.id in GAPS:
        marks.append(pytest.mark.xfail(strict=True, reason=GAPS[entry.id]))
    elif entry.id in ALLOWED:
        marks.append(pytest.mark.xfail(strict=True, reason=f"differences table: {ALLOWED[entry.id]}"))
    return pytest.param(entry, id=entry.id, marks=marks)


# ---- replaying a scenario ----


@dataclass
class Result:
    """What one step got: a parsed response, or a ClientError's response, or a raw HTTP answer."""

    response: dict | None = None
    error: dict | None = None
    raw_status: int | None = None
    raw_body: dict | None = None
    headers: dict = field(default_factory=dict)
    failure: str | None = None  # the step could not be sent at all


@dataclass
class Run:
    results: list[Result]
    variables: dict


def _substitute(value, variables: dict):
    """The request or expectation with {name} (and {name|partial}: an ARN without its suffix) filled in."""
    if isinstance(value, str):
        whole = VARIABLE.fullmatch(value)
        if whole and whole.group(1) in variables:
            found = variables[whole.group(1)]
            return found[:-7] if whole.group(2) else found

        def one(match):
            name, partial = match.group(1), match.group(2)
            if name not in variables:
                return match.group(0)
            found = str(variables[name])
            return found[:-7] if partial else found

        return VARIABLE.sub(one, value)
    if isinstance(value, dict):
        return {_substitute(key, variables): _substitute(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, variables) for item in value]
    return value


def _lookup(document, path: str, variables: dict):
    """`A.B[*].C` in a response; {name} in a segment is a variable."""
    current = [document]
    mapped = False
    for part in path.split("."):
        star = part.endswith("[*]")
        key = _substitute(part[:-3] if star else part, variables)
        current = [item[key] for item in current if isinstance(item, dict) and key in item]
        if star:
            current = [element for item in current for element in item]
            mapped = True
    if mapped:
        return current
    if not current:
        raise KeyError(path)
    return current[0]


def _rotation_template(event, context):
    """AWS's rotation function template (aws-samples/aws-secrets-manager-rotation-lambdas), with a generated value.

    LocalStack's recorded rotations ran a function of this shape (tests/aws/services/secretsmanager/functions/
    lambda_rotate_secret.py): it checks the version's labels, puts the AWSPENDING value, and at finishSecret moves
    AWSCURRENT and removes AWSPENDING.
    """
    client = boto3.client("secretsmanager")
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    stages = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
    if token not in stages:
        raise ValueError(f"Secret version {token} has no stage for rotation of secret {arn}.")
    if "AWSCURRENT" in stages[token]:
        return
    if "AWSPENDING" not in stages[token]:
        raise ValueError(f"Secret version {token} not set as AWSPENDING for rotation of secret {arn}.")
    if step == "createSecret":
        client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
        try:
            client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        except client.exceptions.ResourceNotFoundException:
            client.put_secret_value(
                SecretId=arn, ClientRequestToken=token, SecretString=f"rotated-{token}", VersionStages=["AWSPENDING"]
            )
    elif step == "finishSecret":
        current = next(version for version, labels in stages.items() if "AWSCURRENT" in labels)
        client.update_secret_version_stage(
            SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current
        )
        client.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=token)


def _raw(aws, operation: str, body: dict) -> Result:
    """A signed JSON request as the recorded test sent it (no ClientRequestToken filled in by botocore)."""
    status, headers, parsed = raw_request(aws, operation, body)
    return Result(raw_status=status, raw_body=parsed, headers=headers)


def _endpoint(aws) -> dict:
    return {"endpoint_url": aws.endpoint_url, "config": _CONFIG}


def _run(aws, scenario: Scenario) -> Run:
    aws.reset()
    client = aws._session.client("secretsmanager", endpoint_url=aws.endpoint_url, config=_CONFIG)
    variables = {"account": ACCOUNT, "region": REGION}
    for name, value in (scenario.data.get("let") or {}).items():
        variables[name] = str(uuid.uuid4()) if value == "<uuid>" else value
    results = []
    for step in scenario.data["steps"]:
        result = Result()
        try:
            if "rotation_function" in step:
                arn = rotation.register_rotation_function(step["rotation_function"], _rotation_template)
                result.response = {"FunctionArn": arn}
            elif "raw" in step:
                result = _raw(aws, step["raw"], _substitute(step.get("body", {}), variables))
            else:
                # A step for another service sets the account up as the recording's was (e.g. a KMS key).
                service = step.get("service", "secretsmanager")
                other = client if service == "secretsmanager" else aws._session.client(service, **_endpoint(aws))
                call = getattr(other, step["call"])
                try:
                    result.response = call(**_substitute(step.get("args", {}), variables))
                    result.headers = result.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
                except ClientError as error:
                    result.error = error.response
                    result.headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        except Exception as error:  # a step that cannot be sent is a difference, not a crash of the suite
            result.failure = f"{type(error).__name__}: {error}"
        for name, path in (step.get("save") or {}).items():
            document = result.response if result.response is not None else result.raw_body
            try:
                variables[name] = _lookup(document, path, variables)
            except (KeyError, TypeError):
                pass
        results.append(result)
    return Run(results, variables)


# ---- comparing ----


def _is_date(value) -> bool:
    return isinstance(value, datetime.datetime) or (isinstance(value, int | float) and not isinstance(value, bool))


def _sorted(items: list, variables: dict) -> list:
    """Staging labels in order; versions in the order of their (resolved) VersionId."""
    if all(isinstance(item, dict) for item in items):
        return sorted(items, key=lambda version: str(_substitute(version.get("VersionId", ""), variables)))
    return sorted(items)


def _match(expected, actual, where: str, variables: dict, diffs: list[str]) -> None:
    if isinstance(expected, str):
        if expected == "<any>":
            return
        if expected == "<date>":
            if not _is_date(actual):
                diffs.append(f"{where}: expected a date, got {actual!r}")
            return
        if expected == "<uuid>":
            if not (isinstance(actual, str) and UUID.match(actual)):
                diffs.append(f"{where}: expected a UUID, got {actual!r}")
            return
        if expected.startswith("<arn:") and expected.endswith(">"):
            name = _substitute(expected[5:-1], variables)
            pattern = rf"arn:aws:secretsmanager:{REGION}:\d{{12}}:secret:{re.escape(name)}-[A-Za-z0-9]{{6}}"
            if not (isinstance(actual, str) and re.fullmatch(pattern, actual)):
                diffs.append(f"{where}: expected the ARN of {name!r} (any 6-character suffix), got {actual!r}")
            return
        whole = VARIABLE.fullmatch(expected)
        if whole and whole.group(1) not in variables:
            variables[whole.group(1)] = actual
            return
        expected = _substitute(expected, variables)
        if expected != actual:
            diffs.append(f"{where}: expected {expected!r}, got {actual!r}")
        return
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            diffs.append(f"{where}: expected an object, got {actual!r}")
            return
        wanted = {_substitute(key, variables): value for key, value in expected.items()}
        missing = sorted(set(wanted) - set(actual))
        extra = sorted(set(actual) - set(wanted))
        if missing:
            diffs.append(f"{where}: missing key(s) {missing}")
        if extra:
            diffs.append(f"{where}: unexpected key(s) {extra} = {[actual[key] for key in extra]!r}")
        for key in wanted:
            if key in actual:
                _match(wanted[key], actual[key], f"{where}.{key}", variables, diffs)
        return
    if isinstance(expected, list):
        if not isinstance(actual, list):
            diffs.append(f"{where}: expected a list, got {actual!r}")
            return
        if len(expected) != len(actual):
            diffs.append(f"{where}: expected {len(expected)} item(s), got {len(actual)}: {actual!r}")
            return
        if where.rsplit(".", 1)[-1] in UNORDERED:
            expected, actual = _sorted(expected, variables), _sorted(actual, {})
        for index, (one, other) in enumerate(zip(expected, actual, strict=True)):
            _match(one, other, f"{where}[{index}]", variables, diffs)
        return
    if expected != actual:
        diffs.append(f"{where}: expected {expected!r}, got {actual!r}")


def _describe_got(result: Result) -> str:
    if result.failure:
        return f"could not be sent ({result.failure})"
    if result.error is not None:
        error = result.error.get("Error", {})
        status = result.error.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return f"error {error.get('Code')} (HTTP {status}): {error.get('Message')!r}"
    if result.raw_status is not None:
        return f"HTTP {result.raw_status} {result.raw_body!r}"
    return "success"


def _check(op: str, expected, actual, where: str, variables: dict, diffs: list[str]) -> None:
    expected = _substitute(expected, variables)
    if op == "equals":
        _match(expected, actual, where, variables, diffs)
    elif op == "sorted_equals":
        if sorted(actual) != sorted(expected):
            diffs.append(f"{where}: expected {sorted(expected)!r} in any order, got {actual!r}")
    elif op == "contains":
        missing = [item for item in expected if item not in actual]
        if missing:
            diffs.append(f"{where}: expected to include {missing!r}, got {actual!r}")
    elif op == "excludes":
        present = [item for item in expected if item in actual]
        if present:
            diffs.append(f"{where}: expected not to include {present!r}, got {actual!r}")
    elif op == "not_equals":
        if actual == expected:
            diffs.append(f"{where}: expected anything but {expected!r}")
    elif op == "later_than":
        if not (_is_date(actual) and _is_date(expected) and actual > expected):
            diffs.append(f"{where}: expected a date later than {expected!r}, got {actual!r}")
    elif op == "same_day_as":
        if not (_is_date(actual) and _is_date(expected) and actual.date() == expected.date()):
            diffs.append(f"{where}: expected the same day as {expected!r}, got {actual!r}")
    elif op == "is_date":
        if not _is_date(actual):
            diffs.append(f"{where}: expected a date, got {actual!r}")
    elif op == "is_string":
        if not (isinstance(actual, str) and actual):
            diffs.append(f"{where}: expected a string, got {actual!r}")
    elif op == "json_equals":
        try:
            parsed = json.loads(actual)
        except (TypeError, ValueError):
            parsed = actual
        if parsed != expected:
            diffs.append(f"{where}: expected JSON text of {expected!r}, got {actual!r}")
    elif op == "length":
        if len(actual) != expected:
            diffs.append(f"{where}: expected {expected} item(s), got {len(actual)}: {actual!r}")
    else:  # pragma: no cover - a typo in the data
        raise ValueError(f"unknown check {op!r}")


def _compare(step: dict, result: Result, variables: dict) -> list[str]:
    diffs: list[str] = []
    if result.failure:
        return [f"the request could not be sent: {result.failure}"]
    if "expect" in step or "checks" in step:
        if result.response is None:
            return [f"expected success, got {_describe_got(result)}"]
        status = result.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status != 200:
            diffs.append(f"HTTP status: expected 200, got {status}")
        body = {key: value for key, value in result.response.items() if key != "ResponseMetadata"}
        if "expect" in step:
            _match(step["expect"], body, "response", variables, diffs)
    if "error" in step:
        expected = step["error"]
        if result.error is None:
            return [f"expected error {expected.get('code', '(any code)')}, got {_describe_got(result)}"]
        error = result.error.get("Error", {})
        if "code" in expected and error.get("Code") != expected["code"]:
            diffs.append(f"Error.Code: expected {expected['code']!r}, got {error.get('Code')!r}")
        if "message" in expected:
            _match(expected["message"], error.get("Message"), "Error.Message", variables, diffs)
        if "status" in expected:
            status = result.error.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status != expected["status"]:
                diffs.append(f"HTTP status: expected {expected['status']}, got {status}")
        if "keys" in expected:
            keys = sorted(result.error)
            if keys != sorted(expected["keys"]):
                diffs.append(f"top-level keys: expected {sorted(expected['keys'])}, got {keys}")
            if "Message" in expected["keys"] and "Message" in result.error:
                _match(expected.get("message"), result.error["Message"], "Message", variables, diffs)
    if "raw_expect" in step:
        expected = step["raw_expect"]
        if result.raw_status is None:
            return [f"expected a raw HTTP answer, got {_describe_got(result)}"]
        if result.raw_status != expected["status"]:
            diffs.append(f"HTTP status: expected {expected['status']}, got {result.raw_status}")
        _match(expected["body"], result.raw_body, "body", variables, diffs)
    for check in step.get("checks") or []:
        source = result.response if result.response is not None else result.raw_body
        try:
            actual = _lookup(source, check["path"], variables)
        except (KeyError, TypeError):
            if "absent" not in check:
                diffs.append(f"{check['path']}: missing")
            continue
        if "absent" in check:
            diffs.append(f"{check['path']}: expected no such key, got {actual!r}")
            continue
        op = next(key for key in check if key != "path")
        _check(op, check[op], actual, check["path"], variables, diffs)
    if "headers" in step:
        diffs += _compare_headers(step["headers"], result)
    return diffs


def _compare_headers(expected: dict, result: Result) -> list[str]:
    headers = {name.lower(): value for name, value in result.headers.items()}
    diffs = []
    for name, value in expected.items():
        if name == "only_names_from_recording":
            extra = sorted(set(headers) - AWS_HEADER_NAMES)
            if extra:
                diffs.append(f"headers: AWS sends none of {extra} = {[headers[n] for n in extra]!r}")
        elif value == "<uuid>":
            if not UUID.match(headers.get(name, "")):
                diffs.append(f"header {name}: expected a UUID, got {headers.get(name)!r}")
        elif headers.get(name) != value:
            diffs.append(f"header {name}: expected {value!r}, got {headers.get(name)!r}")
    return diffs


# ---- the tests ----

_runs: dict[str, Run] = {}


def _run_once(aws, scenario: Scenario) -> Run:
    if scenario.id not in _runs:
        _runs[scenario.id] = _run(aws, scenario)
    return _runs[scenario.id]


@pytest.mark.parametrize("entry", [_param(entry) for entry in ENTRIES])
def test_mock_answers_as_aws_recorded(aws, entry: Entry):
    """Does the mock give the response AWS gave to this request, after the same requests before it?"""
    run = _run_once(aws, entry.scenario)
    steps = entry.scenario.data["steps"]
    indexes = range(len(steps)) if entry.step is None else [entry.step]
    report = []
    for index in indexes:
        step = steps[index]
        variables = dict(run.variables)
        diffs = _compare(step, run.results[index], variables)
        if diffs:
            request = step.get("call") or step.get("raw") or step.get("rotation_function")
            sent = _substitute(step.get("args") or step.get("body") or {}, run.variables)
            report.append(f"step {index + 1} ({request} {sent}):")
            report += [f"  {diff}" for diff in diffs]
    source = entry.scenario.source
    assert not report, (
        f"{entry.id} differs from AWS ({source['repo']} {entry.scenario.data.get('file', source['path'])}):\n"
        + "\n".join(report)
    )


def test_every_entry_names_its_source():
    """Does each scenario say where AWS's answer comes from (repository, file, test)?"""
    for path, document in _load_sources():
        source = document["source"]
        assert {"name", "repo", "path", "how"} <= set(source), path
        for scenario in document["scenarios"]:
            assert scenario.get("test"), (path, scenario)
            assert any("record" in step for step in scenario["steps"]) or scenario.get("whole"), scenario["test"]
    ids = [entry.id for entry in ENTRIES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_gaps_name_existing_entries_and_an_item_of_issue_28():
    """Is every listed gap a real entry, attributed to an item of issue 28 (1-7) or marked as beyond them?"""
    ids = {entry.id for entry in ENTRIES}
    assert set(GAPS) <= ids, sorted(set(GAPS) - ids)
    for entry_id, reason in GAPS.items():
        assert re.match(r"issue 28 (item [1-7]|beyond items 1-7)[,: ]", reason), (entry_id, reason)
    assert not set(GAPS) & set(ALLOWED)


def test_allowed_differences_are_rows_of_the_guides_table():
    """Does every allowed difference name a row of "Differences that remain on purpose", and none that issue 28
    takes away (an item of issue 28 may never be allowed)?"""
    section = GUIDE.read_text().split("### Differences that remain", 1)[1]
    section = re.split(r"\n##+ ", section, maxsplit=1)[0]
    rows = {line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")}
    ids = {entry.id for entry in ENTRIES}
    for entry_id, row in ALLOWED.items():
        assert entry_id in ids, entry_id
        assert row in rows, (entry_id, row, sorted(rows))
        assert row not in NOT_ALLOWED_ROWS, (entry_id, row)
