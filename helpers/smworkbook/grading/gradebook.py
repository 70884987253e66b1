"""Grade a class: one sub-folder per learner, one gradebook.

    smworkbook gradebook SUBMISSIONS/          grade every learner, write artifacts/grade/gradebook.csv
    smworkbook gradebook --merge REPORTS/      build the gradebook from reports graded elsewhere

Every learner's report is written as soon as that learner is graded (artifacts/grade/learners/
NAME.json), signed with the grader's key, with a digest of the notebooks graded (`submission_digest`):
a run resumes without grading again a learner whose notebooks are unchanged since their signed report,
regrades one whose notebooks changed (or everyone, with `regrade=True`, `--regrade`), and `--merge`
takes only reports the grader signed. A learner's broken notebook
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
from datetime import UTC, datetime
from pathlib import Path

from smworkbook.checks import EXERCISES
from smworkbook.engine.errors import WorkbookError
from smworkbook.grading import classreport, discover, feedback, learner_users, lms
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


def submission_digest(folder: Path) -> str:
    """ "sha256:<hex>" over the notebooks a grade of `folder` runs (its *.ipynb, as discover finds them): each one's
    name and bytes, in name order, each length-prefixed so no two submissions share a digest by moving bytes
    between a name and a file. Anything but a regular file (a link to /dev/zero, a folder named x.ipynb) counts
    by its name and kind only; a file the grader cannot read, by its name and the error."""
    digest = hashlib.sha256()

    def part(data: bytes) -> None:
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)

    for path in sorted(Path(folder).glob("*.ipynb"), key=lambda p: os.fsencode(p.name)):
        part(os.fsencode(path.name))
        try:
            if not path.is_file():
                part(b"not a file")
                continue
            with open(path, "rb") as file:
                part(b"file")
                for block in iter(lambda: file.read(1 << 20), b""):
                    digest.update(block)
                digest.update(b"\0end")
        except OSError as error:
            part(f"unreadable: {type(error).__name__}".encode())
    return "sha256:" + digest.hexdigest()


def signed_report(report: grading.Report, learner: str, key: bytes | None, digest: str | None = None) -> str:
    """The learner's report as JSON, with the learner's name, when it was graded, the digest of the notebooks
    graded (given one, `submission_digest`) and, given a key, the grader's signature over all of it.

    Every text in it is made safe first (a notebook named `01_\\xff.ipynb`, an error holding a lone surrogate):
    what is signed is what is written.
    """
    graded_at = datetime.now(UTC).isoformat(timespec="microseconds")
    extra = {"graded_at": graded_at} | ({"submission_digest": digest} if digest else {})
    body = safe({"learner": learner, **extra, **json.loads(report.to_json())})
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


def report_key(report: Path) -> bytes | None:
    """The key `smworkbook grade --learner` signs `report` with: SMWORKBOOK_GRADE_KEY, else, for a report written
    into a gradebook's learners/ folder (OUT/learners/NAME.json), that gradebook's own key (OUT/.grader-key), so
    that `smworkbook gradebook --out OUT` resumes from it; else none (the report is not signed)."""
    if os.environ.get(KEY_VARIABLE):
        return os.environ[KEY_VARIABLE].encode()
    report = Path(report)
    if report.parent.name == "learners":
        return grader_key(report.parent.parent)
    return None


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


def _resume(reports: Path, name: str, key: bytes, digest: str, regrade: bool) -> str | None:
    """Why `name` is graded this run (a line to print, "" to say nothing), or None to keep their signed report."""
    try:
        body = read_learner(reports, name, key)
    except WorkbookError as error:
        if not (Path(reports) / f"{name}.json").exists():
            return ""  # never graded (or the run stopped while grading them): nothing to explain
        return f"  {name}: report refused ({error}): grading again"
    if regrade:
        return f"  {name}: graded before, grading again (--regrade)"
    if "submission_digest" not in body:
        # A report from before digests, or the grader's own failure on this learner.
        return f"  {name}: graded before without a digest of the notebooks: grading again"
    if not hmac.compare_digest(str(body["submission_digest"]), digest):
        return f"  {name}: notebooks changed since graded ({body.get('graded_at', 'unknown time')}): grading again"
    return None


def grade_class(
    submissions: Path,
    out: Path,
    timeout: int = 120,
    workers: int | None = None,
    say=print,
    roster: Path | None = None,
    learner_limit: int | None = None,
    regrade: bool = False,
) -> tuple[Path, list[str]]:
    """Grade every learner not graded yet, whose notebooks changed since their signed report, or, with `regrade`,
    every learner; then write the gradebook. (Its path, learners graded now.)

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
    digests = {}
    for name, folder in class_:
        # The digest is taken before grading: a notebook changed while it is graded is graded again next run.
        digests[name] = submission_digest(folder)
        why = _resume(reports, name, key, digests[name], regrade)
        if why is None:
            say(f"  {name}: graded before, notebooks unchanged: kept")
            continue
        if why:
            say(why)
        todo.append((name, folder))
    workers = workers or grading._default_workers(len(todo) * 5)
    graded_now = []

    async def run() -> None:
        slots = asyncio.Semaphore(workers)
        started = time.monotonic()

        async def graded(name: str, folder: Path) -> grading.Report:
            user = learner_users.user_for(name, check=False) if learner_users.available() else None
            async with learner_users.claimed_async(user) if user is not None else contextlib.nullcontext():
                if user is not None:  # probed once claimed: another grader of this learner sweeps only before or after
                    await asyncio.to_thread(learner_users.require_can_run, user)
                try:
                    return await _grade_learner(folder, timeout, slots, user, limit)
                finally:
                    if user is not None:
                        learner_users.sweep(user)  # nothing of this learner's outlives its grading

        async def learner(name: str, folder: Path) -> None:
            # Whatever goes wrong with one learner, from grading to writing the report, is that learner's row.
            # The grader's own failure is signed without the digest: the next run grades that learner again.
            digest = digests[name]
            try:
                report = await graded(name, folder)
            except Exception as error:  # the grader's own failure on this learner: that learner's row says so
                report, digest = _failed_report(f"The grader could not grade this learner: {_reason(error)}"), None
            try:
                _write_report(reports / f"{name}.json", signed_report(report, name, key, digest))
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
    """gradebook.csv (learner, one column per registered exercise, total, note), status.csv (each exercise's
    status), lms.csv (learner, score), canvas.csv and moodle.csv (the imports those LMSs document, lms.py), each
    learner's feedback page (feedback/NAME.html) and the class report (class-report.html, classreport.py).

    The note says when the learner's grading was cut short by the per-learner time limit.
    """
    numbers = list(EXERCISES)
    rows, statuses, bodies = [], [], []
    private_folder(out)  # grades are the grader's alone: 0700, each file 0600
    # The grader's keys never reach a page, even where a notebook printed one.
    secrets = tuple(k for k in (key.decode(errors="replace"), os.environ.get(KEY_VARIABLE, "")) if len(k) >= 8)
    for name in names:
        body = read_learner(reports, name, key)
        results = body.get("results", [])
        passed = {r["number"] for r in results if r.get("status") == grading.PASSED}
        points = [int(number in passed) for number in numbers]
        rows.append([_cell(name), *points, sum(points), _note(results)])
        statuses.append([_cell(name), *classreport.statuses(body)])
        bodies.append(body)
        feedback.write(out, name, body, secrets)  # from this learner's own report only
    # gradebook.csv keeps its first columns (learner, the exercises' numbers, total); a note column follows them.
    path = write_private(out / "gradebook.csv", _csv([["learner", *numbers, "total", "note"], *rows]))
    write_private(out / "status.csv", _csv([classreport.STATUS_HEADER, *statuses]))
    write_private(out / "class-report.html", classreport.render(bodies, secrets))
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
            regrade=getattr(args, "regrade", False),
        )
    print(
        f"wrote {path}, status.csv, class-report.html, lms.csv, canvas.csv and moodle.csv in {out}/, each learner's "
        f"report in {out / 'learners'}/ and feedback page in {out / 'feedback'}/ (private until "
        "`--release-feedback FOLDER`)"
    )
    sys.stdout.flush()
    return 0
