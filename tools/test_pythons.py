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
    """This machine's python3.X, if it has one that runs (pyenv's shims answer for versions it lacks)."""
    found = shutil.which(f"python{version}")
    if not found:
        return None
    done = subprocess.run([found, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def main(versions: list[str]) -> int:
    results = []
    with tempfile.TemporaryDirectory(prefix="smworkbook-path-") as shadow_root:
        env = dict(os.environ, PATH=scrubbed_path(os.environ["PATH"], Path(shadow_root)))
        assert shutil.which("pg_ctl", path=env["PATH"]) is None
        for version in versions:
            python = interpreter(version)
            if python is None:
                results.append((version, "skipped", f"no python{version} on this machine", 0.0))
                continue
            print(f"== Python {version} ({python}): make test, no pg_ctl on PATH", flush=True)
            started = time.monotonic()
            command = ["make", "--no-print-directory", "test", f"PYTHON={python}", f"VENV=.venv-{version}"]
            done = subprocess.run(command, cwd=ROOT, env=env)
            outcome = "passed" if done.returncode == 0 else f"failed (exit {done.returncode})"
            results.append((version, outcome, python, time.monotonic() - started))
    print("\nPython  result                 time    interpreter")
    for version, outcome, detail, seconds in results:
        print(f"{version:<7} {outcome:<22} {seconds:6.0f} s  {detail}")
    return 1 if any(outcome.startswith("failed") for _, outcome, _, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or SUPPORTED))
