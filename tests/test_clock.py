"""The mock's clock (engine/clock.py, toolkit/clock.py) and the rotation schedules it runs (corrections/rotation.py).

AWS's texts: API reference, RotationRulesType and DescribeSecret (NextRotationDate, LastRotatedDate); User Guide,
"Rotation schedules" (rotate-secrets_schedule.html). Each test names the sentence it shows.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from smworkbook import WorkbookError, clock
from smworkbook.engine import clock as engine_clock
from smworkbook.engine import server
from smworkbook.toolkit import rotation

DAY = timedelta(days=1)


def _handler(sm, fail=False):
    """A rotation function for a plain value, the template's four steps; `fail` makes testSecret raise."""

    def lambda_handler(event, context):
        arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
        stages = sm.describe_secret(SecretId=arn)["VersionIdsToStages"].get(token, [])
        if "AWSCURRENT" in stages:
            return
        if step == "createSecret":
            sm.put_secret_value(
                SecretId=arn, ClientRequestToken=token, SecretString=token, VersionStages=["AWSPENDING"]
            )
        elif step == "testSecret" and fail:
            raise RuntimeError("the new password does not log in")
        elif step == "finishSecret":
            versions = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
            current = next(v for v, held in versions.items() if "AWSCURRENT" in held)
            sm.update_secret_version_stage(
                SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current
            )

    return lambda_handler


def _turn_on(sm, name, rules, immediately=True, fail=False):
    sm.create_secret(Name=name, SecretString="first")
    arn = rotation.register_rotation_function(f"clock-{name}", _handler(sm, fail))
    sm.rotate_secret(SecretId=name, RotationLambdaARN=arn, RotationRules=rules, RotateImmediately=immediately)
    return sm.describe_secret(SecretId=name)


def _midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def test_automatically_after_days_rotates_in_the_utc_day_n_days_after_the_last_rotation(sm, capsys):
    """AutomaticallyAfterDays: "Secrets Manager calculates the next rotation date based on the previous
    rotation"; "For a rate in days, the default rotation window starts at midnight and closes at the end of the
    day"; NextRotationDate "represents the latest date that rotation will occur": 23:59:59 of that day."""
    described = _turn_on(sm, "days", {"AutomaticallyAfterDays": 30})
    window = _midnight(described["LastRotatedDate"]) + 30 * DAY
    assert described["NextRotationDate"] == window + DAY - timedelta(seconds=1)

    clock.advance(days=29)
    assert "no rotation fell due" in capsys.readouterr().out
    assert sm.describe_secret(SecretId="days")["LastRotatedDate"] == described["LastRotatedDate"]

    clock.advance(days=1)
    assert "days: scheduled rotation on" in capsys.readouterr().out
    after = sm.describe_secret(SecretId="days")
    # The mock rotates when the window opens (AWS: at any moment in it); LastRotatedDate is when it finished.
    assert window <= after["LastRotatedDate"] < window + DAY
    assert after["NextRotationDate"] == window + 31 * DAY - timedelta(seconds=1)
    current = sm.get_secret_value(SecretId="days")
    assert current["SecretString"] == current["VersionId"]  # the scheduled rotation's new value
    # AWSPENDING stays on the new version, as AWS's templates leave it (it no longer blocks: it is on AWSCURRENT's).
    assert sorted(after["VersionIdsToStages"].values()) == [["AWSPENDING", "AWSCURRENT"], ["AWSPREVIOUS"]]


