"""Do the commands our shipped workflows and scripts run exist? A `make` target a workflow names but the
Makefile lost fails only on GitHub or Gradescope, far from the change that broke it (gradebook.yml and the
autograder's setup.sh both named `.venv/.installed` long after it was gone)."""

from __future__ import annotations

import re
import subprocess

import pytest

from .conftest import ROOT

SHIPPED = sorted(
    [*(ROOT / ".github/workflows").glob("*.yml"), *(ROOT / "autograder").glob("*.sh"), *(ROOT / "binder").glob("*")]
)
# `make TARGET` or `make TARGET VAR=...`, not a word like "make sure" inside a comment.
MAKE = re.compile(r"^\s*(?:-\s+run:\s*|run:\s*)?make\s+([A-Za-z0-9_./-]+)", re.M)


def _targets():
    for path in SHIPPED:
        if path.is_file():
            for target in MAKE.findall(path.read_text()):
                yield path.relative_to(ROOT).as_posix(), target


TARGETS = sorted(set(_targets()))


def test_the_shipped_files_call_make_at_all():
    """The pattern below must find something, or the next test proves nothing."""
    assert {"docs", ".venv/.lab"} <= {target for _, target in TARGETS}


@pytest.mark.parametrize(("path", "target"), TARGETS, ids=[f"{p}:{t}" for p, t in TARGETS])
def test_each_make_target_a_shipped_file_runs_exists(path, target):
    # `make -n -q` never runs a recipe; make says "No rule to make target" (exit 2) for a name it does not know.
    done = subprocess.run(["make", "-n", "-q", target], cwd=ROOT, capture_output=True, text=True)
    assert "No rule to make target" not in done.stderr, f"{path} runs `make {target}`: the Makefile has no such target"
