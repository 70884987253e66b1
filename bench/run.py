"""`make bench`: how fast and light the workbook is, each figure against a baseline measured in the
same run on the same machine. Results go to bench/results.json and bench/results.md.

Every figure is the median of several runs, with min and max. Ratios, not seconds, are what to
compare across machines. No test asserts on these numbers (the machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

SETUP_CELL = """
import time
t0 = time.perf_counter()
import boto3
import smworkbook
t1 = time.perf_counter()
aws = smworkbook.start()
t2 = time.perf_counter()
boto3.client("secretsmanager").list_secrets()
t3 = time.perf_counter()
print(t3 - t0, t1 - t0, t2 - t1, t3 - t2)
"""

SETUP_FLOOR = """
import time
t0 = time.perf_counter()
import boto3
from moto.server import ThreadedMotoServer
t1 = time.perf_counter()
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
t2 = time.perf_counter()
boto3.client("secretsmanager", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
             aws_access_key_id="testing", aws_secret_access_key="testing").list_secrets()
t3 = time.perf_counter()
print(t3 - t0, t1 - t0, t2 - t1, t3 - t2)
"""

PER_CALL = """
import time, boto3, smworkbook
aws = smworkbook.start()
workbook = aws.client("secretsmanager")
# A plain client with the mock's own keys: the mock answers only those (server.OwnerOnly).
plain = boto3.client("secretsmanager", endpoint_url=aws.endpoint_url, region_name="us-east-1",
                     aws_access_key_id=aws.credentials.access_key_id,
                     aws_secret_access_key=aws.credentials.secret_access_key)
workbook.create_secret(Name="bench", SecretString="x")
def per_call(client, n={n}):
    t = time.perf_counter()
    for _ in range(n):
        client.get_secret_value(SecretId="bench")
    return (time.perf_counter() - t) / n
per_call(workbook, 20); per_call(plain, 20)  # warm up both
results = {{"workbook": [], "plain": []}}
for _ in range({rounds}):  # interleaved, so both see the same machine load
    results["workbook"].append(per_call(workbook))
    results["plain"].append(per_call(plain))
print(results)
"""

IN_PROCESS = """
import time, boto3
from moto import mock_aws
with mock_aws():
    client = boto3.client("secretsmanager", region_name="us-east-1")
    client.create_secret(Name="bench", SecretString="x")
    for _ in range(20):
        client.get_secret_value(SecretId="bench")
    out = []
    for _ in range({rounds}):
        t = time.perf_counter()
        for _ in range({n}):
            client.get_secret_value(SecretId="bench")
        out.append((time.perf_counter() - t) / {n})
print(out)
"""

# get_secret_value against a server, the client in the server's process (as in a learner's kernel):
# the workbook's server (corrections and validation on) or stock moto's ThreadedMotoServer, in a
# process of its own because the corrections patch moto process-wide.
SERVER_PER_CALL = """
import logging, time, boto3
{start}
client = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id=keys[0], aws_secret_access_key=keys[1])
client.create_secret(Name="bench", SecretString="x")
for _ in range(20):
    client.get_secret_value(SecretId="bench")
rounds = []
for _ in range(5):  # the median round of each process: one busy moment of a shared machine counts once
    t, cpu = time.perf_counter(), time.process_time()
    for _ in range({n}):
        client.get_secret_value(SecretId="bench")
    rounds.append(((time.perf_counter() - t) / {n}, (time.process_time() - cpu) / {n}))
