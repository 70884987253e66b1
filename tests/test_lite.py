"""The browser edition (`make lite`, tools/build_lite.py) in a real browser, with nothing but 127.0.0.1 reachable.

The built site (build/lite) is served from 127.0.0.1; Debian's Chromium (Playwright) opens it with every other
request aborted, and the test asserts none was even attempted. Lessons 1-3 run whole and print what the desktop
workbook printed (its stored outputs, sanitized as nbval does), lesson 2's and 3's tables drawn without pandas; the
exercises of lessons 2 and 3 run with a wrong answer first (its hint) and then the solutions' answers (each check
passes), all in the page's own kernel.
Run by `make test-lite` (it builds the site first).
"""

from __future__ import annotations

import configparser
import functools
import html.parser
import http.server
import json
import re
import threading
from pathlib import Path

import pytest

from smworkbook.authoring import lessons

from .conftest import ROOT
from .test_browser import CHROMIUM, CHROMIUM_ARGS, _accept_dialog, _menu, _prompts, _require_chromium

SITE = ROOT / "build" / "lite"
# Pyodide's start (about 20 s here) and loading botocore's data files take far longer than a desktop kernel.
KERNEL_TIMEOUT_MS = 300_000
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
STDOUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]'
IDLE = ".jp-StatusBar-TextItem"
# A whole response printed (lesson 3's describe_secret) carries its HTTP headers: in the page they are moto's own, as
# no server sends AWS's (docs/maintainer.md, differences table, "Browser edition: no server").
HTTP_HEADERS = re.compile(r"'HTTPHeaders': \{[^}]*\}")


class _Site(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
        ".whl": "application/zip",
    }

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site():
    """build/lite served on 127.0.0.1 (a free port)."""
    _require_chromium()
    if not (SITE / "index.html").exists():
        pytest.fail("No browser edition in build/lite: run `make lite` (or `make test-lite`) first.")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Site, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(site):
    """Chromium, where every request beyond the site is aborted; after the tests, none may have been made."""
    from playwright.sync_api import sync_playwright

    seen: list[str] = []
    refused: list[str] = []

    def route(route, request) -> None:
        seen.append(request.url)
        if request.url.startswith(site + "/"):
            route.continue_()
        else:
            refused.append(request.url)
            route.abort()

    with sync_playwright() as playwright:
        # And below Playwright: every host name but 127.0.0.1 resolves to nothing.
        args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield browser, route, seen
        browser.close()
    assert refused == [], f"The page tried to reach beyond 127.0.0.1: {sorted(set(refused))[:10]}"
    outside = sorted({url for url in seen if not url.startswith(site + "/") and not url.startswith(("data:", "blob:"))})
    assert outside == []
    # The kernel's wheels were fetched by the page's worker, and those requests were seen: the check above
    # covers the kernel's requests too, not only the page's.
    assert any("/static/pyodide/moto-" in url and url.endswith(".whl") for url in seen)


@pytest.fixture
def browser_page(browser, site):
    """A fresh browser profile for one test (no workspace restoring the notebooks a test before opened, each with a
    kernel of its own), its requests routed and recorded as above."""
    chromium, route, seen = browser
    # The site's service worker stays: the kernel reads the notebooks' folder through it (DriveFS). Its own
    # requests are routed and seen like the page's (Chromium), and the host rules above hold for it too.
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", route)
    context.on("request", lambda request: seen.append(request.url))
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page, site
    context.close()


def _open(page, site: str, path: str):
    page.goto(f"{site}/lab/index.html?path={path}")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator(".jp-Cell").first.wait_for()
    idle = page.locator(IDLE, has_text="| Idle").first
    idle.or_(page.locator(".jp-Dialog")).first.wait_for(timeout=KERNEL_TIMEOUT_MS)
    _accept_dialog(page)
    idle.wait_for(timeout=KERNEL_TIMEOUT_MS)
    return panel


def _wait_done(page, panel) -> None:
    page.wait_for_function(
        """panel => { const p = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(e => e.innerText);
                      return p.length && /\\d/.test(p[0]) && !p.some(t => t.includes('*')); }""",
        arg=panel.element_handle(),
        timeout=KERNEL_TIMEOUT_MS,
    )


def _run_all(page, panel) -> None:
    _menu(page, "Edit", "editmenu:clear-all")
    _menu(page, "Run", "runmenu:run-all")
    _accept_dialog(page)
    _wait_done(page, panel)


