"""The colours and sizes of the workbook's own tables (versions, label history, the instructor's view of the mock).

Sizes follow JupyterLab's content font (`--jp-content-font-size1`: 14 px, 17 px in Presentation Mode) instead of
the 13 px JupyterLab gives every output table, so a table grows with the prose on a projector. Colours come in
pairs (text on background), each at least WCAG's 4.5:1 for text (tests/test_contrast.py computes the ratios), and
both are set, so a dark theme's light text never lands on a light label colour.
"""

from __future__ import annotations

import base64
import html
import re

# A table's font: JupyterLab's content size where there is one (a notebook, JupyterLite), else the page's.
TABLE_FONT = "font-size: var(--jp-content-font-size1, 1em)"
# Text on a label's background colour (versions.LABEL_COLOURS): near-black, as JupyterLab's light theme writes.
LABEL_TEXT = "#212121"
# A version with no label left (deprecated): grey text on a light grey, 6.4:1 (the #888 on white it replaces: 3.5:1).
DEPRECATED_TEXT, DEPRECATED_BACKGROUND = "#595959", "#f5f5f5"
DEPRECATED = f"background-color: {DEPRECATED_BACKGROUND}; color: {DEPRECATED_TEXT}"


def on_label(colour: str) -> str:
    """The style of a cell drawn in a label's `colour`: that background and LABEL_TEXT."""
    return f"background-color: {colour}; color: {LABEL_TEXT}"


# ipywidgets draw their controls at --jp-widgets-font-size (JupyterLab's 13 px UI font, which Presentation Mode leaves
# as it is) in rows --jp-widgets-inline-height high (28 px). A widget of the workbook carries the class SCALED, and
# this rule (drawn once by the widget, in an HTML child) sets both from the content font for its children: custom
# properties are inherited, so every control inside reads the new values.
SCALED = "smw-scaled"
WIDGET_CSS = (
    f"<style>.{SCALED} {{ --jp-widgets-font-size: var(--jp-content-font-size1, 14px); "
    "--jp-widgets-inline-height: 2em; }</style>"
)


# A picture (SVG) shown in an <img> keeps its own size in pixels whatever JupyterLab's font size, so its labels stay
# small in Presentation Mode. Sized in `em` instead, the <img> grows with the text around it: an output's and a
# Markdown cell's `em` is --jp-content-font-size1. A picture whose labels are `font` user units and which is
# `width` user units wide is shown `width / font` em wide, so each label is drawn at the content font size exactly.
# (`max-width: 100%` still shrinks it to a narrow notebook.)
def picture_style(width: float, font: float) -> str:
    return f"width: {width / font:.2f}em; max-width: 100%"


def picture_html(svg: str, alt: str) -> str:
    """An output's <img> of `svg` (width and font-size set on its root) sized by picture_style, from a data: address:
    JupyterLab shows it once the cell has run (its sanitizer, for an untrusted notebook's stored outputs, keeps only
    http(s) image addresses: the `alt` text shows instead)."""
    width = float(re.search(r'<svg [^>]*\bwidth="([\d.]+)"', svg).group(1))
    font = float(re.search(r'<svg [^>]*\bfont-size="([\d.]+)"', svg).group(1))
    source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="{source}" alt="{html.escape(alt)}" style="{picture_style(width, font)}">'
