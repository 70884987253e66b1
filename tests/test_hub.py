"""A class on a real JupyterHub: one OS user per learner, everything through the hub and its proxy.

JupyterHub with its proxy, DummyAuthenticator and LocalProcessSpawner on 127.0.0.1 (tests/hub.py).
Learners' servers start through the hub's REST API with tokens, one through the login form; each
learner gets the lesson from their own server's contents API and runs it in their own kernel; one
learner attacks another from their kernel; one server stops while the others keep working. Needs
root (useradd, a spawner that changes user), as CI runs; and `make test`'s `npm ci` for the proxy.
"""

from __future__ import annotations

import json
import os
import pwd
import textwrap
import threading

import nbformat
import pytest
import requests

from smworkbook.grading import learner_users

from .conftest import ROOT
from .test_shared_host import ATTACKER_CODE

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 and not os.environ.get("CI"),
    reason="needs root (useradd, LocalProcessSpawner) to run each learner as an OS user; CI runs as root",
)

LESSON = ROOT / "notebooks" / "01_create_retrieve_update_delete.ipynb"
SOLVED = ROOT / "solutions" / "01_create_retrieve_update_delete.ipynb"
UNSOLVED = ROOT / "exercises" / "01_exercises_create_retrieve_update_delete.ipynb"


def code_cells(path) -> list[str]:
    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def log_in_through_the_form(hub, name: str, password: str) -> tuple[requests.Session, requests.Response]:
    """A browser's path: the hub's login form, which starts the server, then JupyterLab through OAuth."""
    browser = requests.Session()
    browser.get(f"{hub.url}/hub/login", timeout=60)
    form = {"username": name, "password": password, "_xsrf": browser.cookies.get("_xsrf")}
    return browser, browser.post(f"{hub.url}/hub/login", data=form, timeout=120)


@pytest.fixture(scope="module")
def classroom():
    from .hub import PROXY, Hub, Kernel

    if not PROXY.exists():
        pytest.fail(f"no {PROXY.relative_to(ROOT)}: `make test` installs it (npm ci --prefix tests/hub)")
    hub = Hub(3)
    try:
        hub.start()
        by_api, by_form = hub.learners[:2], hub.learners[2]
        for name in by_api:
            hub.start_server(name)
        # A wrong password is refused and starts nothing.
        _, refused = log_in_through_the_form(hub, by_form, "not-the-password")
        assert refused.status_code == 403 and not hub.api("GET", f"/users/{by_form}").json()["servers"]
        browser, logged_in = log_in_through_the_form(hub, by_form, hub.password)
        assert logged_in.ok, logged_in.text
        for name in hub.learners:
            hub.wait_ready(name)
        tokens = {name: hub.user_token(name) for name in hub.learners}
        kernels = {name: Kernel(hub.server_url(name), tokens[name]) for name in hub.learners}
        yield hub, tokens, kernels, browser
    finally:
        hub.close()
    # Nothing of the class is left: no process under its users, no user, no folder.
    uids = {user.uid for user in hub.users.values()}
    assert [pid for pid in learner_users._pids() if learner_users._uid_of(pid) in uids] == []
    assert not hub.folder.exists()
    for name in hub.learners:
        with pytest.raises(KeyError):
            pwd.getpwnam(name)


def test_a_learner_who_logs_in_through_the_form_gets_their_own_jupyterlab(classroom):
    hub, _, _, browser = classroom
    name = hub.learners[2]
    lab = browser.get(f"{hub.server_url(name)}/lab", timeout=120)
    assert lab.status_code == 200 and lab.url.endswith(f"/user/{name}/lab"), lab.url
    assert "JupyterLab" in lab.text
    # The session's cookie opens this learner's server, and no other's.
    assert browser.get(f"{hub.server_url(name)}/api/contents", timeout=60).status_code == 200
    assert browser.get(f"{hub.server_url(hub.learners[0])}/lab", timeout=60).status_code == 403


