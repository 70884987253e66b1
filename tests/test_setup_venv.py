"""tools/setup_venv.py: where `make` gets uv from, and the JupyterLab setting it writes instead of starting Jupyter."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tools import setup_venv

from .conftest import ROOT

VERSION = "0.13.9"
PIP_WHEEL = setup_venv.pip_wheel


def _fake_uv(path, says: str):
    """A stand-in for uv that only answers --version, as `uv --version` does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho '{says}'\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """An empty cache folder and a PATH with no uv; fetching from PyPI fails the test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))

    def no_pypi():
        raise AssertionError("uv was fetched from PyPI although a copy of the right version was at hand")

    monkeypatch.setattr(setup_venv, "pip_wheel", no_pypi)
    return tmp_path


def test_the_copy_in_the_cache_folder_is_used_first(machine):
    kept = _fake_uv(machine / "cache" / "smworkbook" / f"uv-{VERSION}" / "uv", f"uv {VERSION} (abc 2026-01-01)")
    _fake_uv(machine / "bin" / "uv", f"uv {VERSION}")
    assert setup_venv.get_uv(VERSION, machine / "venv" / ".uv") == str(kept)
    assert setup_venv.is_uv(machine / "venv" / ".uv" / "bin" / "uv", VERSION)


def test_a_uv_on_path_is_used_only_when_it_is_the_makefiles_version(machine, monkeypatch):
    _fake_uv(machine / "cache" / "smworkbook" / f"uv-{VERSION}" / "uv", "uv 0.9.1")  # a broken or stale copy
    on_path = _fake_uv(machine / "bin" / "uv", f"uv {VERSION}")
    assert setup_venv.get_uv(VERSION, machine / "venv" / ".uv") == str(on_path)

    on_path.write_text("#!/bin/sh\necho 'uv 0.14.0'\n")
    (machine / "venv" / ".uv" / "bin" / "uv").unlink()
    fetched = []
    monkeypatch.setattr(setup_venv, "pip_wheel", lambda: fetched.append(True))  # None: no pip to fetch with
    with pytest.raises(SystemExit, match="install python3-venv"):
        setup_venv.get_uv(VERSION, machine / "venv" / ".uv")
    assert fetched, "another version of uv on PATH must not stand in for the Makefile's"


def test_the_makefile_asks_for_its_uv_version():
    makefile = (ROOT / "Makefile").read_text()
    assert f"UV_VERSION := {VERSION}" in makefile
    assert "tools/setup_venv.py uv $(UV_VERSION) $(VENV)/.uv" in makefile


def test_pip_comes_from_the_wheel_this_pythons_ensurepip_carries():
    wheel = setup_venv.pip_wheel()
    assert wheel is not None and wheel.name.startswith("pip-") and wheel.suffix == ".whl"
    done = subprocess.run([sys.executable, str(wheel / "pip"), "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("pip "), done.stderr


def test_the_announcements_setting_is_the_one_labextension_disable_writes(tmp_path):
    """The same file and key `jupyter labextension disable --level=sys_prefix` writes (binder/postBuild runs it),
    keeping whatever else the file holds."""
    path = tmp_path / "etc" / "jupyter" / "labconfig" / "page_config.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"disabledExtensions": {"some-extension": True}, "other": 1}))
    assert setup_venv.lab_settings(tmp_path) == path
    config = json.loads(path.read_text())
    assert config == {
        "disabledExtensions": {"some-extension": True, "@jupyterlab/apputils-extension:announcements": True},
        "other": 1,
    }


def test_jupyterlab_reads_the_setting_in_this_environment():
    """JupyterLab's own reading of this environment's settings (.venv, made by make) has the announcements off."""
    from jupyterlab_server.config import get_static_page_config

    config = get_static_page_config(level="sys_prefix")
    assert config["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"] is True


def _wheel(tag: str, says: str) -> tuple[str, bytes]:
    """A wheel of uv as PyPI has them: the program in uv-VERSION.data/scripts/uv (here a script saying `says`)."""
    name = f"uv-{VERSION}-{tag}.whl"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"uv-{VERSION}.data/scripts/uv", f"#!/bin/sh\necho '{says}'\n")
        archive.writestr(f"uv-{VERSION}.dist-info/WHEEL", f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n")
    return name, buffer.getvalue()


@pytest.fixture
def index(machine, monkeypatch):
    """A package index on loopback serving uv's JSON page (PEP 691) and its files; records what was asked of it."""
    monkeypatch.setattr(setup_venv, "pip_wheel", PIP_WHEEL)  # the real one: its packaging ranks the tags
    (machine / "venv").mkdir()  # as `make` has made it
    served = {"files": {}, "asked": [], "hashes": {}}

    class Index(BaseHTTPRequestHandler):
        def do_GET(self):
            served["asked"].append(self.path)
            if self.path == "/simple/uv/":
                entries = [
                    {"filename": name, "url": f"/files/{name}", "hashes": {"sha256": served["hashes"].get(name) or
                     hashlib.sha256(body).hexdigest()}, "yanked": name.startswith("uv-0.13.9-py311-")}
                    for name, body in served["files"].items()
                ]  # fmt: skip
                body, kind = json.dumps({"meta": {"api-version": "1.1"}, "files": entries}).encode(), "json"
            elif self.path.startswith("/files/") and self.path[7:] in served["files"]:
                body, kind = served["files"][self.path[7:]], "zip"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", f"application/{'vnd.pypi.simple.v1+json' if kind == 'json' else 'zip'}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{server.server_port}/simple")
    yield served
    server.shutdown()
    server.server_close()


