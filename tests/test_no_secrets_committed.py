"""No credential-like strings or real secret values in any committed file."""

from __future__ import annotations

import re
import subprocess

import pytest

from smworkbook.fixtures.leaky_app import MADE_UP

from .conftest import LEARNER_KEY, LEARNER_PROFILE_KEY, ROOT

PATTERNS = {
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA|A3T[A-Z0-9])[A-Z0-9]{16}\b"),
    "AWS secret access key": re.compile(r"aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+]{40}\b", re.IGNORECASE),
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |)PRIVATE KEY-----"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    # A mock's own credentials (server.Credentials): a dashboard link stores token=TOKEN instead.
    "mock's /moto-api/ token": re.compile(r"token=(?!TOKEN\b)[A-Za-z0-9_-]{16,}"),
    "mock's access key id": re.compile(r"\bSMWB[0-9A-F]{16}\b"),
}
# Obviously fake values that the isolation tests plant on purpose, AWS's documented example, and lesson 8's
# sample application's made-up secrets (by exact value, listed once beside the sample).
ALLOWED = {LEARNER_KEY, LEARNER_PROFILE_KEY, "AKIAIOSFODNN7EXAMPLE", *MADE_UP.values()}


def committed_files() -> list[str]:
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [name for name in listing.stdout.split("\0") if name]


def findings(text: str) -> list[str]:
    found = []
    for kind, pattern in PATTERNS.items():
        found += [
            f"{kind}: {match.group(0)[:12]}..." for match in pattern.finditer(text) if match.group(0) not in ALLOWED
        ]
    return found


@pytest.mark.parametrize(
    "text",
    [
        # Built from parts, so that this file does not trip its own scan.
        "key = 'AKIA" + "Z" * 16 + "'",
        "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/" + "z" * 18,
        "-----BEGIN RSA " + "PRIVATE KEY-----",
        "http://127.0.0.1:40000/moto-api/?token" + "=Zq3" + "x" * 29,
        "SMWB" + "0123456789ABCDEF",
    ],
)
def test_scan_finds_credential_like_strings(text):
    assert findings(text)


def test_lesson_8s_made_up_keys_are_allowed_by_value_only():
    """The sample's exact values pass; a key of the same shape one character away, anywhere, still fails."""
    assert findings(f"key = '{MADE_UP['AWS access key id']}' {MADE_UP['GitHub token']}") == []
    assert findings("key = '" + MADE_UP["AWS access key id"][:-1] + "X'")
    assert findings(MADE_UP["GitHub token"][:-1] + "X")


def test_no_committed_file_holds_a_credential():
    problems = []
    for name in committed_files():
        path = ROOT / name
        if not path.is_file() or path.suffix in {".png", ".jpg"}:
            continue
        problems += [f"{name}: {finding}" for finding in findings(path.read_text(encoding="utf-8", errors="ignore"))]
    assert problems == []
