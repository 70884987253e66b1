"""A real JupyterHub on 127.0.0.1, for tests/test_hub.py and `make bench`'s classroom.

JupyterHub from PyPI with its proxy (configurable-http-proxy, from npm: tests/hub/package.json,
`npm ci` by `make test`), its DummyAuthenticator (one password for all), and its
LocalProcessSpawner: each learner is an OS user of their own (made with `useradd` for this run
only, with a private home in a folder of the run), whose single-user server, kernels and mocks run
as that user. Every port is a free one; nothing listens beyond loopback. `Hub.close()` stops the
hub, then kills what is left under this run's users only, and removes those users and the folder.
Needs root, as CI runs.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
import websocket

import smworkbook
from smworkbook.fixtures import postgres
from smworkbook.grading import learner_users

ROOT = Path(__file__).resolve().parent.parent
PROXY = ROOT / "tests" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"

CONFIG = """
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {folder!r} + "/proxy.pid"
c.JupyterHub.pid_file = {folder!r} + "/hub.pid"
c.JupyterHub.db_url = "sqlite:///" + {folder!r} + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {folder!r} + "/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allowed_users = set({learners!r})
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.ip = "127.0.0.1"
c.Spawner.cmd = {command!r}
c.Spawner.environment = {environment!r}
# Kernels over Unix sockets in the learner's private runtime folder, not loopback TCP (docs/hub-admin.md). A socket's
# path (<runtime>/kernel-<36-character id>-ipc-N) must fit in 107 bytes: these homes are too deep for
# ~/.local/share/jupyter/runtime, so the runtime folder is a short one in the home.
c.Spawner.args = ["--KernelManager.transport=ipc"]
c.Spawner.environment["JUPYTER_RUNTIME_DIR"] = lambda spawner: {folder!r} + "/" + spawner.user.name + "/.rt"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 600
c.Spawner.http_timeout = 600
c.JupyterHub.concurrent_spawn_limit = 0
# A start request answers at once (202) rather than waiting up to 10 s for the server: a class starts together.
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}
c.JupyterHub.services = [{{"name": "course", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "course",
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:users", "read:users"],
    "services": ["course"],
}}]
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _reachable_by_others(path: Path) -> bool:
    return all(folder.stat().st_mode & 0o001 for folder in path.parents)