def test_a_cron_schedule_rotates_in_each_window_in_order(sm):
    """ScheduleExpression cron(0 6 ? * MON *), Duration 2h: "Secrets Manager rotates your secret at any time during
    the rotation window"; two weeks hold two Monday windows, each rotated once, in order; NextRotationDate is the
    last second of the next window (07:59:59)."""
    described = _turn_on(sm, "weekly", {"ScheduleExpression": "cron(0 6 ? * MON *)", "Duration": "2h"}, False)
    assert "LastRotatedDate" not in described or described["LastRotatedDate"] is None  # RotateImmediately=False
    first = described["NextRotationDate"].astimezone(UTC)
    assert (first.strftime("%A"), first.hour, first.minute, first.second) == ("Monday", 7, 59, 59)

    engine_clock.advance(14 * 86400)
    after = sm.describe_secret(SecretId="weekly")
    last = after["LastRotatedDate"].astimezone(UTC)
    assert (last.strftime("%A"), last.hour) == ("Monday", 6)
    assert last.date() == (first + 7 * DAY).date()
    assert after["NextRotationDate"].astimezone(UTC) == first + 14 * DAY
    # ListSecrets shows the same dates ("In DescribeSecret and ListSecrets, ...").
    (listed,) = [entry for entry in sm.list_secrets()["SecretList"] if entry["Name"] == "weekly"]
    assert listed["LastRotatedDate"] == after["LastRotatedDate"]
    assert listed["NextRotationDate"] == after["NextRotationDate"]
    versions = sm.list_secret_version_ids(SecretId="weekly", IncludeDeprecated=True)["Versions"]
    assert len(versions) == 3  # the first value and two scheduled rotations
    made = sorted(version["CreatedDate"] for version in versions)
    assert made[1].astimezone(UTC).hour == 6 and made[2].date() - made[1].date() == timedelta(days=7)


def test_rate_in_hours_opens_a_one_hour_window_every_n_hours(sm):
    """rate(6 hours): "For a rate in hours, the default rotation window starts at midnight and closes after one
    hour" (the later windows every 6 hours: AWS does not say, the mock's choice); AutomaticallyAfterDays is shown as 1
    (recorded from AWS for rate(10 hours): hashicorp/terraform-provider-aws#31915)."""
    described = _turn_on(sm, "hourly", {"ScheduleExpression": "rate(6 hours)"})
    assert described["RotationRules"] == {"ScheduleExpression": "rate(6 hours)", "AutomaticallyAfterDays": 1}
    nxt = described["NextRotationDate"].astimezone(UTC)
    assert nxt.hour % 6 == 0 and (nxt.minute, nxt.second) == (59, 59)

    done = engine_clock.advance(86400)
    assert len(done) == 4 and all(run["Rotated"] for run in done)
    assert [datetime.fromtimestamp(run["When"], UTC).hour % 6 for run in done] == [0, 0, 0, 0]
    assert [run["When"] for run in done] == sorted(run["When"] for run in done)


def test_due_rotations_of_several_secrets_run_in_time_order(sm):
    """Every window that opens on the way runs, whichever secret it belongs to, earliest first."""
    # From noon (UTC), 4 days and an hour cross 4 midnights, at whatever time of day the test runs (from 23:00 the
    # real clock would cross 5: it failed in a run at 23:35 UTC).
    engine_clock.set_to(_midnight(engine_clock.now_datetime()).timestamp() + 86400 + 12 * 3600)
    _turn_on(sm, "a-daily", {"ScheduleExpression": "rate(1 day)"})
    _turn_on(sm, "b-every-2-days", {"AutomaticallyAfterDays": 2})
    done = engine_clock.advance(4 * 86400 + 3600)
    names = [run["SecretId"] for run in done]
    assert names.count("a-daily") == 4 and names.count("b-every-2-days") == 2
    assert [run["When"] for run in done] == sorted(run["When"] for run in done)
    last_a = sm.describe_secret(SecretId="a-daily")["LastRotatedDate"].timestamp()
    opened = max(run["When"] for run in done if run["SecretId"] == "a-daily")
    assert opened <= last_a < opened + 86400  # in the last window it rotated in (the steps take real time)


def test_a_failed_scheduled_rotation_leaves_next_rotation_date_in_the_past(sm):
    """NextRotationDate: "If rotation fails, Secrets Manager retries the entire rotation process multiple times. If
    rotation is unsuccessful, this date may be in the past." AWSCURRENT stays where it was."""
    described = _turn_on(sm, "failing", {"ScheduleExpression": "cron(0 3 * * ? *)"}, immediately=False, fail=True)
    current = sm.get_secret_value(SecretId="failing")["VersionId"]
    done = engine_clock.advance(2 * 86400)
    assert done and not any(run["Rotated"] for run in done)
    after = sm.describe_secret(SecretId="failing")
    assert after["NextRotationDate"] == described["NextRotationDate"]
    assert after["NextRotationDate"].timestamp() < engine_clock.now()
    assert sm.get_secret_value(SecretId="failing")["VersionId"] == current


