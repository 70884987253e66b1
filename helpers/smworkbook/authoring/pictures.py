"""The lessons' pictures that must read on a projector: drawn here as SVG files beside the lesson (notebooks/pictures/).

JupyterLab draws a Mermaid block of a Markdown cell as an <img> whose width is the diagram's own, in pixels: its
labels stay at Mermaid's size (about 11 px once a wide diagram is shrunk to the notebook) whatever JupyterLab's font
size, Presentation Mode's included. An <img> in a Markdown cell may be sized in `em` instead, and a Markdown cell's
`em` is JupyterLab's content font size (`--jp-content-font-size1`: 14 px, 17 px in Presentation Mode). So each
picture here is drawn with its labels at FONT user units, and shown `width: <its width / FONT>em`: a label is then
drawn exactly at the content font size, and grows with it. (JupyterLab's sanitizer keeps an <img>'s `style` in a
Markdown cell, and its source when it is a file's address, not a `data:` one, nor an inline <svg>; a cell's
attachment is shown only when it is PNG, JPEG, GIF, BMP or WebP, not SVG.)

The picture's source stays Mermaid's sequence-diagram text (`participant A as Name`, `A->>B: message`, `A-->>B:
reply`), read by `sequence_svg`; `python -m smworkbook.authoring.pictures` writes each picture's file and its
lesson's <img> again after a change, and tests/test_pictures.py checks that the stored ones are what this module
draws.
"""

from __future__ import annotations

import html
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat

from smworkbook.toolkit import styles

FONT = 14  # the labels' size, in the picture's user units (one `em` once shown)
LINE = 18  # a label line's height
CHAR = 0.56 * FONT  # a sans-serif character's width, on the generous side (Liberation Sans: about 0.52 em)
WRAP = 34  # characters per label line
TEXT, BOX, BACKGROUND = styles.LABEL_TEXT, "#e3f2fd", "#ffffff"  # tests/test_contrast.py checks each pair


@dataclass(frozen=True)
class Picture:
    notebook: str  # the lesson, relative to the workbook's folder
    name: str  # the picture's file, in the lesson's folder
    alt: str  # what the picture says, for a screen reader and before it loads
    source: str  # Mermaid's sequence-diagram text

    def svg(self) -> str:
        return sequence_svg(self.source)

    def img(self) -> str:
        """The Markdown cell's <img>: the file, `em` wide so that its labels are at the content font size."""
        width = float(re.search(r'<svg [^>]*width="([\d.]+)"', self.svg()).group(1))
        alt = "\n     ".join(textwrap.wrap(html.escape(self.alt), 100))  # the cell's lines stay short
        return f'<img src="{self.name}"\n     alt="{alt}"\n     style="{styles.picture_style(width, FONT)}">'


ROTATION = Picture(
    "notebooks/04_rotation.ipynb",
    "pictures/who-calls-whom.svg",
    "Who calls whom in a rotation: your code calls rotate_secret; Secrets Manager (the mock) makes a new empty "
    "version labelled AWSPENDING, then calls lambda_handler once per step. createSecret: the function calls "
    "get_random_password and put_secret_value. setSecret: it logs in to PostgreSQL with AWSCURRENT and runs ALTER "
    "USER. testSecret: it logs in with AWSPENDING. finishSecret: it calls update_secret_version_stage to move "
    "AWSCURRENT to the new version. rotate_secret returns the ARN and the new VersionId.",
    """sequenceDiagram
    participant You as Your code
    participant SM as Secrets Manager (the mock)
    participant F as lambda_handler (rotation function)
    participant DB as PostgreSQL
    You->>SM: rotate_secret(SecretId, RotationLambdaARN, RotationRules)
    SM->>SM: new empty version (id = token), label AWSPENDING
    SM->>F: createSecret
    F->>SM: get_random_password, put_secret_value(token, AWSPENDING)
    SM->>F: setSecret
    F->>DB: log in with AWSCURRENT, ALTER USER ... WITH PASSWORD (pending)
    SM->>F: testSecret
    F->>DB: log in with AWSPENDING, SELECT 1
    SM->>F: finishSecret
    F->>SM: update_secret_version_stage(AWSCURRENT to the token's version)
    SM-->>You: rotate_secret returns (ARN, VersionId = token)
""",
)
PICTURES = [ROTATION]

_PARTICIPANT = re.compile(r"participant (\w+) as (.+)")
_MESSAGE = re.compile(r"(\w+)(-->>|->>)(\w+): (.+)")


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)  # a name stays whole


def _width(lines: list[str]) -> float:
    return max(len(line) for line in lines) * CHAR


