"""Another OS user cannot listen to a learner's graded kernel: its channels are IPC sockets in a 0700 folder.

Jupyter's default transport is TCP on 127.0.0.1: any user of the machine finds a kernel's ports in /proc/net/tcp and
subscribes to its output channel (iopub: every cell's code and output) with ZeroMQ, no key needed to receive. The
grader's kernels (smworkbook.grading.run), the hub's (tests/hub.py, binder/postBuild), `make lab`'s and `smworkbook
outputs`' use jupyter_client's `transport = "ipc"`. Here a kernel started as one learner's OS user prints a secret
while another user, handed the kernel's whole connection file (more than an attacker has), subscribes to its output:
over TCP (the control, Jupyter's default) the attacker reads the secret; over the grader's IPC it cannot even reach
the socket.
Needs root (useradd, setpriv), as CI runs.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import textwrap
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import AsyncKernelManager

from smworkbook.grading import learner_users
from smworkbook.grading import run as grading

from .test_shared_host import _as, _ensure_user, _interpreter, learners, needs_root  # noqa: F401  (the fixture)

SECRET = "s3cret-printed-by-the-learner"

# Another user: connects a SUB socket to the kernel's iopub with everything the connection file holds, says it is
# listening, and reports what reached it (and whether it could even see the socket's file).
LISTENER = """
import json, os, sys, time, zmq
info = json.loads(sys.argv[1])
seen, reach = [], "reached"
if info["transport"] == "ipc":
    try:
        os.stat(info["ip"] + "-" + str(info["iopub_port"]))
    except OSError as error:
        reach = type(error).__name__
sub = zmq.Context().socket(zmq.SUB)
sub.setsockopt(zmq.SUBSCRIBE, b"")
sub.connect(f"{info['transport']}://{info['ip']}{':' if info['transport'] == 'tcp' else '-'}{info['iopub_port']}")
print("listening", flush=True)
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    if sub.poll(200):
        seen.append(b"".join(sub.recv_multipart()).decode(errors="replace"))
print(json.dumps({"reach": reach, "seen": seen}), flush=True)
"""


def _tcp(user: learner_users.LearnerUser, sockets: Path) -> type[AsyncKernelManager]:
    return learner_users.kernel_manager_class(user)  # Jupyter's default transport: what the grader used before


async def _listen_while_the_kernel_prints(manager_class, user, sockets: Path, attacker, attacker_home) -> dict:
    manager = manager_class(kernel_name="python3")
    await manager.start_kernel(cwd=str(sockets), env={"PATH": "/usr/bin:/bin", "HOME": str(sockets)})
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        info = {k: manager.get_connection_info()[k] for k in ("transport", "ip", "iopub_port")}
        python = _interpreter()
        listener = subprocess.Popen(
            [*python, textwrap.dedent(LISTENER), json.dumps(info), "4"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **_as(attacker, attacker_home),
        )
        assert listener.stdout.readline().strip() == "listening", listener.stderr.read()
        await asyncio.sleep(0.5)  # ZeroMQ's subscription reaches a TCP publisher within milliseconds
        code = f"import time\nfor _ in range(10):\n    print({SECRET!r}, flush=True)\n    time.sleep(0.2)"
        reply = await client.execute_interactive(code, timeout=30, output_hook=lambda msg: None)
        assert reply["content"]["status"] == "ok"
        out, err = listener.communicate(timeout=30)
        assert listener.returncode == 0, err
        return json.loads(out.splitlines()[-1])
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)


@needs_root
@pytest.mark.parametrize("transport", ["tcp (Jupyter's default, the control)", "the grader's"])
def test_another_user_cannot_subscribe_to_a_graded_kernels_output(learners, transport):  # noqa: F811
    _, (attacker, attacker_home) = learners
    user = learner_users.user_for("channels victim")
    sockets = learner_users.workdir(user)
    try:
        make = _tcp if transport.startswith("tcp") else grading._kernel_manager_class
        outcome = asyncio.run(_listen_while_the_kernel_prints(make(user, sockets), user, sockets, *learners[1]))
    finally:
        learner_users.sweep(user)
        learner_users.remove(sockets)
    heard = any(SECRET in message for message in outcome["seen"])
    if transport.startswith("tcp"):
        assert heard, outcome  # the attack works against Jupyter's default: the test can fail
    else:
        assert not heard and outcome["seen"] == [], outcome
        assert outcome["reach"] == "PermissionError"  # the socket's folder is the learner's alone


def test_the_grader_hub_and_lab_start_kernels_over_ipc():
    """Where each kernel's transport is set: the grader (in code), the hub test's spawner, binder's config, make lab."""
    root = Path(__file__).resolve().parent.parent
    manager = grading._kernel_manager_class(None, Path("/tmp/x"))(kernel_name="python3")
    assert (manager.transport, manager.ip) == ("ipc", "/tmp/x/kernel")
    assert "--KernelManager.transport=ipc" in (root / "Makefile").read_text()
    assert "--KernelManager.transport=ipc" in (root / "tests" / "hub.py").read_text()
    assert '"transport": "ipc"' in (root / "binder" / "postBuild").read_text()


def test_smworkbook_outputs_runs_its_kernel_over_ipc_in_a_folder_of_its_own(tmp_path):
    """`smworkbook outputs` (make outputs) shows the mock's token in a cell's output before it writes TOKEN instead:
    its kernel's channels must not be TCP, which any user of the machine can subscribe to."""
    from nbformat.v4 import new_code_cell, new_notebook

    from smworkbook.authoring import outputs

    path = tmp_path / "probe.ipynb"
    code = (
        "import json, os, stat, ipykernel.connect as connect\n"
        "info = json.load(open(connect.get_connection_file()))\n"
        "folder = os.path.dirname(info['ip']) if info['transport'] == 'ipc' else ''\n"
        "mode = oct(stat.S_IMODE(os.stat(folder).st_mode)) if folder else '-'\n"
        "print(info['transport'], mode, folder or '-', os.getpid())"
    )
    nbformat.write(new_notebook(cells=[new_code_cell(code)]), path)
    outputs.refresh(path)
    transport, mode, folder, pid = nbformat.read(path, as_version=4).cells[0].outputs[0]["text"].split()
    assert (transport, mode) == ("ipc", "0o700"), f"the kernel's channels: {transport}, folder mode {mode}"
    assert not Path(folder).exists()  # removed with the kernel
    assert not _running(int(pid)), "the kernel was left running"


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