def learner_python() -> tuple[list[str], dict]:
    """The command that starts a learner's single-user server, and the environment it needs.

    The environment's own interpreter when other users can reach it (Debian's python3 in CI);
    when it lives in a folder closed to them (pyenv's under /root), the system's Python of the
    same version with the environment's site-packages on PYTHONPATH (kernels inherit it).
    """
    site_packages = Path(sysconfig.get_paths()["purelib"])
    package = Path(smworkbook.__file__).parent
    share = Path(sys.prefix) / "share" / "jupyter"
    # As postgres.py does for its service user: o+x on this user's folders above what must be read.
    for needed in (site_packages, package, Path(sys.executable).parent, share / "lab", Path(sys.prefix) / "etc"):
        postgres.let_user_reach(needed)
    # The environment's Jupyter files (JupyterLab's server extension, its assets), whichever Python runs them.
    etc = Path(sys.prefix) / "etc" / "jupyter"
    environment = {"JUPYTER_PATH": str(share), "JUPYTERLAB_DIR": str(share / "lab"), "JUPYTER_CONFIG_PATH": str(etc)}
    if os.environ.get("LD_LIBRARY_PATH"):  # a shared build's libpython (make test-pythons points it at a copy)
        environment["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
    if _reachable_by_others(Path(sys.executable).resolve()):
        return [sys.executable, "-m", "jupyterhub.singleuser"], environment
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(version, path="/usr/bin:/usr/local/bin")
    if system is None or not _reachable_by_others(Path(system).resolve()):
        raise RuntimeError(f"no {version} that other users can run: the environment's is in a folder closed to them")
    environment["PYTHONPATH"] = f"{site_packages}:{package.parent}"
    return [system, "-m", "jupyterhub.singleuser"], environment


@dataclass
class Output:
    text: str  # stdout, stderr and the text of results, in order
    error: str  # "ename: evalue", or "" when the cell ran clean


class Kernel:
    """A learner's kernel in their own server, reached through the hub's proxy with their token."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        headers = {"Authorization": f"token {token}"}
        answer = requests.post(f"{base}/api/kernels", json={"name": "python3"}, headers=headers, timeout=120)
        answer.raise_for_status()
        self.id = answer.json()["id"]
        self.session = uuid.uuid4().hex
        self.socket, self.used = None, 0.0

    def _connected(self) -> websocket.WebSocket:
        # The server pings an open socket and closes it when no pong comes back; pongs go out only while this
        # client reads. So a socket left unread for a while is replaced (the kernel itself keeps running).
        if self.socket is None or time.monotonic() - self.used > 15:
            if self.socket is not None:
                self.socket.close()
            url = self.base.replace("http://", "ws://") + f"/api/kernels/{self.id}/channels?session_id={self.session}"
            self.socket = websocket.create_connection(url, header=[f"Authorization: token {self.token}"], timeout=600)
        return self.socket

    def run(self, code: str, timeout: float = 300) -> Output:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": "execute_request", "username": "learner", "session": self.session}
        header.update(version="5.3", date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {}}
        content.update(allow_stdin=False, stop_on_error=True)
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
        socket = self._connected()
        socket.send(json.dumps({**message, "channel": "shell", "buffers": []}))
        text, error, replied, idle = [], "", False, False
        deadline = time.monotonic() + timeout
        while not (replied and idle):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer to {code[:60]!r} in {timeout} s")
            received = socket.recv()
            if not received:
                raise ConnectionError(f"the kernel's socket closed while running {code[:60]!r}")
            reply = json.loads(received)
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, body = reply["msg_type"], reply["content"]
            if kind == "stream":
                text.append(body["text"])
            elif kind in ("execute_result", "display_data"):
                text.append(body["data"].get("text/plain", "") + "\n")
            elif kind == "error":
                error = f"{body['ename']}: {body['evalue']}"
            elif kind == "execute_reply":
                replied = True
            elif kind == "status" and body["execution_state"] == "idle":
                idle = True
        self.used = time.monotonic()
        return Output("".join(text), error)

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()


class Hub:
    """JupyterHub with `count` learners (OS users of this run), started by `start()`."""

    def __init__(self, count: int, log: Path | None = None):
        self.folder = Path(tempfile.mkdtemp(prefix="smw-hub-"))
        self.folder.chmod(0o711)  # learners reach their homes inside it, and list nothing
        self.run_id = secrets.token_hex(3)
        self.password = secrets.token_urlsafe(12)
        self.token = secrets.token_hex(32)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.users: dict[str, learner_users.LearnerUser] = {}
        self.homes: dict[str, Path] = {}
        self.log = log or self.folder / "hub.log"
        self.process: subprocess.Popen | None = None
        for index in range(count):
            self._add_user(f"smwh{self.run_id}{index:02d}")

    @property
    def learners(self) -> list[str]:
        return list(self.users)

    def _add_user(self, name: str) -> None:
        home = self.folder / name
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--home-dir", str(home), "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(name)
        home.mkdir(mode=0o700)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        self.users[name] = learner_users.LearnerUser(name, entry.pw_uid, entry.pw_gid)
        self.homes[name] = home

    def start(self, timeout: float = 120) -> None:
        command, environment = learner_python()
        config = CONFIG.format(
            port=self.port,
            hub_port=free_port(),
            proxy_api_port=free_port(),
            proxy=str(PROXY),
            folder=str(self.folder),
            password=self.password,
            learners=self.learners,
            command=command,
            environment=environment,
            token=self.token,
        )
        (self.folder / "jupyterhub_config.py").write_text(config, encoding="utf-8")
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self.folder)}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(self.folder / "jupyterhub_config.py")],
                cwd=self.folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=5).ok:
                    return
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterHub did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def api(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {token or self.token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers, timeout=120, **kwargs)

    def start_server(self, name: str) -> None:
        answer = self.api("POST", f"/users/{name}/server")
        assert answer.status_code in (201, 202), answer.text

    def wait_ready(self, name: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.api("GET", f"/users/{name}").json()["servers"].get("", {})
            if server.get("ready"):
                return
            if not server.get("pending") and not server.get("ready"):
                raise RuntimeError(f"{name}'s server failed to start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.3)
        raise TimeoutError(f"{name}'s server did not start in {timeout} s")

    def stop_server(self, name: str, timeout: float = 120) -> None:
        answer = self.api("DELETE", f"/users/{name}/server")
        assert answer.status_code in (202, 204), answer.text
        deadline = time.monotonic() + timeout
        while self.api("GET", f"/users/{name}").json()["servers"]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name}'s server did not stop in {timeout} s")
            time.sleep(0.3)

    def user_token(self, name: str) -> str:
        answer = self.api("POST", f"/users/{name}/tokens", json={"note": "course test"})
        assert answer.status_code == 201, answer.text
        return answer.json()["token"]

    def server_url(self, name: str) -> str:
        return f"{self.url}/user/{name}"

    def upload(self, name: str, token: str, source: Path, as_name: str | None = None) -> None:
        """Put a notebook into the learner's home through their server's contents API (as nbgitpuller would)."""
        body = {"type": "notebook", "format": "json", "content": json.loads(source.read_text(encoding="utf-8"))}
        answer = requests.put(
            f"{self.server_url(name)}/api/contents/{as_name or source.name}",
            json=body,
            headers={"Authorization": f"token {token}"},
            timeout=120,
        )
        assert answer.status_code in (200, 201), answer.text

    def processes_of(self, name: str) -> list[int]:
        uid = self.users[name].uid
        return [pid for pid in learner_users._pids() if learner_users._uid_of(pid) == uid]

    def close(self) -> None:
        """Stop the hub (it stops the learners' servers), kill what this run's users left, remove them."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        proxy_pid = self.folder / "proxy.pid"
        if proxy_pid.exists():  # the hub stops its proxy; if it could not, the proxy it wrote down (if still it)
            try:
                pid = int(proxy_pid.read_text())
                if str(PROXY.name).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGTERM)
            except (ValueError, OSError):
                pass
        for name, user in self.users.items():
            learner_users.sweep(user)  # only this run's users: another class on the machine is left alone
            subprocess.run(["userdel", name], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)
