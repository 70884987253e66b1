"""The gradebook in the CSV files two LMSs import, and the roster that maps learners to the LMS's people.

Canvas (Grades > Import, "How do I import grades in the Gradebook?" in the Canvas Instructor Guide): the columns
of Canvas's own export, `Student, ID, SIS User ID, SIS Login ID, Section`, then one column per assignment. Canvas
finds each student by one of Student name, ID or SIS User ID (SIS Login ID and Section must be present as
columns); an assignment column named `Name (id)` updates assignment `id`, any other name creates an assignment.

Moodle (Grades > Import > CSV file, https://docs.moodle.org/en/Grade_import): one column that identifies the
user, which the instructor maps ("Identify user by": Map from the column, Map to `useremail`, `useridnumber` or
`username`), and one column per grade item, mapped to an existing item or "new grade item".

The learners are the gradebook's folder names. An optional roster CSV (`--roster`), one row per learner, says who
each is in the LMS: a `learner` column (the folder name) and any of `name`, `canvas_id`, `sis_user_id`,
`sis_login_id`, `section`, `email`, `idnumber`, `username`. Without a roster the folder name is the learner's
login (Canvas's SIS Login ID, Moodle's username), as it is on a hub where each learner's folder is their user.
"""

from __future__ import annotations

import csv
from pathlib import Path

from smworkbook.engine.errors import WorkbookError

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
ROSTER_COLUMNS = ("learner", "name", "canvas_id", "sis_user_id", "sis_login_id", "section", "email", "idnumber")
ROSTER_COLUMNS += ("username",)
# Moodle's user fields a CSV column can be mapped to, by the column's header (Moodle's own export names).
MOODLE_IDENTITIES = {"email": "Email address", "idnumber": "ID number", "username": "Username"}


def read_roster(path: Path | None) -> dict[str, dict[str, str]] | None:
    """learner -> their LMS fields, from the instructor's roster CSV; None without one. WorkbookError if unusable."""
    if path is None:
        return None
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            rows = list(csv.DictReader(file))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise WorkbookError(f"{path}: the roster could not be read ({type(error).__name__}).") from None
    header = set(rows[0]) if rows else set()
    if "learner" not in header:
        raise WorkbookError(f"{path}: the roster needs a `learner` column (each learner's folder name).")
    unknown = sorted(header - set(ROSTER_COLUMNS) - {None})
    if unknown:
        raise WorkbookError(f"{path}: unknown roster column(s) {unknown}; known: {', '.join(ROSTER_COLUMNS)}.")
    return {row["learner"].strip(): {k: (v or "").strip() for k, v in row.items() if k} for row in rows}


def _who(name: str, roster: dict | None) -> dict[str, str] | None:
    if roster is None:
        return {"learner": name, "name": name, "sis_login_id": name, "username": name}
    return roster.get(name)


def canvas(totals: list[tuple[str, int]], item: str, roster: dict | None) -> tuple[list[list], list[str]]:
    """Canvas's gradebook import: its five identifying columns and one assignment column; (rows, learners left
    out because the roster does not name them)."""
    rows, left_out = [CANVAS_COLUMNS + [item]], []
    for name, total in totals:
        who = _who(name, roster)
        if who is None:
            left_out.append(name)
            continue
        fields = ("name", "canvas_id", "sis_user_id", "sis_login_id", "section")
        rows.append([who.get(field) or (name if field == "name" else "") for field in fields] + [total])
    return rows, left_out


def moodle(totals: list[tuple[str, int]], item: str, roster: dict | None) -> tuple[list[list], list[str]]:
    """Moodle's CSV grade import: the identifying columns the roster has (email, ID number, username: the
    instructor maps one in "Identify user by") and one grade item column; (rows, learners left out)."""
    # Without a roster, or one naming none of them, the folder name is the username.
    present = [key for key in MOODLE_IDENTITIES if _any(roster, key)] or ["username"]
    rows, left_out = [[MOODLE_IDENTITIES[key] for key in present] + [item]], []
    for name, total in totals:
        who = _who(name, roster)
        if who is None:
            left_out.append(name)
            continue
        rows.append([who.get(key) or (name if key == "username" else "") for key in present] + [total])
    return rows, left_out


def _any(roster: dict | None, key: str) -> bool:
    return roster is not None and any(who.get(key) for who in roster.values())
