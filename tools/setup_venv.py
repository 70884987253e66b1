"""What `make` does around uv when it makes .venv: gets uv itself, and writes JupyterLab's settings.

Run by the environment's own Python (standard library only: nothing is installed yet).

    python tools/setup_venv.py uv 0.13.9 .venv/.uv   # uv 0.13.9 at .venv/.uv/bin/uv
    python tools/setup_venv.py lab-settings          # JupyterLab's settings in this environment

uv comes from the first of these that has the version asked for, and is never installed into the environment's
packages (`make lab` installs exactly the lock):
1. the copy a previous `make` kept in the user's cache folder (`$XDG_CACHE_HOME` or ~/.cache, `smworkbook/uv-0.13.9`);
2. a `uv` on PATH;
3. PyPI, through pip run from its own wheel, the one Python's `ensurepip` carries (so no pip is installed in the
   environment, and none has to be removed afterwards); the copy is then kept for 1. The wheel is fetched
   straight from the index where it can (its hash checked, the tags ranked by pip's own `packaging`), in a third of
   pip's time; pip is the fallback.
The environment is made with `python -m venv --without-pip`: installing pip into it (ensurepip) took longer than
installing the whole lock with uv's cache.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

# JupyterLab's "news" pop-up asks to fetch announcements from the internet: switched off, as
# `jupyter labextension disable --level=sys_prefix` records it (binder/postBuild runs that command), without
# starting a Jupyter application to write one setting.
DISABLED = ["@jupyterlab/apputils-extension:announcements"]
NO_PIP = (
    "pip is needed once, to fetch uv, and this Python has no ensurepip: install python3-venv "
    "(sudo apt install python3-venv on Debian, Ubuntu), then run make again."
)


def cache_folder() -> Path | None:
    """The user's cache folder for the workbook (as lesson 4's PostgreSQL template uses), or None without a home."""
    try:
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "smworkbook"
    except RuntimeError:
        return None


def is_uv(path: Path | str, version: str) -> bool:
    """Is `path` a uv that runs here and says it is `version` (`uv 0.13.9 (...)`)?"""
    try:
        said = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return said.split()[:2] == ["uv", version]


def _place(source: Path, target: Path) -> None:
    """`source` at `target`, all or nothing (a hard link where it can, else a copy)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        os.link(source, partial)
    except OSError:
        shutil.copy2(source, partial)
    os.replace(partial, target)


