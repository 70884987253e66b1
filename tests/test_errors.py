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
