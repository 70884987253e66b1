"""Lesson 6's service and load helpers: a Flask app on loopback, bounded load through a paced rotation,
its phases, its requests per 100 ms and the plot's markers."""

from __future__ import annotations

import base64
import re
import signal
import socket
import subprocess
import sys
import threading

import pytest
from flask import Flask

from smworkbook import WorkbookError
from smworkbook.fixtures import load, service
from smworkbook.toolkit.rotation import STEPS


def request(start, end, status=200, probe=False):
    return load.Request(start, end, status, "", probe)


def made_up_result():
    steps = [("createSecret", 0.30, 0.32), ("setSecret", 0.62, 0.65), ("testSecret", 0.95, 0.97)]
    steps.append(("finishSecret", 1.27, 1.30))
    requests = [
        request(0.00, 0.05),
        request(0.05, 0.12),
        request(0.12, 0.31),  # ended after createSecret started: during
        request(0.70, 0.72, 503),
        request(0.73, 0.75, 503, probe=True),
        request(1.29, 1.33, 503),  # started before finishSecret ended: during
        request(1.31, 1.35),  # after
        request(1.41, 1.45),
    ]
    return load.LoadResult(requests=requests, steps=steps, duration=1.5, during=(0.29, 1.31))


def test_requests_are_counted_per_100_ms_by_start_time():
    rows = made_up_result().buckets()
    assert len(rows) == 16 and rows[0]["start"] == 0.0 and rows[1]["start"] == 0.1
    by_start = {row["start"]: (row["succeeded"], row["failed"]) for row in rows if row["succeeded"] or row["failed"]}
    assert by_start == {0.0: (2, 0), 0.1: (1, 0), 0.7: (0, 2), 1.2: (0, 1), 1.3: (1, 0), 1.4: (1, 0)}
    assert sum(row["succeeded"] + row["failed"] for row in rows) == 8


def test_phases_are_before_the_first_step_during_and_after_finish_secret():
    counts = made_up_result().counts()
    assert counts == {
        "requests": 8,
        "succeeded": 5,
        "failed": 3,
        "failed_before": 0,
        "failed_during": 3,
        "failed_after": 0,
        "requests_before": 2,
        "requests_during": 4,
        "requests_after": 2,
    }
    assert made_up_result().facts().splitlines() == [
        "before the rotation:     0 failed             (0 of 2 requests)",
        "during the rotation:     at least one failed  (3 of 4 requests)",
        "after finishSecret:      0 failed             (0 of 2 requests)",
        "through the whole run:   at least one failed  (3 of 8 requests)",
    ]


def test_the_plot_marks_the_four_steps_and_draws_one_bar_per_kind_and_bucket():
    result = made_up_result()
    ends = [("createSecret", 0.32), ("setSecret", 0.65), ("testSecret", 0.97), ("finishSecret", 1.3)]
    assert result.markers() == ends
    svg = result.svg()
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    for step in STEPS:
        assert f">{step}</text>" in svg
    assert svg.count('fill="#2e7d32"/>') == 4 and svg.count('fill="#c62828"/>') == 2  # green, red bars
    assert svg.count('stroke-dasharray="3,2"') == 4  # a dashed line where each step ended
    assert "8 requests: 5 succeeded, 3 failed (3 during the rotation, 0 after finishSecret)" in svg


