"""How `make test` shares the tests among pytest's workers (tests/conftest.py): a file's tests on one worker, except
the files marked `spread`, whose tests go one by one to whichever worker is free, after the other files."""

from __future__ import annotations

from collections import OrderedDict

import pytest

from .conftest import _spread, _spread_files, spread_last


def test_the_spread_files_are_those_that_say_so():
    assert _spread("tests/test_notebooks.py") and _spread("tests/test_no_network.py")
    assert not _spread("tests/test_browser.py")  # one JupyterLab and one Chromium for the whole file
    assert not _spread("tests/test_grading.py")  # module-scoped gradings, shared by its tests


def test_a_files_tests_share_a_scope_and_a_spread_files_each_their_own():
    pytest.importorskip("xdist")
    scheduler = _spread_files()
    assert scheduler._split_scope(None, "tests/test_browser.py::test_a[x]") == "tests/test_browser.py"
    assert scheduler._split_scope(None, "tests/test_browser.py::test_b") == "tests/test_browser.py"
    one = "tests/test_notebooks.py::test_every_cell_can_be_run_twice[notebooks/04_rotation.ipynb]"
    assert scheduler._split_scope(None, one) == one


def test_spread_tests_come_after_every_file_and_files_keep_their_order():
    collection = [
        "tests/test_a.py::one",
        "tests/test_notebooks.py::x[1]",
        "tests/test_a.py::two",
        "tests/test_notebooks.py::x[2]",
        "tests/test_z.py::one",
    ]

    def scope_of(nodeid):  # test_notebooks.py is spread: each test its own scope
        return nodeid if nodeid.startswith("tests/test_notebooks.py") else nodeid.split("::")[0]

    # xdist's own order: scopes with more tests first
    workqueue = OrderedDict()
    for nodeid in sorted(collection, key=lambda n: -sum(scope_of(m) == scope_of(n) for m in collection)):
        workqueue.setdefault(scope_of(nodeid), {})[nodeid] = False
    assert [unit for unit, _ in spread_last(workqueue, collection, scope_of)] == [
        "tests/test_a.py",
        "tests/test_z.py",
        "tests/test_notebooks.py::x[1]",
        "tests/test_notebooks.py::x[2]",
    ]


def test_the_tests_run_without_xdist_too():
    """`make mutate` runs pytest with -p no:xdist: the scheduler's hook must not stop it (an unknown hook would)."""
    import subprocess
    import sys

    from .conftest import ROOT

    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "tests/test_scheduling.py", "-k", "say_so"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
