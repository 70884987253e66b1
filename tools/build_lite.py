"""Build the browser edition of lessons 1-3 (`make lite`): JupyterLite with a Pyodide kernel, into build/lite.

Nothing here is fetched from a CDN: the page is built only from pinned, hash-checked files.
- Pyodide's core (wasm, JS, standard library) from npm, as tools/lite/package-lock.json pins it (`npm ci`).
- Every Python package the lessons import, as the wheel uv.lock names, downloaded from PyPI and checked against
  uv.lock's sha256. Pyodide's own lock (pyodide-lock.json) is rewritten to list exactly these wheels: Pyodide's
  builds of them live only on its CDN.
- Packages with no pure wheel on PyPI: markupsafe and pyyaml are packed from their sdists' Python code (both
  fall back to it when their C speed-ups are missing); cryptography, which moto imports at import time
  (moto/iam/models.py, moto/kms/utils.py) but the lessons never use, is a stub whose attributes raise on use.
- smworkbook itself, packed from helpers/.
- The lessons (notebooks/00-03) and their exercises (exercises/01-03), as they are in the repository; the start
  page gets a first cell that says what this edition is.
The kernel loads everything at start (loadPyodideOptions.packages) and never falls back to PyPI
(disablePyPIFallback): a wheel missing here fails the kernel in the test, never reaches the network.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import urllib.request
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
NPM_DIR = ROOT / "tools" / "lite"
PYODIDE_DIR = NPM_DIR / "node_modules" / "pyodide"
BUILD = ROOT / "build"
CACHE = BUILD / "lite-cache"
SOURCE = BUILD / "lite-src"
OUTPUT = BUILD / "lite"
# The lessons the page can run: 4 needs PostgreSQL, 5 moto's signature-checked server, 6 a web service.
LESSONS = (1, 2, 3)

# What the lessons import (the learner's set without what a browser cannot run: PostgreSQL, pandas), and what the
# Pyodide kernel needs beside its own wheels (jupyterlite-pyodide-kernel's pypi/ folder: ipykernel, piplite,
# pyodide-kernel, widgetsnbextension).
ROOTS = (
    "boto3",
    "moto",
    "flask",
    "flask-cors",
    "aws-secretsmanager-caching",
    "ipywidgets",
    "ipython",
    "jedi",
    "micropip",
)
# Packed from the sdist's Python code: their C speed-ups are optional (markupsafe's _native, yaml's pure loader).
FROM_SDIST = {"markupsafe": "src", "pyyaml": "lib"}
# Imported by moto at import time, never used by the lessons; no wasm wheel on PyPI.
STUBBED = {"cryptography"}
# The kernel's own wheels (from jupyterlite-pyodide-kernel): they replace these in the page.
FROM_KERNEL = {"ipykernel", "widgetsnbextension"}
# Python 3.14 in the browser (Pyodide 314): markers are evaluated for it.
PYODIDE_ENVIRONMENT = {
    "python_version": "3.14",
    "python_full_version": "3.14.2",
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}
CRYPTOGRAPHY_STUB = '''"""A stand-in for cryptography in the browser edition (tools/build_lite.py).

