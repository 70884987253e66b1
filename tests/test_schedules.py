"""engine/schedules.py: RotationRules -> the next rotation window, as the User Guide's "Rotation schedules" reads.

Pure functions: each test gives a previous rotation (UTC) and states the window AWS's text implies.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smworkbook.engine import schedules


def at(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp()


def window(rules: dict, previous: str) -> tuple[str, str]:
    found = schedules.parse(rules).next_window(at(previous))
    shown = [datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M") for moment in (found.start, found.end)]
    return shown[0], shown[1]


@pytest.mark.parametrize(
    ("rules", "previous", "expected"),
    [
        # "For a rate in days, the default rotation window starts at midnight and closes at the end of the day."
        ({"AutomaticallyAfterDays": 30}, "2026-12-07 05:10", ("2027-01-06 00:00", "2027-01-07 00:00")),
        (
            {"ScheduleExpression": "rate(10 days)", "Duration": "3h"},
            "2026-12-07 23:59",
            ("2026-12-17 00:00", "2026-12-17 03:00"),
        ),
        # "For a rate in hours, the default rotation window starts at midnight and closes after one hour."
        ({"ScheduleExpression": "rate(4 hours)"}, "2026-12-07 05:10", ("2026-12-07 08:00", "2026-12-07 09:00")),
        (
            {"ScheduleExpression": "rate(12 hours)", "Duration": "2h"},
            "2026-12-07 13:00",
            ("2026-12-08 00:00", "2026-12-08 02:00"),
        ),
        # "A cron expression that includes increments of hours resets each day. For example, cron(0 4/12 * * ? *)
        # means 4:00 AM, 4:00 PM, and then the next day 4:00 AM, 4:00 PM." A schedule in hours: a one-hour window.
        ({"ScheduleExpression": "cron(0 4/12 * * ? *)"}, "2026-12-07 16:30", ("2026-12-08 04:00", "2026-12-08 05:00")),
        # A schedule in days: the window closes at the end of the day.
        ({"ScheduleExpression": "cron(0 8 1 * ? *)"}, "2026-12-07 05:10", ("2027-01-01 08:00", "2027-01-02 00:00")),
        # cron(0 0 ? * SUN#1 *): the first Sunday of the month; cron(0 16 L * ? *): the month's last day.
        ({"ScheduleExpression": "cron(0 0 ? * SUN#1 *)"}, "2026-12-07 05:10", ("2027-01-03 00:00", "2027-01-04 00:00")),
        (
            {"ScheduleExpression": "cron(0 16 L * ? *)", "Duration": "2h"},
            "2026-12-07 05:10",
            ("2026-12-31 16:00", "2026-12-31 18:00"),
        ),
        # TUE#2: the second Tuesday; a schedule once a year is found a year ahead ("Year: Must be *").
        (
            {"ScheduleExpression": "cron(0 10 ? * TUE#2 *)"},
            "2026-12-07 05:10",
            ("2026-12-08 10:00", "2026-12-09 00:00"),
        ),
        ({"ScheduleExpression": "cron(0 8 1 1 ? *)"}, "2026-01-01 09:00", ("2027-01-01 08:00", "2027-01-02 00:00")),
        # 6L in Day-of-week: the last Friday of the month (1 = SUN ... 6 = FRI).
        ({"ScheduleExpression": "cron(0 1 ? * 6L *)"}, "2026-12-07 05:10", ("2026-12-25 01:00", "2026-12-26 00:00")),
        # Month names and weekday ranges.
        (
            {"ScheduleExpression": "cron(0 10 ? FEB,MAY MON-FRI *)"},
            "2026-12-07 05:10",
            ("2027-02-01 10:00", "2027-02-02 00:00"),
        ),
        (
            {"ScheduleExpression": "cron(0 6 ? * MON *)", "Duration": "2h"},
            "2026-12-07 06:00",
            ("2026-12-14 06:00", "2026-12-14 08:00"),
        ),
    ],
)
def test_the_next_window_follows_the_user_guide(rules, previous, expected):
    assert window(rules, previous) == expected


def test_next_rotation_date_is_the_last_second_of_the_window():
    """DescribeSecret, NextRotationDate: "This date represents the latest date that rotation will occur"."""
    found = schedules.parse({"AutomaticallyAfterDays": 1}).next_window(at("2026-12-07 05:10"))
    assert datetime.fromtimestamp(found.latest, UTC) == datetime(2026, 12, 8, 23, 59, 59, tzinfo=UTC)


def test_no_schedule_without_days_or_an_expression():
    assert schedules.parse({}) is None and schedules.parse({"Duration": "2h"}) is None


@pytest.mark.parametrize(
    ("expression", "days"),
    [("rate(10 days)", 10), ("rate(10 hours)", 1), ("cron(0 8 1 * ? *)", None)],
)
def test_automatically_after_days_as_describe_secret_shows_it(expression, days):
    """ "In DescribeSecret and ListSecrets, this value is calculated from the rotation schedule": rate(10 hours) shows
    1 (recorded: hashicorp/terraform-provider-aws#31915); for cron() no recording was found, none is shown."""
    assert schedules.automatically_after_days(schedules.parse({"ScheduleExpression": expression})) == days
