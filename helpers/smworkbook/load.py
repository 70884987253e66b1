"""Steady requests to a service while something happens (a rotation), and what became of them.

    arn = smworkbook.register_rotation_function("rotate-orders-db", load.paced(lambda_handler))
    result = load.run(service.url + "/orders", during=lambda: client.rotate_secret(...))
    result.facts()     # before the rotation / during / after finishSecret: "0 failed" or "at least one failed"
    result.plot()      # requests per 100 ms, succeeded and failed, the four steps marked

The load is bounded: one worker thread (by default) sending one request after another, on
loopback only, for at most `max_requests` requests and `max_seconds` seconds. `paced(handler)`
wraps a rotation function so that each step is timed and marked, followed by one *probe* request
(so that every phase of the rotation has at least one request, however the threads are scheduled
on a busy machine) and a short pause (so that the window between the steps is wide enough to see).
"""

from __future__ import annotations

import functools
import html
import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import service
from .errors import WorkbookError
from .rotation import STEPS

BUCKET = 0.1  # seconds: the plot counts requests per 100 ms
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_lock = threading.Lock()
_active: _Run | None = None


@dataclass(frozen=True)
class Request:
    """One request: when it started and ended (seconds since the load started), and how it went."""

    start: float
    end: float
    status: int  # the HTTP status, or 0 when no answer came (connection refused, timeout)
    body: str
    probe: bool = False  # sent by paced() right after a rotation step, not by the load's worker

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class LoadResult:
    """The requests of one load run and the rotation steps' start and end times (seconds since the start)."""

    requests: list[Request]
    steps: list[tuple[str, float, float]]  # (step, start, end), in the order they ran
    duration: float
    during: tuple[float, float] = (0.0, 0.0)  # when the `during` call started and returned
    errors: list[str] = field(default_factory=list)

    # The phases. A request belongs to "before" if it ended before the first step started, to
    # "after finishSecret" if it started after finishSecret ended, else to "during".
    def _bounds(self) -> tuple[float, float]:
        if not self.steps:
            return self.during
        finished = [end for step, _, end in self.steps if step == "finishSecret"]
        return self.steps[0][1], (finished[-1] if finished else float("inf"))

    def phase(self, request: Request) -> str:
        first, finished = self._bounds()
        if request.end < first:
            return "before"
        if request.start > finished:
            return "after"
        return "during"

    def counts(self) -> dict[str, int]:
        """Numbers of requests: total, succeeded, failed, and failed before, during and after the rotation."""
        counts = {"requests": len(self.requests), "succeeded": 0, "failed": 0}
        counts.update({f"failed_{phase}": 0 for phase in ("before", "during", "after")})
        counts.update({f"requests_{phase}": 0 for phase in ("before", "during", "after")})
        for request in self.requests:
            phase = self.phase(request)
            counts[f"requests_{phase}"] += 1
            if request.ok:
                counts["succeeded"] += 1
            else:
                counts["failed"] += 1
                counts[f"failed_{phase}"] += 1
        return counts

    def requests_per_second(self) -> float:
        return len(self.requests) / self.duration if self.duration else 0.0

    def facts(self) -> str:
        """What happened, in words that do not change from run to run: "0 failed" or "at least one failed"."""
        counts = self.counts()

        def fact(failed: int, total: int) -> str:
            if total == 0:
                return "no requests"
            return "0 failed" if failed == 0 else "at least one failed"

        lines = [
            f"before the rotation:     {fact(counts['failed_before'], counts['requests_before'])}",
            f"during the rotation:     {fact(counts['failed_during'], counts['requests_during'])}",
            f"after finishSecret:      {fact(counts['failed_after'], counts['requests_after'])}",
            f"through the whole run:   {fact(counts['failed'], counts['requests'])}",
        ]
        return "\n".join(lines)

    def buckets(self, width: float = BUCKET) -> list[dict]:
        """Requests per `width` seconds by the time they started: [{"start", "succeeded", "failed"}, ...]."""
        count = max(1, int(self.duration / width) + 1)
        rows = [{"start": round(i * width, 3), "succeeded": 0, "failed": 0} for i in range(count)]
        for request in self.requests:
            # 1e-9: 0.7 / 0.1 is 6.999... in floating point, and 0.7 s belongs to the bucket from 0.7 s.
            index = min(count - 1, max(0, int(request.start / width + 1e-9)))
            rows[index]["succeeded" if request.ok else "failed"] += 1
        return rows

    def markers(self) -> list[tuple[str, float]]:
        """(step, when it ended) for each rotation step, as the plot marks them."""
        return [(step, end) for step, _, end in self.steps]

    def svg(self, width: int = 760, height: int = 240) -> str:
        return _svg(self, width, height)

    def plot(self):
        """The requests per 100 ms, succeeded (green) and failed (red), with the rotation's steps marked."""
        from IPython.display import SVG

        return SVG(self.svg())


