"""For instructors: set up a lesson in one call, reset the mock with one click, show what the mock holds.

    from smworkbook.grading import instructor
    aws = instructor.present(1)      # this kernel's mock in lesson 1's starting state, a card with its plan
    instructor.reset_widget()        # a button: empty the mock again (optionally with demo secrets)
    instructor.show_all()            # every secret's versions and labels, drawn by the workbook (offline)
    instructor.dashboard_link()      # moto's own web page listing what the mock holds, and its JSON
    instructor.solve("2.3")          # exercise 2.3's solution, run live in this kernel after its set-up
    instructor.lesson_plan(2)        # each section of lesson 2 with its share of the lesson's time
    instructor.hints_key("key.html") # every exercise's hints on one printable page

Everything stays on this machine: the mock listens on 127.0.0.1, nothing pops up, nothing is
written to stderr.
"""

from __future__ import annotations

import html
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import smworkbook_kernel
from smworkbook.checks import EXERCISES
from smworkbook.engine import server
from smworkbook.engine.errors import WorkbookError, wrapped
from smworkbook.grading.kit import hints_key, lesson_plan  # noqa: F401 (the instructor's kit, here too)
from smworkbook.toolkit.mock import MockAWS, require_mock, start
from smworkbook.toolkit.styles import SCALED, WIDGET_CSS
from smworkbook.toolkit.versions import rows_html, secret_names, table_id, version_rows

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
    start()
    before = secret_names()
    start().reset()
    message = "The mock is empty again: no secrets."
    if seed:
        message = f"The mock is empty again, then seeded with {', '.join(seed_demo_secrets())}."
    _remember_reset(before)
    return message


def restore(number: int, seed: bool = False) -> str:
    """Put the mock back in lesson `number`'s starting state, as present(number, seed) left it. Returns a summary."""
    if not isinstance(seed, bool):
        raise WorkbookError(f"seed is True or False, not {seed!r}.")
    start()
    before = secret_names()
    done = _prepare(number, seed)
    _remember_reset(before)
    return f"Lesson {number}'s starting state again: " + "; ".join(item.rstrip(".") for item in done) + "."


# What the last reset in this kernel removed (secret names), and when: a cell run again after it that meets
# ResourceNotFoundException gets one line saying to re-run its section's set-up cell (instructor's kernel only).
_LAST_RESET: dict[str, object] = {}


def _remember_reset(before: list[str]) -> None:
    gone = sorted(set(before) - set(secret_names()))
    _LAST_RESET.update(gone=gone, at=time.strftime("%H:%M:%S"))
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and gone:
        from botocore.exceptions import ClientError

        # One custom exception handler per IPython shell: shared through the kernel extension's add_handler.
        smworkbook_kernel.add_handler(shell, (ClientError,), _show_after_reset)


def after_reset_hint(code: str, cell: str = "") -> str:
    """The line shown instead of botocore's traceback when error `code` follows a reset in this kernel, or ''.

    ResourceNotFoundException is what Secrets Manager answers for a secret (or version) that does not exist
    (GetSecretValue, DescribeSecret, ...: "Secrets Manager can't find the resource that you asked for",
    https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html#API_GetSecretValue_Errors).
    """
    gone = _LAST_RESET.get("gone")
    if code != "ResourceNotFoundException" or not gone:
        return ""
    names = ", ".join(gone[:3]) + (f" and {len(gone) - 3} more" if len(gone) > 3 else "")
    where = f" (the one starting `{cell}`)" if cell else ""
    return wrapped(
        f"ResourceNotFoundException: the instructor's reset at {_LAST_RESET['at']} removed what this section made "
        f"({names}). Re-run this section's set-up cell{where}, then this cell."
    )


def _show_after_reset(shell, etype, value, tb, tb_offset=None):
    code = getattr(value, "response", {}).get("Error", {}).get("Code", "")
    source = shell.user_ns.get("_ih", [""])[-1] if isinstance(shell.user_ns.get("_ih"), list) else ""
    hint = after_reset_hint(code, smworkbook_kernel.section_setup_cell(shell.user_ns.get("__session__"), source))
    if not hint:
        return shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    shell._showtraceback(etype, value, [hint])


