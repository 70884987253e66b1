"""The hubs instructors run: the single-user image (binder/, built by repo2docker), Zero to JupyterHub's values,
The Littlest JupyterHub's steps and the links, each checked with what runs here, offline.

Not run here: Docker, Kubernetes, TLJH's installer (docs/hub-admin.md: "Running it on a JupyterHub").
"""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from jupyterhub import scopes
from jupyterhub.app import JupyterHub
from jupyterhub.spawner import Spawner
from traitlets import TraitError
from traitlets.config import Config

from tools import public_links

from .conftest import ROOT

VALUES = ROOT / "deploy" / "z2jh" / "values.yaml"
START = ROOT / "binder" / "start"
README = ROOT / "README.md"
# The hub administrator's guide: the image's build command, the TLJH steps, the classroom benchmark.
HUB_GUIDE = ROOT / "docs" / "hub-admin.md"
BIN = Path(sys.executable).parent
GUARD = ROOT / "tests" / "guard"
# The image's user, as the hub guide builds it and Binder runs it: jovyan, uid 1000.
USER_ID, USER_NAME = 1000, "jovyan"


def _values() -> dict:
    return yaml.safe_load(VALUES.read_text())


def _build_plan(tmp_path) -> tuple[str, str]:
    """repo2docker's Dockerfile for this repository, written without Docker (--no-build), and its log.

    Run under the network guard: making the plan reaches nothing beyond loopback.
    """
    log = tmp_path / "guard.jsonl"
    env = dict(os.environ, PYTHONPATH=str(GUARD), SMW_GUARD_LOG=str(log))
    command = [str(BIN / "jupyter-repo2docker"), "--no-build", "--no-run"]
    command += ["--user-id", str(USER_ID), "--user-name", USER_NAME, str(ROOT)]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not log.exists() or "blocked" not in log.read_text()
    return done.stdout, done.stderr


@pytest.fixture(scope="module")
def build_plan(tmp_path_factory):
    return _build_plan(tmp_path_factory.mktemp("repo2docker"))


# --- The single-user image: binder/ as repo2docker reads it -------------------------------------------------------


def test_repo2docker_picks_the_conda_buildpack_and_binder_environment_yml(build_plan):
    """binder/ exists, so repo2docker reads only it: the learner's set from binder/environment.yml, on Python 3.11."""
    dockerfile, log = build_plan
    assert "Building conda environment for python=3.11" in log
    assert '--file "binder/environment.yml"' in dockerfile
    # Nothing at the top level is installed on the side (it would bypass the lock's pins).
    assert "requirements" not in dockerfile and "pyproject" not in dockerfile
    assert "apt-get" not in dockerfile.partition("# Run pre-assemble scripts!")[2]


def test_post_build_and_start_run_as_the_learner_not_root(build_plan):
    dockerfile, _ = build_plan
    steps = [
        line for line in dockerfile.splitlines() if line.startswith(("USER ", "RUN ./binder/postBuild", "ENV R2D"))
    ]
    post_build = steps.index("RUN ./binder/postBuild")
    assert steps[post_build - 1] == "USER ${NB_USER}"
    assert 'ENV R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in steps
    assert [step for step in steps if step.startswith("USER ")][-1] == "USER ${NB_USER}"
    # The workbook's files belong to the learner's user, who writes my-work/ next to them.
    assert f"COPY --chown={USER_ID}:{USER_ID} src/ ${{REPO_DIR}}/" in dockerfile
    assert "ARG REPO_DIR=${HOME}" in dockerfile and "HOME=/home/${NB_USER}" in dockerfile


def test_the_image_has_the_hubs_single_user_server_of_the_hubs_major_version():
    """Zero to JupyterHub starts `jupyterhub-singleuser` in the image: repo2docker's base environment for Python
    3.11 brings it (its conda lock), at JupyterHub 5 as the chart's hub (4.x: JupyterHub 5.5), and the learner's set
    does not replace it."""
    import repo2docker.buildpacks.conda as conda

    lock = (Path(conda.__file__).parent / "environment.py-3.11-linux-64.lock").read_text()
    singleuser = re.search(r"/jupyterhub-singleuser-(\d+)\.(\d+)\.\d+-", lock)
    assert singleuser and singleuser.group(1) == "5"
    pins = yaml.safe_load((ROOT / "binder" / "environment.yml").read_text())["dependencies"][-1]["pip"]
    assert not [pin for pin in pins if re.match(r"jupyterhub\b", pin)]


