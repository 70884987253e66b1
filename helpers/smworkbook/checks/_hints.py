"""Words for hints: how a check names the value it received."""

from __future__ import annotations

import json


def short(value, limit: int = 40) -> str:
    """`value` as Python writes it, cut to `limit` characters: for naming a received value in a hint."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _listed(value) -> str:
    values = value if isinstance(value, list) else [value]
    return ", ".join(str(item) for item in values)


def statement_summary(statement) -> str:
    """One policy statement as a hint names it: "Allow secretsmanager:GetSecretValue on *"."""
    if not isinstance(statement, dict):
        return short(statement)
    action_key = "NotAction" if "NotAction" in statement else "Action"
    resource_key = "NotResource" if "NotResource" in statement else "Resource"
    text = f"{statement.get('Effect', 'no Effect')} "
    text += f"{'everything but ' if action_key == 'NotAction' else ''}{_listed(statement.get(action_key, 'no Action'))}"
    if "Principal" in statement:
        text += f" for {json.dumps(statement['Principal'])}"
    if resource_key in statement:
        text += f" on {'everything but ' if resource_key == 'NotResource' else ''}{_listed(statement[resource_key])}"
    if "Condition" in statement:
        text += f" when {json.dumps(statement['Condition'])}"
    return text


def policy_summary(documents: list) -> str:
    """What the learner's policies allow and deny, statement by statement, for a hint."""
    statements = []
    for document in documents:
        found = document.get("Statement", []) if isinstance(document, dict) else document
        statements += found if isinstance(found, list) else [found]
    return "; ".join(statement_summary(statement) for statement in statements) or "no statements"