print(sorted(r[0] for r in rounds)[2], sorted(r[1] for r in rounds)[2])
"""
# The workbook's mock checks every signature against its own keys; stock moto takes any.
START_WORKBOOK = """import smworkbook
aws = smworkbook.start()
endpoint, keys = aws.endpoint_url, (aws.credentials.access_key_id, aws.credentials.secret_access_key)
"""
START_STOCK = """from moto.server import ThreadedMotoServer
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
endpoint = f"http://{host}:{port}"
keys = ("testing", "testing")
"""


def run(code: str, cwd: Path = ROOT, timeout: float = 600) -> str:
    result = subprocess.run([PY, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return result.stdout.strip()


def timed(command: list[str], cwd: Path = ROOT, env: dict | None = None, timeout: float = 1800) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, timeout=timeout, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{(result.stdout + result.stderr)[-3000:]}")
    return time.perf_counter() - start


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def bench_setup_cell(runs: int) -> dict:
    workbook, floor, parts = [], [], []
    for _ in range(runs):  # interleaved: workbook, floor, workbook, floor, ...
        total, *split = map(float, run(SETUP_CELL).split())
        workbook.append(total)
        parts.append(split)
        floor.append(float(run(SETUP_FLOOR).split()[0]))
    medians = [statistics.median(column) for column in zip(*parts, strict=True)]
    return {
        "workbook": summary(workbook),
        "floor": summary(floor),
        "ratio": statistics.median(workbook) / statistics.median(floor),
        "goal": 1.2,
        "parts": dict(zip(["imports", "start()", "first call"], medians, strict=True)),
    }


def bench_per_call(runs: int, n: int = 200) -> dict:
    served = eval(run(PER_CALL.format(n=n, rounds=runs)))  # a dict of lists, printed by our own code
    in_process = eval(run(IN_PROCESS.format(n=n, rounds=runs)))
    workbook, plain = served["workbook"], served["plain"]
    return {
        "workbook_ms": summary([value * 1000 for value in workbook]),
        "plain_boto3_ms": summary([value * 1000 for value in plain]),
        "moto_in_process_ms": summary([value * 1000 for value in in_process]),
        "ratio_vs_plain": statistics.median(workbook) / statistics.median(plain),
        "goal_vs_plain": 1.05,
        "ratio_vs_in_process": statistics.median(workbook) / statistics.median(in_process),
    }


def bench_stock_moto(runs: int, n: int = 60) -> dict:
    """Per get_secret_value: the workbook's server (every request validated) against stock moto's."""
    workbook, stock = [], []
    for _ in range(runs):  # interleaved processes, so both see the same machine load
        workbook.append([float(x) for x in run(SERVER_PER_CALL.format(start=START_WORKBOOK, n=n)).split()])
        stock.append([float(x) for x in run(SERVER_PER_CALL.format(start=START_STOCK, n=n)).split()])
    wall, cpu = 0, 1
    return {
        "workbook_server_ms": summary([value[wall] * 1000 for value in workbook]),
        "stock_moto_server_ms": summary([value[wall] * 1000 for value in stock]),
        "ratio": statistics.median(v[wall] for v in workbook) / statistics.median(v[wall] for v in stock),
        # CPU time of the process (client and server thread): what the work costs, whatever else
        # the shared machine is doing meanwhile.
        "workbook_server_cpu_ms": summary([value[cpu] * 1000 for value in workbook]),
        "stock_moto_server_cpu_ms": summary([value[cpu] * 1000 for value in stock]),
        "cpu_ratio": statistics.median(v[cpu] for v in workbook) / statistics.median(v[cpu] for v in stock),
        "goal": 1.2,
    }


def bench_memory(runs: int) -> dict:
    """RSS of a kernel after start() and after running lessons 1 and 2 top to bottom."""
    code = """
import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
cells = [new_code_cell("import smworkbook; aws = smworkbook.start()"),
         new_code_cell("print(open('/proc/self/status').read())")]
