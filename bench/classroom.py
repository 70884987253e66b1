"""`make bench`'s classroom: a class of learners on one real JupyterHub on this machine (tests/hub.py).

All servers are started at once through the hub's REST API; then each learner, in their own
kernel through the proxy, runs lessons 1 and 2 top to bottom and grades their exercises of those
lessons once (`smworkbook grade`, as they would from a cell), keeps that kernel open, and later
opens lesson 4's database in it. Learners work in turns: at most `at_once` at a time, and none
starts while the machine has less than `headroom_gib` of memory available; so memory stays
within the machine whatever else runs on it. The baseline, in the same run: one learner alone on
a hub of their own, doing the same.

Memory is PSS (each shared page split among the processes sharing it), summed over a learner's
processes: their server, their kernel (with its mock: a thread of the kernel), and later their
database. CPU is the CPU time of those processes and of their finished children (the grader's).
Needs root (one OS user per learner).
"""

from __future__ import annotations

import os
import signal
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/hub.py: the hub the hub test runs, shared rather than copied

from tests.hub import Hub, Kernel  # noqa: E402

LESSONS = [
    ROOT / "notebooks" / name
    for name in ("01_create_retrieve_update_delete.ipynb", "02_versions_and_staging_labels.ipynb")
]
# The learner's exercises of those lessons, solved: graded once from the learner's kernel.
EXERCISES = [ROOT / "solutions" / path.name for path in LESSONS]
GRADE_CELL = """
import json, subprocess, sys
graded = subprocess.run([sys.executable, "-m", "smworkbook.cli", "grade", "my-work"], capture_output=True, text=True)
report = json.load(open("artifacts/grade/report.json"))
print(graded.returncode, report["score"], report["total"])
"""
TICK = os.sysconf("SC_CLK_TCK")
MIB = 2**20


