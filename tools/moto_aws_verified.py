"""Run moto's own Secrets Manager tests that moto verified on real AWS against the workbook's mock.

moto marks some of its tests `aws_verified`: its maintainers ran them against real AWS, so what they assert is
AWS's answer. This runs them, from a moto checkout you name, against this workbook's mock (the server that
`smworkbook.start()` runs, corrections and all), not against moto's in-process mock:

    .venv/bin/python tools/moto_aws_verified.py /path/to/moto            # the aws_verified tests (nine at 5.2.5)
    .venv/bin/python tools/moto_aws_verified.py /path/to/moto -- -k update_same   # extra pytest arguments

The checkout must be moto's repository (or its sdist) at the version uv.lock pins: the tests live there, not in
moto's wheel. Nothing is fetched and nothing is written into this repository or into the checkout: its tests/
folder is copied into a temporary folder and run from there, by a child pytest process in moto's server mode
(TEST_SERVER_MODE=true, TEST_SERVER_MODE_ENDPOINT=the mock). In that mode moto's `mock_aws` only points
boto3.client() at the endpoint; this file, loaded into the child as a pytest plugin, also keeps the mock's own keys
in the environment (moto would put its fake FOOBARKEY keys there, which the mock refuses) and resets the mock
before each test with the mock's /moto-api/ token (moto's own reset sends none). MOTO_TEST_ALLOW_AWS_REQUEST is
forced to false: nothing here can reach AWS.

The test module imports freezegun at the top; the nine tests never use it. When freezegun is not installed, a
stand-in makes the tests that do use it skip.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

TEST_FILE = "tests/test_secretsmanager/test_secretsmanager.py"
PLUGIN = Path(__file__).stem

# Imported by the test module at the top; used only by tests that are not aws_verified.
_FREEZEGUN_STAND_IN = '''"""Stand-in for freezegun (not installed): a test that freezes time is skipped."""
import functools

import pytest


class freeze_time:
    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, func):
        @functools.wraps(func)
        def skipped(*args, **kwargs):
            pytest.skip("freezegun is not installed")

        return skipped

    def __enter__(self):
        pytest.skip("freezegun is not installed")

    def __exit__(self, *exc):
        return False
'''

_PYTEST_INI = """[pytest]
markers =
    network: requires network connection
    requires_docker: requires running docker
    aws_verified: Verified against AWS, and should be able to run against AWS
    requires_clean_slate: requires a clean slate, so no parallel testing
"""


# ---- the plugin side: runs inside the child pytest process (loaded with -p) ----


def pytest_configure(config) -> None:
    from moto.core.config import default_user_config

    # mock_aws() would replace the mock's keys in the environment with moto's FOOBARKEY ones.
    default_user_config["core"]["mock_credentials"] = False


def _reset_mock() -> None:
    from smworkbook.engine.isolation import TOKEN_VARIABLE
    from smworkbook.engine.server import TOKEN_HEADER

    request = urllib.request.Request(
        f"{os.environ['TEST_SERVER_MODE_ENDPOINT']}/moto-api/reset",
        method="POST",
        headers={TOKEN_HEADER: os.environ[TOKEN_VARIABLE]},
    )
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10):
        pass


def pytest_runtest_setup(item) -> None:
    _reset_mock()


# ---- the driver side ----


def _version(checkout: Path) -> str:
    text = (checkout / "moto" / "__init__.py").read_text()
    found = re.search(r'__version__ = "([^"]+)"', text)
    return found.group(1) if found else "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="a moto checkout (repository or sdist) at the locked version")
    parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments")
    parser.add_argument(
        "--marker", default="aws_verified", help="the tests to run, as a pytest -m expression ('' for all)"
    )
    args = parser.parse_args(argv)

    checkout = args.checkout.resolve()
    if not (checkout / TEST_FILE).is_file():
        parser.error(f"{checkout} has no {TEST_FILE}: name a moto repository checkout or sdist")
    import moto

    if _version(checkout) != moto.__version__:
        print(
            f"warning: the checkout is moto {_version(checkout)}, the installed moto is {moto.__version__}",
            file=sys.stderr,
        )

    import smworkbook

    aws = smworkbook.start()  # points this process's AWS_* environment at the mock; the child inherits it
    with tempfile.TemporaryDirectory(prefix="moto-aws-verified-") as temporary:
        root = Path(temporary)
        # Only moto's tests/: the child imports moto from the installed wheel, never from the checkout.
        shutil.copytree(checkout / "tests", root / "tests", ignore=shutil.ignore_patterns("__pycache__"))
        (root / "pytest.ini").write_text(_PYTEST_INI)
        paths = [str(Path(__file__).resolve().parent)]
        try:
            import freezegun  # noqa: F401
        except ImportError:
            (root / "stand_in").mkdir()
            (root / "stand_in" / "freezegun.py").write_text(_FREEZEGUN_STAND_IN)
            paths.append(str(root / "stand_in"))
        env = dict(
            os.environ,
            TEST_SERVER_MODE="true",
            TEST_SERVER_MODE_ENDPOINT=aws.endpoint_url,
            MOTO_TEST_ALLOW_AWS_REQUEST="false",
            MOTO_CALL_RESET_API="false",
            PYTHONPATH=os.pathsep.join([*paths, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        )
        command = [sys.executable, "-m", "pytest", "-p", PLUGIN, "-p", "no:cacheprovider", "-v", "-rA", TEST_FILE]
        if args.marker:
            command += ["-m", args.marker]
        print(f"moto {_version(checkout)} tests ({TEST_FILE}) against the workbook's mock at {aws.endpoint_url}")
        try:
            return subprocess.run([*command, *args.pytest_args], cwd=root, env=env).returncode
        finally:
            aws.stop()


if __name__ == "__main__":
    sys.exit(main())