def test_cancel_rotate_secret_stops_the_schedule(sm):
    """CancelRotateSecret "Turns off automatic rotation": no scheduled rotation runs afterwards."""
    _turn_on(sm, "cancelled", {"AutomaticallyAfterDays": 1})
    sm.cancel_rotate_secret(SecretId="cancelled")
    assert [run for run in engine_clock.advance(5 * 86400) if run["SecretId"] == "cancelled"] == []


def test_the_clock_moves_secrets_manager_dates_only(sm):
    """Dates the mock stamps follow its clock; the kernel's time, and the signature check, stay on the real time."""
    clock.advance(days=30)
    ahead = engine_clock.now() - time.time()
    assert ahead == pytest.approx(30 * 86400, abs=1)
    sm.create_secret(Name="later", SecretString="v")  # signed by botocore with the real time: accepted
    created = sm.describe_secret(SecretId="later")["CreatedDate"].timestamp()
    assert created == pytest.approx(engine_clock.now(), abs=5)
    assert abs(datetime.now(UTC).timestamp() - time.time()) < 5  # the kernel's clock is untouched
    # A request dated at the mock's time is refused as AWS refuses one dated 30 days ahead: the check compares
    # X-Amz-Date with the real time (server._stale), whatever the mock's clock says.
    signed = clock.now().replace(microsecond=0)
    refusal = server._stale(signed.strftime("%Y%m%dT%H%M%SZ"), signed, server._WINDOW_JSON)
    assert refusal is not None and refusal[1].startswith("Signature not yet current")
    assert server._stale(*_real_now(), server._WINDOW_JSON) is None


def _real_now():
    now = datetime.now(UTC).replace(microsecond=0)
    return now.strftime("%Y%m%dT%H%M%SZ"), now


def test_reset_puts_the_clock_back_on_the_real_time(aws):
    clock.advance(days=3)
    aws.reset()
    assert abs(engine_clock.now() - time.time()) < 1 and engine_clock.offset() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"days": -1}, "0 or more"),
        ({"hours": "2"}, "number of hours"),
        ({"days": True}, "number of days"),
        ({"days": 20 * 366}, "at most ten years"),
    ],
)
def test_the_clock_only_moves_forward_by_a_number(aws, kwargs, message):
    with pytest.raises(WorkbookError, match=message):
        clock.advance(**kwargs)


def test_the_clock_without_a_mock_says_to_start_one(tmp_path):
    from tests.conftest import run_python

    finished = run_python("from smworkbook import clock\nclock.advance(days=1)")
    assert "smworkbook.start()" in finished.stderr


def test_a_new_value_restarts_an_automatically_after_days_count(sm):
    """RotationRulesType, AutomaticallyAfterDays: "Manually updating the secret value by calling PutSecretValue or
    UpdateSecret is considered a valid rotation": the next window counts from the new value; LastRotatedDate stays
    (as recorded from AWS: see corrections/rotation.py). A ScheduleExpression's windows do not move."""
    described = _turn_on(sm, "by-days", {"AutomaticallyAfterDays": 10})
    _turn_on(sm, "by-rate", {"ScheduleExpression": "rate(10 days)"})
    engine_clock.advance(3 * 86400)
    sm.put_secret_value(SecretId="by-days", SecretString="by hand")
    sm.update_secret(SecretId="by-rate", SecretString="by hand")
    after = sm.describe_secret(SecretId="by-days")
    assert after["LastRotatedDate"] == described["LastRotatedDate"]
    assert after["NextRotationDate"] == described["NextRotationDate"] + 3 * DAY
    rate = sm.describe_secret(SecretId="by-rate")
    assert (rate["NextRotationDate"] - rate["LastRotatedDate"]).days == 10
    # A value put for a rotation (AWSPENDING) is not one: nothing moves.
    sm.put_secret_value(SecretId="by-days", SecretString="pending", VersionStages=["AWSPENDING"])
    assert sm.describe_secret(SecretId="by-days")["NextRotationDate"] == after["NextRotationDate"]


