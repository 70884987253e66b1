"""The mock's clock, for a notebook: move it forward and watch scheduled rotations happen.

    from smworkbook import clock
    clock.now()               # the mock's time (UTC)
    clock.advance(days=30)    # every rotation that falls due on the way runs, in order

Only the mock's Secrets Manager reads this clock (its dates and its rotation schedules: see
helpers/smworkbook/engine/clock.py); the kernel's own time, the database's and the signatures' stay real.
"""

from __future__ import annotations

from datetime import UTC, datetime

from smworkbook.engine import clock as engine_clock
from smworkbook.engine.errors import WorkbookError
from smworkbook.toolkit.mock import require_mock

__all__ = ["advance", "now"]


def now() -> datetime:
    """The mock's time, as an aware UTC datetime (the real time until the clock is advanced)."""
    require_mock("The mock's clock")
    from smworkbook.toolkit import graded

    if graded.active():  # the grader's mock keeps the clock
        return datetime.fromtimestamp(graded.ask("/clock", {"seconds": 0})["now"], UTC)
    return engine_clock.now_datetime()


def advance(days: float = 0, hours: float = 0) -> None:
    """Move the mock's clock forward by `days` and `hours`. Each scheduled rotation that falls due on the way
    runs when its window opens, in order, with the secret's rotation function; one line says what happened."""
    for name, value in (("days", days), ("hours", hours)):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise WorkbookError(f"clock.advance({name}=...) takes a number of {name}, 0 or more, not {value!r}.")
    require_mock("The mock's clock")
    seconds = days * 86400 + hours * 3600
    from smworkbook.toolkit import graded

    if graded.active():
        answer = graded.ask("/clock", {"seconds": seconds})
        done, moment = answer["rotations"], answer["now"]
    else:
        done = engine_clock.advance(seconds)
        moment = engine_clock.now()
    for run in done:
        outcome = "rotated" if run["Rotated"] else f"rotation failed ({run['Error'] or 'see the rotation log'})"
        when = datetime.fromtimestamp(run["When"], UTC).strftime("%Y-%m-%d at %H:%M UTC")
        print(f"{run['SecretId']}: scheduled rotation on {when}, {outcome}")
    shown = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S")
    print(f"The mock's clock is now {shown} UTC" + ("" if done else " (no rotation fell due)"))
