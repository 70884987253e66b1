"""Each learner's kernel under an OS user of its own, when the grader runs as root (as in CI).

A notebook's code can do anything its OS user may. Run as the grader's user, it could rewrite the
grader's reports, read the grader's key, or read and change other learners' work; a process it
leaves behind could do so after its kernel is gone. So, as root, the grader makes a system user
per learner (smwl-<8 hex digits of the learner's name>, no home, no login shell), runs that
learner's kernels as that user (setpriv) in a private working folder (mode 0700), and, once the
learner is graded, kills every process left under that user. Two graders on one machine (two
instructors, a gradebook and a `smworkbook grade`) that grade the same learner take turns
(`claimed`): one grader's clean-up never kills the kernels of another's grading in progress.
Without root, kernels run as the grader's own user: docs/maintainer.md (Safety) says what that does not protect.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

_lock = threading.Lock()


@dataclass(frozen=True)
class LearnerUser:
    name: str
    uid: int
    gid: int


def available() -> bool:
    """Can the grader run kernels as other users (root, with util-linux's setpriv)?"""
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("setpriv") is not None


def user_for(learner: str, check: bool = True) -> LearnerUser:
    """The OS user `learner`'s kernels run as (made on first use). With `check`, probed at once (require_can_run);
    a grader that claims the user first probes after claiming: another grader's sweep of that user would kill an
    unclaimed probe."""
    name = "smwl-" + hashlib.sha256(learner.encode()).hexdigest()[:8]
    with _lock:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                check=True,
                capture_output=True,
            )
            entry = pwd.getpwnam(name)
    user = LearnerUser(name, entry.pw_uid, entry.pw_gid)
    if check:
        require_can_run(user)
    return user


_can_run: set[int] = set()


def require_can_run(user: LearnerUser) -> None:
    """A clear error unless `user` can start this Python with the workbook (its folders must be reachable)."""
    if user.uid in _can_run:
        return
    probe = subprocess.run(
        [*_as(user), sys.executable, "-c", "import smworkbook"], capture_output=True, text=True, timeout=120
    )
    if probe.returncode != 0:
        from smworkbook.engine.errors import WorkbookError

        raise WorkbookError(
            f"As root, the grader runs each learner's kernel as an OS user of its own ({user.name}), which cannot "
            f"start {sys.executable} with the workbook: let other users reach its folders (chmod o+rx), or grade as "
            f"a user other than root. ({probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else ''})"
        )
    _can_run.add(user.uid)


def _as(user: LearnerUser) -> list[str]:
    return ["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--clear-groups", "--"]


def workdir(user: LearnerUser) -> Path:
    """A new private folder owned by `user`: its kernel's working folder and HOME."""
    folder = Path(tempfile.mkdtemp(prefix=f"smw-{user.name}-"))
    os.chown(folder, user.uid, user.gid)
    folder.chmod(0o700)
    return folder


def kernel_manager_class(user: LearnerUser) -> type[AsyncKernelManager]:
    """A kernel manager that starts its kernel as `user` (and lets it read its connection file)."""

    class AsLearner(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            command = super().format_kernel_cmd(extra_arguments)
            os.chown(self.connection_file, user.uid, user.gid)
            return [*_as(user), *command]

    return AsLearner


# Root's own folder (/run is root's alone): no other user can plant or hold a claim there.
_CLAIMS = Path("/run/smworkbook")


def _claim_file(user: LearnerUser) -> int:
    _CLAIMS.mkdir(mode=0o700, exist_ok=True)
    return os.open(_CLAIMS / f"{user.name}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)


@contextlib.contextmanager
def claimed(user: LearnerUser):
    """Grade as `user` alone: another grader of the same learner waits until this one has swept."""
    descriptor = _claim_file(user)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the claim


@contextlib.asynccontextmanager
async def claimed_async(user: LearnerUser):
    """`claimed` for a grader that grades many learners at once (gradebook): waits without blocking them."""
    descriptor = _claim_file(user)
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(0.2)
        yield
    finally:
        os.close(descriptor)


def sweep(user: LearnerUser) -> int:
    """Kill every process running as `user` (what a learner's notebook left behind); how many."""
    killed = 0
    for _ in range(50):
        found = [pid for pid in _pids() if _uid_of(pid) == user.uid]
        if not found:
            return killed
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    return killed


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _uid_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("State:") and line.split()[1] == "Z":
                    return None  # a zombie: already dead, waiting for its parent
                if line.startswith("Uid:"):
                    return int(line.split()[1])  # the real uid
    except OSError:
        return None
    return None


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
