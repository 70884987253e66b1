"""Shared fixtures: one mock for the test process, emptied before each test that uses it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import smworkbook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def aws():
    """This test process's mock AWS, with no secrets in it."""
    mock = smworkbook.start()
    mock.reset()
    return mock


@pytest.fixture
def sm(aws):
    """A Secrets Manager client for the mock."""
    return aws.client("secretsmanager")


@pytest.fixture
def enforced(aws):
    """The mock with IAM policy enforcement on for this test only (off again afterwards)."""
    from smworkbook import access

    access.enforce_policies()
    yield aws
    access.enforce_policies(False)


def run_python(code: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `code` in a new Python process (a stand-in for a new kernel) and return what it printed."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
