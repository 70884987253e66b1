"""For instructors: set up a lesson in one call, reset the mock with one click, open moto's dashboard.

    from smworkbook.grading import instructor
    aws = instructor.present(1)      # fresh mock, lesson 1's exercises ready, a card with its plan
    instructor.reset_widget()        # a button: empty the mock again (optionally with demo secrets)
    instructor.dashboard_link()      # moto's own web page listing what the mock holds, and its JSON

Everything stays on this machine: the mock listens on 127.0.0.1, nothing pops up, nothing is
written to stderr.
"""

from __future__ import annotations

import html
import json
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from smworkbook.checks import EXERCISES
from smworkbook.engine import server
from smworkbook.engine.errors import WorkbookError
from smworkbook.toolkit.mock import MockAWS, require_mock, start

if TYPE_CHECKING:
    # Imported where used: the lesson list reads notebooks with nbformat, whose import takes seconds
    # (jsonschema's grammars), and the start page's reset button needs none of it.
    from smworkbook.authoring import lessons

# Secrets a demo can start from: a JSON secret with two versions (AWSCURRENT and AWSPREVIOUS),
# a plain API key, and binary key material.
DEMO_SECRETS = ("demo/db-credentials", "demo/api-key", "demo/signing-key")

# Extra set-up a lesson needs before it is presented (e.g. a database), registered by its module.
LESSON_SETUPS: dict[int, Callable[[MockAWS], str]] = {}


def lesson_setup(number: int):
    """Register the decorated function (taking the mock, returning a message) as lesson `number`'s set-up."""

    def register(prepare: Callable[[MockAWS], str]) -> Callable[[MockAWS], str]:
        LESSON_SETUPS[number] = prepare
        return prepare

    return register


def seed_demo_secrets() -> list[str]:
    """Create the demo secrets (replacing any of the same name); returns their names."""
    aws = start()
    client = aws.client("secretsmanager")
    db, api, signing = DEMO_SECRETS
    aws.ensure_secret(db, SecretString=json.dumps({"username": "app_user", "password": secrets.token_urlsafe(12)}))
    client.update_secret(
        SecretId=db, SecretString=json.dumps({"username": "app_user", "password": secrets.token_urlsafe(16)})
    )
    aws.ensure_secret(api, SecretString=secrets.token_hex(16), Description="An API key for the demo")
    aws.ensure_secret(signing, SecretBinary=secrets.token_bytes(32))
    return list(DEMO_SECRETS)


def reset(seed: bool = False) -> str:
    """Empty the mock (every secret forgotten); with `seed=True`, then add the demo secrets. Returns a summary."""
    if not isinstance(seed, bool):
        raise WorkbookError(f"seed is True or False, not {seed!r}.")
    start().reset()
    if seed:
        return f"The mock is empty again, then seeded with {', '.join(seed_demo_secrets())}."
    return "The mock is empty again: no secrets."


def reset_widget(seed: bool = False):
    """A 'Reset the mock' button with an 'add demo secrets' tick box; it says what it did underneath."""
    import ipywidgets as widgets

    start()
    button = widgets.Button(description="Reset the mock", icon="refresh", tooltip="Forget every secret in the mock")
    seed_box = widgets.Checkbox(value=seed, description="add demo secrets", indent=False)
    status = widgets.HTML(value="")

    def on_click(_button) -> None:
        try:
            status.value = html.escape(reset(seed_box.value))
        except WorkbookError as error:
            status.value = f"<b>Could not reset:</b> {html.escape(str(error))}"

    button.on_click(on_click)
    box = _ResetPanel([widgets.HBox([button, seed_box]), status])
    box.add_class("smw-reset")
    return box