def paced(handler: Callable, pause: float = 0.3) -> Callable:
    """A rotation function that runs `handler`, marks each step's start and end for the load run in
    progress, sends one probe request after the step and waits `pause` seconds.

    Register it instead of the handler: register_rotation_function(name, paced(lambda_handler)).
    Outside a load run it only waits.
    """
    if not callable(handler):
        raise WorkbookError(f"paced() takes the rotation function itself (no brackets), not {handler!r:.60}.")
    if not isinstance(pause, int | float) or not 0 <= pause <= 2:
        raise WorkbookError(f"The pause is between 0 and 2 seconds, not {pause!r}.")

    @functools.wraps(handler)
    def paced_handler(event, context):
        run = _active
        started = run.now() if run else 0.0
        try:
            return handler(event, context)
        finally:
            if run is not None and run is _active:
                run.steps.append((event.get("Step", "?"), started, run.now()))
                run.probe()
            time.sleep(pause)

    return paced_handler


def run(
    url: str,
    during: Callable[[], object],
    *,
    before: float = 0.3,
    after: float = 0.5,
    workers: int = 1,
    max_requests: int = 3000,
    max_seconds: float = 30.0,
    timeout: float = 5.0,
) -> LoadResult:
    """Send requests to `url` (on this machine only) for `before` seconds, while `during()` runs, and
    for `after` seconds more; at most `max_requests` requests and `max_seconds` seconds in all."""
    global _active
    host, port, path = _loopback(url)
    if not (1 <= workers <= 4):
        raise WorkbookError(f"Between 1 and 4 workers, not {workers!r}.")
    load = _Run(host, port, path, timeout, max_requests)
    with _lock:
        if _active is not None:
            raise WorkbookError("Another load run is in progress in this kernel; wait for it to end.")
        _active = load
    threads = [threading.Thread(target=load.work, daemon=True, name=f"smworkbook-load-{i}") for i in range(workers)]
    deadline = time.monotonic() + max_seconds
    try:
        for thread in threads:
            thread.start()
        load.stop.wait(before)
        load.probe()  # at least one request ends before the rotation starts, however busy the machine
        start = load.now()
        try:
            during()
        except Exception as error:  # what went wrong is part of the result; the load still ends cleanly
            load.errors.append(f"{type(error).__name__}: {error}")
        load.during = (start, load.now())
        load.stop.wait(max(0.0, min(after, deadline - time.monotonic())))
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=timeout + 1)
        with _lock:
            _active = None
    return LoadResult(
        requests=sorted(load.requests, key=lambda r: r.start),
        steps=list(load.steps),
        duration=load.now(),
        during=load.during,
        errors=load.errors,
    )


def fetch(url: str, timeout: float = 5.0) -> Request:
    """One GET request to `url` (on this machine only), as the load sends it."""
    host, port, path = _loopback(url)
    one = _Run(host, port, path, timeout, max_requests=1)
    one.request(probe=True)
    return one.requests[0]


