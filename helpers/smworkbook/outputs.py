"""Refresh the stored outputs of notebooks from a fresh run (what nbval compares against)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient


def refresh(path: Path, timeout: int = 600) -> None:
    """Run `path` top to bottom in a new kernel and save it with the new outputs."""
    notebook = nbformat.read(path, as_version=4)
    # No timing metadata: it would change every stored notebook on every run.
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nbformat.write(notebook, path)
