"""The README is a front door: short, with every audience's first step and guide on its first screen."""

from __future__ import annotations

import re

from .conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
GUIDES = ("learner", "instructor", "hub-admin", "author", "maintainer")
# A screen: what a learner sees of the README on GitHub before scrolling.
FIRST_SCREEN = 40


def test_the_readme_stays_short():
    """Does the README stay a front door (at most 150 lines), its details in the guides?"""
    lines = README.read_text().splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines: move the details to a guide in docs/"


def test_every_guide_is_linked_from_the_readmes_first_screen():
    """Does a newcomer of every audience find their guide, and a first step, before scrolling?"""
    screen = "\n".join(README.read_text().splitlines()[:FIRST_SCREEN])
    for guide in GUIDES:
        assert (DOCS / f"{guide}.md").is_file(), f"docs/{guide}.md is missing"
        assert f"](docs/{guide}.md)" in screen, (
            f"docs/{guide}.md is not linked in the README's first {FIRST_SCREEN} lines"
        )
    assert "make lab" in screen and "make test" in screen


def test_every_guide_says_its_first_step_and_is_on_the_sites_front_page():
    index = (DOCS / "index.md").read_text()
    for guide in GUIDES:
        text = (DOCS / f"{guide}.md").read_text()
        assert "**Your first step:**" in "\n".join(text.splitlines()[:12]), f"docs/{guide}.md: no first step on top"
        assert re.search(rf"^{re.escape(guide)}$", index, flags=re.M), f"docs/index.md's toctree lacks {guide}"
