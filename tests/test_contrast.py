"""Every colour pair the workbook's tables draw meets WCAG's contrast minimum for text, 4.5:1 (issue 36 item 3).

The ratio is WCAG 2.2's (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio): (L1 + 0.05) / (L2 + 0.05), L1 the
lighter colour's relative luminance; relative luminance (https://www.w3.org/TR/WCAG22/#dfn-relative-luminance) is
0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB channels (c / 12.92 when c <= 0.04045, else
((c + 0.055) / 1.055) ** 2.4). Success Criterion 1.4.3 Contrast (Minimum) asks 4.5:1 for text
(https://www.w3.org/TR/WCAG22/#contrast-minimum). The pairs are read from the HTML the code draws (inline styles and
pandas' <style> rules), every label colour and the deprecated rows included, not from a hand-kept list.
"""

from __future__ import annotations

import re

import pytest

from smworkbook.toolkit import history, styles, versions
from smworkbook.toolkit.versions import VersionRow

MINIMUM = 4.5
LABEL_SETS = [(label,) for label in versions.LABEL_COLOURS] + [("canary",), ()]


def luminance(colour: str) -> float:
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(digit * 2 for digit in hex_digits)
    channels = [int(hex_digits[index : index + 2], 16) / 255 for index in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, two: str) -> float:
    lighter, darker = sorted((luminance(one), luminance(two)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_formula_gives_wcags_own_figures():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#888", "#fff") == pytest.approx(3.54, abs=0.01)  # the old deprecated rows: under 4.5
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes on white


def _pairs(page: str) -> list[tuple[str, str]]:
    """(text colour, background) of every style in `page` that sets either; a style setting one must set both."""
    found = []
    for style in re.findall(r'style="([^"]*)"', page) + re.findall(r"\{([^{}]*)\}", page):
        background = re.search(r"background-color:\s*(#[0-9a-fA-F]{3,6})", style)
        text = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", style)
        if background or text:
            assert background and text, f"a style sets one colour of a pair: {style!r}"
            found.append((text.group(1), background.group(1)))
    return found


def _rows() -> list[VersionRow]:
    return [VersionRow(f"v{i}", f"id-{i}", labels, None, not labels) for i, labels in enumerate(LABEL_SETS, 1)]


def _drawn() -> dict[str, str]:
    rows = _rows()
    grid = history.LabelHistory("demo")  # filled as record() fills it, without a mock
    grid._version_ids = [row.VersionId for row in rows]
    grid.steps = {"first": {rows[0].VersionId: rows[0].labels}, "then": {row.VersionId: row.labels for row in rows}}
    return {
        "versions (browser edition)": versions.rows_html(rows),
        "versions (pandas)": versions.style_versions(versions.rows_frame(rows)).to_html(),
        "label history (browser edition)": grid._html(),
        "label history (pandas)": grid.show().data,
    }


def test_every_colour_pair_the_version_tables_draw_meets_4_5_to_1():
    seen = set()
    for name, page in _drawn().items():
        pairs = _pairs(page)
        assert len(pairs) >= len(LABEL_SETS), name
        for text, background in pairs:
            seen.add(background.lower())
            assert contrast(text, background) >= MINIMUM, (name, text, background, contrast(text, background))
    assert {colour.lower() for colour in versions.LABEL_COLOURS.values()} <= seen
    assert {versions.CUSTOM_LABEL_COLOUR, styles.DEPRECATED_BACKGROUND} <= seen


@pytest.mark.parametrize("colour", [*versions.LABEL_COLOURS.values(), versions.CUSTOM_LABEL_COLOUR])
def test_every_label_colour_with_its_text_and_the_deprecated_grey_meet_4_5_to_1(colour):
    assert contrast(styles.LABEL_TEXT, colour) >= MINIMUM
    assert contrast(styles.DEPRECATED_TEXT, styles.DEPRECATED_BACKGROUND) >= MINIMUM


def test_the_tables_take_jupyterlabs_content_font_size_not_a_fixed_one():
    for name, page in _drawn().items():
        assert styles.TABLE_FONT in page, name
        assert not re.search(r"font-size:\s*\d+px", page), name


def test_the_feedback_pages_text_colours_meet_4_5_to_1_on_their_white_page_and_grey_code_blocks():
    """The pages set no page background: the browser's white. Code (pre) sits on its own light grey."""
    from smworkbook.grading import feedback

    texts = re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", feedback.STYLE)
    backgrounds = ["#ffffff", *re.findall(r"background:\s*(#[0-9a-fA-F]{3,6})", feedback.STYLE)]
    assert len(texts) >= 4 and len(backgrounds) == 2
    for text in texts:
        for background in backgrounds:
            assert contrast(text, background) >= MINIMUM, (text, background, contrast(text, background))


def test_the_load_plots_coloured_labels_meet_4_5_to_1_on_its_white_background():
    """Lesson 6's plot (fixtures/load.py) writes 'succeeded' and 'failed' in its bar colours on a white rectangle."""
    from smworkbook.fixtures import load

    for colour in (load._GREEN, load._RED, load._GREY):
        assert contrast(colour, "#ffffff") >= MINIMUM, (colour, contrast(colour, "#ffffff"))