for path in ["notebooks/01_create_retrieve_update_delete.ipynb", "notebooks/02_versions_and_staging_labels.ipynb"]:
    cells += [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
cells.append(new_code_cell("print(open('/proc/self/status').read())"))
nb = new_notebook(cells=cells)
NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": "notebooks"}}).execute()
def rss(cell):
    text = "".join(o.get("text", "") for o in cell.outputs)
    return int(next(l.split()[1] for l in text.splitlines() if l.startswith("VmRSS"))) / 1024
print(rss(nb.cells[1]), rss(nb.cells[-1]))
"""
    after_start, after_lessons = [], []
    for _ in range(runs):
        first, last = map(float, run(code).split())
        after_start.append(first)
        after_lessons.append(last)
    return {
        "after_start_mib": summary(after_start),
        "after_lessons_1_2_mib": summary(after_lessons),
        "goal_mib": 200,
    }


def bench_grading(runs: int) -> dict:
    """Every solution notebook under nbval, against executing the same notebooks with plain nbclient."""
    notebooks = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "solutions").glob("*.ipynb"))
    nbclient_code = f"""
import nbformat, sys
from nbclient import NotebookClient
for path in {notebooks!r}:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=600, resources={{"metadata": {{"path": "solutions"}}}}).execute()
"""
    pytest = [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    pytest += ["--nbval", "--nbval-sanitize-with", "tests/sanitize.cfg"]
    nbval, plain, xdist, per_notebook = [], [], [], {path: [] for path in notebooks}
    for _ in range(runs):
        nbval.append(timed([*pytest, *notebooks]))
        plain.append(timed([PY, "-c", nbclient_code]))
        xdist.append(timed([*pytest, "-n", "2", "--dist", "loadscope", *notebooks]))
        for path in notebooks:
            per_notebook[path].append(timed([*pytest, path]))
    return {
        "nbval_s": summary(nbval),
        "nbclient_s": summary(plain),
        "ratio_nbval_vs_nbclient": statistics.median(nbval) / statistics.median(plain),
        "goal": 1.2,
        "nbval_xdist_2_cores_s": summary(xdist),
        "per_notebook_nbval_s": {path: summary(values) for path, values in per_notebook.items()},
    }


def bench_grade_submission(runs: int) -> dict:
    """Grading one learner's submission: the solved exercises, graded as CI would.

    Interleaved: the grader as it runs by default (a kernel per core), and one notebook at a
    time. Both find lesson 4's PostgreSQL template already made (in ~/.cache/smworkbook); one more
    run, with an empty cache folder, shows a machine's first grading, which makes it.
    """
    try:
        from smworkbook.grading import run as grading  # issue 7's grader
    except ImportError:
        return {"skipped": "no grader in this version of the package"}
    grade = [PY, "-m", "smworkbook.cli", "grade", "solutions"]
    default, one_at_a_time = [], []
    for _ in range(runs):
        default.append(timed(grade))
        one_at_a_time.append(timed([*grade, "--workers", "1"]))
    with tempfile.TemporaryDirectory() as cache:
        first = timed(grade, env=dict(os.environ, XDG_CACHE_HOME=cache))
    return {
        "grade_solutions_s": summary(default),
        "workers": grading._default_workers(len(list((ROOT / "solutions").glob("*.ipynb")))),
        "grade_solutions_one_at_a_time_s": summary(one_at_a_time),
        "first_grading_on_a_machine_s": first,
        "goal_s": 10,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _until_answering(command: list[str], cwd: Path, env: dict, log: Path | None = None) -> float:
    """Seconds from starting `command` (with {port} and {token} filled in) until JupyterLab answers on its API."""
    port, token = _free_port(), secrets.token_hex(8)
    command = [part.format(port=port, token=token) for part in command]
    start = time.perf_counter()
    with open(log or os.devnull, "w") as out:
        lab = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                    return time.perf_counter() - start
                except OSError:
                    if lab.poll() is not None or time.perf_counter() - start > 900:
                        said = log.read_text()[-2000:] if log else ""
                        raise RuntimeError(f"{' '.join(command[:2])} did not come up in {cwd}\n{said}") from None
                    time.sleep(0.05)
        finally:
            os.killpg(lab.pid, signal.SIGTERM)
            lab.wait()


_LAB_FLAGS = "--no-browser --port={port} --IdentityProvider.token={token} --ServerApp.port_retries=0"


def _make_lab(clone: Path, env: dict) -> tuple[float, list[str]]:
    """A fresh clone's `make lab` until JupyterLab answers; and what it printed on the way."""
    log = clone.parent / f"{clone.name}.log"
    seconds = _until_answering(["make", "--no-print-directory", "lab", f"LAB_FLAGS={_LAB_FLAGS}"], clone, env, log)
    return seconds, log.read_text().splitlines()


