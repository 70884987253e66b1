"""The learner's path in a real browser: `make lab`, each notebook opened in JupyterLab, Run All.

One JupyterLab server (serving a copy of the notebooks, so nothing here can save over them) and
one headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) for every notebook.
Screenshots go to artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.request
from pathlib import Path

import nbformat
import pytest

from smworkbook.authoring import exercises as generator
from smworkbook.authoring import lessons, pictures
from smworkbook.fixtures import load

from .conftest import ROOT, running_lab

CHROMIUM = Path(os.environ.get("SMWORKBOOK_CHROMIUM", "/usr/bin/chromium"))
SHOTS = ROOT / "artifacts" / "screenshots"
# What a learner sees, for the README: the pictures in docs/ are refreshed when SMWORKBOOK_UPDATE_DOCS=1 is set
# (otherwise they go with the other screenshots, and `make test` leaves the repository's files alone).
DOCS = ROOT / "docs" if os.environ.get("SMWORKBOOK_UPDATE_DOCS") == "1" else SHOTS
FOLDERS = ("notebooks", "solutions", "exercises")
NOTEBOOKS = [p.relative_to(ROOT).as_posix() for folder in FOLDERS for p in sorted((ROOT / folder).glob("*.ipynb"))]
# Chromium must not try to reach hosts it cannot (and should not) reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Test-only JupyterLab settings: never autosave, and render every cell (no windowing), so that
# every output can be read from the page.
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
RUN_TIMEOUT_MS = 180_000


def _on_debian() -> bool:
    """Debian's chromium package is the browser this test drives; other systems (macOS, Ubuntu's snap) lack it."""
    os_release = Path("/etc/os-release")
    return os_release.exists() and "\nID=debian\n" in "\n" + os_release.read_text()


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = (
        f"The browser test needs Chromium at {CHROMIUM}. On Debian: `sudo apt-get install chromium` "
        "(or set SMWORKBOOK_CHROMIUM to another Chromium). Do not run `playwright install`."
    )
    if os.environ.get("CI") == "true" and _on_debian():
        pytest.fail(f"CI on Debian must run the browser test. {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab (`make lab`) serving a throwaway copy of the workbook's notebooks."""
    _require_chromium()
    home = tmp_path_factory.mktemp("browser-home")
    served = tmp_path_factory.mktemp("served")
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, served / folder)
    # The exercises as shipped (what solutions/ generates), not a learner's answers in exercises/.
    for path, text in generator.expected(ROOT / "solutions", served / "exercises").items():
        path.write_text(text, encoding="utf-8")
    # The learner's copies, as `smworkbook my-work` makes them: the lessons link there.
    shutil.copytree(served / "exercises", served / "my-work")
    settings = home / "lab-settings"
    for name, values in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    env = {
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_CONFIG_DIR": str(home / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(home / "jupyter-data"),
        "IPYTHONDIR": str(home / "ipython"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    # The test opens each notebook through JupyterLab's own command (window.jupyterapp), in one page.
    with running_lab(home, served, env, "--LabApp.expose_app_in_browser=True") as (base, token):
        yield base, token


@pytest.fixture(scope="module")
def app(lab):
    """One Chromium page with JupyterLab loaded, for every notebook (loading JupyterLab takes a while)."""
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    # expect() waits as long as the page's own actions do: its default of 5 s was not enough for
    # JupyterLab to load and draw a lesson's exercises on a CI run with every core busy (the
    # notebook's tab opened, its cells not yet drawn).
    expect.set_options(timeout=60_000)
    base, token = lab
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        # A laptop's window, as the issue that asked for these checks tried it.
        page = chromium.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(60_000)
        page.goto(f"{base}/lab?reset&token={token}")
        page.wait_for_function("() => window.jupyterapp !== undefined", timeout=90_000)
        page.evaluate("() => window.jupyterapp.restored")
        yield page
        chromium.close()


@pytest.fixture
def page(app, lab):
    yield app
    # Close every tab without saving, and shut its kernel down.
    app.evaluate(
        """() => { for (const widget of [...window.jupyterapp.shell.widgets('main')]) {
                     if (widget.context) { widget.context.model.dirty = false; }
                     widget.dispose(); } }"""
    )
    _shut_down_kernels(*lab)


def _shut_down_kernels(base: str, token: str) -> None:
    sessions = json.load(urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=10))
    for session in sessions:
        request = urllib.request.Request(f"{base}/api/sessions/{session['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def _open(page, notebook: str):
    page.evaluate("path => { window.jupyterapp.commands.execute('docmanager:open', {path}); }", notebook)
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator(".jp-Cell").first.wait_for()
    idle = page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first
    idle.or_(page.locator(".jp-Dialog")).first.wait_for(timeout=90_000)
    _accept_dialog(page)  # "Select Kernel", for a notebook saved without one
    idle.wait_for(timeout=90_000)
    return panel


def _menu(page, menu: str, command: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(f"li[data-command='{command}']").click()


def _accept_dialog(page) -> None:
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        dialog.locator(".jp-mod-accept").click()


def _prompts(panel) -> list[str]:
    return [text.strip() for text in panel.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()]


def _run_all(page, panel) -> None:
    """Clear every output, then Run All from the Run menu, as a learner would; wait until the kernel is done."""
    _menu(page, "Edit", "editmenu:clear-all")
    assert not any(re.search(r"\d", prompt) for prompt in _prompts(panel))
    for _attempt in range(3):  # the kernel can report idle before it takes requests
        _menu(page, "Run", "runmenu:run-all")
        _accept_dialog(page)
        try:
            page.wait_for_function(
                """panel => { const p = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                                       .map(e => e.innerText);
                              return p.length && /\\d/.test(p[0]) && !p.some(t => t.includes('*')); }""",
                arg=panel.element_handle(),
                timeout=RUN_TIMEOUT_MS,
            )
            break
        except Exception:
            if re.search(r"\d|\*", _prompts(panel)[0]):
                raise
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for()


def _screenshot(page, notebook: str) -> Path:
    path = SHOTS / (notebook.replace("/", "__").removesuffix(".ipynb") + ".png")
    page.screenshot(path=path)
    return path


# Run in the notebook's kernel before the dropdown is changed: two secrets whose tables differ.
TWO_SECRETS = """import smworkbook
_mock = smworkbook.start()
_mock.ensure_secret("browser-test/one", SecretString="1")
_mock.ensure_secret("browser-test/two", SecretString="1")
_mock.client("secretsmanager").update_secret(SecretId="browser-test/two", SecretString="2")"""


def _run_new_cell(page, panel, code: str) -> None:
    """Add a code cell at the end of the open notebook and run it, as a learner trying something would."""
    count = panel.locator(".jp-CodeCell").count()
    page.evaluate(
        """code => { const notebook = window.jupyterapp.shell.currentWidget.content;
                     notebook.activeCellIndex = notebook.widgets.length - 1;
                     window.jupyterapp.commands.execute('notebook:insert-cell-below');
                     notebook.activeCell.model.sharedModel.setSource(code);
                     window.jupyterapp.commands.execute('notebook:run-cell'); }""",
        code,
    )
    cell = panel.locator(".jp-CodeCell").nth(count)
    cell.locator(".jp-InputArea-prompt", has_text=re.compile(r"\[\d+\]")).wait_for()
    assert cell.locator(STDERR).count() == 0, cell.inner_text()


def _check_versions_widgets(page, panel, notebook: str) -> int:
    """Every versions widget shows a table with AWSCURRENT; after Refresh, picking another secret redraws it."""
    from playwright.sync_api import expect

    widgets = panel.locator(".smw-versions")
    count = widgets.count()
    stem = notebook.replace("/", "__").removesuffix(".ipynb")
    for index in range(count):
        widget = widgets.nth(index)
        expect(widget.locator(".widget-output table")).to_contain_text("AWSCURRENT")
        widget.screenshot(path=SHOTS / f"{stem}__versions-{index}.png")
    if count:
        _run_new_cell(page, panel, TWO_SECRETS)
        # One Refresh is enough: views of the same widget (displayed twice) share one list of secrets,
        # and a second click still in flight could undo a dropdown change made right after it.
        first = widgets.nth(0)
        first.get_by_role("button", name="Refresh").click()
        expect(first.locator("select option", has_text="browser-test/two")).to_have_count(1)
    for index in range(count):
        widget = widgets.nth(index)
        table = widget.locator(".widget-output table")
        select = widget.locator("select")
        expect(select.locator("option", has_text="browser-test/two")).to_have_count(1)
        select.select_option(label="browser-test/one")
        expect(table).not_to_contain_text("AWSPREVIOUS")
        expect(table).to_contain_text("AWSCURRENT")
        before = table.inner_text()
        select.select_option(label="browser-test/two")
        expect(table).not_to_have_text(before)
        expect(table).to_contain_text("AWSPREVIOUS")
        expect(table).to_contain_text("AWSCURRENT")
        widget.screenshot(path=SHOTS / f"{stem}__versions-{index}-changed.png")
    return count


def _check_reset_widgets(panel) -> int:
    """The instructor's reset button answers a click with what it did."""
    from playwright.sync_api import expect

    for widget in panel.locator(".smw-reset").all():
        widget.get_by_role("button", name="Reset the mock").click()
        expect(widget.locator(".widget-html")).to_contain_text("The mock is empty again")
    return panel.locator(".smw-reset").count()


@pytest.mark.parametrize("notebook", [n for n in NOTEBOOKS if not n.startswith("exercises/")])
def test_lessons_and_solutions_run_all_in_jupyterlab_without_errors(page, notebook):
    """Run All: no error, no stderr, every cell run, the solutions' checks passed and shown; then what the page
    must show in particular lessons (AFTER_RUN_ALL), and the widgets answering clicks."""
    panel = _open(page, notebook)
    _run_all(page, panel)
    _screenshot(page, notebook)
    errors = panel.locator(STDERR).all_inner_texts()
    assert errors == [], f"{notebook} showed errors or stderr: {errors}"
    prompts = _prompts(panel)
    assert all(re.fullmatch(r"\[\d+\]:", prompt) for prompt in prompts), f"cells that did not run: {prompts}"
    assert page.locator(".jp-Dialog").count() == 0, "a dialog popped up"
    if notebook in AFTER_RUN_ALL:
        AFTER_RUN_ALL[notebook](panel)
    if notebook.startswith("solutions/"):
        checks = panel.locator(".jp-CodeCell", has_text="checks.verify(").count()
        passes = panel.locator(".jp-OutputArea-output", has_text=re.compile(r"✔ Exercise \d+\.\d+ passed"))
        assert checks >= 1 and passes.count() == checks
        expect_visible(passes.first)
    versions = _check_versions_widgets(page, panel, notebook)
    if notebook == "notebooks/02_versions_and_staging_labels.ipynb":
        assert versions >= 1, "lesson 2 shows the versions widget"
    resets = _check_reset_widgets(panel)
    if notebook == "notebooks/00_start_here.ipynb":
        assert resets == 1, "the start page shows the instructor's reset button"


@pytest.mark.parametrize("notebook", [n for n in NOTEBOOKS if n.startswith("exercises/")])
def test_an_unsolved_exercise_shows_its_hint_in_jupyterlab(page, notebook):
    panel = _open(page, notebook)
    _run_all(page, panel)  # stops at the first error, as it does for a learner
    errors = panel.locator(STDERR).all_inner_texts()
    assert len(errors) == 1, errors
    check = panel.locator(".jp-CodeCell", has_text="checks.verify(").first
    if not re.search(r"\d", check.locator(".jp-InputArea-prompt").inner_text()):
        # Run All stopped at `raise NotImplementedError()` in the exercise cell; the learner then
        # runs the check cell below it, and reads the hint.
        assert "NotImplementedError" in errors[0], errors
        check.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
    # (Otherwise the exercise cell defines a function that raises only when the check calls it, and
    # Run All stopped at the check cell, hint shown.)
    hint = check.locator(STDERR)
    hint.wait_for()
    expect_visible(hint)
    assert re.search(r"CheckFailed: Exercise \d+\.\d+ \(.+\) is not right\s+yet\.\s+\S", hint.inner_text())
    assert "Traceback" not in hint.inner_text()
    check.locator(".jp-InputArea-prompt", has_text=re.compile(r"\[\d+\]")).wait_for()
    check.scroll_into_view_if_needed()
    _screenshot(page, notebook)


def _current_path(page) -> str:
    return page.evaluate("() => window.jupyterapp.shell.currentWidget.context.path")


def test_the_start_page_before_running_reads_well_and_its_first_link_opens_lesson_1(page):
    """A fresh, untrusted clone: no widget's Python form, no stale address, a static reset panel, a Start link."""
    from playwright.sync_api import expect

    panel = _open(page, "notebooks/00_start_here.ipynb")
    text = panel.inner_text()
    assert "VBox(" not in text and not re.search(r"127\.0\.0\.1:\d+", text)
    expect(panel.locator(".jp-OutputArea-output", has_text="'Reset the mock' button")).to_have_count(1)
    page.screenshot(path=DOCS / "start-page.png")
    _link(panel, "Start lesson 1").first.click()
    opened = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(opened.locator("h1", has_text="Lesson 1: Create, retrieve, update and delete a secret")).to_be_visible()


def test_lesson_2_after_run_all_shows_each_moment_and_refresh_says_the_secret_is_gone(page):
    from playwright.sync_api import expect

    panel = _open(page, "notebooks/02_versions_and_staging_labels.ipynb")
    assert "VersionsView(" not in panel.inner_text()  # before running: the stored HTML, not the Python form
    _run_all(page, panel)
    view = panel.locator(".smw-versions")
    expect(view).to_have_count(1)
    # The live view drawn under "three versions" shows three, though the lesson goes on to five.
    expect(view.locator(".widget-output table tbody tr")).to_have_count(3)
    expect(view.locator("select option")).to_have_count(1)
    view.scroll_into_view_if_needed()
    page.screenshot(path=DOCS / "lesson-2-after-run-all.png")
    view.get_by_role("button", name="Refresh").click()
    expect(view.locator(".widget-html").last).to_contain_text("'TestSecret' is not in the mock any more")
    expect(view.locator(".widget-output table")).to_have_count(0)
    cleanup = panel.locator(".jp-CodeCell").last
    expect(cleanup.locator(".jp-OutputArea-output")).to_contain_text("Clean-up done")


def test_lesson_links_open_the_learners_exercises_the_next_lesson_and_back(page):
    from playwright.sync_api import expect

    panel = _open(page, "notebooks/01_create_retrieve_update_delete.ipynb")
    _link(panel, "your exercises for lesson 1").click()
    exercise = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(exercise.locator("h2", has_text="Exercise 1.1")).to_be_visible()
    assert _current_path(page) == "my-work/01_exercises_create_retrieve_update_delete.ipynb"
    _link(exercise, "Structured secrets").first.click()
    lesson = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(lesson.locator("h1", has_text="Lesson 1:")).to_be_visible()
    assert _current_path(page) == "notebooks/01_create_retrieve_update_delete.ipynb"
    expect(lesson.locator(_heading("Structured-secrets:-JSON-in-SecretString"))).to_be_in_viewport()
    _link(lesson, "lesson 2: Versions and staging labels").click()
    next_lesson = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) h1", has_text="Lesson 2:")
    expect(next_lesson).to_be_in_viewport()
    assert _current_path(page) == "notebooks/02_versions_and_staging_labels.ipynb"
    # The lesson's tab and its exercises' tab read apart where JupyterLab cuts a long name short (issue 31).
    tabs = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tabLabel").all_inner_texts()
    lesson_tab = next(tab for tab in tabs if tab.startswith("01_create"))
    exercises_tab = next(tab for tab in tabs if tab.startswith("01_exercises"))
    assert lesson_tab[:12] != exercises_tab[:12], tabs


def _link(panel, text: str | None = None, href: str = ""):
    """A link of a Markdown cell, once JupyterLab has made it open the notebook in JupyterLab: it resolves the
    target first, then sets href to the file's URL (/files/...); a click before that leaves JupyterLab."""
    return panel.locator(f".jp-RenderedMarkdown a[href*='/files{href}']", has_text=text)


def _heading(anchor: str) -> str:
    """The heading a link's #anchor names: JupyterLab marks it with data-jupyter-id (not id) and compares the
    anchor as written, so a percent-encoded "(" finds nothing."""
    return f'[data-jupyter-id="{anchor}"]'


@pytest.mark.parametrize("lesson_file", sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb")))
def test_an_exercise_links_back_to_the_lesson_section_it_practises(page, lesson_file):
    """The learner's path: the lesson, its "your exercises" link (to my-work/'s NN_exercises_... copy), then the
    exercise's last link back to the lesson, which shows the section it names. (Lesson 6's sections have
    parentheses in their names.)"""
    from playwright.sync_api import expect

    exercise = lessons.exercises_name(lesson_file)
    lesson = _open(page, f"notebooks/{lesson_file}")
    _link(lesson, href=f"/my-work/{exercise}").last.click()
    exercises = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(exercises.locator("h2", has_text="Exercise").first).to_be_visible()
    assert _current_path(page) == f"my-work/{exercise}"
    link = _link(exercises, href=f"/notebooks/{lesson_file}").and_(exercises.locator("a[href*='#']")).last
    anchor = link.get_attribute("href").partition("#")[2]
    link.click()
    section = page.locator(f".jp-NotebookPanel:not(.lm-mod-hidden) {_heading(anchor)}")
    expect(section).to_be_in_viewport()
    assert _current_path(page) == f"notebooks/{lesson_file}"


PICTURE_OF_ROTATION = ".jp-RenderedMarkdown img[alt^='Who calls whom in a rotation']"


def _svg_width(svg: str) -> int:
    return int(float(re.search(r'<svg [^>]*width="([\d.]+)"', svg).group(1)))


def test_lesson_4_draws_who_calls_whom_before_anything_runs(page):
    from playwright.sync_api import expect

    panel = _open(page, "notebooks/04_rotation.ipynb")
    # The picture is a Markdown cell's attachment (smworkbook/authoring/pictures.py), shown before anything runs.
    picture = panel.locator(PICTURE_OF_ROTATION).first
    expect(picture).to_be_visible(timeout=60_000)
    assert picture.bounding_box()["width"] > 300
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle(), timeout=10_000)
    assert picture.evaluate("img => img.naturalWidth") == _svg_width(pictures.ROTATION.svg())
    picture.scroll_into_view_if_needed()
    picture.screenshot(path=DOCS / "lesson-4-rotation-picture.png")


def test_the_versions_lesson_shows_the_versions_widget():
    """Every versions widget on a page is checked above; make sure lesson 2 has one to check."""
    lesson = nbformat.read(ROOT / "notebooks" / "02_versions_and_staging_labels.ipynb", as_version=4)
    assert any("show_versions(" in cell.source for cell in lesson.cells if cell.cell_type == "code")


def test_without_chromium_a_laptop_skips_with_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(f"{__name__}.CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        _require_chromium()


def test_without_chromium_ci_on_debian_fails(monkeypatch, tmp_path):
    monkeypatch.setattr(f"{__name__}.CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(f"{__name__}._on_debian", lambda: True)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI on Debian must run the browser test"):
        _require_chromium()


def test_without_chromium_ci_elsewhere_skips_in_one_line(monkeypatch, tmp_path):
    """GitHub's macOS and Ubuntu runners (the forks' Python matrix) have no Debian chromium to install."""
    monkeypatch.setattr(f"{__name__}.CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(f"{__name__}._on_debian", lambda: False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.skip.Exception, match="needs Chromium") as skipped:
        _require_chromium()
    assert "\n" not in str(skipped.value)


def expect_visible(locator) -> None:
    from playwright.sync_api import expect

    expect(locator).to_be_visible()


def _lesson_3_describe_table_reads_as_text(panel) -> None:
    """What only a browser shows (issue 31 item 8): describe_table() with no index column and its long text
    left-aligned; no output line broken mid-word."""
    table = panel.locator(".jp-OutputArea-output table", has_text="The secret's name: what your code passes").first
    table.scroll_into_view_if_needed()
    table.screenshot(path=SHOTS / "lesson-3-describe-table.png")
    assert table.locator("thead th").all_inner_texts() == ["field", "value", "meaning"]  # no index column
    aligns = table.evaluate("t => [...t.querySelectorAll('td, th')].map(c => getComputedStyle(c).textAlign)")
    assert set(aligns) == {"left"}, aligns
    _assert_workbook_lines_break_at_spaces(panel)


def _lesson_2_label_history_is_centred(panel) -> None:
    """The label history's title centred over its grid, and no line of lesson 2 making the notebook scroll sideways."""
    grid = panel.locator(".jp-OutputArea-output table", has_text="Labels of TestSecret").first
    grid.scroll_into_view_if_needed()
    grid.screenshot(path=SHOTS / "lesson-2-label-history.png")
    title, *columns = grid.evaluate(
        """t => [t.querySelector('th.col_heading.level0'), ...t.querySelectorAll('th.col_heading.level1')]
               .map(c => c.getBoundingClientRect())
               .map(r => [r.left, r.right])"""
    )
    assert (title[0], title[1]) == (columns[0][0], columns[-1][1]), "the title spans exactly the version columns"
    assert grid.locator("th.col_heading.level0").evaluate("c => getComputedStyle(c).textAlign") == "center"
    assert panel.evaluate("p => p.querySelector('.jp-WindowedPanel-outer, .jp-Notebook').scrollWidth") <= (
        panel.evaluate("p => p.querySelector('.jp-WindowedPanel-outer, .jp-Notebook').clientWidth")
    ), "a line of lesson 2 makes the notebook scroll sideways"


# What the Run All test also checks in these lessons, read from the page before anything else changes it (each
# lesson is run once here, not once more per check).
AFTER_RUN_ALL = {
    "notebooks/02_versions_and_staging_labels.ipynb": _lesson_2_label_history_is_centred,
    "notebooks/03_describe_list_and_lifecycle.ipynb": _lesson_3_describe_table_reads_as_text,
}


def _assert_workbook_lines_break_at_spaces(panel) -> None:
    """Each output line of the workbook's own (ready, pass, hint) fits its output area: the browser never breaks it."""
    for output in panel.locator(".jp-OutputArea-output pre").all():
        text = output.inner_text()
        if not re.search(r"is ready:|✔ Exercise|CheckFailed:", text):
            continue
        fits = output.evaluate(
            """pre => { const r = document.createRange(); r.selectNodeContents(pre);
                        const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
                        return tops.size <= pre.innerText.split('\\n').length; }"""
        )
        assert fits, f"JupyterLab broke this line itself (mid-word): {text[:80]!r}"


PRESENTING = "() => document.querySelector('.jp-mod-presentationMode') !== null"
TOGGLE_PRESENTING = "() => window.jupyterapp.commands.execute('application:toggle-presentation-mode')"


def _present(page) -> None:
    """JupyterLab's Presentation Mode (View > Presentation Mode), on."""
    page.evaluate(TOGGLE_PRESENTING)
    page.wait_for_function(PRESENTING)


def _stop_presenting(page) -> None:
    """Presentation Mode off and the laptop's window back, for the tests after (the page is the module's)."""
    if page.evaluate(PRESENTING):
        page.evaluate(TOGGLE_PRESENTING)
    page.set_viewport_size({"width": 1400, "height": 900})


def test_presentation_mode_grows_the_version_table_with_the_prose_at_1920x1080(page):
    """Issue 36 item 3: on a projector (1920x1080) JupyterLab's Presentation Mode sets --jp-content-font-size1 to
    17 px; the workbook's tables follow it (toolkit/styles.py TABLE_FONT) instead of the 13 px JupyterLab gives
    every output table. The table is drawn by a cell run at the end of lesson 2 (an untrusted notebook's stored
    outputs are sanitized: JupyterLab drops their styles)."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    panel = _open(page, "notebooks/02_versions_and_staging_labels.ipynb")
    _run_new_cell(page, panel, TWO_SECRETS + '\nsmworkbook.versions_snapshot("browser-test/two")')
    table = panel.locator(".jp-CodeCell").last.locator(".jp-OutputArea-output table").first
    _run_new_cell(page, panel, 'smworkbook.show_versions("browser-test/two")')
    picker = panel.locator(".jp-CodeCell").last.locator(".smw-versions select").first
    prose = panel.locator(".jp-MarkdownOutput p").first
    size = "e => parseFloat(getComputedStyle(e).fontSize)"

    def sizes() -> tuple[float, float, float, float]:
        cell = table.locator("td").first
        return prose.evaluate(size), table.evaluate(size), cell.evaluate(size), picker.evaluate(size)

    try:
        before = sizes()
        _present(page)
        table.scroll_into_view_if_needed()
        after = sizes()
        picker.scroll_into_view_if_needed()
        page.screenshot(path=DOCS / "presentation-mode-versions-table.png")
    finally:
        _stop_presenting(page)
    assert after[0] > before[0], (before, after)  # the prose grew (14 -> 17 px in JupyterLab 4)
    assert after[1] == after[0] and after[2] == after[0], (before, after)  # the table and its cells with it
    assert after[3] == after[0], (before, after)  # the versions widget's secret picker too
    assert before[1] == before[0], (before, after)  # and match the prose outside Presentation Mode too


A_PLOT = """from smworkbook.fixtures import load
_steps = [("createSecret", 0.3, 0.32), ("setSecret", 0.62, 0.65), ("testSecret", 0.95, 0.97)]
_steps.append(("finishSecret", 1.27, 1.3))
_requests = [load.Request(0.0, 0.05, 200, ""), load.Request(0.7, 0.72, 503, ""), load.Request(1.31, 1.35, 200, "")]
load.LoadResult(requests=_requests, steps=_steps, duration=1.5, during=(0.29, 1.31)).plot()"""
# A label's size as drawn: the SVG's font-size times how much the <img> scales the SVG (its width over the SVG's).
LABEL_SIZE = "([img, font]) => img.getBoundingClientRect().width / img.naturalWidth * font"


def test_presentation_mode_grows_the_pictures_labels_with_the_prose_at_1920x1080(page):
    """Issue 36 item 3, the pictures: lesson 4's picture of a rotation (a Markdown cell's attachment) and lesson 6's
    plot (an output, drawn here by a made-up load run) are <img>s sized in em (toolkit/styles.py picture_style), so
    their labels are drawn at the prose's size, 14 px, and grow with it in Presentation Mode (17 px), instead of
    Mermaid's fixed pixels (about 11 px) and the plot's 11 px."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    panel = _open(page, "notebooks/04_rotation.ipynb")
    _run_new_cell(page, panel, A_PLOT)
    diagram = panel.locator(PICTURE_OF_ROTATION).first
    plot = panel.locator(".jp-CodeCell").last.locator(".jp-OutputArea-output img").first
    prose = panel.locator(".jp-MarkdownOutput p").first
    for picture in (diagram, plot):
        picture.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())

    def sizes() -> tuple[float, float, float]:
        return (
            prose.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"),
            page.evaluate(LABEL_SIZE, [diagram.element_handle(), pictures.FONT]),
            page.evaluate(LABEL_SIZE, [plot.element_handle(), load.FONT]),
        )

    try:
        before = sizes()
        _present(page)
        after = sizes()
        diagram.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / "presentation-mode-rotation-picture.png")
        plot.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / "presentation-mode-load-plot.png")
    finally:
        _stop_presenting(page)
    assert after[0] > before[0], (before, after)  # the prose grew (14 -> 17 px in JupyterLab 4)
    # Each picture's labels are drawn at the prose's size, before and after (to a hundredth of a pixel: the em
    # width is written to two decimals).
    assert before[1:] == pytest.approx((before[0], before[0]), abs=0.05), (before, after)
    assert after[1:] == pytest.approx((after[0], after[0]), abs=0.05), (before, after)