def sequence_svg(source: str) -> str:
    """A Mermaid `sequenceDiagram` (participants with names, `->>` calls and `-->>` replies) as SVG."""
    names: dict[str, list[str]] = {}
    messages = []
    for line in (line.strip() for line in source.strip().splitlines()[1:]):
        if found := _PARTICIPANT.fullmatch(line):
            names[found.group(1)] = _wrap(found.group(2), 18)
        elif found := _MESSAGE.fullmatch(line):
            messages.append((found.group(1), found.group(3), found.group(2) == "-->>", _wrap(found.group(4), WRAP)))
        elif line:
            raise ValueError(f"not a line this drawing reads: {line!r}")
    order = list(names)
    pad, margin, loop = 10, 12, 24
    boxes = [_width(names[key]) + 2 * pad for key in order]
    # Each gap between two neighbours' lifelines fits their boxes and every label drawn across it.
    gaps = [(boxes[i] + boxes[i + 1]) / 2 + 24 for i in range(len(order) - 1)]
    for start, end, _reply, lines in messages:
        a, b = sorted((order.index(start), order.index(end)))
        if a == b:  # a call to itself: a loop right of its lifeline, the label beyond it
            if a < len(gaps):
                gaps[a] = max(gaps[a], loop + 8 + _width(lines) + 16)
            continue
        for i in range(a, b):
            gaps[i] = max(gaps[i], (_width(lines) + 24) / (b - a))
    xs = [margin + boxes[0] / 2]
    for gap in gaps:
        xs.append(xs[-1] + gap)
    right = xs[-1] + boxes[-1] / 2 + margin
    box_h = max(len(lines) for lines in names.values()) * LINE + 2 * pad
    y = margin + box_h + 16
    body = []
    for start, end, reply, lines in messages:
        a, b = xs[order.index(start)], xs[order.index(end)]
        dash = ' stroke-dasharray="6,4"' if reply else ""
        y += len(lines) * LINE
        if a == b:
            for index, line in enumerate(lines):
                top = y - (len(lines) - index - 1) * LINE - 4
                body.append(f'<text x="{a + loop + 8:.0f}" y="{top + 10:.0f}">{html.escape(line)}</text>')
            body.append(
                f'<path d="M{a:.0f},{y - 6:.0f} h{loop} v{LINE} h-{loop - 2}" fill="none" stroke="{TEXT}"'
                f'{dash} marker-end="url(#head)"/>'
            )
            y += LINE + 8
            continue
        for index, line in enumerate(lines):
            top = y - (len(lines) - index) * LINE + FONT
            body.append(f'<text x="{(a + b) / 2:.0f}" y="{top:.0f}" text-anchor="middle">{html.escape(line)}</text>')
        end_x = b - 3 if b > a else b + 3
        body.append(
            f'<line x1="{a:.0f}" y1="{y + 4:.0f}" x2="{end_x:.0f}" y2="{y + 4:.0f}" stroke="{TEXT}"{dash}'
            ' marker-end="url(#head)"/>'
        )
        y += 22
    height = y + margin
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{right:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {right:.0f} {height:.0f}" font-family="sans-serif" font-size="{FONT}" fill="{TEXT}">',
        f'<rect x="0" y="0" width="{right:.0f}" height="{height:.0f}" fill="{BACKGROUND}"/>',
        '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{TEXT}"/></marker></defs>',
    ]
    for key, x, width in zip(order, xs, boxes, strict=True):
        out.append(
            f'<line x1="{x:.0f}" y1="{margin + box_h:.0f}" x2="{x:.0f}" y2="{height - margin:.0f}" '
            f'stroke="{TEXT}" stroke-dasharray="2,3"/>'
        )
        out.append(
            f'<rect x="{x - width / 2:.0f}" y="{margin}" width="{width:.0f}" height="{box_h:.0f}" rx="4" '
            f'fill="{BOX}" stroke="{TEXT}"/>'
        )
        for index, line in enumerate(names[key]):
            out.append(
                f'<text x="{x:.0f}" y="{margin + pad + FONT + index * LINE:.0f}" text-anchor="middle" '
                f'font-weight="bold">{html.escape(line)}</text>'
            )
    out += body
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _tag(picture: Picture) -> re.Pattern:
    return re.compile(rf'<img src="{re.escape(picture.name)}"[^>]*>')


def _cell(notebook, picture: Picture):
    """The Markdown cell that shows `picture` (the one whose <img> names its file)."""
    found = [c for c in notebook.cells if c.cell_type == "markdown" and _tag(picture).search(c.source)]
    if len(found) != 1:
        raise ValueError(f"{picture.notebook}: {len(found)} Markdown cells show {picture.name}, not one")
    return found[0]


def _file(root: Path, picture: Picture) -> Path:
    return (Path(root) / picture.notebook).parent / picture.name


def stored(root: Path, picture: Picture) -> tuple[str, str]:
    """(the <img> tag, the SVG) the lesson holds for `picture` ("" for a missing file)."""
    cell = _cell(nbformat.read(Path(root) / picture.notebook, as_version=4), picture)
    path = _file(root, picture)
    return _tag(picture).search(cell.source).group(0), path.read_text(encoding="utf-8") if path.exists() else ""


def write(root: Path, picture: Picture) -> bool:
    """Store `picture` again (its file, and its lesson's <img>); whether anything changed."""
    path = Path(root) / picture.notebook
    notebook = nbformat.read(path, as_version=4)
    cell = _cell(notebook, picture)
    source = _tag(picture).sub(lambda _: picture.img(), cell.source)
    changed = stored(root, picture) != (picture.img(), picture.svg())
    if source != cell.source:
        cell.source = source
        nbformat.write(notebook, path)
    _file(root, picture).parent.mkdir(exist_ok=True)
    _file(root, picture).write_text(picture.svg(), encoding="utf-8")
    return changed


if __name__ == "__main__":
    workbook = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    for each in PICTURES:
        print(f"{each.notebook}: {each.name} {'written' if write(workbook, each) else 'unchanged'}")
