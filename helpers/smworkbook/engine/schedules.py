"""Rotation schedules as Secrets Manager reads them: RotationRules -> the next rotation window.

AWS's texts this follows (quoted where each rule is applied):
- API reference, RotationRulesType (AutomaticallyAfterDays, Duration, ScheduleExpression);
- User Guide, "Rotation schedules" (rotate-secrets_schedule.html): rate() and cron() expressions,
  their fields and wildcards, and rotation windows;
- API reference, DescribeSecret: NextRotationDate "represents the latest date that rotation will occur".

Every moment here is seconds since 1970 (UTC: "Secrets Manager rotation schedules use UTC time zone").
Nothing here knows moto or the clock; corrections/rotation.py stores a `Schedule` on each secret and asks it
for the next window after a rotation.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

HOUR = 3600
DAY = 24 * HOUR
# "You can rotate a secret as often as every four hours." "The maximum rotation period is 999 days." (User
# Guide, "Rotation schedules"); AutomaticallyAfterDays: "Minimum value of 1. Maximum value of 1000."
MIN_RATE_HOURS = 4
MAX_RATE_DAYS = 999

_RATE = re.compile(r"rate\((\d+) (hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((.*)\)")
_DURATION = re.compile(r"(\d+)h")
_MONTHS = {name: number for number, name in enumerate(calendar.month_abbr) if name}
_MONTHS = {name.upper(): number for name, number in _MONTHS.items()}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


class ScheduleError(ValueError):
    """RotationRules AWS refuses; the message says what is wrong and what AWS accepts."""


@dataclass(frozen=True)
class Window:
    """One rotation window: it opens at `start` and closes at `end` (seconds since 1970)."""

    start: float
    end: float

    @property
    def latest(self) -> float:
        """NextRotationDate: "the latest date that rotation will occur", the window's last second."""
        return self.end - 1


@dataclass(frozen=True)
class Schedule:
    """A parsed RotationRules: how the next window follows the previous rotation."""

    kind: str  # "days" (AutomaticallyAfterDays, rate(N days)), "hours" (rate(N hours)) or "cron"
    every: int  # days or hours between rotations; 0 for cron
    duration: int | None  # the window in hours, None for the default
    cron: _Cron | None = None

    def next_window(self, previous: float) -> Window:
        """The first window after a rotation (or the schedule's start) at `previous`."""
        if self.kind == "days":
            # "If you use this field to set the rotation schedule, Secrets Manager calculates the next rotation
            # date based on the previous rotation." "For a rate in days, the default rotation window starts at
            # midnight and closes at the end of the day."
            day = _midnight(previous) + self.every * DAY
            return Window(day, day + (self.duration or 24) * HOUR)
        if self.kind == "hours":
            # "For a rate in hours, the default rotation window starts at midnight and closes after one hour."
            # AWS does not say when the later windows of the day open; here every `every` hours from midnight
            # UTC of the previous rotation's day, the first that opens after it.
            start = _midnight(previous)
            while start <= previous:
                start += self.every * HOUR
            return Window(start, start + (self.duration or 1) * HOUR)
        start = self.cron.next_start(previous)
        # "For a cron expression that represents a schedule in hours, the default rotation window closes after
        # one hour. For a cron expression that represents a schedule in days, the default rotation window closes
        # at the end of the day."
        default = 1 if self.cron.in_hours else 24 - _hour_of(start)
        return Window(start, start + (self.duration or default) * HOUR)


def parse(rules: dict) -> Schedule | None:
    """The schedule RotationRules set, or None when they set none. Raises ScheduleError for rules AWS refuses."""
    days = rules.get("AutomaticallyAfterDays")
    expression = rules.get("ScheduleExpression")
    duration = _duration(rules.get("Duration"))
    if expression is None:
        if not days:
            return None
        _check_window(duration, [0], 24, "AutomaticallyAfterDays")
        return Schedule("days", int(days), duration)
    rate = _RATE.fullmatch(expression)
    if rate:
        number, unit = int(rate.group(1)), rate.group(2)
        if unit.startswith("hour"):
            if number < MIN_RATE_HOURS:
                raise ScheduleError(
                    f"{expression}: you can rotate a secret as often as every {MIN_RATE_HOURS} hours, not more often."
                )
            _check_window(duration, [0], number, expression)
            return Schedule("hours", number, duration)
        if not 1 <= number <= MAX_RATE_DAYS:
            raise ScheduleError(f"{expression}: a rate in days is 1 to {MAX_RATE_DAYS} days.")
        _check_window(duration, [0], 24, expression)
        return Schedule("days", number, duration)
    cron = _CRON.fullmatch(expression)
    if cron:
        parsed = _Cron.parse(expression, cron.group(1))
        _check_window(duration, parsed.hours, 24, expression)
        return Schedule("cron", 0, duration, parsed)
    raise ScheduleError(
        f"{expression}: a ScheduleExpression is rate(N hours) (N of {MIN_RATE_HOURS} or more), rate(N days) or "
        "cron(Minutes Hours Day-of-month Month Day-of-week Year), such as cron(0 8 1 * ? *)."
    )