def _reset_panel_class():
    import ipywidgets as widgets

    class ResetPanel(widgets.VBox):
        """The reset button and its tick box; stored in a notebook as a short text saying what it is, so a
        notebook not yet run shows a sentence, not the widget's Python form."""

        def __repr__(self) -> str:
            return STATIC_RESET

        def _repr_mimebundle_(self, **kwargs):
            bundle = super()._repr_mimebundle_(**kwargs)
            bundle["text/plain"] = STATIC_RESET
            bundle["text/html"] = f"<p><i>{html.escape(STATIC_RESET)}</i></p>"
            return bundle

    return ResetPanel


STATIC_RESET = "A 'Reset the mock' button with an 'add demo secrets' tick box appears here when this cell runs."


def _ResetPanel(children):
    return _reset_panel_class()(children)


def dashboard_url() -> str:
    """The address of moto's dashboard for this kernel's mock (a web page listing what it holds).

    The mock answers its /moto-api/ pages to nobody without its token, since every user of the
    machine can reach its port; but a link is shown in a cell's output, and outputs travel (a shared
    notebook, a screenshot). So the link carries a pass (server.view_pass), not the token: it shows
    the dashboard and data.json for 10 minutes, and never resets or configures the mock. Stored
    notebook outputs show `token=TOKEN` (smworkbook outputs writes the placeholder).
    """
    aws = require_mock("moto's dashboard")
    return f"{aws.endpoint_url}/moto-api/?token={server.view_pass(aws.credentials)}"


def dashboard_link():
    """Links to moto's dashboard for this kernel's mock and to its raw state (JSON); each opens in a new tab.

    The dashboard page itself loads its styles and scripts (Bootstrap, jQuery) from a public CDN,
    so it only draws its tables when your browser is online; the JSON is served by the mock alone.
    """
    from IPython.display import HTML

    url = dashboard_url()
    page, data = html.escape(url), html.escape(url.replace("/moto-api/?", "/moto-api/data.json?"))
    return HTML(
        f'<a href="{page}" target="_blank" rel="noopener">moto dashboard of this kernel\'s mock: {page}</a>'
        f' (<a href="{data}" target="_blank" rel="noopener">raw state as JSON</a>)'
    )


def present(number: int, seed: bool = False) -> MockAWS:
    """Set up lesson `number` for presenting, in one call, and return the mock.

    Starts the mock (or reuses this kernel's), empties it, runs the lesson's own set-up if it has
    one, puts every exercise of the lesson in its starting state, and shows the lesson's plan:
    title, time, objectives, notebooks, the dashboard link and a reset button.
    """
    from smworkbook.authoring import lessons

    if isinstance(number, bool) or not isinstance(number, int):
        raise WorkbookError(f"present() takes a lesson number such as 1, not {number!r}.")
    info = lessons.lesson(number)
    aws = start()
    aws.reset()
    done = []
    if seed:
        done.append(f"demo secrets: {', '.join(seed_demo_secrets())}")
    if number in LESSON_SETUPS:
        done.append(LESSON_SETUPS[number](aws))
    for key, exercise in EXERCISES.items():
        if key.split(".")[0] == str(number) and exercise.prepare is not None:
            done.append(f"exercise {key}: {exercise.prepare()}")
    _show(_card(info, done), info)
    return aws


def _card(info: lessons.Lesson, done: list[str]) -> str:
    minutes = f"about {info.minutes} minutes" if info.minutes else "time not stated"
    lines = [f"### Presenting lesson {info.number}: {info.title} ({minutes})", "", "**Objectives**", ""]
    lines += [f"- {objective}" for objective in info.objectives] or ["- (the lesson states none)"]
    lines += ["", f"**Notebooks:** [lesson](../notebooks/{info.notebook.name})"]
    if info.exercises:
        name = info.exercises.name
        lines[-1] += f", [exercises](../exercises/{name}), [solutions](../solutions/{name})"
    lines += ["", "**Ready:** a fresh mock" + ("" if done else ".")]
    lines += [f"- {item}" for item in done]
    lines += ["", f"**Dashboard:** <{dashboard_url()}>"]
    return "\n".join(lines)


def _show(card: str, info: lessons.Lesson) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(Markdown(card))
        display(reset_widget())
    else:
        print(card)