def _loopback(url: str) -> tuple[str, int, str]:
    if not isinstance(url, str):
        raise WorkbookError(f"The URL is a string such as 'http://127.0.0.1:8000/orders', not {url!r}.")
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in _LOOPBACK or parts.port is None:
        raise WorkbookError(f"The load goes to this machine only (http://127.0.0.1:PORT/...), not {url!r}.")
    return parts.hostname, parts.port, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class _Run:
    def __init__(self, host: str, port: int, path: str, timeout: float, max_requests: int) -> None:
        self.host, self.port, self.path, self.timeout = host, port, path, timeout
        self.headers = service.headers_for(host, port)  # the token of this kernel's service
        self.max_requests = max_requests
        self.origin = time.monotonic()
        self.stop = threading.Event()
        self.requests: list[Request] = []
        self.steps: list[tuple[str, float, float]] = []
        self.during = (0.0, 0.0)
        self.errors: list[str] = []

    def now(self) -> float:
        return time.monotonic() - self.origin

    def work(self) -> None:
        while not self.stop.is_set() and len(self.requests) < self.max_requests:
            self.request(probe=False)

    def probe(self) -> None:
        self.request(probe=True)

    def request(self, probe: bool) -> None:
        start = self.now()
        # http.client, not urllib: no proxy from HTTP_PROXY can ever see a loopback request.
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request("GET", self.path, headers=self.headers)
            response = connection.getresponse()
            status, body = response.status, response.read(2000).decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            status, body = 0, f"{type(error).__name__}: {error}"
        finally:
            connection.close()
        self.requests.append(Request(start, self.now(), status, body, probe))


# The plot: a small SVG drawn here (no plotting library needed) --------------------------------

_GREEN, _RED, _GREY = "#2e7d32", "#c62828", "#555"


def _svg(result: LoadResult, width: int, height: int) -> str:
    left, right, top, bottom = 44, 12, 44, 34
    rows = result.buckets()
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max(result.duration, BUCKET)
    peak = max([row["succeeded"] + row["failed"] for row in rows] + [1])
    x = lambda seconds: left + plot_w * seconds / span  # noqa: E731
    y = lambda count: top + plot_h * (1 - count / peak)  # noqa: E731
    bar = max(1.0, plot_w * BUCKET / span - 1)
    counts = result.counts()
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="12" font-weight="bold">{counts["requests"]} requests: {counts["succeeded"]} '
        f"succeeded, {counts['failed']} failed ({counts['failed_during']} during the rotation, "
        f"{counts['failed_after']} after finishSecret); {result.requests_per_second():.0f} per second</text>",
    ]
    for _step, start, end in result.steps:  # each step's span, shaded
        out.append(
            f'<rect x="{x(start):.1f}" y="{top}" width="{max(1.0, x(end) - x(start)):.1f}" '
            f'height="{plot_h}" fill="#eeeeee"/>'
        )
    for row in rows:
        bx = x(row["start"])
        if row["succeeded"]:
            out.append(
                f'<rect x="{bx:.1f}" y="{y(row["succeeded"]):.1f}" width="{bar:.1f}" '
                f'height="{top + plot_h - y(row["succeeded"]):.1f}" fill="{_GREEN}"/>'
            )
        if row["failed"]:
            total = row["succeeded"] + row["failed"]
            out.append(
                f'<rect x="{bx:.1f}" y="{y(total):.1f}" width="{bar:.1f}" '
                f'height="{y(row["succeeded"]) - y(total):.1f}" fill="{_RED}"/>'
            )
    for index, (step, end) in enumerate(result.markers()):
        label_y = top - 14 + 9 * (index % 2)
        out.append(
            f'<line x1="{x(end):.1f}" y1="{top}" x2="{x(end):.1f}" y2="{top + plot_h}" '
            f'stroke="{_GREY}" stroke-dasharray="3,2"/>'
        )
        out.append(f'<text x="{x(end):.1f}" y="{label_y}" text-anchor="middle">{html.escape(step)}</text>')
    axis_y = top + plot_h
    out.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="black"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{axis_y}" stroke="black"/>')
    tick = 0.5 if span <= 6 else 1.0
    seconds = 0.0
    while seconds <= span + 1e-9:
        out.append(f'<text x="{x(seconds):.1f}" y="{axis_y + 13}" text-anchor="middle">{seconds:g}</text>')
        seconds += tick
    out.append(f'<text x="{left}" y="{top + 4}" text-anchor="end" dx="-4">{peak}</text>')
    out.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">seconds since the load started; '
        f"requests per 100 ms: "
        f'<tspan fill="{_GREEN}">■ succeeded</tspan> <tspan fill="{_RED}">■ failed</tspan>; '
        "grey: a rotation step running, dashed: the step done</text>"
    )
    out.append("</svg>")
    return "\n".join(out)


__all__ = ["BUCKET", "STEPS", "LoadResult", "Request", "fetch", "paced", "run"]
