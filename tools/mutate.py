"""Mutation testing of the modules that decide what a learner is told and graded (`make mutate`).

cosmic-ray makes one small change (a mutant) to a module on disk, runs the tests that cover that module, and
puts the module back: a mutant the tests do not notice "survives" and shows a gap in the tests. Each module runs in
its own copy of the working tree (the mock's server, the grader's kernels and every other process the tests start
import the mutated file from it; the working tree itself is never changed), against only the test files MODULES
maps it to.

    python tools/mutate.py                      # every module, then the report
    python tools/mutate.py checks/lesson02 toolkit/access   # only these; the others' results in the report are kept
    python tools/mutate.py --report             # rewrite bench/mutation/report.md from the stored results

A fixed, seeded sample per module keeps a full run within an hour on two cores: the places cosmic-ray can change
are listed, one change per place is drawn, then SAMPLE places (seed: the module's name). The same code always gives
the same sample. Changes inside message wording (an f-string, or a `+` / `%` joining text) are left out: a hint's
words are reviewed by reading, not by mutants; so are changes to type annotations, which never run. A surviving
mutant that cannot change behaviour is listed in bench/mutation/equivalent.toml with the reason, and counts
neither way.

`--again` (MUTATE_FLAGS=--again) runs only the mutants that survived last time: a mutant the stored results show
killed, on an unchanged line, counts as killed without running (tests are added, not removed). Removing
`@functools.wraps(...)` from a wrapper is not run: it changes only the wrapper's name and docstring.

Results: bench/mutation/<module>.json per module (a run updates only the modules it ran) and
bench/mutation/report.md, made from all of them.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from smworkbook.checks import lesson_modules

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "mutation"
EQUIVALENT = OUT / "equivalent.toml"
PACKAGE = "helpers/smworkbook"
SAMPLE = 20
# The grader's tests run notebooks in kernels (minutes per run): fewer mutants there.
SAMPLE_GRADING = 8

# The corrections' own tests, then those that check every operation's answer (in every state of a secret) and the
# differences from AWS the workbook keeps.
_CORRECTIONS = [
    "tests/test_corrections.py",
    "tests/test_validation.py",
    "tests/test_differences.py",
    "tests/test_no_5xx.py",
]
_GRADING = [
    "tests/test_graded_kernel_side.py",
    "tests/test_grading_report.py",
    "tests/test_grading_kernel_faults.py",
    "tests/test_grading_forgery.py",
    "tests/test_grading.py",
    # A class graded at once: the one test that catches a check the grader waits for wrongly.
    "tests/test_gradebook.py",
]

# module -> the test files that cover it (the fast ones first: pytest -x stops at the first failure).
MODULES: dict[str, list[str]] = {
    "engine/corrections/access": ["tests/test_access.py", *_CORRECTIONS],
    "engine/corrections/common": _CORRECTIONS,
    "engine/corrections/lifecycle": _CORRECTIONS,
    "engine/corrections/rotation": ["tests/test_rotation.py", "tests/test_clock.py", *_CORRECTIONS],
    "engine/corrections/validation": _CORRECTIONS,
    "engine/corrections/values": _CORRECTIONS,
    # Lesson 7's corrections: their own tests first (the whole _CORRECTIONS list is too slow a loop for them).
    "engine/corrections/replication": ["tests/test_corrections.py", "tests/test_differences.py"],
    "engine/corrections/kms": ["tests/test_corrections.py", "tests/test_differences.py"],
    "engine/corrections/trail": ["tests/test_trail.py", "tests/test_differences.py"],
    "engine/policies": ["tests/test_policies.py", "tests/test_access.py", "tests/test_corrections.py"],
    "engine/enforcement": ["tests/test_access.py", "tests/test_policies.py", "tests/test_corrections.py"],
    "toolkit/access": ["tests/test_access.py", "tests/test_corrections.py"],
    "toolkit/rotation": ["tests/test_rotation.py", "tests/test_corrections.py"],
    "engine/lambdas": ["tests/test_rotation.py"],
    "engine/schedules": ["tests/test_schedules.py", "tests/test_clock.py", "tests/test_corrections.py"],
    "engine/clock": ["tests/test_clock.py", "tests/test_differences.py"],
    "toolkit/clock": ["tests/test_clock.py"],
    "grading/run": _GRADING,
    "grading/report": _GRADING,
    "grading/grader_client": _GRADING,
    "toolkit/graded": _GRADING,
    "grading/gradebook": ["tests/test_grading_report.py", "tests/test_gradebook.py"],
    # Every lesson's check module (found in the package, as smworkbook.checks imports them) against its own tests.
    **{f"checks/{name}": [f"tests/test_checks_{name}.py"] for name in lesson_modules().values()},
    "checks/_lesson06_measure": ["tests/test_checks_lesson06.py"],
}
# The mock engine's modules: tests that start the mock's server (and, for the corrections, walk every operation).
SAMPLE_ENGINE = 15
SAMPLE_CORRECTIONS = 12
SAMPLES = {
    **{m: SAMPLE_CORRECTIONS for m in MODULES if m.startswith("engine/corrections/")},
    **{
        m: SAMPLE_ENGINE
        for m in (
            "engine/policies",
            "engine/enforcement",
            "toolkit/access",
            "toolkit/rotation",
            "engine/lambdas",
            "engine/schedules",
            "engine/clock",
            "toolkit/clock",
        )
    },
    **{
        m: SAMPLE_GRADING
        for m in ("grading/run", "grading/report", "grading/grader_client", "toolkit/graded", "grading/gradebook")
    },
}


def source(module: str) -> str:
    return f"{PACKAGE}/{module}.py"


def result_path(module: str) -> Path:
    return OUT / f"{module.replace('/', '.')}.json"


def _excluded_spans(code: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) of every piece of message text (f-strings, `+` / `%` with a string on either side) and of every
    type annotation (not evaluated at run time: the modules use `from __future__ import annotations`)."""

    def is_text(node: ast.AST) -> bool:
        return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))

    spans = []
    for node in ast.walk(ast.parse(code)):
        text_op = (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Add | ast.Mod)
            and (is_text(node.left) or is_text(node.right))
        )
        if isinstance(node, ast.JoinedStr) or text_op:
            spans.append(((node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)))
        annotations = [getattr(node, "annotation", None), getattr(node, "returns", None)]
        for note in filter(None, annotations):
            spans.append(((note.lineno, note.col_offset), (note.end_lineno, note.end_col_offset)))
    return spans


