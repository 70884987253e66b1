"""Learners who share a machine cannot read or change each other's mock or database.

A learner's kernel runs as one OS user; another user of the machine attacks it over loopback, as
anyone on a JupyterHub with local processes or a lab PC could: moto's /moto-api/ pages (data.json,
reset, the dashboard), the AWS API signed with the public `testing` keys or with the learner's
key id and a guessed secret, the database's port and socket, and more idle connections to it than its
max_connections (which locked the learner out before its gate). Every attempt must be refused, and the learner's
secrets and database must be as they were. A dashboard link shown in a cell's output (read from a shared
notebook) neither resets nor configures the mock, and reads nothing once it is 10 minutes old. Needs root
(useradd, runuser), as CI runs.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
from pathlib import Path

import pytest

import smworkbook
from smworkbook.fixtures import postgres

VICTIM, ATTACKER = "smw_learner_a", "smw_learner_b"

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 and not os.environ.get("CI"),
    reason="needs root (useradd, runuser) to run a kernel as one user and attack it as another; CI runs as root",
)

# The learner's kernel: starts the mock and the database, stores a secret, waits for the attack,
# then shows what it holds.
VICTIM_CODE = """
import json, os, sys, boto3, smworkbook
aws = smworkbook.start()
sm = boto3.client("secretsmanager")
sm.create_secret(Name="learner-a/db", SecretString="s3cret-of-a")
db = smworkbook.start_database()
login = db.create_login("app_a")
# The dashboard link the learner's (or instructor's) cell showed, and one shown 11 minutes ago.
from smworkbook.grading import instructor
from smworkbook.engine import server
link = instructor.dashboard_url()
old = server.view_pass(aws.credentials, now=__import__("time").time() - 660)
print(json.dumps({"endpoint": aws.endpoint_url, "key": aws.credentials.access_key_id, "db_port": db.port,
                  "pid": os.getpid(), "link": link, "old_link": link.split("?")[0] + "?token=" + old,
                  "db_socket": str(db._server.gate.target)}), flush=True)
sys.stdin.readline()
print(json.dumps({"secrets": [s["Name"] for s in sm.list_secrets()["SecretList"]],
                  "value": sm.get_secret_value(SecretId="learner-a/db")["SecretString"],
                  "db_login": db.can_log_in("app_a", login["password"])}), flush=True)
"""

# Another user of the machine: every way in it could try, each outcome recorded.
ATTACKER_CODE = """
import json, sys, urllib.error, urllib.request, boto3, botocore.config, pg8000.native
target = json.loads(sys.argv[1])
endpoint = target["endpoint"]
outcomes = {}
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def attempt(label, action):
    try:
        outcomes[label] = "ALLOWED: " + repr(action())[:200]
    except urllib.error.HTTPError as error:
        outcomes[label] = f"refused {error.code}: " + error.read().decode()[:200]
    except Exception as error:
        outcomes[label] = "refused: " + type(error).__name__ + ": " + str(error)[:200]

def get(path, method="GET"):
    with opener.open(urllib.request.Request(endpoint + path, method=method), timeout=10) as answer:
        return answer.status, answer.read()[:100]

attempt("data.json", lambda: get("/moto-api/data.json"))
attempt("reset", lambda: get("/moto-api/reset", "POST"))
attempt("dashboard", lambda: get("/moto-api/"))
attempt("guessed token", lambda: get("/moto-api/data.json?token=testing"))
# A dashboard link read from a cell's output: it neither resets nor configures the mock, nor reads it later.
link, query = target["link"].split("?")
attempt("link: reset", lambda: get(link.removeprefix(endpoint) + "reset?" + query, "POST"))
attempt("link: config", lambda: get(link.removeprefix(endpoint) + "config?" + query, "POST"))
attempt("old link: data.json", lambda: get(target["old_link"].removeprefix(endpoint).replace("/?", "/data.json?")))
attempt("old link: dashboard", lambda: get(target["old_link"].removeprefix(endpoint)))
config = botocore.config.Config(retries={"max_attempts": 1})
for label, key, secret in [("public keys", "testing", "testing"), ("key id alone", target["key"], "guessed")]:
    sm = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1", config=config,
                      aws_access_key_id=key, aws_secret_access_key=secret)
    attempt(label + ": list", lambda: sm.list_secrets()["SecretList"])
    attempt(label + ": read", lambda: sm.get_secret_value(SecretId="learner-a/db")["SecretString"])
    attempt(label + ": delete", lambda: sm.delete_secret(SecretId="learner-a/db", ForceDeleteWithoutRecovery=True))