def _svg_of(img: str) -> str:
    found = re.search(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', img)
    return base64.b64decode(found.group(1)).decode("utf-8")


def test_the_plot_is_shown_em_wide_so_its_labels_are_at_the_content_font_size():
    """Issue 36 item 3: the plot grows with JupyterLab's font (Presentation Mode): shown `width / font-size` em wide,
    a label of the SVG's font-size is drawn at 1 em, the output's --jp-content-font-size1."""
    result = made_up_result()
    shown = result.plot()._repr_html_()
    assert shown.startswith("<img ") and _svg_of(shown) == result.svg()
    width = float(re.search(r'<svg [^>]*width="(\d+)"', result.svg()).group(1))
    assert f'font-size="{load.FONT}"' in result.svg()
    assert f"width: {width / load.FONT:.2f}em; max-width: 100%" in shown
    assert "at least one failed (3 of 4 requests)" in shown  # the alt text says what the plot shows
    assert repr(result.plot()) == repr(made_up_result().plot())  # the same text for every run (nbval)


def test_lesson_6_stores_its_three_plots():
    """nbval does not compare pictures (the plot cells are tagged nbval-ignore-output): are they there?"""
    import nbformat

    from .conftest import ROOT

    lesson = nbformat.read(ROOT / "notebooks" / "06_service_under_rotation.ipynb", as_version=4)
    plots = [
        _svg_of(output["data"]["text/html"])
        for cell in lesson.cells
        if "nbval-ignore-output" in cell.metadata.get("tags", [])
        for output in cell.get("outputs", [])
        if "data:image/svg+xml" in output.get("data", {}).get("text/html", "")
    ]
    assert len(plots) == 3
    for svg in plots:
        assert all(f">{step}</text>" in svg for step in STEPS)
        assert " requests: " in svg


def test_load_through_a_paced_rotation_on_a_real_service():
    failing = threading.Event()
    app = Flask("test-load")

    @app.get("/")
    def answer():
        return ("refused", 503) if failing.is_set() else "ok"

    steps = {"setSecret": failing.set, "finishSecret": failing.clear}
    handler = load.paced(lambda event, context: steps.get(event["Step"], lambda: None)(), pause=0.05)
    served = service.serve(app)
    try:
        result = load.run(
            served.url + "/",
            during=lambda: [handler({"Step": step}, None) for step in STEPS],
            before=0.1,
            after=0.1,
            max_requests=400,
        )
    finally:
        served.stop()
    assert [step for step, _, _ in result.steps] == list(STEPS)
    assert sum(r.probe for r in result.requests) == 5  # one before the rotation, one after each step
    counts = result.counts()
    assert counts["failed_before"] == 0 and counts["failed_after"] == 0 and counts["requests_after"] >= 1
    probes = [r.status for r in result.requests if r.probe]
    assert probes == [200, 200, 503, 503, 200]
    assert len(result.requests) <= 400 + 5
    assert not [t for t in threading.enumerate() if t.name.startswith("smworkbook-load")]
    assert not served.is_running()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(served.url.rsplit(":", 1)[1])), timeout=1).close()


def test_serving_again_under_the_same_name_stops_the_first_service():
    first = service.serve(Flask("same-name"))
    second = service.serve(Flask("same-name"))
    try:
        assert not first.is_running() and second.is_running()
        assert second.url.startswith("http://127.0.0.1:")
        assert second._server.socket.getsockname()[0] == "127.0.0.1"  # loopback only, never 0.0.0.0
    finally:
        second.stop()
    assert "same-name" not in [s.name for s in service.running()]


def test_load_goes_to_loopback_only():
    with pytest.raises(WorkbookError, match="this machine only"):
        load.run("http://example.com:80/", during=lambda: None)
    with pytest.raises(WorkbookError, match="this machine only"):
        load.fetch("https://127.0.0.1:443/")


def test_the_service_stops_when_its_process_is_killed():
    code = (
        "import sys, time\nfrom flask import Flask\nfrom smworkbook import service\n"
        "s = service.serve(Flask('killed'))\nprint(s.url, flush=True)\ntime.sleep(60)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline().strip().rsplit(":", 1)[1])
        socket.create_connection(("127.0.0.1", port), timeout=5).close()  # it answers
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        process.kill()
        process.stdout.close()


def test_a_handlers_error_answers_500_and_stays_off_stderr(capfd):
    """Flask would log "Exception on /boom [GET]" and a traceback to stderr, under the running cell."""
    app = Flask("boom-service")

    @app.route("/boom")
    def boom():
        raise RuntimeError("password authentication failed")

    running = service.serve(app)
    try:
        assert load.fetch(running.url + "/boom").status == 500
    finally:
        running.stop()
    assert list(running.errors) == ["RuntimeError: password authentication failed"]
    assert capfd.readouterr().err == ""


def test_a_request_without_the_services_token_is_refused_and_never_reaches_the_app():
    """Every user of the machine can reach the port (loopback is shared): only the token's holder is served."""
    import http.client

    reached = []
    app = Flask("guarded-service")

    @app.route("/orders")
    def orders():
        reached.append(1)
        return "ok"

    running = service.serve(app)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", int(running.url.rsplit(":", 1)[1]), timeout=10)
        connection.request("GET", "/orders", headers={"Authorization": "Bearer guessed"})
        refused = connection.getresponse()
        assert refused.status == 403 and b"token" in refused.read()
        assert reached == []
        assert load.fetch(running.url + "/orders").status == 200 and reached == [1]
    finally:
        running.stop()
