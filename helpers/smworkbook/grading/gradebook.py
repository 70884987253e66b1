"""Grade a class: one sub-folder per learner, one gradebook.

    smworkbook gradebook SUBMISSIONS/          grade every learner, write artifacts/grade/gradebook.csv
    smworkbook gradebook --merge REPORTS/      build the gradebook from reports graded elsewhere

Every learner's report is written as soon as that learner is graded (artifacts/grade/learners/
NAME.json), signed with the grader's key: an interrupted run resumes without grading a finished
learner again, and `--merge` takes only reports the grader signed. A learner's broken notebook
(invalid JSON, an endless loop, a kernel that dies, gigabytes of output) costs that learner its
exercises, with the reason; the class's run goes on.

The key is SMWORKBOOK_GRADE_KEY when set (a CI secret shared by the jobs of a matrix), else a key
file the grader makes next to the reports (readable by the grader's user only). No learner's
kernel ever sees it: the grader removes every SMWORKBOOK_ variable from a kernel's environment,
and, run as root, runs each learner's kernel under an OS user of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import sys
import time
from pathlib import Path

from smworkbook.checks import EXERCISES
from smworkbook.engine.errors import WorkbookError
from smworkbook.grading import discover, feedback, learner_users, lms
from smworkbook.grading import run as grading
from smworkbook.grading.report import private_folder, safe, safe_text, write_private

KEY_VARIABLE = "SMWORKBOOK_GRADE_KEY"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")


def grader_key(folder: Path | None = None) -> bytes | None:
    """The key reports are signed with: SMWORKBOOK_GRADE_KEY, else `folder`/.grader-key (made if missing)."""
    if os.environ.get(KEY_VARIABLE):
        return os.environ[KEY_VARIABLE].encode()
    if folder is None:
        return None
    path = Path(folder) / ".grader-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _signature(body: dict, key: bytes) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    # surrogatepass: a report read back with a lone surrogate (never one the grader wrote) fails to match, not crash.
    return hmac.new(key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def signed_report(report: grading.Report, learner: str, key: bytes | None) -> str:
    """The learner's report as JSON, with the learner's name and, given a key, the grader's signature.

    Every text in it is made safe first (a notebook named `01_\\xff.ipynb`, an error holding a lone surrogate):
    what is signed is what is written.
    """
    body = safe({"learner": learner, **json.loads(report.to_json())})
    if key is not None:
        body["signature"] = _signature(body, key)
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def read_signed(path: Path, key: bytes) -> dict:
    """A report the grader signed; WorkbookError if it is not JSON, unsigned, or altered."""
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WorkbookError(f"{path}: not a report ({type(error).__name__}).") from None
    if not isinstance(body, dict) or not isinstance(body.get("signature"), str):
        raise WorkbookError(f"{path}: not signed by the grader (no signature); grade that learner again.")
    claimed = body.pop("signature")
    if not hmac.compare_digest(claimed, _signature(body, key)):
        raise WorkbookError(f"{path}: the signature does not match: not written by the grader, or changed since.")
    return body


def read_learner(reports: Path, name: str, key: bytes) -> dict:
    """`name`'s signed report in `reports` (NAME.json); WorkbookError if missing, unsigned, altered or another's."""
    path = Path(reports) / f"{name}.json"
    if not path.exists():
        raise WorkbookError(f"{path}: no report.")
    body = read_signed(path, key)
    if body.get("learner") != name:
        raise WorkbookError(f"{path}: the report is {body.get('learner')!r}'s, not {name!r}'s.")
    return body


def learners(submissions: Path) -> list[tuple[str, Path]]:
    """(name, folder of notebooks) for each learner: a sub-folder, its notebooks at the top or in my-work/."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise WorkbookError(f"{submissions} is not a folder of learners' folders.")
    found = []
    for folder in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not _SAFE_NAME.match(folder.name):
            raise WorkbookError(f"{folder.name!r}: a learner's folder is named with letters, digits and . _ @ + -.")
        notebooks = folder
        if not any(folder.glob("*.ipynb")):
            notebooks = next((folder / i for i in ("my-work", "exercises") if (folder / i).is_dir()), folder)
        found.append((folder.name, notebooks))
    if not found:
        raise WorkbookError(f"There are no learners' folders in {submissions}/.")
    return found


def _failed_report(reason: str) -> grading.Report:
    results = [grading.Result(n, e.title, "(none)", grading.FAILED, reason) for n, e in EXERCISES.items()]
    return grading.Report(results=results)


