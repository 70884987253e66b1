"""Shared fixtures: one mock for the test process, emptied before each test that uses it."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import smworkbook

ROOT = Path(__file__).resolve().parent.parent

# The tests prove the workbook on its embedded mock, whatever backend the developer's shell chose
# (tests/test_backends.py sets SMWORKBOOK_BACKEND itself where it wants another).
os.environ.pop("SMWORKBOOK_BACKEND", None)


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
    from smworkbook.toolkit import access

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


LEARNER_KEY = "AKIAIOSFODNN7PLANTED"  # looks real, is not
LEARNER_PROFILE_KEY = "AKIAIOSFODNN7PROFILE"


@pytest.fixture
def learner_home(tmp_path):
    """A home folder with real-looking credentials and profiles, as on a learner's laptop."""
    aws_dir = tmp_path / ".aws"
    aws_dir.mkdir()
    (aws_dir / "credentials").write_text(
        f"[default]\naws_access_key_id = {LEARNER_PROFILE_KEY}\naws_secret_access_key = planted-secret\n"
        f"[learner]\naws_access_key_id = {LEARNER_PROFILE_KEY}\naws_secret_access_key = planted-secret\n"
    )
    (aws_dir / "config").write_text(
        "[default]\nregion = eu-west-1\n[profile learner]\nregion = eu-west-1\nendpoint_url = https://example.invalid\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(tmp_path),
        AWS_ACCESS_KEY_ID=LEARNER_KEY,
        AWS_SECRET_ACCESS_KEY="planted-secret",
        AWS_SESSION_TOKEN="planted-token",
        AWS_PROFILE="learner",
        AWS_ENDPOINT_URL_SECRETS_MANAGER="https://example.invalid",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_lab(home: Path, root: Path = ROOT, extra_env: dict[str, str] | None = None, extra_flags: str = ""):
    """Run `make lab` (the README's command) on a free port, serving `root`; yields (base_url, token).

    Jupyter's runtime files go to a short private folder, not to the real home folder: `make lab`'s kernels talk over
    Unix sockets next to their connection files, and a socket's path holds 107 bytes at most (a pytest tmp_path's
    runtime folder is too deep).
    """
    port, token = free_port(), secrets.token_hex(16)
    runtime = tempfile.mkdtemp(prefix="smw-rt-")
    env = dict(os.environ, HOME=str(home), JUPYTER_RUNTIME_DIR=runtime, **(extra_env or {}))
    flags = f"--no-browser --port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token} {extra_flags}"
    process = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_FLAGS={flags}", f"LAB_ROOT={root}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, process.stdout.read()
                time.sleep(0.3)
        else:
            raise AssertionError("JupyterLab did not answer within 90 s")
        yield base, token
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        shutil.rmtree(runtime, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown, and unused, under -p no:xdist
def pytest_xdist_make_scheduler(config, log):
    """`make test`'s --dist loadfile, spreading the files marked `spread` (see _spread_files)."""
    if config.getvalue("dist") == "loadfile":
        return _spread_files()(config, log)
    return None


@functools.cache
def _spread(file: str) -> bool:
    """Does the test file say `pytestmark = pytest.mark.spread`? (Read from its text: xdist's controller collects
    no tests, it sees only their ids.)"""
    path = ROOT / file
    text = path.read_text(encoding="utf-8") if path.suffix == ".py" and path.is_file() else ""
    return re.search(r"^pytestmark = pytest\.mark\.spread\b", text, re.MULTILINE) is not None


def spread_last(workqueue: dict, collection: list[str], scope_of) -> list[tuple]:
    """The work units (scope, tests): the files in collection order, then the tests of the spread files (a test's
    own scope is its id, which holds "::"; a file's is its path)."""
    first: dict[str, int] = {}
    for index, nodeid in enumerate(collection):
        first.setdefault(scope_of(nodeid), index)
    return sorted(workqueue.items(), key=lambda unit: ("::" in unit[0], first[unit[0]]))


def _spread_files() -> type:
    """The scheduler's class (xdist is imported only when pytest runs with -n)."""
    from xdist.scheduler import LoadFileScheduling

    class SpreadFiles(LoadFileScheduling):
        """pytest-xdist's --dist loadfile (a file's tests on one worker, in order: a module's fixtures start once),
        except that each test of a file marked `spread` goes to whichever worker is free, after all the other files:
        the suite is CPU-bound on 2 cores, and a long file alone on one worker at the end left the other core idle.
        (--dist loadgroup would do it with marks, but does not group at all with pytest 9.2: pytest-xdist#1386.)"""

        ordered = False

        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return nodeid if _spread(file) else file

        def _assign_work_unit(self, node) -> None:
            if not self.ordered:  # once, before the first tests are sent
                self.ordered = True
                units = spread_last(self.workqueue, self.collection or [], self._split_scope)
                self.workqueue.clear()
                self.workqueue.update(units)
            super()._assign_work_unit(node)

    return SpreadFiles


# Loopback requests never go through a proxy the environment may name.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def raw_request(aws, operation: str, body: dict) -> tuple[int, dict, dict]:
    """One signed Secrets Manager request sent as written, as an SDK-less client sends it (botocore fills in nothing,
    e.g. no ClientRequestToken): its HTTP status, its headers (lower-case names) and its JSON body (a body that is
    not JSON comes back as {"<not JSON>": its first 200 characters})."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    signed = AWSRequest(
        method="POST",
        url=aws.endpoint_url + "/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"secretsmanager.{operation}"},
    )
    SigV4Auth(aws._session.get_credentials(), "secretsmanager", aws.region).add_auth(signed)
    prepared = signed.prepare()
    request = urllib.request.Request(prepared.url, data=prepared.body, method="POST", headers=dict(prepared.headers))
    try:
        with _NO_PROXY.open(request, timeout=30) as answer:
            status, headers, payload = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as refused:
        status, headers, payload = refused.code, refused.headers, refused.read()
    try:
        parsed = json.loads(payload) if payload else {}
    except ValueError:
        parsed = {"<not JSON>": payload.decode(errors="replace")[:200]}
    return status, {name.lower(): value for name, value in headers.items()}, parsed


def pytest_terminal_summary(terminalreporter):
    """Where a whole run's time goes (`make test`; docs/maintainer.md): seconds per test file, setup, call and
    teardown summed over its tests, whichever worker ran them. Runs of a few files print nothing."""
    per_file: dict[str, float] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) in ("setup", "call", "teardown"):
                name = report.nodeid.split("::")[0]
                per_file[name] = per_file.get(name, 0.0) + report.duration
    if len(per_file) < 10:
        return
    total = sum(per_file.values())
    said = f"test seconds by file, largest first ({len(per_file)} files, {total:.0f} s in all)"
    terminalreporter.write_sep("-", said)
    for name, seconds in sorted(per_file.items(), key=lambda item: -item[1])[:15]:
        terminalreporter.write_line(f"{seconds:7.1f} s  {name}")


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """A real IPython shell (as a kernel runs cells: the same events), its history in memory, its profile in tmp."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    yield shell
    InteractiveShell.clear_instance()