def automatically_after_days(schedule: Schedule) -> int | None:
    """AutomaticallyAfterDays as DescribeSecret shows it for a ScheduleExpression ("calculated from the rotation
    schedule"): the days of a rate in days; 1 for a rate in hours (recorded from AWS: rate(10 hours) described as
    AutomaticallyAfterDays 1, hashicorp/terraform-provider-aws#31915); none for cron() (no recording found)."""
    if schedule.kind == "days":
        return schedule.every
    if schedule.kind == "hours":
        return 1
    return None


def _duration(text) -> int | None:
    if text is None:
        return None
    match = _DURATION.fullmatch(str(text))
    if not match or int(match.group(1)) < 1:
        # "You can set the rotation window as small as one hour." (the service model's pattern is [0-9]+h)
        raise ScheduleError(f"Duration {text!r}: the rotation window is a number of hours, 1h or more, such as 3h.")
    return int(match.group(1))


def _check_window(duration: int | None, starts: list[int], limit: int, what: str) -> None:
    """ "The rotation window must not extend into the next rotation window. In other words, for a rotation
    schedule in hours, confirm that the rotation window is less than or equal to the number of hours between
    rotations. For a rotation schedule in days, confirm that the start hour plus the window duration is less
    than or equal to 24 hours." (User Guide, "Rotation windows")."""
    if duration is None:
        return
    if limit < 24 and duration > limit:
        raise ScheduleError(
            f"Duration {duration}h with {what}: the rotation window must not extend into the next rotation window "
            f"({limit} hours later); make it {limit}h or less."
        )
    ordered = sorted(starts)
    for hour, following in zip(ordered, [*ordered[1:], 24], strict=True):
        if hour + duration > following:
            where = "the next UTC day" if following == 24 else f"the next rotation window (at {following}:00)"
            raise ScheduleError(
                f"Duration {duration}h with {what}: a window opening at {hour}:00 would extend into {where}; "
                f"make it {following - hour}h or less."
            )


def _midnight(moment: float) -> float:
    return moment - moment % DAY