moto imports it; the lessons never use it.
"""


class _Missing:
    def __init__(self, name):
        self._name = name

    def __getattr__(self, attribute):
        return _Missing(f"{self._name}.{attribute}")

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"{self._name} is not available in the browser edition: run the workbook with make lab.")


def __getattr__(name):
    return _Missing(f"cryptography.{name}")
'''
# The modules moto imports from cryptography where the lessons reach (moto/iam/models.py; moto/kms/models.py and
# utils.py): each is the stub. Importing KMS works; so does creating a symmetric key, whose RSA key pair moto makes
# only when asked in the page (corrections.kms.symmetric_keys_have_no_key_pair_in_the_page); anything that needs
# real cryptography (an asymmetric key, Encrypt, Sign) raises the stub's error, which points to `make lab`.
CRYPTOGRAPHY_MODULES = (
    "x509",
    "exceptions",
    "hazmat",
    "hazmat/backends",
    "hazmat/primitives",
    "hazmat/primitives/_asymmetric",
    "hazmat/primitives/asymmetric",
    "hazmat/primitives/ciphers",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    lock = _read_lock()
    CACHE.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(SOURCE, ignore_errors=True)
    pyodide_out = SOURCE / "static" / "pyodide"
    pyodide_out.mkdir(parents=True)
    for item in PYODIDE_DIR.iterdir():
        if item.suffix in {".mjs", ".js", ".wasm", ".zip"} and not item.name.startswith("console"):
            shutil.copy2(item, pyodide_out / item.name)
    wheels = _python_wheels(lock) + _kernel_wheels() + [_smworkbook_wheel()]
    entries = {}
    for wheel in wheels:
        shutil.copy2(wheel, pyodide_out / wheel.name)
        entry = _lock_entry(wheel)
        entries[canonicalize_name(entry["name"])] = entry
    for entry in entries.values():
        entry["depends"] = [name for name in entry["depends"] if name in entries]
    pyodide_lock = json.loads((PYODIDE_DIR / "pyodide-lock.json").read_text())
    pyodide_lock["packages"] = dict(sorted(entries.items()))
    (pyodide_out / "pyodide-lock.json").write_text(json.dumps(pyodide_lock, indent=1, sort_keys=True))
    _write_config(sorted(entries))
    _write_contents(SOURCE / "files")
    shutil.rmtree(OUTPUT, ignore_errors=True)
    subprocess.run(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "lite",
            "build",
            "--lite-dir",
            str(SOURCE),
            "--contents",
            str(SOURCE / "files"),
            "--output-dir",
            str(OUTPUT),
        ],
        check=True,
        cwd=SOURCE,
    )
    print(f"The browser edition is in {OUTPUT.relative_to(ROOT)} ({len(entries)} packages).")


def _read_lock() -> dict[str, dict]:
    """uv.lock's packages by name; where it holds several versions of one, the newest (Pyodide's Python is 3.14)."""
    from packaging.version import Version

    found: dict[str, dict] = {}
    for package in tomllib.loads((ROOT / "uv.lock").read_text())["package"]:
        name = canonicalize_name(package["name"])
        if name not in found or Version(package["version"]) > Version(found[name]["version"]):
            found[name] = package
    return found


def _python_wheels(lock: dict[str, dict]) -> list[Path]:
    """The wheels of ROOTS and everything they require in Pyodide, each as uv.lock pins it."""
    wanted = [canonicalize_name(name) for name in ROOTS]
    seen: set[str] = set()
    wheels = []
    while wanted:
        name = wanted.pop()
        if name in seen or name in FROM_KERNEL:
            continue
        seen.add(name)
        if name not in lock:
            sys.exit(
                f"{name} is not in uv.lock: add it to the `lite` dependency group in pyproject.toml, then make lock."
            )
        package = lock[name]
        if name in STUBBED:
            wheels.append(_stub_wheel(name, package["version"]))
            continue
        if name in FROM_SDIST:
            wheels.append(_sdist_wheel(package, FROM_SDIST[name]))
            continue
        pure = [w for w in package.get("wheels", []) if w["url"].endswith("-none-any.whl")]
        if not pure:
            sys.exit(
                f"{name} {package['version']} has no pure-Python wheel in uv.lock: the browser edition cannot load it."
            )
        wheel = _download(pure[0]["url"], pure[0]["hash"])
        wheels.append(wheel)
        for requirement in _requirements(wheel):
            wanted.append(canonicalize_name(requirement.name))
    return wheels


def _download(url: str, expected: str) -> Path:
    """The file at `url`, from the cache or PyPI, checked against uv.lock's hash ("sha256:...")."""
    target = CACHE / url.rsplit("/", 1)[1]
    algorithm, digest = expected.split(":", 1)
    if not target.exists() or hashlib.new(algorithm, target.read_bytes()).hexdigest() != digest:
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read()
        if hashlib.new(algorithm, data).hexdigest() != digest:
            sys.exit(f"{url} does not match uv.lock's {expected}: not used.")
        target.write_bytes(data)
    return target


def _requirements(wheel: Path) -> list[Requirement]:
    """What the wheel's METADATA requires in Pyodide (markers evaluated for Python 3.14 on emscripten)."""
    with zipfile.ZipFile(wheel) as archive:
        metadata_name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    requirements = []
    for line in metadata.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(PYODIDE_ENVIRONMENT):
            requirements.append(requirement)
    return requirements


def _write_wheel(name: str, version: str, files: dict[str, bytes], requires: tuple[str, ...] = ()) -> Path:
    """A py3-none-any wheel of `files` (path -> bytes), with its METADATA, WHEEL and RECORD."""
    dist = f"{re.sub(r'[-_.]+', '_', name)}-{version}"
    info = f"{dist}.dist-info"
    files = dict(files)
    files[f"{info}/METADATA"] = "".join(
        [f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", *(f"Requires-Dist: {r}\n" for r in requires)]
    ).encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tools/build_lite.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    target = CACHE / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.items()):
            info_entry = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info_entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info_entry, data)
    return target


def stub_files(name: str) -> dict[str, bytes]:
    """The stub package's files (path -> bytes): each module in CRYPTOGRAPHY_MODULES, attributes raising on use."""
    files = {f"{name}/__init__.py": CRYPTOGRAPHY_STUB.encode()}
    for module in CRYPTOGRAPHY_MODULES:
        files[f"{name}/{module}/__init__.py"] = CRYPTOGRAPHY_STUB.replace(
            "cryptography.", f"cryptography.{module.replace('/', '.')}."
        ).encode()
    return files


def _stub_wheel(name: str, version: str) -> Path:
    return _write_wheel(name, version, stub_files(name))


