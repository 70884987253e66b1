"""Grade a learner's exercise notebooks: run each in a fresh kernel; the grader runs every check itself.

`smworkbook grade` (or `make grade`; by default both grade the learner's my-work/) prints one row per
exercise (passed, failed or not attempted, with the check's hint) and can write the same results as
JSON and as JUnit XML, the format CI services show as a test report. The exercises graded are those of the lessons
present, from the check registry (`smworkbook.checks.EXERCISES`).

For each notebook the grader starts its own mock (smworkbook.grading.grader_mock, a process of its own)
and a kernel pointed at it (smworkbook.toolkit.graded), runs the cells one by one, and after each check
cell runs that exercise's check in the mock's process, with the values the exercise computed
read from the kernel as JSON. Nothing the kernel prints or patches decides a verdict.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# jsonschema (under nbformat) imports its optional checker of the "iri" string format,
# rfc3987-syntax, which builds some 35 parsers on import: 1 to 3 s, more than the rest of the
# grader's imports together (python-jsonschema/jsonschema#1428). No notebook schema uses that
# format, so the grader goes without it: jsonschema skips a checker it cannot import.
if "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]

import nbformat  # noqa: E402
from jupyter_client.manager import AsyncKernelManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: E402
from nbclient.util import run_sync  # noqa: E402

from smworkbook.checks import EXERCISES  # noqa: E402
from smworkbook.checks._registry import STUB as _STUB  # noqa: E402
from smworkbook.engine.errors import WorkbookError  # noqa: E402
from smworkbook.grading import (
    grader_client,  # noqa: E402
    learner_users,  # noqa: E402
)
from smworkbook.grading.discover import exercises_of, lesson_of, notebooks_and_expected  # noqa: E402
from smworkbook.grading.learner_users import LearnerUser  # noqa: E402
from smworkbook.grading.report import (  # noqa: E402,F401  (the report a grade returns)
    FAILED,
    NOT_ATTEMPTED,
    PASSED,
    Report,
    Result,
    assemble,
    write_private,
    write_reports,
)

_SETUP = re.compile(r"""checks\.setup\(\s*["']([\d.]+)["']""")
_VERIFY = re.compile(r"""checks\.verify\(\s*["']([\d.]+)["']""")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NOT_YET = re.compile(r"^Exercise [\d.]+ \(.*?\) is not right yet\. ")


def grade(
    paths: list[Path] | Path, timeout: int = 120, workers: int | None = None, user: LearnerUser | None = None
) -> Report:
    """Run exercise notebooks (a folder, or notebook files) in fresh kernels and grade every exercise.

    The exercises graded are those of the lessons present (the notebooks' leading numbers); a
    lesson with no notebook is listed once in `Report.missing_lessons`. Up to `workers` notebooks
    run at once (default: one more than the CPU cores), each in its own kernel, against its own
    mock in a process of the grader's (smworkbook.grading.grader_mock); the grader runs every check itself.
    Given a `user` (smworkbook.learner_users, as root), the kernels run as that OS user, and every
    process left under that user is killed at the end.
    """
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise WorkbookError(f"workers is how many notebooks run at once (1 or more), not {workers!r}.")
    notebooks, expected, missing = notebooks_and_expected(paths)
    with learner_users.claimed(user) if user is not None else contextlib.nullcontext():
        try:
            graded = run_sync(_grade_notebooks)(notebooks, timeout, workers or _default_workers(len(notebooks)), user)
        finally:
            if user is not None:
                learner_users.sweep(user)
    return assemble(graded, expected, missing)


def grade_each(notebooks: list[Path], timeout: int = 120, workers: int | None = None) -> list[list[Result]]:
    """Grade notebooks independently, `workers` at a time: one list of results per notebook, in order."""
    paths = [Path(path) for path in notebooks]
    return run_sync(_grade_notebooks)(paths, timeout, workers or _default_workers(len(paths)))


def grade_notebook(path: Path, timeout: int = 120) -> list[Result]:
    """Run one notebook top to bottom in a fresh kernel, through errors, and grade its lesson's exercises."""
    return run_sync(_grade_notebook)(Path(path), timeout)


def _default_workers(notebooks: int) -> int:
    # A kernel keeps one core busy most of the time (imports, the mock's server, the checks), but
    # not all of it (its start, waits on its servers): one kernel more than there are cores fills
    # those gaps (on 2 cores, 3 kernels graded the solutions about 5% faster than 2, and 4 slower).
    return max(1, min(notebooks, (os.cpu_count() or 1) + 1))


async def _grade_notebooks(
    notebooks: list[Path], timeout: int, workers: int, user: LearnerUser | None = None
) -> list[list[Result]]:
    """Grade `notebooks`, `workers` at a time; the results come back in the notebooks' order."""
    slots = asyncio.Semaphore(workers)

    async def one(path: Path) -> list[Result]:
        async with slots:
            return await _grade_notebook(path, timeout, user)

    return await asyncio.gather(*(one(path) for path in notebooks))


async def _grade_notebook(
    path: Path, timeout: int, user: LearnerUser | None = None, limit: tuple[float, int] | None = None
) -> list[Result]:
    """One notebook's results; given `limit` (a time.monotonic() deadline, and the learner's limit in seconds),
    no cell runs past the deadline, and the exercises it cut short say so (OUT_OF_TIME)."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:  # invalid JSON, not a notebook: this notebook's exercises fail, nothing else
        numbers = exercises_of({lesson_of(path)})
        reason = f"The notebook could not be read ({type(error).__name__}: {_ANSI.sub('', str(error))[:200]})."
        return [Result(n, EXERCISES[n].title, path.name, FAILED, reason) for n in numbers]
    try:
        return await _NotebookRun(path, notebook, timeout, user, limit).grade()
    except Exception as error:  # the grader's own trouble with this notebook: its exercises fail, saying why
        reason = f"The grader could not run this notebook: {type(error).__name__}: {error}"
        return [Result(n, EXERCISES[n].title, path.name, FAILED, reason) for n in exercises_of({lesson_of(path)})]


class _Client(NotebookClient):
    """nbclient, keeping at most MAX_OUTPUT characters of a notebook's outputs (a cell printing
    gigabytes must not fill the grader's memory), and killing a kernel that ignores the interrupt."""

    kept = 0

    def output(self, outs, msg, display_id, cell_index):
        self.kept += len(json.dumps(msg.get("content", {})))
        if self.kept > MAX_OUTPUT:
            return None
        return super().output(outs, msg, display_id, cell_index)

    async def _async_handle_timeout(self, timeout, cell=None):
        # nbclient interrupts a cell that runs past the timeout and goes on to the next cell; a cell that ignores
        # SIGINT (signal.signal(SIGINT, SIG_IGN), or `except KeyboardInterrupt: pass` in a loop) keeps the kernel
        # busy, so every later cell would wait the whole timeout too. A kernel that has not answered the interrupt
        # within INTERRUPT_GRACE seconds is killed: the rest of the notebook does not run, and the row says why.
        reply = await super()._async_handle_timeout(timeout, cell)
        assert self.kc is not None and self.km is not None
        try:
            await asyncio.wait_for(self._answered(), INTERRUPT_GRACE)
        except TimeoutError:
            await self.km.shutdown_kernel(now=True)
            raise InterruptIgnored(
                f"A cell ran for more than {timeout} s and ignored the interrupt for {INTERRUPT_GRACE} s more, so its "
                "kernel was stopped; the cells after it did not run."
            ) from None
        return reply

    async def _answered(self) -> None:
        """Until the kernel is idle again: an execute reply on the shell channel (the interrupted cell's)."""
        while True:
            msg = await self.kc.shell_channel.get_msg(timeout=None)
            if msg.get("msg_type") == "execute_reply":
                return


MAX_OUTPUT = 5_000_000
# How long a kernel has to answer an interrupt (ipykernel raises KeyboardInterrupt in the running cell at once;
# the cell's own `finally:` clean-up gets a few seconds) before the grader kills it.
INTERRUPT_GRACE = 5


# Said in each exercise the per-learner limit (smworkbook gradebook --learner-limit) cost, and in the gradebook's note.
OUT_OF_TIME = (
    "The learner's grading time ran out ({limit} s for all their notebooks together, --learner-limit) before this "
    "notebook was graded to the end."
)


class InterruptIgnored(DeadKernelError):
    """A cell kept running after the timeout's interrupt: its kernel was killed."""


def _kernel_manager_class(user: LearnerUser | None, sockets: Path) -> type[AsyncKernelManager]:
    """A kernel manager whose kernel talks over IPC sockets in `sockets` (a folder only the kernel's user can open).

    Jupyter's default transport, TCP on 127.0.0.1, lets any user of the machine connect to a kernel's ports (they
    are listed in /proc/net/tcp) and subscribe to its output channel (iopub: every cell's code and output) without
    the connection file's key: ZeroMQ's SUB socket needs none to receive. jupyter_client's `transport = "ipc"`
    puts the channels on Unix sockets at `ip`-1 ... `ip`-5, which, in a 0700 folder, no other user reaches.
    """
    base = learner_users.kernel_manager_class(user) if user is not None else AsyncKernelManager

    class OverIpc(base):  # type: ignore[misc, valid-type]
        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = str(sockets / "kernel")

    return OverIpc


class _NotebookRun:
    """One notebook: its kernel, the grader's mock, and each exercise checked at the end of its section.

    The grader runs exercise N's check itself right after the notebook's check cell (the cell that
    names checks.verify("N"), whatever it does), or, if that cell is gone, where it was: before the
    next exercise's cell (the one calling checks.setup), or at the end. An exercise without a
    set-up cell is checked at the end.
    """

    def __init__(
        self,
        path: Path,
        notebook,
        timeout: int,
        user: LearnerUser | None = None,
        limit: tuple[float, int] | None = None,
    ) -> None:
        self.path, self.notebook, self.timeout, self.user, self.limit = path, notebook, timeout, user, limit
        lessons = {lesson_of(path)} - {None}
        if not lessons:
            cells = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
            lessons = {n.split(".")[0] for n in _SETUP.findall(cells) + _VERIFY.findall(cells)}
        self.numbers = exercises_of(lessons)
        self.stopped = ""
        self.dead = False  # the kernel was killed for ignoring an interrupt
        self.cut = False  # the learner's time limit ran out
        self.sections: dict[str, dict] = {}  # number -> {"errors": [...], "stub": bool}
        self.verdicts: dict[str, dict] = {}
        self.client: _Client | None = None
        self.mock = grader_client.GraderMock()

    async def grade(self) -> list[Result]:
        for cell in self.notebook.cells:
            # Only this run's outputs count.
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        folder = learner_users.workdir(self.user) if self.user else self.path.parent
        try:
            await self.mock.start(self.timeout)
            await self._run_cells(folder)
        except grader_client.MockFailed as error:
            self.stopped = self.stopped or str(error)
        finally:
            await self.mock.stop()
            if self.user:
                learner_users.remove(folder)
        return [self._result(number) for number in self.numbers]

    async def _run_cells(self, folder: Path) -> None:
        # A kernel that dies while starting, before any of the learner's code ran ("Kernel died before
        # replying to kernel_info", seen on a loaded machine), is started once more: that is the machine's
        # fault, not the notebook's. A kernel that dies after its first cell started is the notebook's.
        for attempt in (1, 2):
            self._started = False
            try:
                return await self._run_cells_once(folder)
            except RuntimeError as error:
                if self._started or attempt == 2 or "kernel_info" not in str(error):
                    raise

    async def _run_cells_once(self, folder: Path) -> None:
        # As another OS user, the kernel works in its own private folder, with its HOME there, and its channels'
        # sockets are there too; as the grader's own user, they are in a private folder of their own.
        sockets = folder if self.user else Path(tempfile.mkdtemp(prefix="smw-kernel-"))
        try:
            await self._run_cells_in(folder, sockets)
        finally:
            if not self.user:
                shutil.rmtree(sockets, ignore_errors=True)

    async def _run_cells_in(self, folder: Path, sockets: Path) -> None:
        self.client = _Client(
            self.notebook,
            timeout=self.timeout,
            kernel_name="python3",
            allow_errors=True,
            # A learner's endless loop is interrupted after `timeout` seconds; the rest still runs.
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "TimeoutError",
                "evalue": f"the cell ran for more than {self.timeout} s and was stopped (an endless loop?)",
                "traceback": [],
            },
            record_timing=False,
            # Within the learner's time limit, if any: no cell runs past its deadline.
            timeout_func=self._cell_timeout,
            # Every check has run once the last cell has: stop the kernel at once.
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(folder)}},
            kernel_manager_class=_kernel_manager_class(self.user, sockets),
        )
        # The kernel gets what a Python process needs and the way to the grader's mock, nothing else:
        # no grader's key, no AWS credentials or tokens the grader's environment may hold.
        env = {name: value for name, value in os.environ.items() if name in _KERNEL_ENVIRONMENT}
        env.update(self.mock.kernel_environment())
        if self.user:
            env.update(HOME=str(folder), USER=self.user.name, LOGNAME=self.user.name)
        open_number = None
        # The kernel's own log lines (e.g. its transport warning) are not the learner's.
        async with self.client.async_setup_kernel(env=env, stderr=subprocess.DEVNULL):
            self._started = True
            for index, cell in enumerate(self.notebook.cells):
                if cell.cell_type != "code":
                    continue
                setup = _SETUP.search(cell.source)
                starts = setup.group(1) if setup and setup.group(1) in self.numbers else None
                if starts and not _VERIFY.search(cell.source):
                    self.sections.setdefault(
                        starts,
                        {"errors": [], "stub": bool(_STUB.search(cell.source)), "ran": False, "code": cell.source},
                    )
                if starts and starts != open_number:
                    if open_number and open_number not in self.verdicts:
                        await self._check(open_number)
                    open_number = starts
                if self.limit and time.monotonic() >= self.limit[0] and not self.cut:
                    self.cut, self.stopped = True, OUT_OF_TIME.format(limit=self.limit[1])
                if self.stopped:
                    continue
                try:
                    await self.client.async_execute_cell(cell, index)
                except InterruptIgnored as error:
                    self.stopped, self.dead = str(error), True
                except DeadKernelError:
                    self.stopped = "The kernel died while running the notebook; the cells after that did not run."
                except CellTimeoutError:
                    self.stopped = f"A cell ran for more than {self.timeout} s and was stopped."
                verify = _VERIFY.search(cell.source)
                if starts and not verify:
                    self.sections[starts].update(errors=_errors(cell), ran=True)
                elif verify and verify.group(1) == open_number and open_number not in self.verdicts:
                    await self._check(open_number)  # right after its check cell, whatever that cell did
            if open_number and open_number not in self.verdicts:
                await self._check(open_number)
            for number in self.numbers:
                if number not in self.verdicts:
                    await self._check(number)

    def _cell_timeout(self, cell) -> int:
        if self.limit is None:
            return self.timeout
        return max(1, min(self.timeout, round(self.limit[0] - time.monotonic())))

    async def _check(self, number: str) -> None:
        names = EXERCISES[number].answers
        answers: dict = {}
        if names:
            try:
                answers = json.loads(await self._in_kernel(f"answers(globals(), {names!r})"))
                if not isinstance(answers, dict):
                    raise ValueError("not an object")
            except _KernelGone as error:
                answers = {name: {"gone": str(error)} for name in names}
            except ValueError:
                answers = {}
        self.verdicts[number] = await self.mock.check(number, answers, self._call)
        if self.dead or self.cut:  # checked after its kernel was killed or its time ran out: the reason comes first
            self.verdicts[number]["killed"] = True

    async def _call(self, request: dict) -> dict:
        """Run the learner's function in the kernel for a check; its result or its error."""
        try:
            reply = json.loads(await self._in_kernel(f"call(globals(), {json.dumps(request)!r})"))
            return reply if isinstance(reply, dict) else {"error": {"type": "TypeError", "message": "no reply"}}
        except _KernelGone as error:
            return {"error": {"type": "KernelGone", "message": str(error)}}
        except ValueError:
            return {"error": {"type": "TypeError", "message": "the kernel's reply was not JSON"}}

    async def _in_kernel(self, expression: str) -> str:
        """Evaluate `smworkbook.toolkit.graded.<expression>` in the kernel, between cells; the JSON text it returns."""
        if self.cut:  # the learner's time is spent: their functions are not run any more
            raise _KernelGone(self.stopped)
        if self.dead or self.stopped.startswith("The kernel died") or self.client is None or self.client.kc is None:
            raise _KernelGone("The kernel was not running any more when the grader asked for the exercise's values.")
        code = f'__import__("smworkbook.toolkit.graded", fromlist=["graded"]).{expression}'
        try:
            msg_id = self.client.kc.execute(
                "", silent=True, store_history=False, user_expressions={"r": code}, allow_stdin=False
            )
            reply = await self.client.async_wait_for_reply(msg_id)
        except InterruptIgnored as error:
            self.stopped, self.dead = str(error), True
            raise _KernelGone(self.stopped) from None
        except DeadKernelError:
            self.stopped = "The kernel died while the grader ran a function of yours; the cells after that did not run."
            raise _KernelGone(self.stopped) from None
        if reply is None:
            raise _KernelGone(f"Your function ran for more than {self.timeout} s and was stopped (an endless loop?).")
        value = reply["content"].get("user_expressions", {}).get("r", {})
        if value.get("status") != "ok":
            raise _KernelGone(f"The kernel could not hand over the values: {value.get('ename')}: {value.get('evalue')}")
        try:
            text = ast.literal_eval(value["data"]["text/plain"])
        except (KeyError, ValueError, SyntaxError):
            raise ValueError("not a string") from None
        if not isinstance(text, str):
            raise ValueError("not a string")
        return text

    def _result(self, number: str) -> Result:
        result = self._verdict(number)
        section = self.sections.get(number)
        if section is not None:
            # The learner's own cell and the error it raised, for the feedback page; the mock's keys
            # (random per mock, dead once it stops) are never shown, even if the notebook printed them.
            result.code = self._redacted(section.get("code", "")[:MAX_CODE])
            if section["errors"]:
                result.error = self._redacted(_traceback(section["errors"][0])[:MAX_ERROR])
        result.hint = self._redacted(result.hint)
        return result

    def _redacted(self, text: str) -> str:
        keys = getattr(self.mock, "address", {}).get("keys", [])
        for key in keys:
            if isinstance(key, str) and len(key) >= 8:
                text = text.replace(key, "[redacted]")
        return text

    def _verdict(self, number: str) -> Result:
        title = EXERCISES[number].title
        verdict = self.verdicts.get(number) or {"status": FAILED, "message": self.stopped or "The check did not run."}
        section = self.sections.get(number)
        message = str(verdict.get("message", ""))
        if verdict.get("status") == PASSED:
            return Result(number, title, self.path.name, PASSED, STUB_NOTE if section and section["stub"] else "")
        if section is None:
            hint = f'No cell calls checks.setup("{number}"): restore the exercise\'s cell. The check found: {message}'
            if verdict.get("killed"):  # those cells may be in the part that never ran
                hint = f"{self.stopped} {hint}"
            return Result(number, title, self.path.name, NOT_ATTEMPTED, hint)
        if section["stub"]:
            return Result(number, title, self.path.name, NOT_ATTEMPTED, message)
        errors = section["errors"]
        if verdict.get("killed"):
            message = f"{self.stopped} {message}"
        elif errors and errors[0]["ename"] in ("KeyboardInterrupt", "TimeoutError"):
            stopped = f"Your exercise cell ran for more than {self.timeout} s and was stopped (an endless loop?)."
            message = f"{stopped} {message}"
        elif errors:  # the learner's own code failed: that error says more than the check
            message = f"Your exercise cell raised {_one_line(errors[0])} Then: {message}"
        elif not section["ran"] and not message.startswith(self.stopped):  # said once, not twice
            message = f"{self.stopped} {message}".strip()
        return Result(number, title, self.path.name, FAILED, message)


