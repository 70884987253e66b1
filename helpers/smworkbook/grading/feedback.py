"""The feedback page a learner reads: one self-contained HTML file per learner, from that learner's signed report.

Every exercise has a section: its status (passed, failed, not attempted), the hint, the learner's own exercise
cell and the error it raised. The page works offline and runs nothing: no script, no link to load, and a
Content-Security-Policy that refuses scripts, plug-ins and any fetch (`default-src 'none'`; the styles are the
page's own). Every text in it comes from the report, escaped (html.escape: `<`, `>`, `&` and both quotes), after
report.safe_text (control characters, ANSI escapes and lone surrogates shown as `\\x1b`, `\\ud800`). The
grader's keys given to `render` are replaced by "[redacted]" wherever a text holds them.

`page(title, body)` is the reusable frame (the head, the policy, the styles): a class-wide page can share it.
"""

from __future__ import annotations

import html
from pathlib import Path

from smworkbook.grading.report import FAILED, NOT_ATTEMPTED, PASSED, private_folder, safe_text, write_private

# No script may run, nothing may load (https://www.w3.org/TR/CSP3/#directive-default-src); the inline <style>
# is allowed by name. form-action and base-uri are not covered by default-src.
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'"
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin: 0 0 .4rem; }
section { border: 1px solid #ccc; border-left-width: 6px; border-radius: 4px; padding: .6rem 1rem; margin: 1rem 0; }
section.passed { border-left-color: #1a7f37; } section.failed { border-left-color: #cf222e; }
section.not-attempted { border-left-color: #8c959f; }
.status { font-weight: 600; text-transform: uppercase; font-size: .85rem; }
.passed .status { color: #1a7f37; } .failed .status { color: #cf222e; } .not-attempted .status { color: #57606a; }
pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
table { border-collapse: collapse; } td, th { padding: .2rem .8rem; border-bottom: 1px solid #ddd; text-align: left; }
"""
CLASSES = {PASSED: "passed", FAILED: "failed", NOT_ATTEMPTED: "not-attempted"}


def text(value, secrets: tuple[str, ...] = ()) -> str:
    """`value` ready for HTML: secrets redacted, made safe_text, then escaped (quotes too, for attributes)."""
    value = str(value)
    for secret in secrets:
        if secret:
            value = value.replace(secret, "[redacted]")
    return html.escape(safe_text(value), quote=True)


def page(title: str, body: str) -> str:
    """A whole HTML page around `body` (already HTML): the policy that refuses scripts, the styles, the title."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{text(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _exercise(result: dict, secrets: tuple[str, ...]) -> str:
    status = result.get("status", "")
    number = text(result.get("number", ""), secrets)
    parts = [
        f'<section class="{CLASSES.get(status, "failed")}" id="exercise-{number}">',
        f"<h2>{number} {text(result.get('title', ''), secrets)}</h2>",
        f'<p class="status">{text(status, secrets)}</p>',
        f"<p>Notebook: <code>{text(result.get('notebook', ''), secrets)}</code></p>",
    ]
    if result.get("hint"):
        parts.append(f'<p class="hint"><strong>Hint:</strong> {text(result["hint"], secrets)}</p>')
    if result.get("code"):
        parts.append(f'<p>Your cell:</p>\n<pre class="code">{text(result["code"], secrets)}</pre>')
    elif status != PASSED:
        parts.append('<p class="code">Your cell: none found (the cell calling <code>checks.setup</code>).</p>')
    if result.get("error"):
        parts.append(f'<p>The error it raised:</p>\n<pre class="error">{text(result["error"], secrets)}</pre>')
    parts.append("</section>")
    return "\n".join(parts)


def render(report: dict, secrets: tuple[str, ...] = ()) -> str:
    """One learner's feedback page from their report (the dict gradebook.read_learner returns)."""
    learner = report.get("learner", "")
    results = report.get("results", [])
    counts = {status: sum(r.get("status") == status for r in results) for status in CLASSES}
    summary = (
        f"<table><tr><th>Passed</th><td>{counts[PASSED]}</td></tr>"
        f"<tr><th>Failed</th><td>{counts[FAILED]}</td></tr>"
        f"<tr><th>Not attempted</th><td>{counts[NOT_ATTEMPTED]}</td></tr>"
        f"<tr><th>Score</th><td>{counts[PASSED]} / {len(results)}</td></tr></table>"
    )
    missing = report.get("missing_lessons") or []
    body = [
        f"<h1>Secrets Manager workbook: feedback for {text(learner, secrets)}</h1>",
        "<p>Each exercise was graded by running your notebooks top to bottom in a fresh kernel.</p>",
        summary,
    ]
    if missing:
        lessons = ", ".join(text(lesson, secrets) for lesson in missing)
        body.append(f'<p class="missing">Not graded (no notebook for it): lesson {lessons}.</p>')
    body += [_exercise(result, secrets) for result in results]
    return page(f"Feedback: {learner}", "\n".join(body))


def write(out: Path, name: str, report: dict, secrets: tuple[str, ...] = ()) -> Path:
    """`out`/feedback/NAME.html, owner-only (0600 in a 0700 folder) until released."""
    folder = private_folder(Path(out) / "feedback")
    return write_private(folder / f"{name}.html", render(report, secrets))


def release(out: Path, destination: Path) -> list[Path]:
    """Copy each learner's page to `destination`/NAME/feedback.html, readable by others (0644, folders 0755): one
    folder per learner, ready to hand over (a learner's home, an LMS's file area). The grade files stay private."""
    pages = sorted((Path(out) / "feedback").glob("*.html"))
    if not pages:
        return []
    released = []
    for source in pages:
        folder = Path(destination) / source.stem
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
        target = write_private(folder / "feedback.html", source.read_text(encoding="utf-8"))
        target.chmod(0o644)
        released.append(target)
    Path(destination).chmod(0o755)
    return released