for password in ("", "postgres"):
    attempt(f"database as postgres/{password!r}", lambda: pg8000.native.Connection(
        "postgres", host="127.0.0.1", port=target["db_port"], password=password, timeout=10).run("select 1"))
attempt("kernel's environment", lambda: open(f"/proc/{target['pid']}/environ", "rb").read())
attempt("database's socket", lambda: __import__("os").stat(target["db_socket"]))
# The lock-out: more idle connections than the postmaster admits, held while the learner logs in.
import socket, time
held = [socket.create_connection(("127.0.0.1", target["db_port"]), timeout=10) for _ in range(HOLD)]
print(json.dumps(outcomes), flush=True)
sys.stdin.readline()  # the learner logs in meanwhile
closed = 0
for connection in held:
    connection.sendall(__import__("struct").pack("!II", 8, 80877103))  # an SSLRequest, as a client starts
    try:
        answer = connection.recv(1000)
        closed += answer in (b"", b"N") or answer.startswith(b"E")
    except OSError:
        closed += 1
print(json.dumps({"held": len(held), "closed by the server": closed}), flush=True)
"""


def _ensure_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", name], capture_output=True)
        return pwd.getpwnam(name)  # made by us, or by a test run next to ours


def _reachable_by_others(path: Path) -> bool:
    return all(folder.stat().st_mode & 0o001 for folder in path.parents)


def _interpreter() -> list[str]:
    """A Python that other users can run, with this environment's packages (the package in a 0700 clone too).

    The environment's own interpreter when other users can reach it (Debian's python3 in CI); when
    it lives in a folder closed to them (e.g. pyenv's under /root), the system's Python of the same
    version, with the environment's site-packages added.
    """
    site_packages = Path(sysconfig.get_paths()["purelib"])
    # As postgres.py does for its service user: o+x on this user's folders above what must be read.
    for needed in (site_packages, Path(smworkbook.__file__).parent, Path(sys.executable).parent):
        postgres.let_user_reach(needed)
    if _reachable_by_others(Path(sys.executable).resolve()):
        return [sys.executable, "-c"]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(version, path="/usr/bin:/usr/local/bin")
    if system is None or not _reachable_by_others(Path(system).resolve()):
        pytest.fail(f"no {version} that other users can run: the environment's is in a folder closed to them")
    add = f"import site; site.addsitedir({str(site_packages)!r})\n"
    return [system, "-c", add + "exec(compile(__import__('sys').argv.pop(1), '<kernel>', 'exec'))"]


def _as(user: pwd.struct_passwd, home: Path) -> dict:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "LANG": "C.UTF-8"}
    if os.environ.get("LD_LIBRARY_PATH"):  # a shared build's libpython (make test-pythons points it at a copy)
        env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
    return {"env": env, "cwd": home, "user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


@pytest.fixture(scope="module")
def learners():
    victim, attacker = _ensure_user(VICTIM), _ensure_user(ATTACKER)
    homes = []
    for user in (victim, attacker):
        home = Path(tempfile.mkdtemp(prefix=f"{user.pw_name}-"))
        os.chown(home, user.pw_uid, user.pw_gid)
        homes.append(home)
    yield (victim, homes[0]), (attacker, homes[1])
    for home in homes:
        shutil.rmtree(home, ignore_errors=True)


@needs_root
def test_another_user_of_the_machine_cannot_read_or_change_a_learners_mock_or_database(learners):
    (victim, victim_home), (attacker, attacker_home) = learners
    python = _interpreter()
    kernel = subprocess.Popen(
        [*python, textwrap.dedent(VICTIM_CODE)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **_as(victim, victim_home),
    )
    try:
        started = kernel.stdout.readline()
        assert started, kernel.stderr.read()
        target = json.loads(started)
        assert target["key"] != "testing"
        attack = subprocess.Popen(
            [*python, textwrap.dedent(ATTACKER_CODE).replace("HOLD", "300"), json.dumps(target)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **_as(attacker, attacker_home),
        )
        try:
            line = attack.stdout.readline()
            assert line, attack.stderr.read()
            outcomes = json.loads(line)
            kernel.stdin.write("\n")  # while the attacker holds its connections
            kernel.stdin.flush()
            after = json.loads(kernel.stdout.readline() or "{}")
            held, _ = attack.communicate("\n", timeout=120)
        finally:
            attack.kill()
    finally:
        kernel.kill()
        kernel.wait()
    allowed = {label: outcome for label, outcome in outcomes.items() if not outcome.startswith("refused")}
    assert allowed == {}
    # Each refusal says what is wrong, as AWS or the mock would.
    pages = ("data.json", "reset", "dashboard", "guessed token", "link: reset", "link: config", "old link: data.json")
    for page in (*pages, "old link: dashboard"):
        assert outcomes[page].startswith("refused 403: 403 Forbidden: /moto-api/"), outcomes[page]
        assert "needs this mock's token" in outcomes[page]
    for action in ("list", "read", "delete"):
        assert "UnrecognizedClientException" in outcomes[f"public keys: {action}"]
        assert "InvalidSignatureException" in outcomes[f"key id alone: {action}"]
    for password in ("''", "'postgres'"):  # turned away before any password is asked (fixtures/gate.py)
        refused = outcomes[f"database as postgres/{password}"]
        assert "'C': '28000'" in refused and "answers only the processes of the OS user" in refused, refused
        assert f"came from uid {attacker.pw_uid}" in refused
    assert "PermissionError" in outcomes["kernel's environment"]
    assert "PermissionError" in outcomes["database's socket"]
    # 300 idle connections cost the learner nothing: each was answered and closed at once. Without the gate (the
    # server on the port itself, as before), 300 connections that never log in locked the learner out until they
    # left: "sorry, too many clients already" (the postmaster admits a bounded number of connections, max_connections
    # 100 and some, counted before any password is asked).
    assert json.loads(held) == {"held": 300, "closed by the server": 300}
    # Nothing changed: the learner still has their secret, its value, and their database login.
    assert after == {"secrets": ["learner-a/db"], "value": "s3cret-of-a", "db_login": True}


@needs_root
def test_the_clean_up_of_abandoned_servers_leaves_another_users_alone(learners):
    """Even as root, a server folder whose owner file another user wrote is not this kernel's to remove."""
    (victim, victim_home), _ = learners
    gone = subprocess.Popen(["true"])
    gone.wait()  # a kernel that has exited: its server would count as abandoned, were it ours
    root, planted = (Path(tempfile.mkdtemp(prefix="smworkbook-pg-")) for _ in range(2))
    try:
        (root / "owner.pid").write_text(str(gone.pid))
        for path in (root, root / "owner.pid"):
            os.chown(path, victim.pw_uid, victim.pw_gid)
        (planted / "owner.pid").symlink_to("/etc/hostname")  # root's file, behind a link
        postgres.remove_abandoned_servers()
        assert (root / "owner.pid").exists() and (planted / "owner.pid").is_symlink()
        for path in (root, root / "owner.pid"):  # the same folder, now this user's
            os.chown(path, os.geteuid(), os.getegid())
        postgres.remove_abandoned_servers()
        assert not root.exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(planted, ignore_errors=True)


@needs_root
def test_the_set_up_never_opens_another_users_folder(learners):
    """As root, postgres.py adds o+x only to this user's folders; another user's closed folder stays closed."""
    (victim, victim_home), _ = learners
    closed = victim_home / "private"
    closed.mkdir(mode=0o700)
    os.chown(closed, victim.pw_uid, victim.pw_gid)
    inner = closed / "bin"
    inner.mkdir()
    with pytest.raises(smworkbook.WorkbookError, match="belongs to another user and is closed to others"):
        postgres.let_user_reach(inner)
    assert closed.stat().st_mode & 0o777 == 0o700


def test_a_per_learner_service_answers_only_requests_with_its_token():
    """The hook for lesson 6's service and the hub's per-user servers (server.TokenOnly, server.has_token)."""
    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    from smworkbook.engine.server import TokenOnly, has_token

    app = TokenOnly(Response("the learner's data"), "t0ken-of-a")
    client = Client(app)
    assert client.get("/").status_code == 403
    assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 403
    refused = client.get("/orders", headers={"X-Smworkbook-Token": "t0ken-of-"})
    assert refused.status_code == 403 and "/orders needs the service's token" in refused.get_data(as_text=True)
    answer = client.get("/", headers={"Authorization": "Bearer t0ken-of-a"})
    assert answer.get_data(as_text=True) == "the learner's data"
    assert has_token({"X-Smworkbook-Token": "t0ken-of-a"}, "t0ken-of-a")
    assert not has_token({}, "t0ken-of-a")


@needs_root
def test_two_graders_of_the_same_learner_take_turns_so_neither_sweeps_the_others_kernels():
    """As root, a grading sweeps every process of the learner's OS user; a second grading waits its turn."""
    import asyncio
    import threading

    from smworkbook.grading import learner_users

    user = learner_users.user_for("two graders")
    other = learner_users.user_for("another learner")
    turns = []

    def second_grader() -> None:
        with learner_users.claimed(user):
            turns.append("second")

    with learner_users.claimed(user):
        waiting = threading.Thread(target=second_grader)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive() and turns == []  # it waits while the first grades

        async def gradebook() -> None:  # another learner is not held up, nor is the event loop
            async with learner_users.claimed_async(other):
                turns.append("another learner")

        asyncio.run(asyncio.wait_for(gradebook(), 10))
        turns.append("first done")
    waiting.join(10)
    assert turns == ["another learner", "first done", "second"]
    assert oct((learner_users._CLAIMS).stat().st_mode & 0o777) == "0o700"


# The learner's kernel: a client made, the mock stopped (the port it held handed to the attack), a client call
# while stopped, then the mock started again and the old client used.
RESTART_VICTIM = """
import json, socket, sys, boto3, smworkbook
aws = smworkbook.start()
before = aws.endpoint_url
sm = boto3.client("secretsmanager")
aws.stop()
plain = socket.socket()  # the control: a port freed as ports were before, by closing its socket
plain.bind(("127.0.0.1", 0))
print(json.dumps({"port": int(before.rsplit(":", 1)[1]), "control": plain.getsockname()[1]}), flush=True)
plain.close()
sys.stdin.readline()
try:
    sm.list_secrets()
    during = "answered"
except Exception as error:
    during = type(error).__name__
aws = smworkbook.start()
sm.create_secret(Name="after-restart", SecretString="s3cret-of-a")
print(json.dumps({"same port": aws.endpoint_url == before, "while stopped": during,
                  "secrets": [s["Name"] for s in sm.list_secrets()["SecretList"]]}), flush=True)
"""

# Another user: every way to take a port (both families, specific and wildcard addresses, each reuse option).
PORT_TAKER = """
import json, socket, sys
outcomes = {}
for name in ("port", "control"):
    port = json.loads(sys.argv[1])[name]
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        for reuse in ((), ("SO_REUSEADDR",), ("SO_REUSEPORT",), ("SO_REUSEADDR", "SO_REUSEPORT")):
            taker = socket.socket(family)
            for option in reuse:
                taker.setsockopt(socket.SOL_SOCKET, getattr(socket, option), 1)
            label = f"{name} {host} {'+'.join(reuse) or 'plain'}"
            try:
                taker.bind((host, port))
                taker.listen()
                outcomes[label] = "ALLOWED"
            except OSError as error:
                outcomes[label] = "refused: " + error.strerror
            taker.close()
print(json.dumps(outcomes))
"""


@needs_root
def test_after_stop_no_other_user_can_take_the_mocks_port_and_old_clients_reach_the_restarted_mock(learners):
    """Before: another user bound the freed port, the restarted mock took another one with the same keys, and
    clients made before sent their signed requests (secrets in their bodies) to the other user's listener."""
    (victim, victim_home), (attacker, attacker_home) = learners
    python = _interpreter()
    kernel = subprocess.Popen(
        [*python, textwrap.dedent(RESTART_VICTIM)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **_as(victim, victim_home),
    )
    try:
        ports = kernel.stdout.readline()
        assert ports, kernel.stderr.read()
        attack = subprocess.run(
            [*python, textwrap.dedent(PORT_TAKER), ports],
            capture_output=True,
            text=True,
            timeout=60,
            **_as(attacker, attacker_home),
        )
        assert attack.returncode == 0, attack.stderr
        kernel.stdin.write("\n")
        kernel.stdin.flush()
        after = json.loads(kernel.stdout.readline() or "{}")
    finally:
        kernel.kill()
        kernel.wait()
    outcomes = json.loads(attack.stdout)
    held = {label: outcome for label, outcome in outcomes.items() if label.startswith("port ")}
    assert len(held) == 12 and set(held.values()) == {"refused: Address already in use"}, held
    assert outcomes["control 127.0.0.1 plain"] == "ALLOWED"  # a port freed the old way: anyone takes it
    # While stopped, the old client's call is refused at once (nobody listens); after the restart it reaches the mock.
    assert after == {"same port": True, "while stopped": "EndpointConnectionError", "secrets": ["after-restart"]}
