"""Refresh the stored outputs of notebooks from a fresh run (what nbval compares against)."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from traitlets.config import Config


def refresh(path: Path, timeout: int = 600) -> None:
    """Run `path` top to bottom in a new kernel and save it with the new outputs."""
    notebook = nbformat.read(path, as_version=4)
    # The kernel talks over Unix sockets in a folder of this user's alone (`--KernelManager.transport=ipc`, as `make
    # lab` sets it): over Jupyter's default, TCP on loopback, any user of the machine can subscribe to a kernel's
    # output (tests/test_kernel_channels.py), which shows the mock's token before it is replaced here.
    sockets = Path(tempfile.mkdtemp(prefix="smw-outputs-"))
    try:
        # No timing metadata: it would change every stored notebook on every run.
        NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            config=Config(KernelManager={"transport": "ipc", "ip": str(sockets / "kernel")}),
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    finally:
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
