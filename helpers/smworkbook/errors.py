"""Errors the workbook raises on purpose, shown to a learner as one line instead of a traceback."""

from __future__ import annotations


class WorkbookError(Exception):
    """A helper was called wrongly or at the wrong time; the message says what to fix."""


class CheckFailed(AssertionError):
    """An exercise check found the mock's state not yet right; the message is a hint."""


def require_secret_name(name) -> None:
    """A clear error unless `name` could name a secret (a non-empty string of at most 512 characters)."""
    if not isinstance(name, str) or not name.strip():
        raise WorkbookError(f"A secret name must be a non-empty string, not {name!r}.")
    if len(name) > 512:
        raise WorkbookError(f"A secret name has at most 512 characters; this one has {len(name)}.")


def _show_one_line(shell, etype, value, tb, tb_offset=None):
    # The traceback would point into the workbook's own code, which is not where the
    # learner's mistake is. The message alone says what to do next.
    shell._showtraceback(etype, value, [f"{etype.__name__}: {value}"])


def install_short_errors() -> None:
    """In IPython, show WorkbookError and CheckFailed as a single line."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: normal tracebacks
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((WorkbookError, CheckFailed), _show_one_line)
