"""`make test-pythons`: the whole suite on every supported Python this machine has, without a PostgreSQL on PATH.

Each Python gets its own environment (.venv-3.X, installed from uv.lock like .venv) and runs `make test` in it.
Every folder on PATH that holds a `pg_ctl` is replaced by a copy of its links without the PostgreSQL
programs, so lesson 4's database must come from the wheel, as on a learner's laptop.

    python tools/test_pythons.py [3.11 3.12 ...]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED = ["3.11", "3.12", "3.13", "3.14"]
POSTGRES_PROGRAMS = ("pg_ctl", "postgres", "initdb", "pg_config")


def scrubbed_path(path: str, shadow_root: Path) -> str:
    """PATH with every folder that holds pg_ctl replaced by links to everything else in it."""
    folders = []
    for number, folder in enumerate(path.split(os.pathsep)):
        if folder and Path(folder, "pg_ctl").exists():
            shadow = shadow_root / str(number)
            shadow.mkdir()
            for entry in Path(folder).iterdir():
                if not entry.name.startswith(POSTGRES_PROGRAMS):
                    (shadow / entry.name).symlink_to(entry)
            folder = str(shadow)
        folders.append(folder)
    return os.pathsep.join(folders)


def interpreter(version: str) -> str | None:
    """This machine's python3.X: on PATH, or one of pyenv's versions (its shims run only the selected one)."""
    candidates = [shutil.which(f"python{version}")]
    if shutil.which("pyenv"):
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
        installed = sorted(Path(root, "versions").glob(f"{version}.*/bin/python{version}"), key=_version_key)
        candidates += [str(path) for path in reversed(installed)]
    for found in filter(None, candidates):
        done = subprocess.run([found, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.strip()
    return None


def _version_key(path: Path) -> tuple[int, ...]:
    name = path.parent.parent.name  # .../versions/3.12.1/bin/python3.12
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def reachable_by_other_users(python: str, copies: Path) -> tuple[str, dict[str, str]]:
    """As root, the suite starts kernels as other OS users (grading, the shared-host test). pyenv keeps its
    Pythons under root's 0700 home, where those users cannot load them: use a copy they can read instead.
    Returns the interpreter to use and the environment it needs (its libpython, for a shared build)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return python, {}
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    if subprocess.run([*as_nobody, python, "-c", "import encodings"], capture_output=True).returncode == 0:
        return python, {}
    prefix = Path(
        subprocess.run(
            [python, "-c", "import sys; print(sys.base_prefix)"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    copy = copies / prefix.name
    if not copy.exists():
        shutil.copytree(prefix, copy, symlinks=True)
    copies.chmod(0o755)
    # A shared build finds libpython through its RUNPATH, still under /root: point the loader at the copy.
    return str(copy / "bin" / Path(python).name), {"LD_LIBRARY_PATH": str(copy / "lib")}


def main(versions: list[str]) -> int:
    results = []
    with tempfile.TemporaryDirectory(prefix="smworkbook-path-") as shadow_root:
        env = dict(os.environ, PATH=scrubbed_path(os.environ["PATH"], Path(shadow_root)))
        copies = ROOT / ".venv-pythons"  # kept between runs, like the .venv-3.X they serve (git ignores both)
        copies.mkdir(exist_ok=True)
        assert shutil.which("pg_ctl", path=env["PATH"]) is None
        for version in versions:
            python = interpreter(version)
            if python is None:
                results.append((version, "skipped", f"no python{version} on this machine", 0.0))
                continue
            python, needs = reachable_by_other_users(python, copies)
            print(f"== Python {version} ({python}): make test, no pg_ctl on PATH", flush=True)
            started = time.monotonic()
            command = ["make", "--no-print-directory", "test", f"PYTHON={python}", f"VENV=.venv-{version}"]
            done = subprocess.run(command, cwd=ROOT, env=dict(env, **needs))
            outcome = "passed" if done.returncode == 0 else f"failed (exit {done.returncode})"
            results.append((version, outcome, python, time.monotonic() - started))
    print("\nPython  result                 time    interpreter")
    for version, outcome, detail, seconds in results:
        print(f"{version:<7} {outcome:<22} {seconds:6.0f} s  {detail}")
    if all(outcome == "skipped" for _, outcome, _, _ in results):
        print("No supported Python found: nothing was tested.")
        return 1
    return 1 if any(outcome.startswith("failed") for _, outcome, _, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or SUPPORTED))
