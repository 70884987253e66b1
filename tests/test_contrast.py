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
from xml.etree import ElementTree

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


def _svg_pairs(svg: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(text colour, the colour under it) for every text of a picture, and (line colour, the picture's background) for
    every line (a line crosses whatever the picture holds, bars included). What is under a text: the fill of the last
    rectangle drawn before it that holds its anchor (the picture's own background first); a text's colour: its own
    fill, else the picture's."""
    root = ElementTree.fromstring(svg)
    tag = lambda element: element.tag.rsplit("}", 1)[-1]  # noqa: E731
    number = lambda element, name: float(element.get(name, 0))  # noqa: E731
    rects, texts, lines = [], [], []
    for element in root.iter():
        if tag(element) == "rect" and element.get("fill", "none") != "none":
            x, y = number(element, "x"), number(element, "y")
            rects.append((x, y, x + number(element, "width"), y + number(element, "height"), element.get("fill")))

        def under(x: float, y: float) -> str:
            return next(f for x0, y0, x1, y1, f in reversed(rects) if x0 <= x <= x1 and y0 <= y <= y1)

        if tag(element) == "text":
            font = float(element.get("font-size", root.get("font-size")))
            below = under(number(element, "x"), number(element, "y") - font / 2)
            texts.append((element.get("fill", root.get("fill", "#000000")), below))
            texts += [(span.get("fill"), below) for span in element if span.get("fill")]
        elif tag(element) == "line":
            lines.append((element.get("stroke"), rects[0][-1]))
    return texts, lines


def _pictures() -> dict[str, str]:
    from smworkbook.authoring import pictures

    return {"lesson 6's plot": made_up_load().svg(), **{p.name: p.svg() for p in pictures.PICTURES}}


def made_up_load():
    from smworkbook.fixtures import load

    steps = [("createSecret", 0.3, 0.32), ("setSecret", 0.62, 0.65), ("testSecret", 0.95, 0.97)]
    steps.append(("finishSecret", 1.27, 1.3))
    requests = [load.Request(0.0, 0.05, 200, ""), load.Request(0.7, 0.72, 503, ""), load.Request(1.31, 1.35, 200, "")]
    return load.LoadResult(requests=requests, steps=steps, duration=1.5, during=(0.29, 1.31))


def test_every_text_of_the_pictures_meets_4_5_to_1_and_every_line_3_to_1_on_what_is_under_it():
    """Lesson 4's picture of a rotation (authoring/pictures.py) and lesson 6's plot (fixtures/load.py): their labels
    as text (4.5:1), their lines as the parts of a graphic, which WCAG's 1.4.11 Non-text Contrast asks 3:1 of
    (https://www.w3.org/TR/WCAG22/#non-text-contrast)."""
    for name, svg in _pictures().items():
        texts, lines = _svg_pairs(svg)
        assert len(texts) >= 10 and lines, name
        for text, background in texts:
            assert contrast(text, background) >= MINIMUM, (name, text, background, contrast(text, background))
        for line, background in lines:
            assert contrast(line, background) >= 3, (name, line, background, contrast(line, background))
    plot_texts = {text.lower() for text, _ in _svg_pairs(_pictures()["lesson 6's plot"])[0]}
    from smworkbook.fixtures import load

    assert {load._GREEN, load._RED} <= plot_texts  # the legend's "succeeded" and "failed", in the bars' colours


def test_the_picture_reader_finds_a_pale_label_and_what_is_under_it():
    pale = (
        '<svg xmlns="http://www.w3.org/2000/svg" font-size="10" fill="#212121"><rect x="0" y="0" width="100" '
        'height="50" fill="#ffffff"/><rect x="50" y="0" width="50" height="50" fill="#000000"/>'
        '<text x="10" y="20">dark</text><text x="10" y="40" fill="#888888">pale</text>'
        '<text x="60" y="20">on black</text><line x1="5" y1="5" x2="40" y2="5" stroke="#eeeeee"/></svg>'
    )
    texts, lines = _svg_pairs(pale)
    assert texts == [("#212121", "#ffffff"), ("#888888", "#ffffff"), ("#212121", "#000000")]
    assert [contrast(*pair) >= MINIMUM for pair in texts] == [True, False, False]
    assert lines == [("#eeeeee", "#ffffff")] and contrast(*lines[0]) < 3