async def _grade_learner(
    folder: Path, timeout: int, slots: asyncio.Semaphore, user: learner_users.LearnerUser | None, limit: int
) -> grading.Report:
    """One learner's notebooks, graded within `limit` seconds of kernel time for all of them together.

    A notebook started when the learner's time is nearly spent is stopped when it runs out; one not started
    by then is not run. Either way its exercises fail saying so (`OUT_OF_TIME`), and the gradebook row's note too:
    a notebook whose cells each wait out the timeout costs its learner, not the class.
    """
    try:
        notebooks, expected, missing = discover.notebooks_and_expected(folder)
    except WorkbookError as error:
        return _failed_report(str(error))
    spent = 0.0

    async def one(path: Path) -> list[grading.Result]:
        nonlocal spent
        async with slots:
            left, started = limit - spent, time.monotonic()
            if left <= 0:
                reason = OUT_OF_TIME.format(limit=limit)
                numbers = discover.exercises_of({discover.lesson_of(path)})
                return [grading.Result(n, EXERCISES[n].title, path.name, grading.FAILED, reason) for n in numbers]
            try:
                return await grading._grade_notebook(path, timeout, user, (started + left, limit))
            finally:
                spent += time.monotonic() - started

    graded = await asyncio.gather(*(one(path) for path in notebooks))
    return grading.assemble(list(graded), expected, missing)


OUT_OF_TIME = grading.OUT_OF_TIME
LEARNER_LIMIT_TIMES = 15  # the default --learner-limit: 15 times --timeout (30 min at 120 s)


def grade_class(
    submissions: Path,
    out: Path,
    timeout: int = 120,
    workers: int | None = None,
    say=print,
    roster: Path | None = None,
    learner_limit: int | None = None,
) -> tuple[Path, list[str]]:
    """Grade every learner not graded yet, then write the gradebook; (its path, learners graded now).

    Each learner's notebooks run `learner_limit` seconds at most, together (default LEARNER_LIMIT_TIMES x timeout).
    """
    limit = learner_limit if learner_limit is not None else LEARNER_LIMIT_TIMES * timeout
    if not isinstance(limit, int) or limit < 1:
        raise WorkbookError(f"--learner-limit is seconds (1 or more), not {limit!r}.")
    class_ = learners(submissions)
    people = lms.read_roster(roster)  # a bad roster is said before anyone is graded
    # The grades are the grader's alone: a learner's kernel, under its own OS user, reads no one's report,
    # and no user of the machine reads the gradebook (folders 0700, files 0600).
    private_folder(Path(out))
    reports = private_folder(Path(out) / "learners")
    key = grader_key(out)
    if learner_users.available() and Path(submissions).stat().st_mode & 0o005:
        say(
            f"warning: {submissions}/ can be read by other users, so each learner's kernel could read the others' "
            f"work: chmod 700 {submissions}"
        )
    todo = []
    for name, folder in class_:
        try:
            read_learner(reports, name, key)
            say(f"  {name}: graded before (resumed)")
        except WorkbookError:
            todo.append((name, folder))
    workers = workers or grading._default_workers(len(todo) * 5)
    graded_now = []

    async def run() -> None:
        slots = asyncio.Semaphore(workers)
        started = time.monotonic()

        async def graded(name: str, folder: Path) -> grading.Report:
            user = learner_users.user_for(name) if learner_users.available() else None
            async with learner_users.claimed_async(user) if user is not None else contextlib.nullcontext():
                try:
                    return await _grade_learner(folder, timeout, slots, user, limit)
                finally:
                    if user is not None:
                        learner_users.sweep(user)  # nothing of this learner's outlives its grading

        async def learner(name: str, folder: Path) -> None:
            # Whatever goes wrong with one learner, from grading to writing the report, is that learner's row.
            try:
                report = await graded(name, folder)
            except Exception as error:  # the grader's own failure on this learner: that learner's row says so
                report = _failed_report(f"The grader could not grade this learner: {_reason(error)}")
            try:
                _write_report(reports / f"{name}.json", signed_report(report, name, key))
            except Exception as error:
                try:
                    failed = _failed_report(f"The grader could not write this learner's report: {_reason(error)}")
                    _write_report(reports / f"{name}.json", signed_report(failed, name, key))
                except OSError as again:  # the disk, not the learner: no report, so the next run grades them
                    say(f"  {name}: no report written ({_reason(again)}); run again to grade them")
                    return
            graded_now.append(name)
            elapsed = time.monotonic() - started
            say(f"  [{len(graded_now)}/{len(todo)}] {name}: {report.passed}/{report.total} passed ({elapsed:.0f} s)")

        await asyncio.gather(*(learner(name, folder) for name, folder in todo))

    if todo:
        say(f"Grading {len(todo)} learner(s), {workers} notebooks at a time...")
        grading.run_sync(run)()
    path = write_gradebook([name for name, _ in class_], reports, Path(out), key, people, say)
    return path, graded_now