def _floor(clone: Path, env: dict, uv: str) -> dict:
    """The floor under `make lab`: uv laying the learner's set of the lock down (creating .venv as it does), then a
    bare `jupyter lab` until it answers; nothing else."""
    start = time.perf_counter()
    timed([uv, "sync", "--locked", "--no-dev", "--quiet"], cwd=clone, env=env)
    sync = time.perf_counter() - start
    command = [str(clone / ".venv" / "bin" / "jupyter"), "lab", *_LAB_FLAGS.split(), "--ServerApp.ip=127.0.0.1"]
    command += ["--allow-root"] if os.geteuid() == 0 else []
    return {"uv_sync_s": sync, "jupyter_lab_s": _until_answering(command, clone, env)}


def _megabytes(folder: Path) -> int:
    return int(subprocess.run(["du", "-sm", str(folder)], capture_output=True, text=True).stdout.split()[0])


def clone_environment(environ: dict, folder: str) -> dict:
    """The environment of a fresh clone's `make lab` and of the floor's `uv sync`, as on a machine of its own.

    Without `make bench`'s own settings: UV_PROJECT_ENVIRONMENT (the Makefile exports it) and VIRTUAL_ENV point at
    this checkout's .venv, so the floor's bare `uv sync --no-dev` would sync there, removing the test tools from
    the environment running the bench, and a clone would get no .venv of its own; the caches are the run's own.
    """
    dropped = {"XDG_CACHE_HOME", "UV_CACHE_DIR", "UV_PROJECT_ENVIRONMENT", "VIRTUAL_ENV"}
    base = {key: value for key, value in environ.items() if key not in dropped and not key.startswith("MAKE")}
    return dict(base, JUPYTER_RUNTIME_DIR=f"{folder}/runtime")


def bench_lab(runs: int) -> dict:
    """A fresh clone's `make lab` until JupyterLab answers, against the floor (uv syncing the learner's set into a
    fresh clone, then a bare `jupyter lab` start), interleaved in the same run: each with every installer cache
    empty (uv's, pip's, the workbook's copy of uv), then each with those caches warm."""
    figures = {key: [] for key in ("cold", "floor_cold", "warm", "floor_warm")}
    floor_parts, printed, loads = {"cold": [], "warm": []}, [], []
    with tempfile.TemporaryDirectory() as folder:
        base = clone_environment(os.environ, folder)
        clones = iter(range(10_000))

        def fresh_clone() -> Path:
            clone = Path(folder) / f"clone{next(clones)}"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            return clone

        def home(name: str) -> dict:
            (Path(folder) / name).mkdir(exist_ok=True)
            return dict(base, HOME=f"{folder}/{name}", UV_CACHE_DIR=f"{folder}/{name}/.cache/uv")

        uv = None
        # On a machine quiet before the part starts, each run waits for the load of the run before it (2 cores
        # busy for seconds) to pass, so that every run starts quiet as the goals in seconds require.
        quiet = os.getloadavg()[0] < 1
        for run_number in range(runs):
            for cache in ("cold", "warm"):
                # cold: homes (caches) of their own, made for this run; warm: the homes the cold ones filled.
                lab_home, floor_home = home(f"lab{run_number}"), home(f"floor{run_number}")
                loads.append(_settled_load() if quiet else os.getloadavg()[0])
                clone = fresh_clone()
                seconds, said = _make_lab(clone, lab_home)
                figures[cache].append(seconds)
                printed = printed or said
                uv = uv or _keep_uv(clone, Path(folder))
                if cache == "warm":
                    venv_mb = _megabytes(clone / ".venv")
                _remove(clone)
                floor_clone = fresh_clone()
                floor = _floor(floor_clone, floor_home, uv)
                _remove(floor_clone)
                figures[f"floor_{cache}"].append(floor["uv_sync_s"] + floor["jupyter_lab_s"])
                floor_parts[cache].append(floor)
                say(
                    f"  run {run_number + 1}/{runs}, caches {cache}: make lab {seconds:.1f} s, floor "
                    f"{figures[f'floor_{cache}'][-1]:.1f} s (load average {loads[-1]:.1f})"
                )
            _remove(Path(folder) / f"lab{run_number}")  # this run's caches
            _remove(Path(folder) / f"floor{run_number}")
    medians = {key: statistics.median(values) for key, values in figures.items()}
    return {
        "make_lab_cold_s": summary(figures["cold"]),
        "floor_cold_s": summary(figures["floor_cold"]),
        "ratio_cold": medians["cold"] / medians["floor_cold"],
        "make_lab_warm_s": summary(figures["warm"]),
        "floor_warm_s": summary(figures["floor_warm"]),
        "ratio_warm": medians["warm"] / medians["floor_warm"],
        "floor_parts_s": {
            cache: {key: statistics.median(part[key] for part in parts) for key in parts[0]}
            for cache, parts in floor_parts.items()
        },
        "load_average_at_starts": loads,
        "make_lab_printed": printed[:12],
        "venv_mb_after_make_lab": venv_mb,
        "goal_ratio": 1.5,
        "goal_cold_s": 15,
        "goal_warm_s": 8,
        "goal_mb": 450,
    }


