"""The environment is the lock: what `make` installs, what conda and Binder get, and which Pythons it supports."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from tools import lockfiles

from .conftest import ROOT

LOCK = tomllib.loads((ROOT / "uv.lock").read_text())
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _exported(*flags: str) -> dict[str, str]:
    """Name -> version of what uv.lock installs on this Python and system."""
    pins = {}
    for line in lockfiles.export("--no-hashes", *flags).splitlines():
        requirement, _, marker = line.partition(";")
        if requirement.strip() and (not marker.strip() or Marker(marker).evaluate()):
            name, _, version = requirement.strip().partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_what_is_installed_is_exactly_the_lock():
    """`make test` installs the learner's set and the test tools at the lock's versions, and nothing else."""
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}
    installed.pop("smworkbook")
    # pip's fallback (`make lab INSTALLER=pip`) leaves pip itself behind; with uv, .venv never has it.
    for bootstrap in ("pip", "setuptools"):
        installed.pop(bootstrap, None)
    # `make lite` adds the browser edition's build tools (uv.lock's `lite` group) on top, and nothing else.
    assert installed == _exported(*(("--group", "lite") if "jupyterlite-core" in installed else ()))


def test_the_learners_set_has_no_test_tools_and_no_unused_moto_extras():
    learner = _exported("--no-dev")
    assert {"jupyterlab", "moto", "flask", "pandas", "pg8000"} <= learner.keys()
    assert not {"pytest", "nbval", "ruff", "playwright"} & learner.keys()
    # moto[server] would bring these for services the lessons never call (~145 MB).
    assert not {"cfn-lint", "sympy", "networkx", "mpmath", "docker"} & learner.keys()


def test_the_lock_agrees_with_pyproject():
    """CI stops when pyproject.toml changed and `make lock` was not run (uv checks without the network)."""
    command = [lockfiles.uv(), "lock", "--check", "--offline"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=lockfiles._quiet_env())
    assert done.returncode == 0, done.stderr


def test_requirements_environment_and_binder_files_are_made_from_the_lock():
    done = subprocess.run([sys.executable, "tools/lockfiles.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (ROOT / "binder" / "environment.yml").read_text() == (ROOT / "environment.yml").read_text()


def test_environment_yml_pins_the_learners_set():
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in conda["dependencies"] if isinstance(item, dict))
    pinned = {(canonicalize_name(pin.split("==")[0]), pin.split("==")[1].split(";")[0].strip()) for pin in pip_section}
    assert set(_exported("--no-dev").items()) <= pinned
    assert not {"pytest", "ruff", "playwright"} & {name for name, _ in pinned}


def test_every_supported_python_and_system_installs_from_wheels():
    """No package of the lock needs a compiler on Linux (x86_64, aarch64) or macOS (arm64, x86_64), 3.11-3.14."""
    assert lockfiles.wheel_gaps(LOCK) == []


def test_the_wheel_check_finds_a_package_without_an_intel_mac_wheel():
    """cryptography 49 and later ship no Intel-mac wheel: the check must say so, not let it through."""
    base = "https://files.example/"
    lock = {
        "package": [
            {"name": "smworkbook", "source": {"editable": "."}, "dependencies": [{"name": "cryptography"}]},
            {
                "name": "cryptography",
                "version": "50.0.2",
                "wheels": [
                    {"url": base + "cryptography-50.0.2-cp311-abi3-macosx_11_0_arm64.whl"},
                    {"url": base + "cryptography-50.0.2-cp311-abi3-manylinux_2_28_x86_64.whl"},
                    {"url": base + "cryptography-50.0.2-cp311-abi3-manylinux_2_28_aarch64.whl"},
                ],
            },
        ]
    }
    gaps = lockfiles.wheel_gaps(lock)
    assert gaps and all(gap.startswith("cryptography 50.0.2") and gap.endswith("darwin x86_64") for gap in gaps)
    assert len(gaps) == len(lockfiles.PYTHONS)


def test_one_python_range_everywhere():
    """pyproject.toml, the lock and the Makefile's check all say 3.11 to 3.14."""
    assert PROJECT["project"]["requires-python"] == ">=3.11,<3.15"
    assert LOCK["requires-python"] == ">=3.11, <3.15"
    assert lockfiles.PYTHONS == ["3.11", "3.12", "3.13", "3.14"]
    assert "(3, 11) <= v <= (3, 14)" in (ROOT / "Makefile").read_text()


