"""The grader's side of its mock: a zygote process that imports the mock's code once and forks one mock per notebook,
and the client that speaks to that mock over a Unix socket only the grader can open.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path


class MockFailed(Exception):
    """The grader's mock process did not start or stopped answering."""


class GraderMock:
    """The grader's own mock process (smworkbook.grading.grader_mock), forked by the zygote, spoken to over a socket."""

    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    pid: int | None = None

    async def start(self, timeout: int) -> None:
        self.timeout = timeout
        self.reader, self.writer = await asyncio.open_unix_connection(zygote(), limit=2**24)
        self.address = await self._receive(60)
        self.pid = self.address.get("pid")

    def kernel_environment(self) -> dict[str, str]:
        """What the kernel needs to reach the grader's mock: its endpoint, its control address and the
        mock's own keys (random per mock: the mock answers only requests signed with them)."""
        key_id, secret, token = self.address["keys"]
        return {
            "SMWORKBOOK_GRADER_ENDPOINT": self.address["endpoint"],
            "SMWORKBOOK_GRADER_CONTROL": self.address["control"],
            "SMWORKBOOK_GRADER_KEYS": f"{key_id}:{secret}:{token}",
        }

    async def check(self, number: str, answers: dict, call) -> dict:
        """Run exercise `number`'s check in the grader's mock; `call` runs a learner's function in the kernel."""
        self._send({"check": number, "answers": answers})
        while True:
            message = await self._receive(self.timeout * 6 + 60)
            if "call" in message:
                self._send({"reply": await call(message)})
            elif "result" in message:
                return message["result"]

    def _send(self, message: dict) -> None:
        if self.writer is None or self.writer.is_closing():
            raise MockFailed("The grader's mock stopped.")
        self.writer.write((json.dumps(message) + "\n").encode())

    async def _receive(self, timeout: float) -> dict:
        try:
            line = await asyncio.wait_for(self.reader.readline(), timeout)
        except (TimeoutError, ValueError, OSError):
            line = b""
        if not line:
            await self.stop()
            raise MockFailed("The grader's mock stopped answering; the exercises after this point were not checked.")
        return json.loads(line)

    async def stop(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)  # the mock forked for this notebook, and nothing else
            self.pid = None


# One zygote per grading process: it imports the mock's code once and forks a mock per notebook. Its process and its
# socket are kept as one pair: a socket whose process was replaced refuses every connection (ConnectionRefusedError).
_zygote: tuple[subprocess.Popen, Path] | None = None
_zygote_lock = threading.Lock()


def zygote() -> str:
    """The Unix socket of this process's zygote (started on first use, again if it died)."""
    global _zygote
    with _zygote_lock:
        if _zygote is None or _zygote[0].poll() is not None:
            folder = Path(tempfile.mkdtemp(prefix="smw-grader-"))  # 0700: the grader's alone
            socket = folder / "mocks.sock"
            env = {name: value for name, value in os.environ.items() if not name.startswith("SMWORKBOOK_")}
            process = subprocess.Popen(
                [sys.executable, "-m", "smworkbook.grading.grader_mock", "--zygote", str(socket)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            atexit.register(_stop_zygote, process, folder)
            if process.stdout.readline().strip() != b"ready":
                raise MockFailed("The grader's mock did not start.")
            _zygote = process, socket
        return str(_zygote[1])


def _stop_zygote(process: subprocess.Popen, folder: Path) -> None:
    process.kill()
    process.wait()
    shutil.rmtree(folder, ignore_errors=True)