def _remove(path: Path) -> None:
    """Remove a clone or a home as soon as it is measured (rm: many times faster than Python's rmtree here)."""
    subprocess.run(["rm", "-rf", str(path)], check=False)


def _settled_load(most: float = 120) -> float:
    """The 1-minute load average once under 1 (the bench's own last run decaying), waiting at most `most` s."""
    start = time.perf_counter()
    while os.getloadavg()[0] >= 1 and time.perf_counter() - start < most:
        time.sleep(1)
    return os.getloadavg()[0]


def _keep_uv(clone: Path, folder: Path) -> str:
    """A copy of the uv `make lab` fetched, for the floor's runs (which never fetch it: not part of the floor)."""
    kept = folder / "uv"
    shutil.copy2(clone / ".venv" / ".uv" / "bin" / "uv", kept)
    return str(kept)


def _test_time_by_file(junit: Path) -> dict:
    """Seconds of tests per file (summed over the tests, whichever worker ran them), from pytest's JUnit XML."""
    import xml.etree.ElementTree as ElementTree

    per_file: dict[str, float] = {}
    suite = ElementTree.parse(junit).getroot()
    for case in suite.iter("testcase"):
        name = case.get("file") or case.get("classname", "").replace(".", "/") + ".py"
        per_file[name] = per_file.get(name, 0.0) + float(case.get("time") or 0)
    tests = sum(1 for _ in suite.iter("testcase"))
    pytest_s = max(float(element.get("time") or 0) for element in suite.iter("testsuite"))
    slowest = dict(sorted(per_file.items(), key=lambda item: -item[1]))
    return {"pytest_s": pytest_s, "tests": tests, "test_seconds_by_file": slowest}


def bench_fresh_clone(runs: int = 1) -> dict:
    """A fresh clone's `make test` end to end, as CI runs it (one run): its installing, then `make test` (the website,
    lint and pytest), with the seconds each test file took from pytest's JUnit report."""
    with tempfile.TemporaryDirectory() as folder:
        clone = Path(folder) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        junit = Path(folder) / "junit.xml"
        env = dict(
            os.environ, HOME=folder, JUPYTER_RUNTIME_DIR=f"{folder}/runtime", PYTEST_ADDOPTS=f"--junitxml={junit}"
        )
        for key in [key for key in env if key.startswith("MAKE")]:
            env.pop(key)
        install = timed(
            ["make", ".venv/.test", "tests/hub/node_modules/.bin/configurable-http-proxy"], cwd=clone, env=env
        )
        make_test = timed(["make", "test"], cwd=clone, env=env, timeout=7200)
        figures = _test_time_by_file(junit)
    return {"install_s": install, "make_test_s": make_test, **figures, "goal_pytest_s": 360, "runs": 1}


