"""tools/setup_venv.py: where `make` gets uv from, and the JupyterLab setting it writes instead of starting Jupyter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tools import setup_venv

from .conftest import ROOT

VERSION = "0.13.9"


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
