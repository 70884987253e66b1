"""Proof that the workbook never leaks: every lesson and solution notebook runs with only loopback
reachable and with real-looking AWS credentials planted in the environment and in ~/.aws, and
the planted credentials are never sent anywhere. That run is `make test`'s nbval run of the notebooks (their outputs
match the stored ones), a lesson at a time so that the lessons spread over pytest's workers.

The guard (tests/guard/sitecustomize.py) refuses any non-loopback connection at the socket layer,
in pytest and in every kernel, and records every request botocore sends. Where this runs as root,
it also runs inside a new network namespace that has nothing but `lo`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys

import pytest

from .conftest import LEARNER_KEY, LEARNER_PROFILE_KEY, ROOT, run_python

pytestmark = pytest.mark.spread  # independent tests: any worker (tests/conftest.py)

GUARD = ROOT / "tests" / "guard"


def guarded_env(tmp_path, learner_home_env: dict) -> tuple[dict, object]:
    log = tmp_path / "guard.jsonl"
    log.touch()
    env = dict(learner_home_env, PYTHONPATH=str(GUARD), SMW_GUARD_LOG=str(log))
    return env, log


def read_log(log) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def only_loopback_prefix() -> list[str]:
    """`unshare -n` (a network namespace with just lo) where we may create one, else nothing."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return []
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        return []
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "only-loopback"]


def test_guard_refuses_a_non_loopback_connection(tmp_path, learner_home):
    """Can the guard fail? A connection to a documentation-only address is refused and recorded."""
    env, log = guarded_env(tmp_path, learner_home)
    code = "import socket; socket.create_connection(('192.0.2.1', 9), timeout=1)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    assert "workbook network guard" in result.stderr
    assert read_log(log) == [{"blocked": "192.0.2.1", "pid": read_log(log)[0]["pid"]}]


# Each lesson's notebook and solution, from the files (a new lesson is picked up with no list to edit).
LESSONS = sorted({path.name[:2] for folder in ("notebooks", "solutions") for path in (ROOT / folder).glob("*.ipynb")})


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: f"lesson {lesson}")
def test_every_notebook_matches_its_stored_outputs_offline_and_never_sends_the_planted_credentials(
    tmp_path, learner_home, lesson
):
    """nbval over the lesson's notebook and solution: each runs in a fresh kernel and its outputs match the stored
    ones (tests/sanitize.cfg), with only loopback reachable and the planted credentials in place. This is `make
    test`'s nbval run of notebooks/ and solutions/ (one run, not two: it was also run without the guard)."""
    env, log = guarded_env(tmp_path, learner_home)
    notebooks = sorted(
        str(path.relative_to(ROOT))
        for folder in ("notebooks", "solutions")
        for path in (ROOT / folder).glob(f"{lesson}_*.ipynb")
    )
    command = [
        *only_loopback_prefix(),
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-rf", "--color=no",
        "--nbval", "--nbval-sanitize-with", "tests/sanitize.cfg", *notebooks,
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]

    entries = read_log(log)
    requests = [entry for entry in entries if "url" in entry]
    assert [entry for entry in entries if "blocked" in entry] == []
    assert requests  # the guard saw the notebooks' calls: it was in force
    assert all(entry["url"].startswith("http://127.0.0.1:") for entry in requests)
    signed = [entry["authorization"] for entry in requests if entry["authorization"]]
    key_ids = {header.partition("Credential=")[2].partition("/")[0] for header in signed}
    # Each kernel's mock has its own key (server.Credentials: "SMWB" and 16 hex digits), never the
    # public `testing` pair. Lesson 5 also signs as IAM users of the mock, with access keys the
    # mock itself issued (create_access_key): "AKIA" and 16 characters, never one of the planted keys.
    assert "testing" not in key_ids
    assert any(re.fullmatch(r"SMWB[0-9A-F]{16}", key) for key in key_ids), key_ids
    assert all(re.fullmatch(r"SMWB[0-9A-F]{16}|AKIA[A-Z0-9]{16}", key) for key in key_ids), key_ids
    assert not any(LEARNER_KEY in header or LEARNER_PROFILE_KEY in header for header in signed)


def test_a_proxy_in_the_environment_never_sees_the_mocks_traffic():
    """Work laptops set HTTP_PROXY; botocore and urllib would send even loopback requests through it."""
    with socket.socket() as proxy:  # a "proxy" on this machine, counting who connects to it
        proxy.bind(("127.0.0.1", 0))
        proxy.listen()
        proxy.settimeout(0)
        address = f"http://127.0.0.1:{proxy.getsockname()[1]}"
        env = dict(os.environ, HTTP_PROXY=address, HTTPS_PROXY=address, http_proxy=address, https_proxy=address)
        env["NO_PROXY"] = env["no_proxy"] = "intranet.example"  # the learner's own, kept
        code = (
            "import os, boto3, smworkbook; aws = smworkbook.start(); sm = boto3.client('secretsmanager'); "
            "sm.create_secret(Name='s', SecretString='v'); aws.reset(); "
            "print(sm.list_secrets()['SecretList'], os.environ['NO_PROXY'])"
        )
        result = run_python(code, env=env, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["[]", "intranet.example,127.0.0.1,localhost,::1"]
        with pytest.raises(BlockingIOError):
            proxy.accept()  # nobody connected
