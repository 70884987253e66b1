"""`make lab`, the README's command for learners, serves JupyterLab on the start page."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from .conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("lab-home")
    port, token = free_port(), secrets.token_hex(16)
    # Keep Jupyter's runtime and settings files out of the real home folder.
    env = dict(os.environ, HOME=str(tmp_path), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    flags = f"--no-browser --port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    process = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_FLAGS={flags}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.3)
    else:
        pytest.fail("JupyterLab did not answer within 90 s")
    yield base, token
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def test_make_lab_opens_on_the_start_page(lab):
    base, token = lab
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"{base}/?token={token}", timeout=10)
    assert redirect.value.code == 302
    assert redirect.value.headers["Location"].startswith("/lab/tree/notebooks/00_start_here.ipynb")

    page = urllib.request.urlopen(f"{base}/lab/tree/notebooks/00_start_here.ipynb?token={token}", timeout=10)
    assert page.status == 200
    assert "JupyterLab" in page.read().decode()


def test_make_lab_serves_the_workbook_folders(lab):
    base, token = lab
    listing = json.load(urllib.request.urlopen(f"{base}/api/contents?token={token}", timeout=10))
    names = {item["name"] for item in listing["content"]}
    assert {"notebooks", "exercises", "solutions", "README.md"} <= names
    start = json.load(urllib.request.urlopen(f"{base}/api/contents/notebooks/00_start_here.ipynb?token={token}"))
    assert start["type"] == "notebook"