def test_moto_is_pinned_to_one_minor():
    """corrections/ patches moto's internals, which change between minors."""
    (moto,) = [dep for dep in PROJECT["project"]["dependencies"] if dep.startswith("moto")]
    assert moto == "moto>=5.2.5,<5.3"
    assert _exported()["moto"].startswith("5.2.")


def _fake_python(tmp_path, body: str):
    """A stand-in for `python3` that runs Python code of ours first, to play another Python or a broken one."""
    fake = tmp_path / "python3"
    fake.write_text(f"#!{sys.executable}\nimport runpy, sys\n{body}\n")
    fake.chmod(0o755)
    return fake


def _make_lab_install(tmp_path, python) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    command = ["make", "--no-print-directory", "-C", str(ROOT), f"VENV={tmp_path}/venv", f"PYTHON={python}"]
    return subprocess.run([*command, f"{tmp_path}/venv/.lab"], capture_output=True, text=True, env=env, timeout=60)


def test_make_names_a_supported_python_when_this_one_is_too_new(tmp_path):
    fake = _fake_python(tmp_path, "sys.version_info = (3, 15, 0, 'final', 0)\nexec(sys.argv[2])")
    done = _make_lab_install(tmp_path, fake)
    assert done.returncode != 0
    said = [line for line in done.stderr.splitlines() if "Python" in line]
    assert said == [
        f"The workbook needs Python 3.11 to 3.14; {fake} is 3.15. Run make again with one of those, "
        "e.g. make lab PYTHON=python3.13"
    ]
    assert not (tmp_path / "venv").exists()


def test_make_names_the_package_when_the_venv_module_is_missing(tmp_path):
    """Debian and Ubuntu split venv's pip bootstrap into python3-venv; a bare `python3 -m venv` fails there."""
    body = (
        "if sys.argv[1:3] == ['-m', 'venv']:\n"
        "    import os; os.makedirs(sys.argv[3], exist_ok=True)\n"
        "    sys.exit('The virtual environment was not created successfully because ensurepip is not available.')\n"
        "sys.argv = sys.argv[1:]\nexec(sys.argv[1]) if sys.argv[0] == '-c' else runpy.run_module(sys.argv[1])"
    )
    done = _make_lab_install(tmp_path, _fake_python(tmp_path, body))
    assert done.returncode != 0
    assert "Python's venv module is missing: install it with sudo apt install python3-venv" in done.stdout
    assert not (tmp_path / "venv").exists(), "a half-made environment would stop the next `make` early"


def test_make_tests_environment_is_compiled_so_its_kernels_do_not_compile_boto3_again():
    """`make test` compiles the environment's Python files once (the Makefile's $(VENV)/.compiled). Where
    PYTHONDONTWRITEBYTECODE is set, as on CI machines, Python never writes .pyc files itself, and each of the suite's
    ~200 kernels compiled boto3, moto and Jupyter again. botocore's modules that no test imports count too: only a
    compile of the whole environment makes their .pyc files."""
    import botocore

    modules = list(Path(botocore.__file__).parent.rglob("*.py"))
    missing = [path for path in modules if not Path(importlib.util.cache_from_source(str(path))).exists()]
    assert not missing, (
        f"{len(missing)} of botocore's {len(modules)} modules have no .pyc (e.g. {missing[0]}): run make test, "
        "which compiles the environment once (.venv/.compiled)."
    )


def test_jupyter_starts_without_building_the_rfc3987_parser():
    """pyproject.toml leaves rfc3987-syntax out (its override-dependencies): imported, it builds a Lark parser that
    took 0.9 s of CPU in every process importing nbformat or Jupyter's server. jsonschema imports it only if it is
    there, for the "iri" formats, which no schema of Jupyter's uses; nbformat still validates a lesson."""
    import nbformat

    assert importlib.util.find_spec("rfc3987_syntax") is None
    assert "lark" not in sys.modules
    nbformat.validate(nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4))