@pytest.mark.parametrize("seconds", [-0.5, float("nan"), True, "60"])
def test_the_engine_clock_refuses_a_step_back_or_not_a_number(aws, seconds):
    with pytest.raises(WorkbookError):
        engine_clock.advance(seconds)
    assert engine_clock.offset() == 0


def test_the_engine_clock_takes_no_step_and_ten_years(aws):
    assert engine_clock.advance(0) == [] and engine_clock.offset() == pytest.approx(0, abs=1)
    engine_clock.advance(10 * 366 * 86400)  # "at most ten years at a time": ten years of leap days included
    assert engine_clock.offset() == pytest.approx(10 * 366 * 86400, abs=1)


def test_a_fresh_kernel_s_clock_is_the_real_time():
    from tests.conftest import run_python

    code = "import time\nfrom smworkbook.engine import clock\nt = time.time()\nprint(t <= clock.now() <= time.time())"
    finished = run_python(code)
    assert finished.stdout.strip() == "True", finished.stderr


def test_a_graded_kernel_asks_the_graders_mock_to_move_its_clock(aws, monkeypatch, capsys):
    """Graded, the schedules live in the grader's mock: advance() and now() ask it (the whole path, through a real
    grader, is tests/test_grading.py's test_lesson4_graded_scheduled_rotations_run_on_the_graders_mock_clock)."""
    from smworkbook.toolkit import graded

    asked = []
    monday = datetime(2027, 1, 4, 6, tzinfo=UTC).timestamp()

    def ask(path, body):
        asked.append((path, body))
        rotations = [{"SecretId": "s", "When": monday, "Rotated": True, "Error": None}] if body["seconds"] else []
        return {"now": monday + 3600, "rotations": rotations}

    monkeypatch.setattr(graded, "active", lambda: True)
    monkeypatch.setattr(graded, "ask", ask)
    clock.advance(days=1, hours=2)
    assert asked == [("/clock", {"seconds": 93600})]
    shown = capsys.readouterr().out
    assert "s: scheduled rotation on 2027-01-04 at 06:00 UTC, rotated" in shown
    assert "The mock's clock is now 2027-01-04 07:00:00 UTC" in shown
    assert clock.now() == datetime(2027, 1, 4, 7, tzinfo=UTC)
    assert asked[-1] == ("/clock", {"seconds": 0})
    assert engine_clock.offset() == 0  # this kernel's own clock never moved


def test_a_scheduled_rotation_refused_by_a_stale_awspending_is_named_with_aws_s_error(sm, capsys):
    """A stale AWSPENDING makes RotateSecret refuse ("assumes that a previous rotation request is still in
    progress"): the scheduled rotation fails with that error, and clock.advance() says so."""
    _turn_on(sm, "stale", {"ScheduleExpression": "rate(1 day)"})
    sm.put_secret_value(SecretId="stale", SecretString="left over", VersionStages=["AWSPENDING"])
    clock.advance(days=1)
    shown = capsys.readouterr().out
    assert "stale: scheduled rotation on" in shown
    assert "rotation failed (InvalidRequestException: A previous rotation isn't complete." in shown


def test_advancing_by_hours_alone_moves_the_clock_by_those_hours(aws):
    clock.advance(hours=5)
    assert engine_clock.offset() == pytest.approx(5 * 3600, abs=1)


def test_the_record_of_scheduled_rotations_keeps_the_last_thousand(sm, monkeypatch):
    from smworkbook.engine.corrections import rotation as corrections_rotation

    monkeypatch.setattr(corrections_rotation, "SCHEDULED", [{"SecretId": f"old-{n}"} for n in range(1000)])
    _turn_on(sm, "recorded", {"ScheduleExpression": "rate(1 day)"})
    engine_clock.advance(86400)
    kept = corrections_rotation.SCHEDULED
    assert len(kept) == 1000 and kept[0]["SecretId"] == "old-1" and kept[-1]["SecretId"] == "recorded"
