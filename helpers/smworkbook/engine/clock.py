"""The mock's own clock: the time Secrets Manager's dates and rotation schedules are counted in.

A notebook moves it forward (smworkbook.clock.advance(days=30), helpers/smworkbook/toolkit/clock.py) to
watch scheduled rotations happen without waiting a month. It is an offset added to the real time, read
only by the mock's Secrets Manager: the dates it stamps (CreatedDate, LastChangedDate, LastRotatedDate,
NextRotationDate, LastAccessedDate, each version's CreatedDate) and the schedules it runs
(corrections/rotation.py). Nothing else in the kernel sees it: `time.time()` and `datetime.now()` are
untouched, so the signature check (server.py, `_stale`) keeps comparing X-Amz-Date, which botocore
signs with the real time, with the real time; the database, the kernel and every other library keep
theirs too.

The clock only moves forward (time on AWS does not go back); `reset()` (the mock's reset) puts it back
on the real time, with nothing left in the mock whose dates could then be in the future.

This module is part of the mock engine: it imports neither the corrections nor the toolkit. What runs
when the clock moves (the rotations that fall due) registers itself with `on_advance`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from smworkbook.engine.errors import WorkbookError

# The longest step a notebook may take at once: ten years (AWS's longest schedule, 1000 days, fits many times).
MAX_STEP = 10 * 366 * 24 * 3600

_lock = threading.RLock()
_offset = 0.0
# Called as listener(target) while the clock moves to `target` (seconds since 1970, mock time); each
# may move the clock to moments before `target` (set_to) to do what falls due then, in order.
_listeners: list[Callable[[float], list]] = []


def now() -> float:
    """The mock's time: seconds since 1970, as time.time() counts them."""
    return time.time() + _offset


def now_datetime() -> datetime:
    """The mock's time as an aware UTC datetime."""
    return datetime.fromtimestamp(now(), UTC)


def offset() -> float:
    """How far (seconds) the mock's clock is ahead of the real time."""
    return _offset


def on_advance(listener: Callable[[float], list]) -> None:
    """Run `listener(target)` whenever the clock is advanced (once per listener, however often registered)."""
    with _lock:
        if listener not in _listeners:
            _listeners.append(listener)


def set_to(moment: float) -> None:
    """Move the clock to `moment` (mock time), if that is later than now; never back."""
    global _offset
    with _lock:
        _offset = max(_offset, moment - time.time())


def advance(seconds: float) -> list:
    """Move the clock `seconds` forward; what falls due on the way runs, in order. Returns what the listeners did."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds != seconds:
        raise WorkbookError(f"Advance the clock by a number of seconds, days or hours, not {seconds!r}.")
    if seconds < 0:
        raise WorkbookError("The clock only moves forward, as time on AWS does: advance it by 0 or more.")
    if seconds > MAX_STEP:
        raise WorkbookError("Advance the clock by at most ten years at a time.")
    with _lock:
        target = now() + seconds
        done = []
        for listener in list(_listeners):
            done.extend(listener(target))
        set_to(target)
        return done


def reset() -> None:
    """Back to the real time (the mock was emptied: nothing in it is dated by the old clock)."""
    global _offset
    with _lock:
        _offset = 0.0
