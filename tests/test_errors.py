"""WorkbookError and CheckFailed: one line in IPython, plain tracebacks (and no IPython import) elsewhere."""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell

from smworkbook.engine.errors import CheckFailed, WorkbookError, install_short_errors

from .conftest import run_python


def test_in_an_ipython_shell_workbook_errors_are_shown_as_one_line(capsys):
    shell = InteractiveShell.instance()
    try:
        install_short_errors()
        assert {WorkbookError, CheckFailed} <= set(shell.custom_exceptions)
        shell.run_cell("from smworkbook import WorkbookError\nraise WorkbookError('Run the set-up cell first.')")
        printed = capsys.readouterr()
        assert "WorkbookError: Run the set-up cell first." in printed.out + printed.err
        assert "Traceback" not in printed.out + printed.err
    finally:
        InteractiveShell.clear_instance()


def test_plain_python_does_not_import_ipython_for_the_set_up():
    done = run_python(
        "import sys, smworkbook\naws = smworkbook.start()\n"
        "aws.client('secretsmanager').list_secrets()\nprint('IPython' in sys.modules)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_the_workbooks_own_lines_break_at_spaces_within_a_laptops_width():
    """JupyterLab breaks a long output line anywhere, mid-word ("no longe / r needed"); ours break at spaces."""
    from smworkbook.engine.errors import LINE_WIDTH, wrapped

    words = ("'lesson01/old-token' is no longer needed: schedule it for deletion with the shortest window " * 3).split()
    text = wrapped(" ".join(words))
    lines = text.splitlines()
    assert len(lines) > 1 and all(len(line) <= LINE_WIDTH for line in lines)
    assert all(line.startswith("  ") for line in lines[1:])  # a continuation reads as one
    assert text.split() == words  # no word cut or lost
    assert wrapped("x" * 150) == "x" * 150  # a longer word (an ARN) stays whole