class _Collector:
    """Stands in for the container engine: keeps the build context repo2docker hands it."""

    string_output = True

    def build(self, **kwargs):
        self.context = kwargs["fileobj"].read()
        return iter(())


def test_the_image_holds_the_workbook_but_not_a_clones_environment_or_answers(tmp_path):
    """binder/.dockerignore, applied by repo2docker's own build: no .venv, my-work/ or .git in the image."""
    from repo2docker.buildpacks import CondaBuildPack
    from repo2docker.utils import chdir

    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    repo = tmp_path / "clone"
    for name in listed:
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    for junk in (".venv/bin/python", ".venv-3.12/pyvenv.cfg", "my-work/01_answers.ipynb", ".git/HEAD"):
        (repo / junk).parent.mkdir(parents=True, exist_ok=True)
        (repo / junk).write_text("a clone's own file\n")

    engine = _Collector()
    with chdir(repo):
        buildpack = CondaBuildPack(base_image="docker.io/library/buildpack-deps:24.04")
        buildpack.platform = "linux/amd64"  # as repo2docker's app sets it for the machine it builds for
        assert buildpack.detect()
        build_args = {"NB_USER": USER_NAME, "NB_UID": str(USER_ID)}
        list(buildpack.build(engine, "workbook:test", 0, build_args, [], {}))
    with tarfile.open(fileobj=io.BytesIO(engine.context)) as context:
        names = {name.removeprefix("src/") for name in context.getnames() if name.startswith("src/")}
    for shipped in ("binder/start", "binder/postBuild", "notebooks/00_start_here.ipynb", "pyproject.toml"):
        assert shipped in names
    assert any(name.startswith("exercises/") for name in names)
    assert any(name.startswith("helpers/smworkbook/") for name in names)
    left_out = [name for name in names if name.split("/")[0] in (".venv", ".venv-3.12", "my-work", ".git")]
    assert left_out == []


def test_the_hub_guides_build_command_is_one_repo2docker_takes():
    """The hub guide's command, its templates filled in, read by repo2docker's own command line (nothing is built)."""
    from repo2docker.__main__ import make_r2d

    block = next(block for block in _shell_blocks(HUB_GUIDE.read_text()) if "jupyter-repo2docker" in block)
    command = block.partition("jupyter-repo2docker ")[2].partition("\ndocker push")[0].replace("\\\n", " ")
    for template, value in (("REGISTRY", "registry.example.edu"), ("COMMIT", "0123abc"), ("OWNER/REPO", "o/r")):
        command = command.replace(template, value)
    app = make_r2d(shlex.split(command))
    assert (app.user_id, app.user_name) == (USER_ID, USER_NAME)
    assert (app.repo, app.ref, app.run) == ("https://github.com/o/r", "0123abc", False)
    assert app.output_image_spec == "registry.example.edu/secrets-manager-workbook:0123abc"
    assert "jupyter-repo2docker --no-run --user-id 1000 --user-name jovyan --ref COMMIT" in VALUES.read_text()


def _workbook_copy(tmp_path) -> Path:
    """A folder laid out as the image's REPO_DIR, with the workbook's exercises."""
    repo = tmp_path / "jovyan"
    shutil.copytree(ROOT / "exercises", repo / "exercises")
    return repo