def _in_excluded(spans, start: tuple[int, int]) -> bool:
    return any(a <= start < b for a, b in spans)


def _copy_tree(dest: Path) -> None:
    """The working tree's files (committed or not, never ignored ones nor my-work/) and a link to its .venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if name.startswith("my-work/") or not (ROOT / name).is_file():
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    (dest / ".venv").symlink_to(ROOT / ".venv")


def _test_command(module: str) -> str:
    return f"{sys.executable} -m pytest -x -q -p no:xdist --no-header " + " ".join(MODULES[module])


def _environment(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The copy's package comes before the editable install's; no .pyc may hide a mutant that kept the file's size.
    env["PYTHONPATH"] = str(work / "helpers")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _select(work_db, code: str, module: str, sample: int) -> tuple[int, int, int]:
    """Mark all but the seeded sample as skipped. Returns (mutants, places, excluded wording places)."""
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    items = sorted(
        work_db.work_items,
        key=lambda i: (i.mutations[0].start_pos, i.mutations[0].operator_name, i.mutations[0].occurrence),
    )
    spans = _excluded_spans(code)
    places: dict[tuple[int, int], list] = {}
    excluded = set()
    for item in items:
        start = tuple(item.mutations[0].start_pos)
        if _in_excluded(spans, start):
            excluded.add(start)
        else:
            places.setdefault(start, []).append(item)
    # In the order of the places (the work items' ids are random, made anew by each `cosmic-ray init`).
    rng = random.Random(module)
    one_per_place = [rng.choice(places[p]).job_id for p in sorted(places)]
    chosen = {one_per_place[i] for i in rng.sample(range(len(one_per_place)), min(sample, len(one_per_place)))}
    skipped = [i.job_id for i in items if i.job_id not in chosen]
    work_db.set_multiple_results(skipped, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
    return len(items), len(places), len(excluded)


# Removing @functools.wraps(original) from a correction's wrapper changes only the wrapper's __name__, __doc__ and
# __wrapped__, which nothing reads: such mutants are not run and are listed as equivalent by this rule.
WRAPS_RULE = "removing @functools.wraps changes only the wrapper's name and docstring, which nothing reads"


def _mutant(code: str, mutation) -> dict:
    """Where and what a mutant changes: its line, operator and the changed lines (how results are matched)."""
    from cosmic_ray.mutating import _make_diff, mutate_code
    from cosmic_ray.plugins import get_operator

    operator = get_operator(mutation.operator_name)(**(mutation.operator_args or {}))
    mutated = mutate_code(code, operator, mutation.occurrence) or code
    diff = _short_diff("\n".join(_make_diff(code, mutated, mutation.module_path)))
    return {"line": mutation.start_pos[0], "operator": mutation.operator_name, "diff": diff}


def _settle_before_running(work_db, code: str, module: str, again: bool) -> list[dict]:
    """Results known without running: equivalent by the wraps rule and, with `again`, the mutants the stored
    results show killed (the same line, operator and change). Their work items are marked as skipped."""
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    stored = json.loads(result_path(module).read_text())["results"] if again and result_path(module).exists() else []
    killed = {(r["line"], r["operator"], tuple(r["diff"])) for r in stored if r["outcome"] not in ("survived",)}
    settled, done = [], []
    for item in work_db.pending_work_items:
        mutant = _mutant(code, item.mutations[0])
        if mutant["operator"] == "core/RemoveDecorator" and any("functools.wraps" in line for line in mutant["diff"]):
            settled.append({**mutant, "outcome": "equivalent", "reason": WRAPS_RULE})
        elif (mutant["line"], mutant["operator"], tuple(mutant["diff"])) in killed:
            settled.append(
                {**mutant, "outcome": "killed", "reason": "killed in the previous run (make mutate --again)"}
            )
        else:
            continue
        done.append(item.job_id)
    work_db.set_multiple_results(done, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
    return settled


def run_module(module: str, sample: int, scratch: Path, again: bool = False) -> dict:
    from cosmic_ray.work_db import WorkDB, use_db

    started = time.monotonic()
    work = scratch / module.replace("/", ".")
    work.mkdir(parents=True)
    _copy_tree(work)
    for cache in (work / PACKAGE).rglob("__pycache__"):
        shutil.rmtree(cache)
    env = _environment(work)
    command = _test_command(module)
    baseline = subprocess.run(command.split(), cwd=work, env=env, capture_output=True, text=True)
    if baseline.returncode != 0:
        raise SystemExit(f"{module}: its tests fail before any mutation:\n{baseline.stdout[-3000:]}")
    baseline_seconds = time.monotonic() - started
    config = work / "cosmic-ray.toml"
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(source(module))}\n"
        f"timeout = {max(60.0, 3 * baseline_seconds):.0f}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n"
        '[cosmic-ray.distributor]\nname = "local"\n'
    )
    session = work / "session.sqlite"
    cosmic_ray = [str(Path(sys.executable).parent / "cosmic-ray")]
    subprocess.run([*cosmic_ray, "init", str(config), str(session)], cwd=work, env=env, check=True)
    code = (work / source(module)).read_text()
    with use_db(str(session), WorkDB.Mode.open) as db:
        mutants, places, excluded = _select(db, code, module, sample)
        results = _settle_before_running(db, code, module, again)
    settled = len(results)
    subprocess.run([*cosmic_ray, "exec", str(config), str(session)], cwd=work, env=env, check=True)
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome == "skipped":
                continue
            mutation = item.mutations[0]
            results.append(
                {
                    "line": mutation.start_pos[0],
                    "operator": mutation.operator_name,
                    "outcome": str(result.test_outcome.value) if result.test_outcome else str(result.worker_outcome),
                    "diff": _short_diff(result.diff or ""),
                }
            )
    results.sort(key=lambda r: (r["line"], r["operator"]))
    record = {
        "module": module,
        "source": source(module),
        "tests": MODULES[module],
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(time.monotonic() - started),
        "mutants": mutants,
        "places": places,
        "places_excluded": excluded,
        "sample": sample,
        "run": len(results) - settled,
        "again": again,
        "results": results,
    }
    result_path(module).write_text(json.dumps(record, indent=1) + "\n")
    print(f"{module}: {summary(record)}", flush=True)
    return record


def _short_diff(diff: str) -> list[str]:
    """The changed lines of a unified diff, without its headers."""
    return [
        line.rstrip()
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---")) and line[1:].strip()
    ]


def equivalents() -> list[dict]:
    if not EQUIVALENT.exists():
        return []
    return tomllib.loads(EQUIVALENT.read_text()).get("equivalent", [])


def _is_equivalent(record: dict, result: dict, known: list[dict]) -> dict | None:
    for entry in known:
        same_line = entry.get("line", result["line"]) == result["line"]  # a line only where the text is not unique
        if entry["module"] == record["module"] and entry["diff"] == result["diff"] and same_line:
            return entry
    return None


def score(record: dict, known: list[dict] | None = None) -> tuple[int, int, int, list[dict]]:
    """(killed, survived, equivalent, surviving results) of one module's record."""
    known = equivalents() if known is None else known
    killed = survived = equivalent = 0
    surviving = []
    for result in record["results"]:
        if result["outcome"] == "equivalent":
            equivalent += 1
        elif result["outcome"] != "survived":
            killed += 1
        elif _is_equivalent(record, result, known):
            equivalent += 1
        else:
            survived += 1
            surviving.append(result)
    return killed, survived, equivalent, surviving


