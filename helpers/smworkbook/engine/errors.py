"""Errors the workbook raises on purpose, shown to a learner as one line instead of a traceback."""

from __future__ import annotations

import sys
import textwrap

import smworkbook_kernel


class WorkbookError(Exception):
    """A helper was called wrongly or at the wrong time; the message says what to fix."""


class CheckFailed(AssertionError):
    """An exercise check found the mock's state not yet right; the message is a hint."""


# What a laptop shows of an output beside JupyterLab's file browser (1400 px; tests/test_reading.py's WIDTH). JupyterLab
# breaks a longer output line anywhere, even mid-word ("no longe / r needed"): the workbook's own lines break at spaces.
LINE_WIDTH = 100


def wrapped(text: object, width: int = LINE_WIDTH) -> str:
    """`text` broken at spaces into lines of at most `width` characters, the later ones indented by two."""
    return textwrap.fill(str(text), width=width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)


def one_line(text: object) -> str:
    """`text` on a single line: botocore's validation messages span several."""
    return " ".join(str(text).split())


def require_secret_name(name) -> None:
    """A clear error unless `name` could name a secret (a non-empty string of at most 512 characters)."""
    if not isinstance(name, str) or not name.strip():
        raise WorkbookError(f"A secret name must be a non-empty string, not {name!r}.")
    if len(name) > 512:
        raise WorkbookError(f"A secret name has at most 512 characters; this one has {len(name)}.")


def _show_one_line(shell, etype, value, tb, tb_offset=None):
    # The traceback would point into the workbook's own code, which is not where the
    # learner's mistake is. The message alone says what to do next.
    shell._showtraceback(etype, value, [wrapped(f"{etype.__name__}: {value}")])


def _show_short(shell, etype, value, tb, tb_offset=None):
    if issubclass(etype, (WorkbookError, CheckFailed)):
        return _show_one_line(shell, etype, value, tb, tb_offset)
    endpoint = getattr(value, "kwargs", {}).get("endpoint_url", "")
    if endpoint.startswith(("http://127.0.0.1:", "http://localhost:")):
        # A client made while the mock ran, calling after it stopped: botocore's traceback is
        # pages of urllib3 frames; what happened fits in one line.
        message = (
            f"Could not connect to the mock AWS at {endpoint.split('/', 3)[2]}: it is not running any more. "
            "Run the set-up cell (aws = smworkbook.start()) again; it starts a fresh mock on the same port."
        )
        return shell._showtraceback(etype, value, [f"{etype.__name__}: {message}"])
    return shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def install_short_errors() -> None:
    """In IPython, show WorkbookError and CheckFailed as a single line, and a lost mock too."""
    # An IPython shell (a notebook's kernel) has imported IPython before running any cell. In
    # plain Python, importing it only to find no shell would cost about 0.1 s of the set-up.
    ipython = sys.modules.get("IPython")
    if ipython is None:  # plain Python: normal tracebacks
        return
    shell = ipython.get_ipython()
    if shell is not None:
        from botocore.exceptions import EndpointConnectionError

        # Shared with the kernel extension's NameError line (smworkbook_kernel): IPython keeps one handler.
        smworkbook_kernel.add_handler(shell, (WorkbookError, CheckFailed, EndpointConnectionError), _show_short)