def _start(repo: Path, *command: str, tmp_path: Path) -> subprocess.CompletedProcess:
    log = tmp_path / "guard.jsonl"
    env = dict(os.environ, REPO_DIR=str(repo), PATH=f"{BIN}:{os.environ['PATH']}", HOME=str(repo))
    env.update(PYTHONPATH=str(GUARD), SMW_GUARD_LOG=str(log))
    done = subprocess.run([str(START), *command], cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert not log.exists() or "blocked" not in log.read_text()
    return done


def test_start_makes_my_work_then_runs_the_server_command(tmp_path):
    repo = _workbook_copy(tmp_path)
    done = _start(repo, "sh", "-c", "echo server started; exit 7", tmp_path=tmp_path)
    assert done.returncode == 7 and "server started" in done.stdout  # exec'd: the server's own exit status
    expected = sorted(path.name for path in (ROOT / "exercises").glob("*.ipynb"))
    assert sorted(path.name for path in (repo / "my-work").glob("*.ipynb")) == expected


def test_start_never_replaces_a_learners_notebook(tmp_path):
    """On Zero to JupyterHub my-work/ is the learner's volume: a restart with a new image keeps every answer."""
    repo = _workbook_copy(tmp_path)
    (repo / "my-work").mkdir()
    mine = repo / "my-work" / "01_exercises_create_retrieve_update_delete.ipynb"
    mine.write_bytes(b'{"my": "answers"}')
    done = _start(repo, "true", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert mine.read_bytes() == b'{"my": "answers"}'
    assert (repo / "my-work" / "02_exercises_versions_and_staging_labels.ipynb").exists()


def test_start_still_starts_the_server_when_my_work_cannot_be_made(tmp_path):
    """No exercises/ where REPO_DIR points: the learner is told what to run, and the server starts anyway."""
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    done = _start(empty, "sh", "-c", "echo server started", tmp_path=tmp_path)
    assert done.returncode == 0 and "server started" in done.stdout
    assert "smworkbook my-work" in done.stderr
    assert not (empty / "my-work").exists()


# --- Zero to JupyterHub: deploy/z2jh/values.yaml -------------------------------------------------------------------

# The keys this file may use and their types, read from Zero to JupyterHub's jupyterhub/values.schema.yaml
# (chart 4.x, JupyterHub 5.5; commit 48ea50e of jupyterhub/zero-to-jupyterhub-k8s). The chart's schema has
# additionalProperties: false nearly everywhere, so a misspelt key fails `helm install`; here it fails this test.
# The whole file (merged with the chart's defaults) validated against that schema with jsonschema when written.
Z2JH_KEYS = {
    "singleuser.image.name": str,
    "singleuser.image.tag": str,
    "singleuser.uid": int,
    "singleuser.fsGid": int,
    "singleuser.storage.homeMountPath": str,
    "singleuser.storage.capacity": str,
    "singleuser.defaultUrl": str,
    "singleuser.startTimeout": int,
    "singleuser.memory.guarantee": (int, float, str),
    "singleuser.memory.limit": (int, float, str),
    "singleuser.cpu.guarantee": (int, float),
    "singleuser.cpu.limit": (int, float),
    "singleuser.networkPolicy.enabled": bool,
    "singleuser.networkPolicy.egressAllowRules.nonPrivateIPs": bool,
    "singleuser.networkPolicy.egressAllowRules.privateIPs": bool,
    "singleuser.networkPolicy.egressAllowRules.cloudMetadataServer": bool,
    "singleuser.cloudMetadata.blockWithIptables": bool,
    "cull.enabled": bool,
    "cull.timeout": int,
    "cull.every": int,
    # hub.loadRoles: "a dictionary where each key represents the name of a role", values JupyterHub's role objects.
    "hub.loadRoles.*": dict,
}


def _leaves(tree: dict, prefix: str = "") -> dict[str, object]:
    found = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if path.startswith("hub.loadRoles."):
            found["hub.loadRoles.*"] = value
        elif isinstance(value, dict):
            found.update(_leaves(value, path + "."))
        else:
            found[path] = value
    return found


def _unknown_keys(values: dict) -> list[str]:
    problems = []
    for path, value in _leaves(values).items():
        if path not in Z2JH_KEYS:
            problems.append(f"{path}: not a key of Zero to JupyterHub's values")
        elif isinstance(value, bool) != (Z2JH_KEYS[path] is bool) or not isinstance(value, Z2JH_KEYS[path]):
            problems.append(f"{path}: {value!r} is not of the chart's type")
    return problems


def test_z2jh_values_use_only_keys_of_the_chart():
    assert _unknown_keys(_values()) == []


def test_a_misspelt_or_mistyped_key_is_caught():
    """Can the key check fail? A typo, a string where the chart wants a number, and a string for a bool."""
    values = _values()
    values["singleuser"]["memroy"] = {"limit": "1G"}
    values["singleuser"]["cpu"]["limit"] = "1"
    values["cull"]["enabled"] = "yes"
    problems = _unknown_keys(values)
    assert [problem.split(":")[0] for problem in problems] == [
        "singleuser.cpu.limit",
        "singleuser.memroy.limit",
        "cull.enabled",
    ]


def test_z2jh_runs_the_image_built_from_binder(build_plan):
    """The values fit the image: its user and group, its REPO_DIR's my-work/, the start page postBuild opens."""
    values = _values()["singleuser"]
    assert (values["uid"], values["fsGid"]) == (USER_ID, USER_ID)  # repo2docker: group jovyan has the uid's number
    # The learner's volume on my-work/ only: $HOME is REPO_DIR, the workbook from the image.
    assert values["storage"]["homeMountPath"] == f"/home/{USER_NAME}/my-work"
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert f'"default_url": "{values["defaultUrl"]}"' in post_build
    assert "REGISTRY/" in values["image"]["name"] and values["image"]["tag"] == "COMMIT"  # templates, documented


def _spawner_config(values: dict) -> Config:
    """singleuser.* as Zero to JupyterHub's jupyterhub_config.py hands it to the spawner (KubeSpawner's traits
    mem_limit, mem_guarantee, cpu_limit, cpu_guarantee, default_url are those of JupyterHub's Spawner)."""
    single = values["singleuser"]
    return Config(
        {
            "Spawner": {
                "mem_limit": single["memory"]["limit"],
                "mem_guarantee": single["memory"]["guarantee"],
                "cpu_limit": single["cpu"]["limit"],
                "cpu_guarantee": single["cpu"]["guarantee"],
                "default_url": single["defaultUrl"],
            }
        }
    )


def test_jupyterhub_reads_the_per_learner_memory_and_cpu():
    spawner = Spawner(config=_spawner_config(_values()))
    assert spawner.mem_guarantee <= spawner.mem_limit
    assert spawner.cpu_guarantee <= spawner.cpu_limit
    # The classroom benchmark's figures (hub guide): a learner with lesson 4's database open fits in the guarantee,
    # the peak while grading in the limit.
    text = HUB_GUIDE.read_text()
    working = re.search(r"\| \.\.\. with lesson 4's database open \| (\d+) MiB", text)
    peak = re.search(r"\| A learner's peak, while their grading runs .*?\| (\d+) MiB at most \| (\d+) MiB", text)
    assert working and peak, "the hub guide's classroom benchmark moved: update deploy/z2jh/values.yaml"
    assert spawner.mem_guarantee >= int(working.group(1)) * 2**20
    assert spawner.mem_limit >= max(int(peak.group(1)), int(peak.group(2))) * 2**20
    assert f"{working.group(1)} MiB" in VALUES.read_text() and f"{peak.group(1)} MiB" in VALUES.read_text()


def test_jupyterhub_refuses_a_memory_figure_it_cannot_read():
    values = _values()
    values["singleuser"]["memory"]["limit"] = "1 gigabyte"
    with pytest.raises(TraitError):
        Spawner(config=_spawner_config(values)).mem_limit  # noqa: B018


def test_the_instructor_role_loads_into_jupyterhub_and_grants_helping_not_administering():
    """hub.loadRoles as the chart hands it to JupyterHub (load_roles), created in a hub database by JupyterHub's own
    role code, which checks the name and every scope, then granted to a user."""
    from jupyterhub import orm, roles

    loaded = [{"name": name, **role} for name, role in _values()["hub"]["loadRoles"].items()]
    hub = JupyterHub(config=Config({"JupyterHub": {"load_roles": loaded}}))
    assert [role["name"] for role in hub.load_roles] == ["instructor"]
    assert hub.load_roles[0]["users"] == []  # the template: nobody has it until the instructor is named

    db = orm.new_session_factory("sqlite://")()
    role = {key: value for key, value in hub.load_roles[0].items() if key != "users"}
    roles.create_role(db, role)
    teacher = orm.User(name="teacher1")
    db.add(teacher)
    db.commit()
    roles.grant_role(db, teacher, "instructor")
    granted = scopes.get_scopes_for(teacher)
    assert {"admin-ui", "list:users", "access:servers", "start:servers", "delete:servers"} <= granted
    assert not {"admin:users", "admin:servers", "admin:groups", "tokens", "shutdown"} & granted
    with pytest.raises(scopes.ScopeNotFound):
        roles.create_role(db, {"name": "misspelt", "scopes": ["acess:servers"]})


def test_servers_are_culled_and_the_pod_reaches_no_internet_nor_cloud_credentials():
    values = _values()
    assert values["cull"]["enabled"] and 600 <= values["cull"]["timeout"] <= 4 * 3600
    egress = values["singleuser"]["networkPolicy"]["egressAllowRules"]
    assert values["singleuser"]["networkPolicy"]["enabled"]
    assert egress == {"nonPrivateIPs": False, "privateIPs": False, "cloudMetadataServer": False}
    assert values["singleuser"]["cloudMetadata"]["blockWithIptables"] is True


# --- The Littlest JupyterHub: the hub guide's steps -------------------------------------------------------------------

# tljh-config keys, from TLJH's own defaults (tljh/configurer.py, commit 84ed38f of
# jupyterhub/the-littlest-jupyterhub): the ones the hub guide's steps may set.
TLJH_KEYS = {"limits.memory", "limits.cpu", "services.cull.enabled", "services.cull.timeout", "services.cull.every"}


def _guide_section(title: str) -> str:
    text = HUB_GUIDE.read_text()
    start = text.index(f"\n## {title}\n")
    return text[start : text.index("\n## ", start + 1)]


def _shell_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_tljh_steps_are_valid_shell_and_use_keys_tljh_has():
    section = _guide_section("Running it on a JupyterHub")
    blocks = _shell_blocks(section)
    for block in blocks:
        subprocess.run(["bash", "-n"], input=block, text=True, check=True)
    tljh = next(block for block in blocks if "tljh-config" in block)
    keys = re.findall(r"tljh-config set (\S+) ", tljh)
    assert keys and set(keys) <= TLJH_KEYS
    assert "tljh-config reload" in tljh
    # The learner's set is the lock, hashes checked, and the workbook's helpers without touching those pins.
    assert "pip install --require-hashes --no-deps -r /srv/secrets-manager-workbook/requirements/lab.txt" in tljh
    assert "pip install --no-deps -e /srv/secrets-manager-workbook" in tljh


def test_tljh_limits_match_the_z2jh_values():
    tljh = "\n".join(_shell_blocks(_guide_section("Running it on a JupyterHub")))
    single = _values()["singleuser"]
    assert f"tljh-config set limits.memory {single['memory']['limit']}\n" in tljh
    assert f"tljh-config set limits.cpu {single['cpu']['limit']}\n" in tljh
    assert f"tljh-config set services.cull.timeout {_values()['cull']['timeout']}\n" in tljh


def test_the_hub_guide_says_what_was_not_run():
    section = _guide_section("Running it on a JupyterHub")
    assert "What was not run here." in section
    for thing in ("Kubernetes", "Docker", "TLJH's installer"):
        assert thing in section.partition("What was not run here.")[2].partition("What *is* checked")[0]


# --- Links: templates until the workbook is public ----------------------------------------------------------------


def test_the_readme_badge_is_the_marked_template_the_tool_fills_in():
    readme = README.read_text()
    badge = next(line for line in readme.splitlines() if line.startswith("[![Launch on Binder]"))
    assert f"({public_links.binder_link('OWNER/REPO')})" in badge
    assert public_links.TEMPLATE_NOTE in badge
    filled = public_links.fill_in_readme(readme, "my-school/sm-workbook")
    new_badge = next(line for line in filled.splitlines() if line.startswith("[![Launch on Binder]"))
    assert new_badge.endswith(f"({public_links.binder_link('my-school/sm-workbook')})")
    assert "OWNER/REPO" not in new_badge and "Template" not in new_badge
    # Only the badge changes; a second run refuses rather than guessing.
    assert filled.replace(new_badge, badge) == readme
    with pytest.raises(ValueError, match="filled in already"):
        public_links.fill_in_readme(filled, "my-school/sm-workbook")


def test_the_nbgitpuller_link_clones_the_workbook_and_opens_its_start_page():
    link = public_links.nbgitpuller_link("https://hub.example.edu/", "my-school/sm-workbook", branch="spring")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.edu", "/hub/user-redirect/git-pull")
    assert parse_qs(parts.query) == {
        "repo": ["https://github.com/my-school/sm-workbook"],
        "branch": ["spring"],
        "urlpath": ["lab/tree/sm-workbook/notebooks/00_start_here.ipynb"],
    }
    assert (ROOT / "notebooks" / "00_start_here.ipynb").exists()


@pytest.mark.parametrize(
    "repository", ["sm-workbook", "a/b/c", "https://github.com/a/b", "bad-/name", "owner/..", "owner/re po"]
)
def test_a_repository_that_is_not_owner_slash_name_is_refused(repository, capsys):
    assert public_links.main([repository]) == 2
    assert "OWNER/REPO" in capsys.readouterr().err


@pytest.mark.parametrize("hub", ["hub.example.edu", "ftp://hub.example.edu", "https://hub.example.edu/?x=1"])
def test_a_hub_address_that_is_not_one_is_refused(hub, capsys):
    assert public_links.main(["my-school/sm-workbook", "--hub", hub]) == 2
    assert "hub's address" in capsys.readouterr().err


def test_the_tool_prints_the_links_and_writes_nothing_without_write(capsys):
    before = README.read_bytes()
    assert public_links.main(["my-school/sm-workbook", "--hub", "https://hub.example.edu"]) == 0
    out = capsys.readouterr().out
    assert "Binder: https://mybinder.org/v2/gh/my-school/sm-workbook/HEAD?" in out
    assert "nbgitpuller: https://hub.example.edu/hub/user-redirect/git-pull?" in out
    assert README.read_bytes() == before