CAPSTONE = """
import contextlib, io, json, statistics
import smworkbook
from smworkbook import checks
from smworkbook.fixtures import load
from smworkbook.toolkit import rotation
from smworkbook.checks import _lesson06_measure as harness, lesson04, lesson06 as l6
from tests.lesson06_answers import alternating_create_secret, alternating_set_secret
aws = smworkbook.start()
with contextlib.redirect_stdout(io.StringIO()):
    checks.setup("6.3")
admin = aws.client("secretsmanager")
single = lesson04.handler_with(lesson04.REFERENCE, twice=False)
alternating = lesson04.handler_with(
    {{**lesson04.REFERENCE, "createSecret": alternating_create_secret, "setSecret": alternating_set_secret}},
    twice=False,
)
def startup_only(sm):
    credentials = json.loads(sm.get_secret_value(SecretId=l6.SECRET)["SecretString"])
    return lambda cache: l6.query(credentials)
versions = {{
    "a_startup_only": (lambda sm: startup_only(sm), single),
    "b_cache_retry_once": (lambda sm: l6.orders_with_retry, single),
    "c_alternating_users": (lambda sm: l6.orders_with_retry, alternating),
}}
out = {{}}
with harness.quick_refresh():
    for name, (make, handler) in versions.items():
        rows = []
        for i in range({runs}):
            with contextlib.redirect_stdout(io.StringIO()):
                checks.setup("6.3")
            measure = harness.Measure(make(aws.client("secretsmanager")), l6._prepared["identity"], l6.SECRET)
            try:
                steady = load.run(measure.service.url + "/orders", during=lambda: None, before=0.5, after=0.0)
                arn = rotation.register_rotation_function(f"bench-{{name}}", load.paced(handler, 0.3))
                result = load.run(measure.service.url + "/orders",
                                  during=lambda: admin.rotate_secret(SecretId=l6.SECRET, RotationLambdaARN=arn))
            finally:
                measure.close()
            counts = result.counts()
            rows.append((steady.requests_per_second(), result.requests_per_second(), counts["failed"],
                         counts["failed_after"], counts["requests"]))
        out[name] = {{key: statistics.median(row[i] for row in rows) for i, key in enumerate(
            ["steady_rps", "rotation_rps", "failed", "failed_after_finish", "requests"])}}
print(json.dumps(out))
"""