def pip_wheel() -> Path | None:
    """The newest pip wheel this Python's ensurepip would install (its own, or the system's, as Debian keeps them)."""
    folders = [sysconfig.get_config_var("WHEEL_PKG_DIR")]
    try:
        import ensurepip

        folders.append(str(Path(ensurepip.__file__).parent / "_bundled"))
    except ImportError:  # Debian and Ubuntu without python3-venv
        return None
    wheels = [wheel for folder in folders if folder for wheel in Path(folder).glob("pip-*-py3-none-any.whl")]

    def version(wheel: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", wheel.name.split("-")[1]))

    return max(wheels, key=version, default=None)


def wheel_links(project: str, version: str, index: str | None = None) -> list[tuple[str, str, str]]:
    """(address, sha256, file name) of each wheel of `project` `version`, from the index's JSON page; [] if none.

    The JSON page is PEP 691's ("Simple repository API", as PyPI serves it) of the index pip would use
    (PIP_INDEX_URL), else of PyPI, which uv.lock's packages come from too. Any failure (unreachable, not JSON, another
    shape) gives [], and pip then asks the index itself, as it always did.
    """
    index = index or os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple/"
    url = urllib.parse.urljoin(index.rstrip("/") + "/", f"{project}/")
    request = urllib.request.Request(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            files = json.load(answer)["files"]
        return [
            (urllib.parse.urljoin(url, entry["url"]), entry["hashes"]["sha256"], entry["filename"])
            for entry in files
            if entry["filename"].startswith(f"{project}-{version}-")
            and entry["filename"].endswith(".whl")
            and not entry.get("yanked")
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def this_machines_wheel(links: list[tuple[str, str, str]], pip: Path) -> tuple[str, str, str] | None:
    """The link pip would pick for this machine: its wheel tags ranked by the `packaging` that pip's wheel carries."""
    sys.path.insert(0, str(pip))
    try:
        from pip._vendor.packaging.tags import sys_tags
        from pip._vendor.packaging.utils import parse_wheel_filename

        rank = {tag: place for place, tag in enumerate(sys_tags())}
        fits = [(min(rank.get(tag, len(rank)) for tag in parse_wheel_filename(link[2])[3]), link) for link in links]
    except Exception:  # noqa: BLE001 (pip's private modules moved: pip does it all)
        return None
    finally:
        sys.path.remove(str(pip))
    fits = [fit for fit in fits if fit[0] < len(rank)]
    return min(fits)[1] if fits else None


def fetch_uv(link: tuple[str, str, str], version: str, folder: Path) -> Path | None:
    """uv's program from the wheel at `link`, its sha256 checked; None if anything fails.

    A wheel is a zip: uv's program is its `uv-VERSION.data/scripts/uv`, which pip would install as bin/uv.
    """
    address, digest, name = link
    wheel = folder / name
    try:
        with urllib.request.urlopen(address, timeout=60) as answer, wheel.open("wb") as out:
            shutil.copyfileobj(answer, out, 1 << 20)
        if hashlib.sha256(wheel.read_bytes()).hexdigest() != digest:
            return None
        program = folder / "bin" / "uv"
        program.parent.mkdir()
        with zipfile.ZipFile(wheel) as archive, archive.open(f"uv-{version}.data/scripts/uv") as inside:
            program.write_bytes(inside.read())
        program.chmod(0o755)
        return program
    except (OSError, KeyError, zipfile.BadZipFile):
        return None


def write_links(links: list[tuple[str, str, str]], page: Path) -> Path:
    """A page of those links, each with its sha256, for pip's --find-links."""
    rows = (
        f'<a href="{html.escape(address)}#sha256={digest}">{html.escape(name)}</a>' for address, digest, name in links
    )
    page.write_text("<!DOCTYPE html>\n<html><body>\n" + "\n".join(rows) + "\n</body></html>\n")
    return page


def get_uv(version: str, target: Path) -> str:
    """Put uv `version` at target/bin/uv; returns where it came from."""
    binary = target / "bin" / "uv"
    folder = cache_folder()
    kept = folder / f"uv-{version}" / "uv" if folder else None
    if kept and kept.is_file() and is_uv(kept, version):
        _place(kept, binary)
        return str(kept)
    on_path = shutil.which("uv")
    if on_path and is_uv(on_path, version):
        _place(Path(on_path), binary)
        return on_path
    wheel = pip_wheel()
    if wheel is None:
        sys.exit(NO_PIP)
    print(f"Getting uv {version}, the installer, from PyPI (once on this machine).", flush=True)
    with tempfile.TemporaryDirectory(prefix=".uv-", dir=target.parent) as scratch:
        # The wheel for this machine, straight from the index (3.). PyPI's page for uv lists some 6,000 files, and
        # `pip install uv==0.13.9` spent 2.4 s of CPU, most of it weighing each one; this takes well under a second.
        links = wheel_links("uv", version)
        link = this_machines_wheel(links, wheel) if links else None
        fetched = fetch_uv(link, version, Path(scratch)) if link else None
        if not (fetched and is_uv(fetched, version)):
            # pip, run from its wheel as ensurepip runs it; --target keeps uv out of the environment's packages. uv's
            # wheel has no dependencies and nothing to compile, and the copy is kept in the cache folder (1.), so pip
            # skips resolving, compiling and its own cache. Given the page of this version's wheels, pip weighs
            # those alone.
            pip = [sys.executable, str(wheel / "pip"), "install", "-qq", "--disable-pip-version-check"]
            pip += ["--no-deps", "--only-binary=:all:", "--no-compile", "--no-cache-dir"]
            if links:
                pip += ["--no-index", "--find-links", str(write_links(links, Path(scratch) / "uv.html"))]
            done = subprocess.run([*pip, "--target", str(Path(scratch) / "pip"), f"uv=={version}"])
            fetched = Path(scratch) / "pip" / "bin" / "uv"
            if done.returncode != 0 or not is_uv(fetched, version):
                sys.exit(f"pip could not install uv {version} from PyPI; `make lab INSTALLER=pip` installs without uv.")
        _place(fetched, binary)
        if kept:
            try:
                kept.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                _place(fetched, kept)
            except OSError:
                pass  # no copy kept: the next environment fetches uv again
    return "PyPI"


def lab_settings(prefix: Path = Path(sys.prefix)) -> Path:
    """Write the environment's JupyterLab page settings (extensions switched off), keeping any others there."""
    path = prefix / "etc" / "jupyter" / "labconfig" / "page_config.json"
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError):
        config = {}
    config.setdefault("disabledExtensions", {}).update(dict.fromkeys(DISABLED, True))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


def main(argv: list[str]) -> int:
    if argv[:1] == ["uv"] and len(argv) == 3:
        get_uv(argv[1], Path(argv[2]))
    elif argv == ["lab-settings"]:
        lab_settings()
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