def test_make_lab_says_what_it_does_in_plain_lines_and_leaves_no_pip(tmp_path):
    """A fresh environment for `make lab`, with uv's cache as this machine has it: its own short lines, not the
    tools' (uv's list of packages, make's commands, pip's or Jupyter's output), and no pip left in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "VIRTUAL_ENV"))}
    venv = tmp_path / "venv"
    command = ["make", "--no-print-directory", "-C", str(ROOT), f"VENV={venv}", f"{venv}/.lab"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    said = [line for line in done.stdout.splitlines() if not line.startswith("Getting uv ")]  # an empty cache folder
    assert said[0] == f"Making {venv}, the workbook's own Python environment (once)."
    assert said[1].startswith(f"Installing the learner's packages from uv.lock into {venv} (once: seconds")
    assert re.fullmatch(r"  installed \d+ packages in [\d.]+m?s", said[2]), said
    assert len(said) == 3 and done.stderr == ""
    assert (venv / ".uv" / "bin" / "uv").exists()
    assert not list(venv.glob("lib/python3.*/site-packages/pip"))
    page_config = json.loads((venv / "etc" / "jupyter" / "labconfig" / "page_config.json").read_text())
    assert page_config["disabledExtensions"] == {"@jupyterlab/apputils-extension:announcements": True}


def test_make_lab_writes_the_jupyterlab_setting_instead_of_starting_jupyter():
    """`jupyter labextension disable` starts a whole Jupyter application to write one setting: make writes the
    file itself (tools/setup_venv.py; binder/postBuild, run once per image, keeps the command)."""
    makefile = (ROOT / "Makefile").read_text()
    assert "labextension" not in makefile
    for target in ("$(VENV)/.lab:", "$(VENV)/.test:", "lock:"):
        rule = makefile[makefile.index(target) :].split("\n\n")[0]
        assert "tools/setup_venv.py lab-settings" in rule, target


@pytest.mark.parametrize("target", ["lab", "test"])
def test_make_installs_with_uv_from_the_lock(target):
    """Both targets install with --locked: a lock that disagrees with pyproject.toml stops them."""
    makefile = (ROOT / "Makefile").read_text()
    rule = makefile[makefile.index(f"$(VENV)/.{target}:") :].split("\n\n")[0]
    assert "$(UV) sync --locked" in rule
    assert ("--no-dev" in rule) == (target == "lab")
    assert f"requirements/{target}.txt" in rule


def test_the_forks_python_matrix_is_make_test_pythons_and_passes_zizmor():
    """.github/workflows/pythons.yml runs tools/test_pythons.py on each supported Python, Linux and both Macs."""
    path = ROOT / ".github" / "workflows" / "pythons.yml"
    workflow = yaml.safe_load(path.read_text())
    matrix = workflow["jobs"]["test"]["strategy"]["matrix"]
    assert matrix["python"] == lockfiles.PYTHONS
    assert {"macos-latest", "macos-15-intel", "ubuntu-latest", "ubuntu-24.04-arm"} == set(matrix["os"])
    assert "python tools/test_pythons.py" in path.read_text()
    assert "tools/test_pythons.py" in (ROOT / "Makefile").read_text()
    zizmor = Path(sys.executable).parent / "zizmor"
    done = subprocess.run([str(zizmor), "--offline", "--format", "plain", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_test_pythons_hides_every_postgresql_on_path(tmp_path):
    """`make test-pythons` runs with no pg_ctl on PATH, so lesson 4 must use the wheel's PostgreSQL."""
    from tools import test_pythons

    postgres_bin = tmp_path / "pgbin"
    postgres_bin.mkdir()
    for name in ("pg_ctl", "initdb", "postgres", "git-lfs"):
        (postgres_bin / name).write_text("#!/bin/sh\n")
        (postgres_bin / name).chmod(0o755)
    (tmp_path / "shadow").mkdir()
    path = test_pythons.scrubbed_path(f"{postgres_bin}:/usr/bin", tmp_path / "shadow")
    assert shutil.which("pg_ctl", path=path) is None and shutil.which("initdb", path=path) is None
    assert shutil.which("git-lfs", path=path) and path.endswith(":/usr/bin")
