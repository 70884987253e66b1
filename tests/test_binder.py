"""Binder / JupyterHub: binder/ builds the same environment as environment.yml, and opens like `make lab`."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .conftest import ROOT, free_port, run_python

POST_BUILD = ROOT / "binder" / "postBuild"


def _server_config() -> dict:
    text = POST_BUILD.read_text()
    return json.loads(text[text.index('settings = json.loads("""') + 25 : text.index('""")')])


def test_binder_builds_from_the_same_environment_yml():
    """repo2docker reads only binder/ when it exists, so binder/environment.yml must equal the top one."""
    same = (ROOT / "binder" / "environment.yml").read_text() == (ROOT / "environment.yml").read_text()
    assert same, "binder/environment.yml differs: run `make lock` (both are made from uv.lock)"


def test_post_build_installs_the_helpers_without_touching_the_pins():
    assert os.access(POST_BUILD, os.X_OK)
    subprocess.run(["bash", "-n", str(POST_BUILD)], check=True)
    text = POST_BUILD.read_text()
    assert "pip install --no-deps -e ." in text
    assert 'labextension disable --level=sys_prefix "@jupyterlab/apputils-extension:announcements"' in text


def test_post_build_settings_are_those_of_make_lab():
    lab = _server_config()["LabApp"]
    makefile = (ROOT / "Makefile").read_text()
    assert lab["news_url"] is None and "--LabApp.news_url=None" in makefile
    assert f"--LabApp.check_for_updates_class={lab['check_for_updates_class']}" in makefile
    assert f"--LabApp.default_url={lab['default_url']}" in makefile


def test_jupyter_reads_the_post_build_settings(tmp_path):
    """The settings postBuild writes are ones JupyterLab really reads: / opens the start page, kernels use IPC."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "jupyter_lab_config.json").write_text(json.dumps(_server_config()))
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, HOME=str(tmp_path), JUPYTER_CONFIG_PATH=str(tmp_path / "config"))
    # A kernel's IPC sockets are named <runtime>/kernel-<36-character id>-ipc-N, within a Unix socket path's 107
    # bytes only under a runtime folder of 55 characters at most (as ~/.local/share/jupyter/runtime is): not tmp_path.
    runtime = Path(tempfile.mkdtemp(prefix="smw-rt-"))
    env["JUPYTER_RUNTIME_DIR"] = str(runtime)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--port={port}"]
    command += ["--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}"]
    command += ["--allow-root"] if os.getuid() == 0 else []
    lab = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                assert lab.poll() is None
                time.sleep(0.3)
        opened = urllib.request.urlopen(f"{base}/?token={token}", timeout=10)
        assert "/lab/tree/notebooks/00_start_here.ipynb" in opened.url
        # Kernels over Unix sockets in the private runtime folder (tests/test_kernel_channels.py says why).
        started = urllib.request.urlopen(urllib.request.Request(f"{base}/api/kernels?token={token}", b"{}"), timeout=30)
        kernel = json.loads(started.read())["id"]
        connection = json.loads((runtime / f"kernel-{kernel}.json").read_text())
        assert connection["transport"] == "ipc" and connection["ip"].startswith(str(runtime))
        assert runtime.stat().st_mode & 0o077 == 0
    finally:
        lab.terminate()
        lab.wait(timeout=30)
        shutil.rmtree(runtime, ignore_errors=True)


def test_the_readme_has_a_binder_badge_opening_the_start_page():
    readme = (ROOT / "README.md").read_text()
    badge = re.search(r"\[!\[Launch on Binder\]\(https://mybinder\.org/badge_logo\.svg\)\]\((\S+)\)", readme)
    assert badge and badge.group(1).endswith("?urlpath=lab/tree/notebooks/00_start_here.ipynb")


def test_the_workbook_writes_nothing_to_home(tmp_path):
    """On a JupyterHub $HOME may be small or shared: the mock and checks keep nothing there."""
    home = tmp_path / "home"
    home.mkdir()
    code = (
        "import smworkbook\nfrom smworkbook import checks, instructor\n"
        "aws = smworkbook.start()\ninstructor.reset(seed=True)\nchecks.setup('1.2')\n"
        "print(len(aws.client('secretsmanager').list_secrets()['SecretList']))"
    )
    done = run_python(code, env=dict(os.environ, HOME=str(home)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "4"
    assert list(home.rglob("*")) == []