def _sdist_wheel(package: dict, source_folder: str) -> Path:
    """A pure wheel of the Python modules in the sdist's `source_folder` (the C extensions left out)."""
    sdist = _download(package["sdist"]["url"], package["sdist"]["hash"])
    files = {}
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            parts = member.name.split("/")
            if (
                member.isfile()
                and len(parts) > 2
                and parts[1] == source_folder
                and member.name.endswith((".py", ".typed"))
            ):
                files["/".join(parts[2:])] = archive.extractfile(member).read()
    return _write_wheel(package["name"], package["version"], files)


def _kernel_wheels() -> list[Path]:
    """jupyterlite-pyodide-kernel's own wheels (its ipykernel and widgetsnbextension shims, piplite, the kernel)."""
    import jupyterlite_pyodide_kernel

    share = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyterlite" / "pyodide-kernel-extension"
    found = sorted((share / "static" / "pypi").glob("*.whl"))
    if not found:
        sys.exit(f"jupyterlite-pyodide-kernel {jupyterlite_pyodide_kernel.__version__} has no wheels in {share}.")
    # Two shims of widgetsnbextension (3.x, 4.x): the one for ipywidgets 8.
    return [w for w in found if not w.name.startswith("widgetsnbextension-3.")]


def _smworkbook_wheel() -> Path:
    """smworkbook, from helpers/, as a pure wheel (its requirements are the lessons', loaded beside it).

    With it the packages it imports from helpers/ (smworkbook_kernel: the handler the package's short errors share
    with the kernel extension), as pyproject.toml's packages.find finds them.
    """
    helpers = ROOT / "helpers"
    files = {
        str(path.relative_to(helpers)): path.read_bytes()
        for package in sorted(helpers.glob("*/__init__.py"))
        for path in sorted(package.parent.rglob("*.py"))
        if "__pycache__" not in path.parts
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requires = ("boto3", "moto", "flask", "flask-cors", "aws-secretsmanager-caching", "ipywidgets")
    return _write_wheel("smworkbook", project["version"], files, requires)


def _lock_entry(wheel: Path) -> dict:
    """Pyodide's lock entry for `wheel`: its name, version, hash, top-level imports and requirements."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
    with zipfile.ZipFile(wheel) as archive:
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    imports = sorted(
        {
            n.split("/", 1)[0].removesuffix(".py")
            for n in names
            if not n.split("/", 1)[0].endswith((".dist-info", ".data"))
        }
    )
    return {
        "name": metadata["Name"],
        "version": metadata["Version"],
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "package_type": "package",
        "imports": imports,
        "depends": sorted({canonicalize_name(r.name) for r in _requirements(wheel)}),
        "unvendored_tests": False,
        "shared_library": False,
    }


def _write_config(packages: list[str]) -> None:
    kernel = {
        "pyodideUrl": "./static/pyodide/pyodide.mjs",
        "disablePyPIFallback": True,
        "loadPyodideOptions": {"packages": packages},
    }
    config = {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Secrets Manager workbook (browser edition)",
            "defaultKernelName": "python",
            "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": kernel},
        },
    }
    (SOURCE / "jupyter-lite.json").write_text(json.dumps(config, indent=2))
    # Every cell drawn, not only those on screen: the page's find (Ctrl+F) and the browser test read them all.
    overrides = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
    (SOURCE / "overrides.json").write_text(json.dumps(overrides, indent=2))


def _write_contents(files: Path) -> None:
    """notebooks/00-03 and exercises/01-03 as they are; the start page opens with what this edition is."""
    (files / "notebooks").mkdir(parents=True)
    (files / "exercises").mkdir(parents=True)
    for lesson in (0, *LESSONS):
        for path in (ROOT / "notebooks").glob(f"{lesson:02d}_*.ipynb"):
            shutil.copy2(path, files / "notebooks" / path.name)
    for lesson in LESSONS:
        for path in (ROOT / "exercises").glob(f"{lesson:02d}_*.ipynb"):
            shutil.copy2(path, files / "exercises" / path.name)
    start = files / "notebooks" / "00_start_here.ipynb"
    notebook = json.loads(start.read_text())
    cell = copy.deepcopy(next(c for c in notebook["cells"] if c["cell_type"] == "markdown"))
    cell.pop("id", None)
    cell["id"] = "browser-edition"
    cell["source"] = [line + "\n" for line in EDITION_NOTE.strip().splitlines()]
    notebook["cells"].insert(0, cell)
    start.write_text(json.dumps(notebook, indent=1))


EDITION_NOTE = """
> **Browser edition**: lessons 1-3 and their exercises run in this tab (Python in the page, the mock AWS in its
> kernel: nothing to install, nothing leaves your browser). Lessons 4 onwards need a real database, moto's
> signature-checked server or a web service: run them on your machine with `make lab`.
>
> Your work stays in this browser's storage. To have it graded, download your notebook (File > Download) into
> `my-work/` of the workbook on a machine and run `make grade`: grading uses the grader's own mock there.
"""


if __name__ == "__main__":
    main()