def reset_widget(seed: bool = False, lesson: int | None = None):
    """A 'Reset the mock' button with an 'add demo secrets' tick box; it says what it did underneath.

    With `lesson=N` (as present(N) shows it) the button restores lesson N's starting state (its set-up, every
    exercise ready, and the demo secrets when ticked) instead of emptying the mock."""
    import ipywidgets as widgets

    start()
    tooltip = f"Put the mock back as lesson {lesson} starts" if lesson else "Forget every secret in the mock"
    button = widgets.Button(description="Reset the mock", icon="refresh", tooltip=tooltip)
    seed_box = widgets.Checkbox(value=seed, description="add demo secrets", indent=False)
    status = widgets.HTML(value=WIDGET_CSS)

    def on_click(_button) -> None:
        try:
            done = restore(lesson, seed_box.value) if lesson else reset(seed_box.value)
            status.value = WIDGET_CSS + html.escape(done)
        except WorkbookError as error:
            status.value = f"{WIDGET_CSS}<b>Could not reset:</b> {html.escape(str(error))}"

    button.on_click(on_click)
    box = _ResetPanel([widgets.HBox([button, seed_box]), status])
    box.add_class("smw-reset")
    box.add_class(SCALED)  # its controls follow the content font (Presentation Mode)
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

    page, data = (html.escape(url) for url in _dashboard_urls())
    # Short link texts: the addresses (about 120 characters with the pass, no space in them) would each be one line
    # wider than a projector's notebook, and the pass in them is nothing to read out.
    return HTML(
        f'<a href="{page}" target="_blank" rel="noopener">moto\'s dashboard</a> of this kernel\'s mock and '
        f'<a href="{data}" target="_blank" rel="noopener">its state as JSON</a> (each opens in a new tab; the links '
        f"work for {server.VIEW_PASS_SECONDS // 60} minutes). Offline, instructor.show_all() reads better."
    )


def _dashboard_urls() -> tuple[str, str]:
    """The dashboard's address and its raw state's (data.json), with the same pass."""
    url = dashboard_url()
    return url, url.replace("/moto-api/?", "/moto-api/data.json?")


def show_all():
    """Every secret in this kernel's mock with its versions and staging labels, drawn by the workbook itself.

    The offline view for a projector: nothing loaded from the network, no token or pass, the same rows and
    colours as show_versions' table (toolkit.versions.rows_html); secrets in name order, each under its name.
    """
    return AllSecrets(secret_names())


class AllSecrets:
    """The mock's secrets and their versions at one moment, as HTML (a notebook) or text (a terminal)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.rows = {name: version_rows(name) for name in names}

    def _repr_html_(self) -> str:
        if not self.names:
            return "<p>The mock holds no secrets.</p>"
        parts = [f"<p>The mock holds {len(self.names)} secret(s).</p>"]
        for name, rows in self.rows.items():
            parts.append(f'<p style="margin: 0.8em 0 0.2em"><b>{html.escape(name)}</b></p>')
            parts.append(rows_html(rows, uuid=table_id("all")))
        return "\n".join(parts)

    def __repr__(self) -> str:
        if not self.names:
            return "The mock holds no secrets."
        lines = [f"The mock holds {len(self.names)} secret(s)."]
        for name, rows in self.rows.items():
            labels = "; ".join(f"{row.version} {', '.join(row.labels) or '(deprecated)'}" for row in rows)
            lines.append(f"- {name}: {labels}")
        return "\n".join(lines)


SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def solution_cells(number: str) -> tuple[Path, list[str]]:
    """Exercise `number`'s solution notebook and the cells solve() runs: the notebook's set-up cell (its first
    code cell), the exercise's cell (the one calling checks.setup("N"), its solution markers dropped) and, if the
    next code cell checks it, that check."""
    from smworkbook.authoring import lessons

    if not isinstance(number, str) or number not in EXERCISES:
        raise WorkbookError(f'solve() takes an exercise number such as "2.3", one of the registry\'s; not {number!r}.')
    path = lessons.ROOT / "solutions" / lessons.lesson(int(number.split(".")[0])).notebook.name
    try:
        cells = [cell for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code"]
    except (OSError, ValueError, KeyError) as error:
        raise WorkbookError(f"Could not read the solutions notebook {path.name}: {error}") from None
    sources = ["".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"] for cell in cells]
    found = [index for index, source in enumerate(sources) if f'checks.setup("{number}")' in source]
    if not sources or not found:
        raise WorkbookError(f'{path.name} has no cell calling checks.setup("{number}").')
    index = found[0]
    exercise = "\n".join(line for line in sources[index].splitlines() if line.strip() not in SOLUTION_MARKERS)
    run = [sources[0], exercise]
    if index + 1 < len(sources) and f'checks.verify("{number}"' in sources[index + 1]:
        run.append(sources[index + 1])
    return path, run


def solve(number: str) -> None:
    """Show exercise `number`'s solution live: run, in this kernel, the solutions notebook's set-up cell, then the
    exercise's cell (its own set-up, checks.setup, then the solution) and its check, showing each output.

    The mock is this kernel's (as present() prepares it); what the solution changes stays there to show."""
    from IPython import get_ipython
    from IPython.display import Markdown, display

    path, cells = solution_cells(number)
    shell = get_ipython()
    if shell is None:
        raise WorkbookError("solve() runs a solution's cells in a notebook's kernel: call it from a notebook.")
    display(Markdown(f"**Exercise {number}, solved** (from `solutions/{path.name}`):\n\n```python\n{cells[1]}\n```"))
    for source in cells:
        result = shell.run_cell(source, store_history=False)
        if not result.success:
            return


