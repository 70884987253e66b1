"""Random values the exercises' set-ups store: fresh on every run, so that an answer must be read from the mock.

Their lengths are not what any exercise is about; they are kept short, so that a value printed in a notebook
fits its line.
"""

from __future__ import annotations

import secrets


def token() -> str:
    """16 hex characters: a token, a key or any value a set-up needs to be new."""
    return secrets.token_hex(8)


def api_key() -> str:
    """32 hex characters, as many API keys are."""
    return secrets.token_hex(16)


def password() -> str:
    """16 characters of letters, digits, - and _: an old password a learner is to replace."""
    return secrets.token_urlsafe(12)
