"""The workbook's IPython extension (smworkbook_kernel) in a real kernel of the workbook's environment: after a
restart, a NameError for a name a cell of the notebook sets says which cell to run first (issue 31 item 6)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

import smworkbook_kernel

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "04_rotation.ipynb"


def test_the_environment_has_every_kernel_load_the_extension():
    config = Path(sys.prefix, "etc", "ipython", smworkbook_kernel.CONFIG)
    assert config.is_file(), f"{config} is missing: run `.venv/bin/python -m smworkbook_kernel` (make lab does)"
    assert "smworkbook_kernel" in json.loads(config.read_text())["IPKernelApp"]["extensions"]


def test_installing_keeps_the_settings_already_there_and_adds_the_extension_once(tmp_path):
    path = tmp_path / "etc" / "ipython" / smworkbook_kernel.CONFIG
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"IPKernelApp": {"extensions": ["other"]}, "InteractiveShell": {"colors": "nocolor"}}))
    for _ in range(2):
        smworkbook_kernel.install(str(tmp_path))
    config = json.loads(path.read_text())
    assert config == {
        "IPKernelApp": {"extensions": ["other", "smworkbook_kernel"]},
        "InteractiveShell": {"colors": "nocolor"},
    }


def test_names_set_by_a_cell_are_its_top_level_names_only():
    source = "%matplotlib inline\nimport json, os.path as p\nfrom x import y as z\na, (b, c) = 1, (2, 3)\n"
    source += "for i in []: pass\nwith open('f') as handle: pass\ndef f(local=1):\n    inner = 2\nclass K: attr = 1\n"
    assert smworkbook_kernel.names_set_by(source) == {"json", "p", "z", "a", "b", "c", "i", "handle", "f", "K"}
    assert smworkbook_kernel.names_set_by("def broken(:\n") == set()


@pytest.fixture
def kernel(tmp_path):
    """A kernel started as JupyterLab starts one for lesson 4: in the notebook's folder, told its path."""
    shutil.copy(LESSON, tmp_path / LESSON.name)
    env = {**os.environ, "JPY_SESSION_NAME": str(tmp_path / LESSON.name)}
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def error_of(client, code: str) -> tuple[str, list[str]]:
    """The (ename, traceback lines) of the error `code` raises in the kernel."""
    errors = []

    def collect(message):
        if message["msg_type"] == "error":
            errors.append(message["content"])

    client.execute_interactive(code, timeout=120, output_hook=collect)
    assert errors, f"{code!r} raised nothing"
    return errors[0]["ename"], errors[0]["traceback"]


def test_after_a_restart_a_name_error_says_which_cell_to_run(kernel):
    ename, traceback = error_of(kernel, "client.describe_secret(SecretId='lesson04/app-db')")
    assert ename == "NameError"  # what the grader and nbval read is unchanged
    assert traceback[-1].startswith("→ `client` is set by this notebook's set-up cell")
    assert "Run the set-up cell first" in traceback[-1]
    assert any("name 'client' is not defined" in line for line in traceback[:-1])  # the usual traceback stays

    _, traceback = error_of(kernel, "print(seed_arn)")  # set by a later cell of lesson 4, not the set-up
    assert traceback[-1].startswith("→ `seed_arn` is set by another cell of this notebook (the one starting `")

    _, traceback = error_of(kernel, "no_cell_sets_this")
    assert not any("→" in line for line in traceback)  # a name no cell sets: Python's message alone


def test_the_package_keeps_the_name_error_line_and_its_own_one_line_errors(kernel):
    """smworkbook adds its handlers (one line for a CheckFailed) to the extension's, not in place of them."""
    error_of(kernel, "import smworkbook\nraise smworkbook.CheckFailed('the hint')")
    ename, traceback = error_of(kernel, "raise smworkbook.CheckFailed('the hint')")
    assert (ename, traceback) == ("CheckFailed", ["CheckFailed: the hint"])
    _, traceback = error_of(kernel, "json.dumps({})")
    assert traceback[-1].startswith("→ `json` is set by this notebook's set-up cell")