def _sanitize(text: str) -> str:
    """`text` as nbval compares it (tests/sanitize.cfg's substitutions, in order)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "tests" / "sanitize.cfg")
    for section in config.sections():
        text = re.sub(config[section]["regex"], config[section]["replace"], text)
    return text


def _stored_streams(notebook: Path) -> list[str]:
    """Per code cell, the stdout its stored outputs hold."""
    cells = json.loads(notebook.read_text())["cells"]
    return [
        "".join("".join(o["text"]) for o in cell.get("outputs", []) if o.get("name") == "stdout")
        for cell in cells
        if cell["cell_type"] == "code"
    ]


def _set_cell(page, panel, index: int, source: str) -> None:
    """Type `source` over code cell number `index` (0 = the first code cell) of the open notebook, and run it."""
    editor = panel.locator(".jp-CodeCell").nth(index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)
    page.keyboard.press("Control+Enter")


def _cell_text(panel, index: int, selector: str) -> str:
    cell = panel.locator(".jp-CodeCell").nth(index)
    cell.locator(".jp-InputArea-prompt", has_text=re.compile(r"\[\d+\]")).wait_for(timeout=KERNEL_TIMEOUT_MS)
    return "\n".join(cell.locator(selector).all_inner_texts())


def test_lesson_1_runs_in_the_page_and_prints_what_the_desktop_workbook_prints(browser_page):
    page, site = browser_page
    notebook = "notebooks/01_create_retrieve_update_delete.ipynb"
    panel = _open(page, site, notebook)
    _run_all(page, panel)
    page.screenshot(path=ROOT / "build" / "lite-lesson-1.png")
    assert panel.locator(STDERR).count() == 0, panel.locator(STDERR).all_inner_texts()
    stored = _stored_streams(ROOT / notebook)
    cells = panel.locator(".jp-CodeCell")
    assert cells.count() == len(stored)
    assert "running in this page" in cells.nth(0).inner_text()
    for index, expected in enumerate(stored):
        shown = "\n".join(cells.nth(index).locator(STDOUT).all_inner_texts())
        assert _sanitize(shown).strip() == _sanitize(expected).strip(), f"code cell {index}"
    assert sum(1 for text in stored if text) >= 15  # the comparison covered the lesson's printed outputs


def test_lesson_2_exercises_check_and_hint_in_the_page(browser_page):
    page, site = browser_page
    panel, solved = _open_exercises(page, site, "02_versions_and_staging_labels.ipynb")
    _set_cell(page, panel, 0, solved[0])  # the set-up cell, as it is
    assert _cell_text(panel, 0, STDERR) == ""
    # A wrong answer first: the check's hint says what it found.
    wrong = 'previous = client.get_secret_value(SecretId="lesson02/db-password")["SecretString"]'
    _set_cell(page, panel, 1, f'checks.setup("2.1")\n{wrong}')
    _set_cell(page, panel, 2, solved[2])
    hint = _cell_text(panel, 2, STDERR)
    assert "AWSPREVIOUS" in hint and "current" in hint.lower(), hint
    _solve_every_exercise(page, panel, solved)
    page.screenshot(path=ROOT / "build" / "lite-exercises-2.png")
    assert _prompts(panel)


def _open_exercises(page, site: str, lesson_file: str):
    """The lesson's exercises notebook open in the page, and the code cells of its solutions/`lesson_file`."""
    panel = _open(page, site, f"exercises/{lessons.exercises_name(lesson_file)}")
    cells = json.loads((ROOT / "solutions" / lesson_file).read_text())["cells"]
    return panel, ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def _solve_every_exercise(page, panel, solved: list[str]) -> None:
    """Each exercise's answer from solutions/ typed into the open exercises notebook: every check passes."""
    checks = [index for index, source in enumerate(solved) if source.startswith("checks.verify(")]
    assert len(checks) == 6
    for check in checks:
        _set_cell(page, panel, check - 1, solved[check - 1])
        _set_cell(page, panel, check, solved[check])
        assert _cell_text(panel, check, STDERR) == "", solved[check - 1]
        assert "pass" in _cell_text(panel, check, STDOUT).lower(), solved[check]


