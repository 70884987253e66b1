"""Lesson 8's sample application: its password really logs in, the scanner finds what the lesson says (and misses
the mail password), the history holds the removed key, the hook refuses a commit adding a secret, and after a
rotation the leaked password no longer logs in."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

import smworkbook
from smworkbook.fixtures import leaky_app
from smworkbook.fixtures.leaky_app import MADE_UP

# git's own hook (no pre-commit framework, nothing cloned): the scanner's hook on the files the commit adds or changes.
HOOK = (
    '#!/bin/sh\nexec "{python}" -m detect_secrets.pre_commit_hook $(git diff --cached --name-only --diff-filter=ACM)\n'
)


@pytest.fixture(scope="module")
def db():
    return smworkbook.start_database()


@pytest.fixture
def sample(db, tmp_path):
    return leaky_app.make_sample(db, tmp_path / "orders-service")


def test_the_password_in_settings_really_logs_in(sample, db):
    answer = subprocess.run([sys.executable, "-m", "orders.app"], cwd=sample, capture_output=True, text=True)
    assert answer.stdout == "orders service: connected as orders_app\n"
    assert db.can_log_in("orders_app", MADE_UP["database password"])


def test_the_scanner_finds_three_files_and_misses_the_mail_password(sample):
    found = leaky_app.scan(sample)
    assert {(name, kind) for name, kind, _ in found} >= {
        (".env", "Secret Keyword"),
        ("orders/settings.py", "Secret Keyword"),
        ("report.ipynb", "GitHub Token"),
    }
    settings = (sample / "orders/settings.py").read_text().splitlines()
    mail_line = next(number for number, line in enumerate(settings, 1) if MADE_UP["mail password"] in line)
    assert ("orders/settings.py", mail_line) not in {(name, line) for name, _, line in found}


def _command_scan(folder) -> list[tuple[str, str, int]]:
    """What the scanner's own command, `detect-secrets scan --all-files`, reports in `folder`, .git/ left out."""
    run = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "--all-files", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted(
        (name, finding["type"], finding["line_number"])
        for name, findings in json.loads(run.stdout)["results"].items()
        if not name.startswith(".git/")
        for finding in findings
    )


def test_scan_reports_what_the_scanners_own_command_reports(sample, tmp_path):
    """scan() runs detect-secrets' code in the kernel, not its command: the same findings, in the working tree, in
    the first commit's tree (an AWS key, since removed) and in a folder of files no plugin has a finding in."""
    first = leaky_app.git(sample, "rev-list", "--max-parents=0", "HEAD").stdout.strip()
    (tmp_path / "first").mkdir()
    subprocess.run(f"git -C '{sample}' archive {first} | tar -x -C '{tmp_path / 'first'}'", shell=True, check=True)
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "app.py").write_text('import os\nPASSWORD = os.environ["PASSWORD"]\n')
    (tmp_path / "clean" / "notes.txt").write_text("summer2019 is the mail password\n")
    for folder in (sample, tmp_path / "first", tmp_path / "clean"):
        assert leaky_app.scan(folder) == _command_scan(folder), folder
    assert ("deploy.sh", "AWS Access Key", 3) in leaky_app.scan(tmp_path / "first")
    assert leaky_app.scan(tmp_path / "clean") == []
    with pytest.raises(FileNotFoundError):
        leaky_app.scan(tmp_path / "no-such-folder")


def test_the_removed_key_is_only_in_history(sample):
    assert "deploy.sh" not in {name for name, _, _ in leaky_app.scan(sample)}
    history = leaky_app.scan_history(sample)
    assert len(history) == 4
    first, *_, last = history.values()
    assert ("deploy.sh", "AWS Access Key", 3) in first
    assert "deploy.sh" not in {name for name, _, _ in last}


def test_the_sample_is_made_in_a_new_folder_only(db, tmp_path):
    (tmp_path / "mine.txt").write_text("the learner's")
    with pytest.raises(smworkbook.WorkbookError, match="not empty"):
        leaky_app.make_sample(db, tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "the learner's"


def test_the_hook_refuses_a_commit_that_adds_a_secret(sample):
    hook = sample / ".git/hooks/pre-commit"
    hook.write_text(HOOK.format(python=sys.executable))
    hook.chmod(0o755)
    (sample / "notify.py").write_text(f'SLACK_PASSWORD = "{MADE_UP["database password"]}"\n')
    leaky_app.git(sample, "add", "notify.py")
    refused = leaky_app.git(sample, "commit", "-m", "notify", check=False)
    assert refused.returncode != 0
    assert "Secret Keyword" in refused.stdout + refused.stderr
    (sample / "notify.py").write_text('import os\n\nSLACK_PASSWORD = os.environ["SLACK_PASSWORD"]\n')
    leaky_app.git(sample, "add", "notify.py")
    assert leaky_app.git(sample, "commit", "-q", "-m", "notify", check=False).returncode == 0


def test_after_a_rotation_the_leaked_password_no_longer_logs_in(sample, db, aws, sm, monkeypatch):
    leaked = leaky_app.git(sample, "show", "HEAD~3:orders/settings.py").stdout
    assert MADE_UP["database password"] in leaked
    credentials = {**db.create_login("orders_app"), "password": MADE_UP["database password"]}
    leaky_app.set_password(db, MADE_UP["database password"])
    aws.ensure_secret("lesson08/orders-db", SecretString=json.dumps(credentials))
    monkeypatch.setenv("SECRETS_MANAGER_ENDPOINT", aws.endpoint_url)  # as the mock's Lambda sets it
    spec = importlib.util.spec_from_file_location("lambda_function", smworkbook.ROTATION_FUNCTION_FILE)
    template = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(template)
    arn = smworkbook.register_rotation_function("lesson08-rotate", template.lambda_handler)
    sm.rotate_secret(SecretId="lesson08/orders-db", RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 30})
    new = json.loads(sm.get_secret_value(SecretId="lesson08/orders-db")["SecretString"])
    assert not db.can_log_in("orders_app", MADE_UP["database password"])
    assert db.can_log_in("orders_app", new["password"])
