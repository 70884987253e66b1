"""The instructor's helpers: reset (optionally with demo secrets), the dashboard link, present(lesson)."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from smworkbook import WorkbookError
from smworkbook.checks import EXERCISES
from smworkbook.engine import server
from smworkbook.grading import instructor


def _names(sm) -> list[str]:
    return sorted(secret["Name"] for secret in sm.list_secrets()["SecretList"])


def test_reset_forgets_every_secret(aws, sm):
    sm.create_secret(Name="stray", SecretString="x")
    assert instructor.reset() == "The mock is empty again: no secrets."
    assert _names(sm) == []


def test_reset_with_seed_creates_the_demo_secrets(aws, sm):
    sm.create_secret(Name="stray", SecretString="x")
    message = instructor.reset(seed=True)
    assert _names(sm) == sorted(instructor.DEMO_SECRETS)
    assert "seeded with demo/db-credentials" in message
    stages = sm.describe_secret(SecretId="demo/db-credentials")["VersionIdsToStages"].values()
    assert sorted(label for labels in stages for label in labels) == ["AWSCURRENT", "AWSPREVIOUS"]
    db = "demo/db-credentials"
    current = json.loads(sm.get_secret_value(SecretId=db)["SecretString"])
    previous = json.loads(sm.get_secret_value(SecretId=db, VersionStage="AWSPREVIOUS")["SecretString"])
    assert current["username"] == previous["username"] == "app_user"
    assert current["password"] != previous["password"]
    assert len(sm.get_secret_value(SecretId="demo/signing-key")["SecretBinary"]) == 32


def test_reset_takes_true_or_false(aws):
    with pytest.raises(WorkbookError, match="seed is True or False"):
        instructor.reset(seed="yes")


@pytest.mark.parametrize(("ticked", "expected"), [(False, []), (True, sorted(instructor.DEMO_SECRETS))])
def test_the_reset_button_resets_and_says_so(aws, sm, ticked, expected):
    sm.create_secret(Name="stray", SecretString="x")
    widget = instructor.reset_widget(seed=ticked)
    assert "smw-reset" in widget._dom_classes
    (button, box), status = widget.children[0].children, widget.children[1]
    assert box.value is ticked
    button.click()
    assert _names(sm) == expected
    assert "The mock is empty again" in status.value


def test_the_dashboard_link_is_the_mocks_own_page_on_loopback_with_a_pass_not_its_token(aws):
    url = instructor.dashboard_url()
    assert url.startswith(f"{aws.endpoint_url}/moto-api/?token=v") and url.startswith("http://127.0.0.1:")
    assert aws.credentials.api_token not in url
    with urllib.request.urlopen(url, timeout=10) as page:
        assert page.status == 200 and "Moto" in page.read().decode()
    link = instructor.dashboard_link().data
    data = url.replace("/moto-api/?", "/moto-api/data.json?")
    assert f'href="{url}"' in link and f'href="{data}"' in link
    assert 'target="_blank"' in link and aws.credentials.api_token not in link


def _shown_text(html_text: str) -> str:
    """What a browser shows of an HTML output: its text, without tags or their attributes."""
    return html.unescape(re.sub(r"<[^>]*>", "", html_text))


def test_the_dashboard_links_read_on_a_projector_short_texts_not_the_addresses(aws):
    """Issue 36 item 6: the links' texts are words, not the ~120-character addresses (one unbroken line wider than
    the notebook on a projector); the pass is in the links' targets only."""
    link = instructor.dashboard_link().data
    shown = _shown_text(link)
    assert "moto's dashboard" in shown and "its state as JSON" in shown and "10 minutes" in shown
    assert "token" not in shown and "http" not in shown
    assert max(len(word) for word in shown.split()) <= 30, shown  # the address alone was about 120


def _refused(url: str, method: str = "GET") -> str:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10)
    assert refused.value.code == 403
    return refused.value.read().decode()