_KERNEL_ENVIRONMENT = (
    *("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR"),
    *("PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX", "LD_LIBRARY_PATH"),  # where a Python finds its packages
)
MAX_CODE = 20_000  # characters of an exercise cell kept for the feedback page
MAX_ERROR = 5_000  # characters of its error (the traceback's end: where it failed)
STUB_NOTE = "Passed, but the cell still ends in `raise NotImplementedError()`: delete that line."


class _KernelGone(Exception):
    """The kernel could not answer the grader (dead, too slow, or its answer unreadable)."""


def _errors(cell) -> list[dict]:
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


def _traceback(error: dict) -> str:
    """The error a cell raised as the learner saw it, without the terminal's colours; its last lines if long."""
    lines = [_ANSI.sub("", line) for line in error.get("traceback") or []]
    text = "\n".join(lines).strip() or _ANSI.sub("", f"{error.get('ename')}: {error.get('evalue')}")
    return text if len(text) <= MAX_ERROR else "...\n" + text[-(MAX_ERROR - 4) :]


def _one_line(error: dict) -> str:
    if error["ename"] == "CheckFailed":
        # "Exercise 1.2 (title) is not right yet. <hint>": the table already names the exercise.
        return _NOT_YET.sub("", _ANSI.sub("", error["evalue"]))
    if error["ename"] == "WorkbookError":
        return _ANSI.sub("", error["evalue"])
    return _ANSI.sub("", f"{error['ename']}: {error['evalue']}".strip())