def _code_cells(path: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def _processes() -> list[tuple[int, int]]:
    """(pid, real uid) of every process."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status", encoding="utf-8") as status:
                    uid = next(int(line.split()[1]) for line in status if line.startswith("Uid:"))
                found.append((int(entry), uid))
            except (OSError, StopIteration):
                pass
    return found


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as rollup:
            return next(int(line.split()[1]) * 1024 for line in rollup if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0


def _cpu_seconds(pid: int) -> float:
    """CPU time of `pid` and of its children that have finished (utime, stime, cutime, cstime)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return sum(int(value) for value in fields[11:15]) / TICK
    except (OSError, IndexError):
        return 0.0


def _available() -> int:
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        return next(int(line.split()[1]) * 1024 for line in meminfo if line.startswith("MemAvailable:"))


def _machine_used() -> int:
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        total = next(int(line.split()[1]) * 1024 for line in meminfo if line.startswith("MemTotal:"))
    return total - _available()


class Meter(threading.Thread):
    """Samples, every second: each learner's PSS, the class's total (learners, hub, proxy), the machine's use."""

    def __init__(self, hub: Hub):
        super().__init__(daemon=True)
        self.hub, self.uids = hub, {user.uid: name for name, user in hub.users.items()}
        self.peak_learner: dict[str, int] = dict.fromkeys(hub.users, 0)
        self.peak_class = self.peak_machine = 0
        self.done = threading.Event()

    def learners(self) -> dict[str, int]:
        memory = dict.fromkeys(self.hub.users, 0)
        for pid, uid in _processes():
            if uid in self.uids:
                memory[self.uids[uid]] += _pss(pid)
        return memory

    def hub_pids(self) -> list[int]:
        pids = [self.hub.process.pid]
        proxy = self.hub.folder / "proxy.pid"
        if proxy.exists():
            pids.append(int(proxy.read_text()))
        return pids

    def run(self) -> None:
        while not self.done.wait(1.0):
            memory = self.learners()
            for name, value in memory.items():
                self.peak_learner[name] = max(self.peak_learner[name], value)
            total = sum(memory.values()) + sum(_pss(pid) for pid in self.hub_pids())
            self.peak_class = max(self.peak_class, total)
            self.peak_machine = max(self.peak_machine, _machine_used())

    def cpu(self) -> dict[str, float]:
        seconds = dict.fromkeys(self.hub.users, 0.0)
        for pid, uid in _processes():
            if uid in self.uids:
                seconds[self.uids[uid]] += _cpu_seconds(pid)
        return seconds


def _wait_for_room(headroom: int) -> None:
    while _available() < headroom:
        time.sleep(1)


def _learner(hub: Hub, name: str, token: str, kernels: dict, headroom: int) -> dict:
    try:
        return _lessons_and_grading(hub, name, token, kernels, headroom)
    except Exception as error:  # one learner's failure is a figure of the class, not the end of the run
        return {"lessons_s": None, "grading_s": None, "errors": [f"{type(error).__name__}: {error}"], "graded": "-"}


def _lessons_and_grading(hub: Hub, name: str, token: str, kernels: dict, headroom: int) -> dict:
    _wait_for_room(headroom)
    requests.put(
        f"{hub.server_url(name)}/api/contents/my-work",
        json={"type": "directory"},
        headers={"Authorization": f"token {token}"},
        timeout=120,
    ).raise_for_status()
    for lesson, exercise in zip(LESSONS, EXERCISES, strict=True):
        hub.upload(name, token, lesson)
        hub.upload(name, token, exercise, f"my-work/{exercise.name}")
    start = time.perf_counter()
    kernel = kernels[name] = Kernel(hub.server_url(name), token)
    errors = [out.error for path in LESSONS for out in map(kernel.run, _code_cells(path)) if out.error]
    lessons = time.perf_counter() - start
    graded = kernel.run(GRADE_CELL)
    code, score, most = (graded.text.split() + ["?", "?", "?"])[:3] if not graded.error else ("?", "?", "?")
    return {
        "lessons_s": lessons,
        "grading_s": time.perf_counter() - start - lessons,
        "errors": errors + ([graded.error] if graded.error else []),
        "graded": f"{score}/{most}" if code == "0" else f"grading failed: {graded.text[-300:]} {graded.error}",
    }


def _open_database(kernel: Kernel, headroom: int) -> str:
    _wait_for_room(headroom)
    try:
        return kernel.run("db = smworkbook.start_database(); print(db)").error
    except Exception as error:  # one learner's failure is a figure of the class, not the end of the run
        return f"{type(error).__name__}: {error}"


def classroom(learners: int, at_once: int, headroom_gib: float) -> dict:
    """One class on one hub: figures for the class, and per learner."""
    headroom = int(headroom_gib * 2**30)
    # Stopped with a signal, the hub still stops its learners' servers and removes its users (finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("classroom: stopped"))
    hub = Hub(learners)
    meter = Meter(hub)
    kernels: dict[str, Kernel] = {}
    try:
        hub.start()
        meter.start()
        start = time.perf_counter()
        for name in hub.learners:  # all at once: the hub spawns them concurrently
            hub.start_server(name)
        tokens, answered = {}, {}
        for name in hub.learners:
            hub.wait_ready(name)
            tokens[name] = hub.user_token(name)
        for name in hub.learners:
            while (
                requests.get(
                    f"{hub.server_url(name)}/api/status", headers={"Authorization": f"token {tokens[name]}"}, timeout=60
                ).status_code
                != 200
            ):
                time.sleep(0.2)
            answered[name] = time.perf_counter() - start
        all_answered = time.perf_counter() - start
        servers_only = meter.learners()
        cpu_servers = meter.cpu()
        work_start = time.perf_counter()
        with ThreadPoolExecutor(at_once) as pool:
            work = dict(
                zip(
                    hub.learners,
                    pool.map(lambda n: _learner(hub, n, tokens[n], kernels, headroom), hub.learners),
                    strict=True,
                )
            )
        work_phase = time.perf_counter() - work_start
        after_lessons = meter.learners()
        cpu_after = meter.cpu()
        with ThreadPoolExecutor(at_once) as pool:
            database_errors = [
                error for error in pool.map(lambda n: _open_database(kernels[n], headroom), hub.learners) if error
            ]
        time.sleep(2)  # a sample or two with every database open
        with_database = meter.learners()
        meter.done.set()
        meter.join()
        per = lambda memory: statistics.median(memory.values()) / MIB  # noqa: E731
        return {
            "learners": learners,
            "all_servers_answered_s": all_answered,
            "work_phase_s": work_phase,  # every learner's lessons 1-2 and grading, `at_once` at a time
            "server_answered_median_s": statistics.median(answered.values()),
            "server_mib": per(servers_only),
            "server_cpu_s": statistics.median(cpu_servers.values()),
            "learner_mib_after_lessons_1_2_and_grading": per(after_lessons),
            "learner_mib_with_lesson_4_database": per(with_database),
            "database_mib": per(with_database) - per(after_lessons),
            "learner_peak_mib_max": max(meter.peak_learner.values()) / MIB,
            "learner_peak_mib_median": statistics.median(meter.peak_learner.values()) / MIB,
            "learner_cpu_s": statistics.median(cpu_after.values()),
            "lessons_1_2_s": statistics.median(w["lessons_s"] for w in work.values() if w["lessons_s"] is not None),
            "grading_s": statistics.median(w["grading_s"] for w in work.values() if w["grading_s"] is not None),
            "class_total_mib": (sum(with_database.values()) + sum(_pss(p) for p in meter.hub_pids())) / MIB,
            "class_peak_mib": meter.peak_class / MIB,
            "machine_peak_used_mib": meter.peak_machine / MIB,
            "grades": sorted({w["graded"] for w in work.values()}),
            "errors": sorted({e for w in work.values() for e in w["errors"]} | set(database_errors)),
        }
    finally:
        meter.done.set()
        for kernel in kernels.values():
            kernel.close()
        hub.close()


def bench_classroom(learners: int = 30) -> dict:
    """A class of `learners` on one hub, against one learner alone on a hub (the baseline, same run)."""
    cores = os.cpu_count() or 1
    at_once, headroom_gib = 2 * cores, 3.0
    load_before = os.getloadavg()
    alone = classroom(1, 1, headroom_gib)
    whole = classroom(learners, at_once, headroom_gib)
    return {
        "class": whole,
        "alone": alone,
        "at_once": at_once,
        "headroom_gib": headroom_gib,
        "ratio_all_answered_vs_alone": whole["all_servers_answered_s"] / alone["all_servers_answered_s"],
        "ratio_memory_per_learner_vs_alone": whole["learner_mib_after_lessons_1_2_and_grading"]
        / alone["learner_mib_after_lessons_1_2_and_grading"],
        "ratio_lessons_vs_alone": whole["lessons_1_2_s"] / alone["lessons_1_2_s"],
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "machine_memory_gib": os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30,
    }