def _hour_of(moment: float) -> int:
    return int(moment % DAY // HOUR)


@dataclass(frozen=True)
class _Cron:
    """cron(Minutes Hours Day-of-month Month Day-of-week Year) as the User Guide's table allows it:
    Minutes "Must be 0"; Hours 0-23 (, - * /); Day-of-month 1-31 (, - * ? / L); Month 1-12 or JAN-DEC
    (, - * /); Day-of-week 1-7 or SUN-SAT (# , - * ? / L); Year "Must be *"."""

    hours: list[int]
    days: frozenset[int] | None  # days of the month; None: any (?), see `last_day`
    last_day: bool
    months: frozenset[int]
    weekdays: frozenset[int] | None  # 1 = Sunday ... 7 = Saturday
    nth: tuple[int, int] | None  # (weekday, n): the n-th such weekday of the month (#)
    last_weekday: int | None  # (5L: the last Thursday of the month)
    in_hours: bool  # more than one window a day: "a schedule in hours"
    expression: str = ""

    @classmethod
    def parse(cls, expression: str, inside: str) -> _Cron:
        fields = inside.split(" ")
        if len(fields) != 6:
            raise ScheduleError(
                f"{expression}: a cron expression has six fields, Minutes Hours Day-of-month Month Day-of-week "
                f"Year (found {len(fields)}), such as cron(0 8 1 * ? *)."
            )
        minutes, hours, dom, month, dow, year = fields
        if minutes != "0":
            raise ScheduleError(
                f"{expression}: the minutes field must be 0, because Secrets Manager rotation windows open on the hour."
            )
        if year != "*":
            raise ScheduleError(
                f"{expression}: the year field must be *, because Secrets Manager does not support rotation "
                "schedules that are more than a year apart."
            )
        if (dom == "?") == (dow == "?"):
            # AWS's cron expressions (EventBridge, whose syntax the User Guide's table follows): "You can't specify
            # the Day-of-month and Day-of-week fields in the same cron expression. If you specify a value or a *
            # in one of the fields, you must use a ? in the other."
            raise ScheduleError(
                f"{expression}: use ? in exactly one of Day-of-month and Day-of-week, such as cron(0 8 1 * ? *) "
                "(the 1st of every month) or cron(0 8 ? * MON *) (every Monday)."
            )
        hour_list = sorted(_values(expression, "Hours", hours, 0, 23, {}))
        months = frozenset(_values(expression, "Month", month, 1, 12, _MONTHS))
        days = weekdays = nth = last_weekday = None
        last_day = False
        if dom != "?":
            if dom == "L":
                last_day = True
            else:
                days = frozenset(_values(expression, "Day-of-month", dom, 1, 31, {}))
        else:
            nth_match = re.fullmatch(r"(\w+)#([1-5])", dow)
            last_match = re.fullmatch(r"(\w+)L", dow)
            if nth_match:
                nth = (_single(expression, nth_match.group(1)), int(nth_match.group(2)))
            elif last_match:
                last_weekday = _single(expression, last_match.group(1))
            elif dow == "L":
                weekdays = frozenset({7})  # "L" alone in Day-of-week: the last day of the week, Saturday
            else:
                weekdays = frozenset(_values(expression, "Day-of-week", dow, 1, 7, _WEEKDAYS))
        return cls(hour_list, days, last_day, months, weekdays, nth, last_weekday, len(hour_list) > 1, expression)

    def next_start(self, after: float) -> float:
        """The first hour after `after` that the expression names (within a year and a day: the year field is *)."""
        moment = datetime.fromtimestamp(after - after % HOUR, UTC) + timedelta(hours=1)
        for _ in range(367 * 24):
            if moment.hour in self.hours and self._day_matches(moment):
                return moment.timestamp()
            moment += timedelta(hours=1)
        raise ScheduleError(
            f"{self.expression}: names no hour in the coming year; Secrets Manager does not support rotation "
            "schedules that are more than a year apart."
        )

    def _day_matches(self, moment: datetime) -> bool:
        if moment.month not in self.months:
            return False
        length = calendar.monthrange(moment.year, moment.month)[1]
        weekday = moment.isoweekday() % 7 + 1  # Sunday 1 ... Saturday 7
        if self.last_day:
            return moment.day == length
        if self.days is not None:
            return moment.day in self.days
        if self.nth is not None:
            return weekday == self.nth[0] and (moment.day - 1) // 7 + 1 == self.nth[1]
        if self.last_weekday is not None:
            return weekday == self.last_weekday and moment.day + 7 > length
        return weekday in self.weekdays


def _single(expression: str, text: str) -> int:
    values = _values(expression, "Day-of-week", text, 1, 7, _WEEKDAYS)
    if len(values) != 1:
        raise ScheduleError(f"{expression}: {text!r} must name one day of the week (1-7 or SUN-SAT).")
    return values[0]


def _values(expression: str, field: str, text: str, low: int, high: int, names: dict[str, int]) -> list[int]:
    """The values a field's list of items (, - * /) names, each within low..high."""

    def number(item: str) -> int:
        value = names.get(item.upper()) if item.isalpha() else int(item) if item.isdigit() else None
        if value is None or not low <= value <= high:
            first, last = min(names, key=names.get, default=""), max(names, key=names.get, default="")
            allowed = f"{low}-{high}" + (f" or {first}-{last}" if names else "")
            raise ScheduleError(f"{expression}: {item!r} is not a {field} value ({allowed}).")
        return value

    found: set[int] = set()
    for item in text.split(","):
        part, _, step = item.partition("/")
        if step and not step.isdigit():
            raise ScheduleError(f"{expression}: {item!r}: the step after / in {field} is a number.")
        if part == "*":
            first, last = low, high
        elif "-" in part:
            start, _, end = part.partition("-")
            first, last = number(start), number(end)
        else:
            first = number(part)
            last = high if step else first
        found.update(range(first, last + 1, int(step) if step else 1))
    if not found:
        raise ScheduleError(f"{expression}: {text!r} names no {field} value.")
    return sorted(found)