def present(number: int, seed: bool = False) -> MockAWS:
    """Set up lesson `number` for presenting, in one call, and return the mock.

    Prepares the mock of the kernel it runs in (the notebook where you call it, not the exercise
    notebook's own kernel): starts it (or reuses it), empties it, adds the demo secrets with
    `seed=True`, runs the lesson's own set-up if it has one, puts every exercise of the lesson in its
    starting state, and shows the lesson's plan: title, time, objectives, notebooks, the dashboard link
    and a reset button that restores this starting state (its 'add demo secrets' box ticked as `seed`).
    """
    from smworkbook.authoring import lessons

    if isinstance(number, bool) or not isinstance(number, int):
        raise WorkbookError(f"present() takes a lesson number such as 1, not {number!r}.")
    if not isinstance(seed, bool):
        raise WorkbookError(f"seed is True or False, not {seed!r}.")
    info = lessons.lesson(number)
    start()
    before = secret_names()
    done = _prepare(number, seed)
    _remember_reset(before)
    _show(_card(info, done), number, seed)
    return start()


def _prepare(number: int, seed: bool) -> list[str]:
    """Empty the mock, then lesson `number`'s starting state; one line per thing made ready (same lines merged)."""
    aws = start()
    aws.reset()
    done: dict[str, list[str]] = {}  # what is ready -> the exercises it is ready for
    if seed:
        done[f"demo secrets: {', '.join(seed_demo_secrets())}"] = []
    if number in LESSON_SETUPS:
        done[LESSON_SETUPS[number](aws)] = []
    for key, exercise in EXERCISES.items():
        if key.split(".")[0] == str(number) and exercise.prepare is not None:
            # With the kernel's part (lesson 8's sample repository), made in this kernel too.
            done.setdefault(exercise.with_kernel_part(exercise.prepare()), []).append(key)
    lines = []
    for said, keys in done.items():
        if not keys:
            lines.append(said)
        else:
            lines.append(f"exercise{'s' if len(keys) > 1 else ''} {', '.join(keys)}: {said}")
    return lines


def _card(info: lessons.Lesson, done: list[str]) -> str:
    minutes = f"about {info.minutes} minutes" if info.minutes else "time not stated"
    lines = [f"### Presenting lesson {info.number}: {info.title} ({minutes})", "", "**Objectives**", ""]
    lines += [f"- {objective}" for objective in info.objectives] or ["- (the lesson states none)"]
    # The learner's copy (my-work/, made from exercises/ on first use) is what the class opens; the generated
    # exercises/ copy is the workbook's, rewritten by `smworkbook exercises`.
    lines += ["", f"**Notebooks:** [lesson](../notebooks/{info.notebook.name})"]
    if info.exercises:
        name = info.exercises.name
        lines[-1] += f", [exercises (my-work/)](../my-work/{name}), [solutions](../solutions/{name})"
    lines += ["", "**Ready** in this kernel's mock (not the exercise notebook's: each kernel has its own):"]
    lines += [f"- {item}" for item in done] or ["- an empty mock"]
    page, data = _dashboard_urls()
    lines += ["", f"**Dashboard:** [moto's dashboard]({page}), [its state as JSON]({data}) (`show_all()` offline)"]
    return "\n".join(lines)


def _show(card: str, number: int, seed: bool) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(Markdown(card))
        display(reset_widget(seed=seed, lesson=number))
    else:
        print(card)