def merge(folder: Path, out: Path, roster: Path | None = None, say=print) -> Path:
    """The gradebook from reports graded elsewhere (e.g. a CI matrix), each checked for the grader's signature."""
    key = grader_key(None)
    if key is None:
        raise WorkbookError(f"--merge checks each report's signature: set {KEY_VARIABLE} to the grader's key.")
    paths = sorted(Path(folder).glob("*.json"))
    if not paths:
        raise WorkbookError(f"There are no reports (*.json) in {folder}/.")
    return write_gradebook([path.stem for path in paths], Path(folder), Path(out), key, lms.read_roster(roster), say)


def _cell(text: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula: a learner's folder name must not.
    text = safe_text(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _reason(error: BaseException) -> str:
    return safe_text(f"{type(error).__name__}: {error}")


LMS_ITEM = "Secrets Manager workbook"


def write_gradebook(
    names: list[str], reports: Path, out: Path, key: bytes, roster: dict | None = None, say=print
) -> Path:
    """gradebook.csv (learner, one column per registered exercise, total, note), lms.csv (learner, score),
    canvas.csv and moodle.csv (the imports those LMSs document, lms.py), and each learner's feedback page
    (feedback/NAME.html).

    The note says when the learner's grading was cut short by the per-learner time limit.
    """
    numbers = list(EXERCISES)
    rows = []
    private_folder(out)  # grades are the grader's alone: 0700, each file 0600
    # The grader's keys never reach a page, even where a notebook printed one.
    secrets = tuple(k for k in (key.decode(errors="replace"), os.environ.get(KEY_VARIABLE, "")) if len(k) >= 8)
    for name in names:
        body = read_learner(reports, name, key)
        results = body.get("results", [])
        passed = {r["number"] for r in results if r.get("status") == grading.PASSED}
        points = [int(number in passed) for number in numbers]
        rows.append([_cell(name), *points, sum(points), _note(results)])
        feedback.write(out, name, body, secrets)  # from this learner's own report only
    path = write_private(out / "gradebook.csv", _csv([["learner", *numbers, "total", "note"], *rows]))
    # An LMS's grade import (Moodle, Canvas, Blackboard): one identifier column, one grade column.
    generic = [["Username", f"{LMS_ITEM} (out of {len(numbers)})"], *([row[0], row[-2]] for row in rows)]
    write_private(out / "lms.csv", _csv(generic))
    totals = [(name, row[-2]) for name, row in zip(names, rows, strict=True)]
    for file, export in (("canvas.csv", lms.canvas), ("moodle.csv", lms.moodle)):
        table, left_out = export(totals, LMS_ITEM, roster)
        write_private(out / file, _csv([[_cell(str(value)) for value in row] for row in table]))
        if left_out:
            say(f"warning: {file} leaves out {', '.join(left_out)}: the roster does not name them")
    return path


def _note(results: list[dict]) -> str:
    """The row's note: the per-learner time limit ran out (the exercises it cost say which notebook)."""
    prefix = OUT_OF_TIME.split("{")[0]
    cut = next((str(r.get("hint", "")) for r in results if str(r.get("hint", "")).startswith(prefix)), "")
    return _cell(cut.split(" before ")[0] + ": the exercises after that were not graded") if cut else ""


def _csv(rows: list[list]) -> str:
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    return text.getvalue()


def _write_report(path: Path, text: str) -> None:
    # A report is whole or absent (an interrupted run never leaves half a report to resume from), and 0600.
    write_private(path, text)


def main_gradebook(args) -> int:
    out = Path(args.out)
    roster = getattr(args, "roster", None)
    if getattr(args, "release_feedback", None):
        released = feedback.release(out, Path(args.release_feedback))
        if not released:
            raise WorkbookError(f"There are no feedback pages in {out / 'feedback'}/: grade the class first.")
        print(f"released {len(released)} feedback page(s) into {args.release_feedback}/, one folder per learner")
        return 0
    if args.submissions is None:
        raise WorkbookError("Name the folder of learners' folders (or of reports, with --merge).")
    if args.merge:
        path = merge(Path(args.submissions), out, roster)
    else:
        path, _ = grade_class(
            Path(args.submissions),
            out,
            timeout=args.timeout,
            workers=args.workers,
            roster=roster,
            learner_limit=args.learner_limit,
        )
    print(
        f"wrote {path}, lms.csv, canvas.csv and moodle.csv in {out}/, each learner's report in {out / 'learners'}/ "
        f"and feedback page in {out / 'feedback'}/ (private until `--release-feedback FOLDER`)"
    )
    sys.stdout.flush()
    return 0