def summary(record: dict) -> str:
    killed, survived, equivalent, _ = score(record)
    counted = killed + survived
    percent = f"{100 * killed / counted:.0f}%" if counted else "-"
    return f"{percent} killed ({killed} of {counted}; {equivalent} equivalent)"


def report() -> Path:
    records = [json.loads(result_path(m).read_text()) for m in MODULES if result_path(m).exists()]
    known = equivalents()
    lines = [
        "# Mutation testing",
        "",
        "Made by `make mutate` (tools/mutate.py, cosmic-ray);",
        '`make mutate MODULES="toolkit/access checks/lesson02"` re-runs some modules and keeps the others\' results.',
        "Each module's mutants run against only the test files listed.",
        f"A fixed, seeded sample of places per module, one mutant per place: {SAMPLE} places for the checks,",
        f"{SAMPLE_ENGINE} for policies, enforcement, access, rotation and lambdas, {SAMPLE_CORRECTIONS} for the",
        f"corrections, {SAMPLE_GRADING} for the grader's modules (their tests run kernels). Changes inside message",
        "wording (f-strings, text joined with + or %) and type annotations are left out. Equivalent mutants",
        "(bench/mutation/equivalent.toml, each with its reason) count neither way.",
        "",
        "| module | killed | score | equivalent | sampled of places (mutants) | tests | seconds | date |",
        "|---|---|---|---|---|---|---|---|",
    ]
    total_seconds = 0
    for record in records:
        killed, survived, equivalent, _ = score(record, known)
        counted = killed + survived
        percent = f"{100 * killed / counted:.0f}%" if counted else "-"
        tests = ", ".join(Path(t).name for t in record["tests"])
        total_seconds += record["seconds"]
        lines.append(
            f"| {record['module']} | {killed}/{counted} | {percent} | {equivalent} | {len(record['results'])}"
            f"{' (stopped early)' if record.get('partial') else ''} of "
            f"{record['places']} ({record['mutants']}) | {tests} | {record['seconds']}"
            f"{'*' if record.get('again') else ''} | {record['date']} |"
        )
    lines += [
        "",
        f"Run time, module by module: {total_seconds} s in all (two modules at a time by default). * a run with",
        "--again: only the mutants that survived the run before were run again. (stopped early): the run was",
        "stopped before its whole sample ran; the figures count the mutants that ran.",
        "",
    ]
    lines += ["## Surviving mutants", ""]
    for record in records:
        for result in score(record, known)[3]:
            lines += [f"- {record['source']}:{result['line']} ({result['operator']})", "  ```diff"]
            lines += [f"  {line}" for line in result["diff"]] + ["  ```"]
    lines += ["", "## Equivalent mutants", ""]
    for entry in known:
        lines += [f"- {entry['module']}: `{' / '.join(entry['diff'])}`: {entry['reason']}"]
    by_rule = [(r["module"], x) for r in records for x in r["results"] if x["outcome"] == "equivalent"]
    if by_rule:
        lines += ["", f"By rule ({WRAPS_RULE}):", ""]
        lines += [f"- {module}: {x['diff'][0].strip()} (line {x['line']})" for module, x in by_rule]
    path = OUT / "report.md"
    path.write_text("\n".join(lines) + "\n")
    _update_readme(records, known)
    return path


