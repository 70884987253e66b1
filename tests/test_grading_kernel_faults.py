"""What the grader does when the learner's kernel or the machine misbehaves: a kernel that dies while
starting gets one more try and one that dies later does not, a cell stopped by the timeout stops the
notebook, a kernel that cannot hand over the values is told, and the grader's mock never inherits the
grader's own SMWORKBOOK_ settings. Tested with a stand-in for nbclient (no kernel), and one real mock."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellTimeoutError

from smworkbook.grading import grader_client
from smworkbook.grading import run as grading

STARTING = "Kernel died before replying to kernel_info"


class _Mock:
    def kernel_environment(self) -> dict:
        return {}

    async def check(self, number, answers, call) -> dict:
        return {"status": grading.FAILED, "hint": "checked by a stand-in"}


def _run(cells: list[str]) -> grading._NotebookRun:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    run = grading._NotebookRun(Path("01_a.ipynb"), notebook, timeout=5)
    run.mock = _Mock()
    return run


class _Client:
    """Stands in for nbclient: starts (or fails to start) a 'kernel' and runs cells as `execute` says."""

    made: list[_Client] = []

    def __init__(self, notebook, **options) -> None:
        self.options, self.ran, self.kc = options, [], None
        _Client.made.append(self)

    @contextlib.asynccontextmanager
    async def async_setup_kernel(self, **kwargs):
        if self.fail_start:
            raise RuntimeError(STARTING)
        yield

    async def async_execute_cell(self, cell, index):
        self.ran.append(index)
        self.execute(cell)


@pytest.fixture
def client(monkeypatch):
    _Client.made = []
    _Client.fail_start = False
    _Client.execute = staticmethod(lambda cell: None)
    monkeypatch.setattr(grading, "_Client", _Client)
    return _Client


def test_a_kernel_that_dies_while_starting_is_started_once_more(client, tmp_path):
    """The machine's fault (seen on a loaded machine), not the notebook's: the second try runs its cells."""
    starts = iter([True, False])
    client.fail_start = property(lambda self: next(starts))
    run = _run(["x = 1"])
    asyncio.run(run._run_cells(tmp_path))
    assert len(client.made) == 2 and client.made[1].ran == [0]


def test_a_kernel_that_dies_twice_while_starting_is_an_error(client, tmp_path):
    client.fail_start = True
    with pytest.raises(RuntimeError, match="kernel_info"):
        asyncio.run(_run(["x = 1"])._run_cells(tmp_path))
    assert len(client.made) == 2


def test_a_kernel_that_dies_after_the_learners_code_started_is_not_run_again(client, tmp_path):
    """Once a cell ran, a death is the notebook's: running it again would run the learner's code twice."""

    def dies(cell):
        raise RuntimeError(STARTING)

    client.execute = staticmethod(dies)
    with pytest.raises(RuntimeError, match="kernel_info"):
        asyncio.run(_run(["x = 1"])._run_cells(tmp_path))
    assert len(client.made) == 1


def test_a_cell_stopped_by_the_timeout_stops_the_notebook_and_says_so(client, tmp_path):
    def too_long(cell):
        if "while" in cell.source:
            raise CellTimeoutError("timed out")

    client.execute = staticmethod(too_long)
    run = _run(["x = 1", "while True: pass", "y = 2"])
    asyncio.run(run._run_cells(tmp_path))
    assert run.stopped == "A cell ran for more than 5 s and was stopped."
    assert client.made[0].ran == [0, 1]  # the cells after it did not run


def test_a_kernel_reply_without_the_values_is_told_not_a_crash(tmp_path):
    """A reply whose user_expressions lack the grader's value (a kernel the learner changed) is 'could not
    hand over the values', which the check reports as its reason."""

    class Kernel:
        def execute(self, *args, **kwargs):
            return "id"

    class Client:
        kc = Kernel()

        async def async_wait_for_reply(self, msg_id):
            return {"content": {"status": "ok"}}

    run = _run([])
    run.client = Client()
    with pytest.raises(grading._KernelGone, match="could not hand over the values: None: None"):
        asyncio.run(run._in_kernel("answers(globals(), ['x'])"))


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc (Linux)")
def test_the_graders_mock_does_not_inherit_the_graders_smworkbook_settings(monkeypatch):
    """The grader's keys (SMWORKBOOK_GRADER_KEYS) and any other SMWORKBOOK_ setting stay with the grader:
    the mock process serving learners' kernels starts without them."""
    monkeypatch.setenv("SMWORKBOOK_GRADER_KEYS", "the-graders-own-keys")
    monkeypatch.setattr(grader_client, "_zygote", None)  # a zygote of this test's own; the one before comes back
    grader_client.zygote()
    process = grader_client._zygote[0]
    try:
        names = [item.split(b"=", 1)[0] for item in Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")]
        assert b"PATH" in names and not [name for name in names if name.startswith(b"SMWORKBOOK_")]
    finally:
        process.kill()
        process.wait()


def test_stopping_the_graders_mock_kills_its_process_and_closes_its_socket_once():
    """A notebook's mock is stopped after the notebook (and when it stops answering): its process is killed, its
    socket closed, and stopping it again does nothing (a second stop must not raise or kill another pid)."""
    import asyncio
    import subprocess
    import sys

    class Writer:
        closed = 0

        def close(self):
            self.closed += 1

    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    mock, writer = grader_client.GraderMock(), Writer()
    mock.writer, mock.pid = writer, process.pid
    try:
        asyncio.run(mock.stop())
        assert process.wait(timeout=10) == -9  # SIGKILL: the mock forked for this notebook
        assert (writer.closed, mock.writer, mock.pid) == (1, None, None)
        asyncio.run(mock.stop())
        assert writer.closed == 1
    finally:
        process.kill()
        process.wait()


def test_a_zygote_started_and_stopped_in_between_leaves_the_first_ones_socket_answering(monkeypatch):
    """The zygote's process and socket go together: a test (or anything) that swaps in a zygote of its own and puts
    the first one back must not leave the first process paired with the second's socket, which refuses every
    connection (three gradings failed with ConnectionRefusedError when tests ran in that order on one worker)."""
    import socket

    first = grader_client.zygote()
    with monkeypatch.context() as swapped:
        swapped.setattr(grader_client, "_zygote", None)
        second = grader_client.zygote()
        process = grader_client._zygote[0]
        process.kill()
        process.wait()
    assert second != first
    with socket.socket(socket.AF_UNIX) as connection:
        connection.connect(grader_client.zygote())  # the first zygote's, still listening
    assert grader_client.zygote() == first


def test_stopping_the_zygote_at_exit_kills_it_and_says_nothing_when_its_folder_is_already_gone(tmp_path):
    """At the grader's exit the zygote is killed and its folder removed; a folder something else removed already
    (a tmp cleaner, a second stop) must not turn the grader's exit into a traceback."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    grader_client._stop_zygote(process, tmp_path / "already-gone")
    assert process.returncode == -9