def test_lesson_2_draws_its_versions_and_label_history_without_pandas(browser_page):
    """Lesson 2 runs whole in the page: the versions snapshots, the live widget and the label history are drawn
    from the same data as on the desktop (version_rows, LabelHistory.grid), as HTML tables without pandas."""
    page, site = browser_page
    notebook = "notebooks/02_versions_and_staging_labels.ipynb"
    panel = _open(page, site, notebook)
    _run_all(page, panel)
    assert panel.locator(STDERR).count() == 0, panel.locator(STDERR).all_inner_texts()
    stored = _stored_streams(ROOT / notebook)
    cells = panel.locator(".jp-CodeCell")
    for index, expected in enumerate(stored):
        shown = "\n".join(cells.nth(index).locator(STDOUT).all_inner_texts())
        assert _sanitize(shown).strip() == _sanitize(expected).strip(), f"code cell {index}"
    tables = panel.locator(".jp-OutputArea-output table")
    assert tables.count() >= 5
    assert "AWSCURRENT" in tables.first.inner_text()
    assert "Labels of TestSecret" in panel.inner_text()
    assert "AWSCURRENT" in panel.locator(".smw-versions .widget-output table").first.inner_text()


def test_lesson_3_runs_whole_in_the_page_with_its_describe_tables_and_its_kms_key(browser_page):
    """Lesson 3 runs whole in the page: what it prints is what the desktop printed, and each describe_table() is
    drawn, without pandas, as the table the desktop stored (the same rows, the same words), including the one of
    the secret under a KMS key of the learner's own (create_key: a symmetric key, which needs no key pair)."""
    page, site = browser_page
    notebook = "notebooks/03_describe_list_and_lifecycle.ipynb"
    panel = _open(page, site, notebook)
    _run_all(page, panel)
    page.screenshot(path=ROOT / "build" / "lite-lesson-3.png", full_page=True)
    assert panel.locator(STDERR).count() == 0, panel.locator(STDERR).all_inner_texts()
    stored = _stored_streams(ROOT / notebook)
    cells = panel.locator(".jp-CodeCell")
    assert cells.count() == len(stored)
    for index, expected in enumerate(stored):
        shown = "\n".join(cells.nth(index).locator(STDOUT).all_inner_texts())
        shown, expected = (HTTP_HEADERS.sub("'HTTPHeaders': HEADERS", _sanitize(text)) for text in (shown, expected))
        assert shown.strip() == expected.strip(), f"code cell {index}"
    assert any("'HTTPHeaders'" in text for text in stored)  # the one difference left out above
    assert any("KmsKeyId: arn:aws:kms:" in text for text in stored)  # the KMS cell's output was compared
    tables = _stored_tables(ROOT / notebook)
    assert len(tables) == 4  # the four describe_table() cells
    for index, expected in tables.items():
        table = cells.nth(index).locator(".jp-OutputArea-output table")
        assert table.count() == 1, f"code cell {index}"
        shown = table.evaluate("t => [...t.rows].map(r => [...r.cells].map(c => c.innerText.trim()))")
        assert [[_sanitize(text) for text in row] for row in shown] == expected, f"code cell {index}"


def test_lesson_3_exercises_check_and_hint_in_the_page(browser_page):
    page, site = browser_page
    panel, solved = _open_exercises(page, site, "03_describe_list_and_lifecycle.ipynb")
    _set_cell(page, panel, 0, solved[0])  # the set-up cell, as it is
    assert _cell_text(panel, 0, STDERR) == ""
    # No answer first: the check's hint says what to do.
    _set_cell(page, panel, 1, 'checks.setup("3.1")\npayments_secrets = None')
    _set_cell(page, panel, 2, solved[2])
    hint = _cell_text(panel, 2, STDERR)
    assert "payments_secrets is still None" in " ".join(hint.split()), hint  # the hint's lines wrap
    _solve_every_exercise(page, panel, solved)
    page.screenshot(path=ROOT / "build" / "lite-exercises-3.png")
    assert _prompts(panel)


class _TableText(html.parser.HTMLParser):
    """The text of each cell of an HTML table, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _stored_tables(notebook: Path) -> dict[int, list[list[str]]]:
    """Per code cell whose stored result is an HTML table, its cells' text (sanitized as nbval does)."""
    code = [cell for cell in json.loads(notebook.read_text())["cells"] if cell["cell_type"] == "code"]
    tables = {}
    for index, cell in enumerate(code):
        for output in cell.get("outputs", []):
            markup = "".join(output.get("data", {}).get("text/html", ""))
            if "<table" in markup:
                parser = _TableText()
                parser.feed(markup)
                tables[index] = [[_sanitize(text) for text in row] for row in parser.rows]
    return tables