def test_each_learner_runs_lesson_1_and_an_exercise_check_in_their_own_kernel(classroom):
    hub, tokens, kernels, _ = classroom
    results, failures = {}, []

    def learner(name: str) -> None:
        try:
            hub.upload(name, tokens[name], LESSON)
            hub.upload(name, tokens[name], SOLVED, "my-solution.ipynb")
            kernel = kernels[name]
            who = kernel.run("import os, pathlib; print(os.getuid(), os.getcwd(), sorted(os.listdir('.')))")
            lesson = [kernel.run(source) for source in code_cells(LESSON)]
            check = [kernel.run(source) for source in code_cells(SOLVED)[:3]]
            results[name] = (who, lesson, check)
        except Exception as error:  # a thread's failure, reported by the test
            failures.append(f"{name}: {error!r}")

    threads = [threading.Thread(target=learner, args=(name,)) for name in hub.learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for name, (who, lesson, check) in results.items():
        # The learner's own user, in their own home, with the files their server received.
        uid, cwd, files = who.text.split(" ", 2)
        assert (int(uid), cwd) == (hub.users[name].uid, str(hub.homes[name]))
        assert "01_create_retrieve_update_delete.ipynb" in files and "my-solution.ipynb" in files
        assert [cell.error for cell in lesson] == [""] * len(lesson)
        assert "Secret Retrieved:" in "".join(cell.text for cell in lesson)
        assert [cell.error for cell in check] == ["", "", ""], check
        assert "✔ Exercise 1.1 passed" in check[2].text
    # The check fails when the exercise is not done, with a hint, in the learner's kernel too.
    kernel = kernels[hub.learners[1]]
    setup, unsolved = code_cells(UNSOLVED)[1:3]
    assert kernel.run(setup).error == "NotImplementedError: "
    failed = kernel.run(unsolved)
    assert failed.error.startswith("CheckFailed: Exercise 1.1") and "not right yet" in failed.error


VICTIM_CELL = """
import json, os, boto3, smworkbook
from ipykernel.connect import get_connection_file
channels = {k: v for k, v in json.load(open(get_connection_file())).items() if k in ("transport", "ip")}
aws = smworkbook.start()
sm = boto3.client("secretsmanager")
aws.ensure_absent("learner-a/db")
sm.create_secret(Name="learner-a/db", SecretString="s3cret-of-a")
db = smworkbook.start_database()
login = db.create_login("app_a")
from smworkbook.grading import instructor
from smworkbook.engine import server
link = instructor.dashboard_url()
old = server.view_pass(aws.credentials, now=__import__("time").time() - 660)
print(json.dumps({"endpoint": aws.endpoint_url, "key": aws.credentials.access_key_id, "db_port": db.port,
                  "pid": os.getpid(), "home": os.environ["HOME"], "channels": channels,
                  "link": link, "old_link": link.split("?")[0] + "?token=" + old,
                  "db_socket": str(db._server.gate.target),
                  "secrets": [s["Name"] for s in sm.list_secrets()["SecretList"]]}))
"""

VICTIM_AFTER = """
print(json.dumps({"secrets": [s["Name"] for s in sm.list_secrets()["SecretList"]],
                  "value": sm.get_secret_value(SecretId="learner-a/db")["SecretString"],
                  "db_login": db.can_log_in("app_a", login["password"])}))
"""


def test_another_learner_on_the_hub_cannot_reach_a_learners_server_mock_database_or_files(classroom):
    hub, tokens, kernels, _ = classroom
    victim, attacker = hub.learners[0], hub.learners[1]
    started = kernels[victim].run(textwrap.dedent(VICTIM_CELL))
    assert started.error == "", started.text
    target = json.loads(started.text.strip().splitlines()[-1])
    # From the attacker's kernel: the shared-host attack (tests/test_shared_host.py) and the victim's home.
    home = target["home"]
    more = f"""
import os
attempt("victim's home", lambda: os.listdir({home!r}))
attempt("victim's notebook", lambda: open({home!r} + "/my-solution.ipynb").read())
attempt("victim's kernel output channel", lambda: os.stat({target["channels"]["ip"]!r} + "-2"))
print(json.dumps(outcomes))"""
    code = textwrap.dedent(ATTACKER_CODE).replace("json.loads(sys.argv[1])", f"json.loads({json.dumps(target)!r})")
    # The shared-host attack up to its lock-out (which waits for the test's signal on stdin), then the home.
    attack = kernels[attacker].run(code.split("# The lock-out")[0] + more)
    assert attack.error == "", attack.text
    outcomes = json.loads(attack.text.strip().splitlines()[-1])
    allowed = {label: outcome for label, outcome in outcomes.items() if not outcome.startswith("refused")}
    assert allowed == {}
    assert "PermissionError" in outcomes["victim's home"] and "PermissionError" in outcomes["victim's notebook"]
    assert "PermissionError" in outcomes["kernel's environment"]
    # The kernel talks over Unix sockets in the victim's private runtime folder (tests/test_kernel_channels.py).
    assert target["channels"]["transport"] == "ipc" and target["channels"]["ip"].startswith(home)
    assert "PermissionError" in outcomes["victim's kernel output channel"]
    assert "needs this mock's token" in outcomes["data.json"]
    assert "InvalidSignatureException" in outcomes["key id alone: read"]
    assert "answers only the processes of the OS user" in outcomes["database as postgres/''"]  # fixtures/gate.py
    assert "PermissionError" in outcomes["database's socket"]
    # Through the hub: the attacker's token opens neither the victim's server nor its kernels.
    for path in ("/api/contents", "/api/kernels", f"/api/kernels/{kernels[victim].id}"):
        answer = requests.get(
            hub.server_url(victim) + path, headers={"Authorization": f"token {tokens[attacker]}"}, timeout=60
        )
        assert answer.status_code == 403, (path, answer.status_code)
    assert hub.api("GET", f"/users/{victim}", token=tokens[attacker]).status_code == 404  # not even listed
    after = kernels[victim].run(VICTIM_AFTER)
    # Nothing changed: the learner still has their secrets, the value, and their database login.
    assert "learner-a/db" in target["secrets"]
    assert json.loads(after.text) == {"secrets": target["secrets"], "value": "s3cret-of-a", "db_login": True}


def test_stopping_one_learners_server_leaves_the_others_working(classroom):
    hub, tokens, kernels, _ = classroom
    stopped, others = hub.learners[2], hub.learners[:2]
    started = kernels[stopped].run("import smworkbook; aws = smworkbook.start(); db = smworkbook.start_database()")
    assert started.error == ""
    assert len(hub.processes_of(stopped)) >= 2  # the server, the kernel (with its mock) and the database
    hub.stop_server(stopped)
    # Nothing of the stopped learner is left running: server, kernel, mock and database are gone.
    assert _gone(hub, stopped)
    answer = requests.get(
        f"{hub.server_url(stopped)}/api/status", headers={"Authorization": f"token {tokens[stopped]}"}, timeout=60
    )
    assert answer.status_code in (424, 503)  # the hub says the server is not running
    for name in others:
        # start() again: the kernel's mock as it was, or its first if this test runs alone (then no earlier test has
        # started one in this kernel, and boto3 would find no region).
        alive = kernels[name].run(
            "import boto3, smworkbook; smworkbook.start(); "
            "print(boto3.client('secretsmanager').list_secrets()['SecretList'])"
        )
        assert alive.error == "" and alive.text.startswith("["), alive


def _gone(hub, name: str, seconds: float = 30) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while hub.processes_of(name):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True
