"""Words for hints: how a check names the value it received."""

from __future__ import annotations


def short(value, limit: int = 40) -> str:
    """`value` as Python writes it, cut to `limit` characters: for naming a received value in a hint."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