def test_a_dashboard_link_read_from_a_cells_output_neither_resets_nor_configures_the_mock_nor_reads_it_later(aws, sm):
    """Outputs travel (a shared notebook, a screenshot): the link's pass only shows the mock's state, and only for
    server.VIEW_PASS_SECONDS. The mock's token itself, which resets it, is never in an output."""
    sm.create_secret(Name="kept", SecretString="x")
    url = instructor.dashboard_url()
    for path, method in (("reset", "POST"), ("reset", "GET"), ("config", "GET"), ("config", "POST"), ("seed", "POST")):
        said = _refused(url.replace("/moto-api/?", f"/moto-api/{path}?"), method)
        assert f"/moto-api/{path} needs this mock's token" in said and "10 minutes, nothing else" in said
    assert _refused(url, "POST")  # the page itself, but not to change anything
    expired = server.view_pass(aws.credentials, now=time.time() - server.VIEW_PASS_SECONDS - 1)
    for path in ("", "data.json", "lib.js"):
        _refused(f"{aws.endpoint_url}/moto-api/{path}?token={expired}")
    other = server.view_pass(server.Credentials.generate())  # another mock's pass
    _refused(f"{aws.endpoint_url}/moto-api/data.json?token={other}")
    forged = url[: -len("0" * 32)] + "0" * 32
    _refused(forged.replace("/moto-api/?", "/moto-api/data.json?"))
    assert [s["Name"] for s in sm.list_secrets()["SecretList"]] == ["kept"]


def test_the_dashboard_without_its_token_is_refused(aws):
    """Every user of the machine reaches the mock's port: the page is only for whoever holds the token."""
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(aws.endpoint_url + "/moto-api/", timeout=10)
    assert refused.value.code == 403
    assert "needs this mock's token" in refused.value.read().decode()


def test_the_dashboard_page_loads_its_script_and_data_with_the_token_of_the_page(aws, sm):
    """The page fetches /moto-api/lib.js and data.json without the token; the browser names the page in Referer."""
    sm.create_secret(Name="visible-in-dashboard", SecretString="x")
    for path in ("lib.js", "data.json"):
        request = urllib.request.Request(f"{aws.endpoint_url}/moto-api/{path}")
        request.add_header("Referer", instructor.dashboard_url())
        with urllib.request.urlopen(request, timeout=10) as page:
            assert page.status == 200
    wrong = urllib.request.Request(f"{aws.endpoint_url}/moto-api/data.json")
    wrong.add_header("Referer", f"{aws.endpoint_url}/moto-api/?token=guessed")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(wrong, timeout=10)


def test_the_raw_state_link_shows_the_mocks_secrets(aws, sm):
    sm.create_secret(Name="visible-in-dashboard", SecretString="x")
    raw = instructor.dashboard_url().replace("/moto-api/?", "/moto-api/data.json?")
    state = json.load(urllib.request.urlopen(raw, timeout=10))
    assert [s["name"] for s in state["secretsmanager"]["FakeSecret"]] == ["visible-in-dashboard"]


def test_present_readies_every_exercise_of_the_lesson_on_a_fresh_mock(aws, sm, capsys):
    sm.create_secret(Name="stray", SecretString="x")
    assert instructor.present(1) is aws
    names = _names(sm)
    assert "stray" not in names
    # The set-ups of lesson 1's exercises ran: e.g. 1.2's secret exists, 1.6's is scheduled for deletion.
    assert {"lesson01/weather-api", "lesson01/db-app", "lesson01/old-token"} <= set(names)
    assert "DeletedDate" in sm.describe_secret(SecretId="lesson01/payments-api")
    shown = capsys.readouterr()
    assert shown.err == ""
    assert "Presenting lesson 1: Create, retrieve, update and delete a secret (about 30 minutes)" in shown.out
    assert "restore_secret" in shown.out  # an objective
    for number in (n for n in EXERCISES if n.startswith("1.")):
        assert f"exercise {number}:" in shown.out
    page = f"{aws.endpoint_url}/moto-api/?token=v"
    assert f"**Dashboard:** [moto's dashboard]({page}" in shown.out  # a pass, not the token
    assert "[its state as JSON](" + page.replace("/moto-api/?", "/moto-api/data.json?") in shown.out
    assert aws.credentials.api_token not in shown.out


def test_present_runs_a_lessons_registered_set_up_and_can_seed(aws, sm, monkeypatch, capsys):
    def prepare(mock):
        mock.ensure_secret("lesson-extra", SecretString="ready")
        return "lesson-extra is ready"

    monkeypatch.setitem(instructor.LESSON_SETUPS, 1, prepare)
    instructor.present(1, seed=True)
    assert {"lesson-extra", *instructor.DEMO_SECRETS} <= set(_names(sm))
    assert "lesson-extra is ready" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("bad", "message"), [("1", "takes a lesson number"), (True, "takes a lesson"), (42, "no lesson 42")]
)
def test_present_with_a_bad_lesson_number_is_a_one_line_error(aws, bad, message):
    with pytest.raises(WorkbookError, match=message):
        instructor.present(bad)