def test_the_wheel_for_this_machine_comes_straight_from_the_index_its_hash_checked(machine, index):
    from packaging.tags import sys_tags

    # This machine's platform as wheel tags name it (e.g. manylinux_2_36_x86_64), as uv's own wheels are tagged.
    platform = next(tag.platform for tag in sys_tags() if tag.abi == "none" and tag.platform != "any")
    for tag, says in [
        ("py3-none-any", f"uv {VERSION} (any)"),  # fits too, but pip ranks a platform's own wheel first
        (f"py3-none-{platform}", f"uv {VERSION} (this machine)"),
        ("py3-none-win_amd64", f"uv {VERSION} (windows)"),  # not for this machine
        (f"py311-none-{platform}", f"uv {VERSION} (yanked)"),  # would rank first
    ]:
        name, body = _wheel(tag, says)
        index["files"][name] = body
    index["files"]["uv-0.14.0-py3-none-any.whl"] = _wheel("py3-none-any", "uv 0.14.0")[1]
    assert setup_venv.get_uv(VERSION, machine / "venv" / ".uv") == "PyPI"
    program = machine / "venv" / ".uv" / "bin" / "uv"
    said = subprocess.run([str(program), "--version"], capture_output=True, text=True).stdout
    assert said == f"uv {VERSION} (this machine)\n"
    assert index["asked"] == ["/simple/uv/", f"/files/uv-{VERSION}-py3-none-{platform}.whl"]  # one page, one wheel
    kept = machine / "cache" / "smworkbook" / f"uv-{VERSION}" / "uv"
    assert kept.read_bytes() == program.read_bytes()


def test_a_wheel_whose_hash_differs_is_not_used_and_pip_is_asked_with_this_versions_links_alone(
    machine, index, monkeypatch
):
    name, body = _wheel("py3-none-any", f"uv {VERSION} (tampered)")
    index["files"][name] = body
    index["hashes"][name] = "0" * 64  # what the page says the file is
    index["files"]["uv-0.14.0-py3-none-any.whl"] = _wheel("py3-none-any", "uv 0.14.0")[1]
    asked = []

    def pip(command, **kwargs):  # pip as far as this test needs it: what it is asked, and a uv where it puts it
        if command[0] != sys.executable:
            return run(command, **kwargs)  # is_uv asking a program its version
        asked.append(command)
        _fake_uv(Path(command[command.index("--target") + 1]) / "bin" / "uv", f"uv {VERSION} (from pip)")
        return subprocess.CompletedProcess(command, 0)

    run = subprocess.run
    monkeypatch.setattr(setup_venv.subprocess, "run", pip)
    assert setup_venv.get_uv(VERSION, machine / "venv" / ".uv") == "PyPI"
    assert setup_venv.is_uv(machine / "venv" / ".uv" / "bin" / "uv", VERSION)
    [command] = asked
    assert command[command.index("--find-links") - 1] == "--no-index"
    page = Path(command[command.index("--find-links") + 1])
    assert page.name == "uv.html" and not page.exists()  # in the scratch folder, gone with it
    assert command[-1] == f"uv=={VERSION}"


def test_an_index_that_does_not_answer_leaves_pip_to_ask_it_itself(machine):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert setup_venv.wheel_links("uv", VERSION, f"http://127.0.0.1:{port}/simple") == []
