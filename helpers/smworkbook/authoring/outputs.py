"""Refresh the stored outputs of notebooks from a fresh run (what nbval compares against)."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.util import run_sync


def refresh(path: Path, timeout: int = 600) -> None:
    """Run `path` top to bottom in a new kernel and save it with the new outputs."""
    notebook = nbformat.read(path, as_version=4)
    # The kernel's channels are Unix sockets in a folder of this user's alone, as the grader's, the hub's and `make
    # lab`'s are: over Jupyter's default, TCP on loopback, any user of the machine can subscribe to a kernel's output
    # (tests/test_kernel_channels.py), which shows the mock's token before it is replaced here.
    sockets = Path(tempfile.mkdtemp(prefix="smw-outputs-"))
    manager = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(sockets / "kernel"))
    try:
        # No timing metadata: it would change every stored notebook on every run.
        client = NotebookClient(
            notebook,
            km=manager,
            timeout=timeout,
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    finally:
        if manager.has_kernel:  # a kernel manager handed to nbclient is the caller's to shut down
            run_sync(manager.shutdown_kernel)(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
    nbformat.write(without_tokens(notebook), path)


# The mock's /moto-api/ token in a dashboard link (instructor.dashboard_url): never stored.
TOKEN = re.compile(r"token=[A-Za-z0-9_-]{16,}")


def without_tokens(notebook):
    """`notebook` with every mock token in its outputs replaced by the placeholder `token=TOKEN`."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            for key, value in output.get("data", {}).items():
                if isinstance(value, str):
                    output["data"][key] = TOKEN.sub("token=TOKEN", value)
            if isinstance(output.get("text"), str):
                output["text"] = TOKEN.sub("token=TOKEN", output["text"])
    return notebook