def test_the_start_pages_instructor_cell_does_not_import_nbformat():
    """nbformat's import pulls jsonschema's grammars (seconds); the start page's reset button needs none of it."""
    code = (
        "import sys, smworkbook\n"
        "smworkbook.start()\n"
        "from smworkbook import instructor\n"
        "instructor.reset_widget(seed=True)\n"
        "print(sorted(name for name in ('nbformat', 'jsonschema') if name in sys.modules))\n"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert shown.stdout.strip().splitlines()[-1] == "[]"


def test_the_reset_button_is_stored_as_a_sentence_not_as_its_python_form(aws):
    bundle = instructor.reset_widget()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Reset the mock" in bundle["text/html"] and "VBox(" not in bundle["text/plain"]


def test_present_with_seed_ticks_the_cards_box_and_its_reset_restores_the_lessons_start(aws, sm, monkeypatch):
    """The card's button puts back what present() made (the exercises' set-ups, the demo secrets), not an empty mock."""
    shown = []
    widget = instructor.reset_widget
    monkeypatch.setattr(instructor, "_show", lambda card, number, seed: shown.append(widget(seed, number)))
    instructor.present(2, seed=True)
    started = _names(sm)
    assert set(instructor.DEMO_SECRETS) <= set(started) and "lesson02/feature-config" in started
    widget = shown[0]
    (button, box), status = widget.children[0].children, widget.children[1]
    assert box.value is True
    sm.delete_secret(SecretId="lesson02/feature-config", ForceDeleteWithoutRecovery=True)
    sm.create_secret(Name="made-in-the-demo", SecretString="x")
    button.click()
    assert _names(sm) == started
    assert "Lesson 2&#x27;s starting state again: demo secrets" in status.value
    box.value = False
    button.click()
    assert _names(sm) == sorted(set(started) - set(instructor.DEMO_SECRETS))


def test_the_card_links_the_learners_copy_merges_repeated_lines_and_capitalises_the_title(aws, capsys):
    from smworkbook.authoring import lessons

    instructor.present(4)
    card = capsys.readouterr().out
    minutes = lessons.lesson(4).minutes  # the lesson's header says "rotation that really runs", lower-case
    assert f"Presenting lesson 4: Rotation that really runs (about {minutes} minutes)" in card
    assert "](../my-work/04_exercises_rotation.ipynb)" in card and "../exercises/" not in card
    assert "](../notebooks/04_rotation.ipynb)" in card
    assert card.count("lesson04/app-db holds working credentials") == 1
    assert "- exercises 4.1, 4.2, 4.3, 4.4: lesson04/app-db holds" in card
    assert "this kernel's mock (not the exercise notebook's" in card


def test_show_all_draws_every_secret_with_its_versions_offline_and_without_a_token(aws, sm):
    instructor.reset(seed=True)
    view = instructor.show_all()
    page = view._repr_html_()
    for name in instructor.DEMO_SECRETS:
        assert f"<b>{name}</b>" in page
    assert page.count("<table") == 3 and "AWSPREVIOUS" in page
    assert "http" not in page and "token" not in page and aws.credentials.api_token not in page
    assert "- demo/db-credentials: v1 AWSPREVIOUS; v2 AWSCURRENT" in repr(view)
    instructor.reset()
    assert repr(instructor.show_all()) == "The mock holds no secrets."


def test_after_a_reset_a_missing_secret_is_one_line_naming_the_sections_set_up_cell(aws, sm):
    sm.create_secret(Name="TestSecret", SecretString="x")
    instructor.reset()
    hint = " ".join(instructor.after_reset_hint("ResourceNotFoundException", 'aws.ensure_absent("TestSecret")').split())
    assert len(instructor.after_reset_hint("ResourceNotFoundException").splitlines()) <= 2
    assert "reset at" in hint and "removed what this section made (TestSecret)" in hint
    assert 'Re-run this section\'s set-up cell (the one starting `aws.ensure_absent("TestSecret")`)' in hint
    assert instructor.after_reset_hint("AccessDeniedException") == ""


NOTEBOOK_AFTER_RESET = r"""
import json, pathlib, IPython
from smworkbook import instructor
nb = {"cells": [
    {"cell_type": "markdown", "source": "## A section", "metadata": {}},
    {"cell_type": "code", "source": "sm.create_secret(Name='TestSecret', SecretString='x')",
     "metadata": {}, "outputs": [], "execution_count": None},
    {"cell_type": "code", "source": "sm.get_secret_value(SecretId='TestSecret')",
     "metadata": {}, "outputs": [], "execution_count": None}],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
pathlib.Path("demo.ipynb").write_text(json.dumps(nb))
shell = IPython.get_ipython()
shell.user_ns["__session__"] = "demo.ipynb"
shell.run_cell("import smworkbook; aws = smworkbook.start(); sm = aws.client('secretsmanager')")
shell.run_cell(store_history=True, raw_cell="sm.create_secret(Name='TestSecret', SecretString='x')")
shell.run_cell("instructor.reset()")
shell.run_cell(store_history=True, raw_cell="sm.get_secret_value(SecretId='TestSecret')")
"""


def test_the_instructors_kernel_shows_one_line_instead_of_botocores_traceback(tmp_path):
    """In a real IPython shell with the kernel extension: the handler is shared through smworkbook_kernel."""
    script = tmp_path / "after_reset.ipy"
    script.write_text(NOTEBOOK_AFTER_RESET)
    shown = subprocess.run(
        [sys.executable, "-m", "IPython", "--colors=NoColor", "--ext=smworkbook_kernel", str(script)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    said = " ".join((shown.stdout + shown.stderr).split())
    assert "ResourceNotFoundException: the instructor's reset at" in said, said
    assert "(the one starting `sm.create_secret(Name='TestSecret', SecretString='x')`)" in said
    assert "botocore" not in said and "Traceback" not in said


def test_solution_cells_are_the_set_up_the_exercise_without_its_markers_and_its_check():
    path, (setup, exercise, check) = instructor.solution_cells("2.3")
    assert path.parent.name == "solutions" and path.name.startswith("02_")
    assert "smworkbook.start()" in setup
    assert exercise.startswith('checks.setup("2.3")') and "update_secret_version_stage" in exercise
    assert "### BEGIN SOLUTION" not in exercise and "### END SOLUTION" not in exercise
    assert check.strip() == 'checks.verify("2.3")'


@pytest.mark.parametrize("bad", ["9.9", 2.3, "2"])
def test_solve_with_a_bad_exercise_number_is_a_one_line_error(bad):
    with pytest.raises(WorkbookError, match="solve\\(\\) takes an exercise number"):
        instructor.solve(bad)


SOLVE_LIVE = """
from smworkbook import instructor
instructor.present(2)
instructor.solve("2.3")
import boto3, json
value = boto3.client("secretsmanager").get_secret_value(SecretId="lesson02/feature-config")["SecretString"]
print("AWSCURRENT now:", value)
"""


def test_solve_runs_the_solution_in_this_kernel_after_its_set_up_and_its_check_passes(tmp_path):
    """In a real IPython shell: the solutions notebook's set-up, the exercise's cell, then its check."""
    script = tmp_path / "solve.ipy"
    script.write_text(SOLVE_LIVE)
    shown = subprocess.run(
        [sys.executable, "-m", "IPython", "--colors=NoColor", "--ext=smworkbook_kernel", str(script)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    said = shown.stdout + shown.stderr
    assert "✔ Exercise 2.3 passed" in said, said
    assert "Traceback" not in said
    assert '"timeout_seconds": 0' not in said.split("AWSCURRENT now:")[1]


def test_present_makes_lesson_8s_samples_in_this_kernel_too(aws, sm, capsys):
    """Lesson 8's set-ups have a kernel part (the sample repository): present() runs it as checks.setup does."""
    from smworkbook.fixtures import leaky_app

    leaky_app.remove_samples()
    instructor.present(8)
    sample = leaky_app.latest()
    assert (sample / ".git").is_dir() and (sample / "orders" / "notify.py").is_file()  # 8.4's, the last set-up
    assert "exercise 8.4: a fresh sample application is in leaky_app.latest()" in capsys.readouterr().out
    assert leaky_app.remove_samples() == 4