def bench_capstone(runs: int) -> dict:
    """Lesson 6: requests per second and failures of each app version through a rotation (0.3 s between steps),
    against the same service's requests per second with no rotation; and lesson 6 run whole in a fresh kernel."""
    versions = json.loads(run(CAPSTONE.format(runs=runs)))
    for figures in versions.values():
        figures["ratio_rps_vs_steady"] = figures["rotation_rps"] / figures["steady_rps"]
    notebook = []
    for _ in range(max(1, runs // 2)):
        code = (
            "import nbformat\nfrom nbclient import NotebookClient\n"
            "nb = nbformat.read('notebooks/06_service_under_rotation.ipynb', as_version=4)\n"
            "NotebookClient(nb, kernel_name='python3', timeout=300, resources={'metadata': {'path': 'notebooks'}})"
            ".execute()\n"
        )
        notebook.append(timed([PY, "-c", code]))
    return {"versions": versions, "notebook_s": summary(notebook), "goal_notebook_s": 60}


def _lesson_run_whole(name: str, runs: int) -> dict:
    """Lesson `name` (a notebook's file name) run whole in a fresh kernel, and its solution notebook."""
    figures = {}
    for folder in ("notebooks", "solutions"):
        times = []
        for _ in range(max(1, runs)):
            code = (
                "import nbformat\nfrom nbclient import NotebookClient\n"
                f"nb = nbformat.read('{folder}/{name}', as_version=4)\n"
                "NotebookClient(nb, kernel_name='python3', timeout=300,"
                f" resources={{'metadata': {{'path': '{folder}'}}}}).execute()\n"
            )
            times.append(timed([PY, "-c", code]))
        figures[f"{folder}_s"] = summary(times)
    return {**figures, "goal_s": 60}


def bench_organisation(runs: int) -> dict:
    """Lesson 7 (replicas, keys, tags, the trail) run whole in a fresh kernel, and its solution notebook."""
    return _lesson_run_whole("07_secrets_at_scale.ipynb", runs)


def bench_secrets_in_code(runs: int) -> dict:
    """Lesson 8 (the scanner over files and history, the move, the rotation, the hook) run whole, and its solutions."""
    return _lesson_run_whole("08_secrets_out_of_code.ipynb", runs)


def _make_class(folder: Path) -> None:
    """30 learners of lessons 1-5: 10 solved, 10 half done, 8 unsolved, and 2 broken (one with an invalid
    notebook, one with an endless loop)."""
    import nbformat

    from smworkbook.authoring import exercises

    # Lessons 1-5, as the goal was set; lesson 6 (a service under load) is to be reported on its own.
    solutions = sorted((ROOT / "solutions").glob("0[1-5]_*.ipynb"))
    for index in range(30):
        learner = folder / f"learner{index + 1:02d}"
        learner.mkdir(parents=True)
        for path in solutions:
            notebook = nbformat.read(path, as_version=4)
            setups = [cell for cell in notebook.cells if cell.cell_type == "code" and "checks.setup(" in cell.source]
            if 10 <= index < 20:  # half done: every other exercise left as the learner's copy has it
                for cell in setups[::2]:
                    cell.source = exercises.strip_solutions(cell.source)
            elif 20 <= index < 28:
                for cell in setups:
                    cell.source = exercises.strip_solutions(cell.source)
            elif index == 29 and path.name.startswith("01_"):
                setups[0].source = 'checks.setup("1.1")\nwhile True:\n    pass'
            nbformat.write(notebook, learner / path.name)
            if index == 28 and path.name.startswith("02_"):
                (learner / path.name).write_text('{"cells": [', encoding="utf-8")


def _peak_tree_rss(process: subprocess.Popen) -> float:
    """The largest total resident memory (MiB) of `process` and its descendants, sampled every 0.5 s."""
    import psutil

    peak, root = 0.0, psutil.Process(process.pid)
    while process.poll() is None:
        total = 0
        for member in [root, *root.children(recursive=True)]:
            try:
                total += member.memory_info().rss
            except psutil.Error:
                pass
        peak = max(peak, total / 2**20)
        time.sleep(0.5)
    return peak


def bench_gradebook(runs: int) -> dict:
    """A generated class of 30 learners graded into one gradebook (`--timeout 20`), against grading one
    solved learner alone in the same run (the baseline: seconds per learner with the machine to itself)."""
    with tempfile.TemporaryDirectory() as folder:
        submissions, out = Path(folder) / "class", Path(folder) / "out"
        _make_class(submissions)
        grade_one = [PY, "-m", "smworkbook.cli", "grade", str(submissions / "learner01"), "--json", f"{folder}/a.json"]
        alone = timed(grade_one)
        start = time.perf_counter()
        command = [PY, "-m", "smworkbook.cli", "gradebook", str(submissions), "--out", str(out), "--timeout", "20"]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = _peak_tree_rss(process)
        seconds = time.perf_counter() - start
        rows = (out / "gradebook.csv").read_text().splitlines()[1:]
        # The same command writes each learner's feedback page and the Canvas and Moodle imports.
        pages = len(list((out / "feedback").glob("*.html")))
        imports = [len((out / f).read_text().splitlines()) - 1 for f in ("canvas.csv", "moodle.csv")]
    return {
        "class_s": seconds,
        "learners": len(rows),
        "feedback_pages": pages,
        "canvas_moodle_rows": imports,
        "seconds_per_learner": seconds / max(1, len(rows)),
        "one_learner_alone_s": alone,
        "ratio_per_learner_vs_alone": seconds / max(1, len(rows)) / alone,
        "peak_memory_mib": peak,
        "goal_s": 240,
    }


def bench_classroom(runs: int) -> dict:
    """30 learners on one real JupyterHub (bench/classroom.py), against one learner alone on a hub."""
    if os.geteuid() != 0:
        return {"skipped": "needs root: one OS user per learner (useradd), as CI runs"}
    from classroom import bench_classroom as measure  # bench/classroom.py

    return measure(int(os.environ.get("CLASSROOM_LEARNERS", "30")))


# Each part: what it measures (said as it starts), and how many of --runs it takes.
PARTS = {
    "setup_cell": ("the set-up cell against a bare moto server", lambda runs: runs),
    "per_call": ("get_secret_value per call against a plain boto3 client", lambda runs: runs),
    "stock_moto": ("the workbook's server against stock moto's", lambda runs: runs),
    "lab": (
        "fresh clones' `make lab` against the floor (uv sync + bare jupyter lab), caches empty and warm",
        lambda runs: max(1, min(runs, 3)),
    ),
    "memory": ("a kernel's memory after lessons 1 and 2", lambda runs: max(1, runs // 2)),
    "grading": ("every solution under nbval against plain nbclient", lambda runs: max(1, runs // 2)),
    "grade_submission": ("grading one learner's submission", lambda runs: max(1, runs // 2)),
    "capstone": ("lesson 6: requests through a rotation", lambda runs: max(1, runs // 2)),
    "organisation": ("lesson 7 and its solutions, each run whole", lambda runs: max(1, runs // 2)),
    "secrets_in_code": ("lesson 8 and its solutions, each run whole", lambda runs: max(1, runs // 2)),
    "gradebook": ("a class of 30 into one gradebook", lambda runs: 1),
    "classroom": ("30 learners on one JupyterHub", lambda runs: 1),
    "fresh_clone": ("a fresh clone's `make test` (CI's run: 10 to 20 minutes on 2 cores)", lambda runs: 1),
}
# --quick: the ratios to a baseline of the same run, without the slow parts (the notebooks, the class, the hub and
# the fresh clone's whole suite): a few minutes.
QUICK = ("setup_cell", "per_call", "stock_moto", "lab")
RESULTS = ROOT / "bench" / "results.json"


def say(line: str) -> None:
    print(line, flush=True)


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"


def measure(name: str, runs: int, number: str) -> dict:
    """One part, saying what it measures, how long it has been at it (every 30 s), and what it took."""
    what, how_many = PARTS[name]
    say(f"[{number}] {name}: {what}...")
    start, done = time.perf_counter(), threading.Event()

    def heartbeat() -> None:
        while not done.wait(30):
            say(
                f"  {name}: still measuring, {_minutes(time.perf_counter() - start)} so far "
                f"(load average {os.getloadavg()[0]:.1f})"
            )

    threading.Thread(target=heartbeat, daemon=True).start()
    try:
        figures = globals()[f"bench_{name}"](how_many(runs))
    finally:
        done.set()
    figures["measured"] = {
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "seconds": round(time.perf_counter() - start, 1),
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
    }
    say(f"  {name} done in {_minutes(figures['measured']['seconds'])}")
    return figures


def save(results: dict) -> None:
    """results.json and results.md as they stand: written after every part, so a stopped run keeps what it measured.
    Parts this run has not measured keep the figures of the run that did (each says when, under "measured")."""
    from report import markdown  # bench/report.py

    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    RESULTS.with_name("results.md").write_text(markdown(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}, 2 runs unless --runs")
    parser.add_argument("--skip-fresh-clone", action="store_true", help="skip the slowest measurement")
    parser.add_argument(
        "--only",
        help=f"comma-separated parts to measure ({', '.join(PARTS)}): prints their JSON, writes no results file",
    )
    args = parser.parse_args()
    if args.quick and "--runs" not in sys.argv:
        args.runs = 2
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "when": time.strftime("%Y-%m-%d")}
    if args.only:
        unknown = set(args.only.split(",")) - set(PARTS)
        if unknown:
            parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
        names = args.only.split(",")
        partial = {"machine": machine}
        for index, name in enumerate(names):
            partial[name] = measure(name, args.runs, f"{index + 1}/{len(names)}")
        print(json.dumps(partial, indent=2))
        return
    names = list(QUICK if args.quick else PARTS)
    if args.skip_fresh_clone and "fresh_clone" in names:
        names.remove("fresh_clone")
    try:
        results = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        results = {}
    results["machine"] = machine
    written = f"{RESULTS.name} and {RESULTS.with_name('results.md').name} in {RESULTS.parent}"
    say(
        f"make bench: {len(names)} parts ({', '.join(names)}), --runs {args.runs}; each part's figures go to "
        f"{written} as it ends. Load average now {os.getloadavg()[0]:.1f}."
    )
    for index, name in enumerate(names):
        try:
            results[name] = measure(name, args.runs, f"{index + 1}/{len(names)}")
            results.pop(f"{name}_failed", None)
        except (RuntimeError, subprocess.SubprocessError, OSError) as error:  # keep the others; say why it is missing
            say(f"  {name} failed: {str(error)[-500:]}")
            results[f"{name}_failed"] = str(error)[-2000:]
        save(results)
    from report import markdown  # bench/report.py

    print(markdown(results))


if __name__ == "__main__":
    main()