README_START = "<!-- make mutate writes this table (tools/mutate.py) -->"
README_END = "<!-- end of make mutate's table -->"


def _update_readme(records: list[dict], known: list[dict]) -> None:
    """The maintainer guide's summary (docs/maintainer.md), between its two markers: score per module, its date,
    the last full run's time."""
    readme = ROOT / "docs" / "maintainer.md"
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        return
    lines = [README_START, "", "| Module | Killed | Score | Run on |", "|---|---|---|---|"]
    by_module = {record["module"]: record for record in records}
    for module in MODULES:
        record = by_module.get(module)
        if record is None:
            lines.append(f"| {module} | | not run yet | |")
            continue
        killed, survived, _, _ = score(record, known)
        counted = killed + survived
        percent = f"{100 * killed / counted:.0f}%" if counted else "-"
        early = " (stopped early)" if record.get("partial") else ""
        lines.append(f"| {module} | {killed}/{counted}{early} | {percent} | {record['date'][:10]} |")
    seconds = sum(record["seconds"] for record in records)
    lines += [
        "",
        f"The runs above took {seconds / 60:.0f} min in all, module by module (make mutate runs two at a time; runs",
        "with --again count only the mutants they ran).",
    ]
    run = OUT / "run.json"
    if run.exists():
        last = json.loads(run.read_text())
        lines += [
            "",
            f"Last full run ({last['date']}): {last['seconds'] / 60:.0f} min on {last['cores']} cores, "
            f"{last['jobs']} modules at a time (load average {last['load']} as it ended).",
        ]
    lines += ["", README_END]
    before, rest = text.split(README_START, 1)
    after = rest.split(README_END, 1)[1]
    readme.write_text(before + "\n".join(lines) + after)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"modules to run (default: all): {', '.join(MODULES)}")
    parser.add_argument("--report", action="store_true", help="only rewrite the report from the stored results")
    parser.add_argument("--jobs", type=int, default=2, help="modules run at the same time (default: 2)")
    parser.add_argument("--sample", type=int, help="places per module (default: the module's own)")
    parser.add_argument(
        "--again",
        action="store_true",
        help="run only the mutants that survived last time (those killed then, unchanged, count as killed)",
    )
    args = parser.parse_args(argv)
    wanted = [m.removesuffix(".py").removeprefix("helpers/smworkbook/") for m in args.modules] or list(MODULES)
    unknown = [m for m in wanted if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s): {', '.join(unknown)}; known: {', '.join(MODULES)}")
    if not args.report:
        OUT.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="smworkbook-mutate-") as scratch:
            # Readable by all, like the working tree: some tests run kernels as other OS users.
            os.chmod(scratch, 0o755)
            with ThreadPoolExecutor(max_workers=args.jobs) as pool:
                runs = [
                    pool.submit(run_module, m, args.sample or SAMPLES.get(m, SAMPLE), Path(scratch), args.again)
                    for m in wanted
                ]
                for run in runs:
                    run.result()
        if set(wanted) == set(MODULES) and not args.again:
            full = {
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "seconds": round(time.monotonic() - started),
                "cores": os.cpu_count(),
                "jobs": args.jobs,
                "load": f"{os.getloadavg()[0]:.1f}",
            }
            (OUT / "run.json").write_text(json.dumps(full, indent=1) + "\n")
    print(f"Report: {report().relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
