"""Lesson 4's picture of a rotation (authoring/pictures.py): drawn from its Mermaid text, stored beside the lesson
(notebooks/pictures/), shown `em` wide so that its labels are at JupyterLab's content font size (issue 36 item 3)."""

from __future__ import annotations

import re

import pytest

from smworkbook.authoring import pictures
from smworkbook.toolkit import styles

from .conftest import ROOT


@pytest.mark.parametrize("picture", pictures.PICTURES, ids=lambda picture: picture.name)
def test_the_lesson_holds_the_picture_this_module_draws(picture):
    tag, svg = pictures.stored(ROOT, picture)
    assert svg == picture.svg(), f"run `python -m smworkbook.authoring.pictures` to store {picture.name} again"
    assert tag == picture.img()


@pytest.mark.parametrize("picture", pictures.PICTURES, ids=lambda picture: picture.name)
def test_the_picture_is_shown_em_wide_so_its_labels_are_one_em(picture):
    svg = picture.svg()
    width = float(re.search(r'<svg [^>]*width="([\d.]+)"', svg).group(1))
    assert f'font-size="{pictures.FONT}"' in svg and "font-size" not in svg.split(">", 1)[1]  # one size for all
    assert f'style="{styles.picture_style(width, pictures.FONT)}"' in picture.img()
    assert styles.picture_style(width, pictures.FONT) == f"width: {width / pictures.FONT:.2f}em; max-width: 100%"


def test_every_participant_and_message_of_the_mermaid_text_is_drawn_in_order():
    svg = pictures.ROTATION.svg()
    drawn = " ".join(re.findall(r">([^<>]+)</text>", svg))
    for line in pictures.ROTATION.source.splitlines()[1:]:
        said = line.split(" as ", 1)[1] if "participant" in line else line.split(": ", 1)[1]
        assert said.replace("'", "&#x27;") in drawn, said
    steps = [drawn.index(step) for step in ("createSecret", "setSecret", "testSecret", "finishSecret")]
    assert steps == sorted(steps)
    assert svg.count("<line") == 4 + 10 and svg.count('stroke-dasharray="6,4"') == 1  # 4 lifelines; 1 reply dashed


def test_a_line_the_drawing_cannot_read_is_an_error_not_a_picture_without_it():
    with pytest.raises(ValueError, match="not a line this drawing reads: 'A->B: one arrow head'"):
        pictures.sequence_svg(
            "sequenceDiagram\n    participant A as a\n    participant B as b\n    A->B: one arrow head"
        )
    with pytest.raises(ValueError, match="2 Markdown cells show"):
        cell = {"cell_type": "markdown", "source": '<img src="x.svg">'}
        pictures._cell(type("N", (), {"cells": [_Cell(cell), _Cell(cell)]})(), pictures.Picture("n", "x.svg", "", ""))


class _Cell(dict):
    __getattr__ = dict.__getitem__
