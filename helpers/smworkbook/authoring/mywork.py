"""my-work/: the one place a learner's answers live, apart from what the workbook generates and ships.

exercises/ is the released copy (generated from solutions/, as nbgrader's release folder);
my-work/ is the learner's own (as nbgrader's submitted copy). The workbook ships no file in
my-work/, so `git pull` never conflicts there; a learner commits it in their own clone or fork,
where `make grade` and the grading workflow read it.

- `ensure_my_work()` (`smworkbook my-work`, run by `make lab` and `make grade`) copies every
  notebook of exercises/ that my-work/ does not have yet, as it is: answers a learner already wrote
  in exercises/ come along. It never replaces a file; a copy under an exercise notebook's former name (the
  lesson's own) is carried over to the new one first. It lives in smworkbook.authoring.copies, which imports no
  notebook library, so `make lab` does not wait for one.
- `update()` (`smworkbook update`, `make update`) pulls the workbook's new version, then gives each
  of the learner's notebooks the exercises that are new or corrected, appended after their own
  cells, which it never changes.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import nbformat

from smworkbook.authoring import exercises
from smworkbook.authoring.copies import MY_WORK, copy_new, ensure_my_work
from smworkbook.engine.errors import WorkbookError

__all__ = ["MY_WORK", "add_new_exercises", "ensure_my_work", "update"]
# The folders of notebooks the workbook ships: edits a learner made there are set aside before a pull.
SHIPPED = ("exercises", "notebooks", "solutions")
_SETUP = re.compile(r"""checks\.setup\(\s*["'](\d+\.\d+)["']""")


def update(root: Path = Path("."), pull: bool = True) -> list[str]:
    """Bring in the workbook's new version without losing a learner's work; returns one line per change.

    1. Notebooks edited in exercises/ (or notebooks/, solutions/) are copied into my-work/ and set
       back to the committed copy, so that `git pull` can update them; lessons whose only change is
       their outputs (they were run) are just set back.
    2. `git pull` (unless `pull` is False: the learner pulled already).
    3. New lesson notebooks are copied into my-work/; in each notebook already there, exercises
       that are new or were corrected are appended below the learner's cells, with a note.
    """
    root = Path(root)
    messages: list[str] = []
    copied = ensure_my_work(root, messages)
    if pull:
        messages += _set_aside_edits(root)
        done = subprocess.run(["git", "-C", str(root), "pull", "--no-rebase", "--ff", "--no-edit"])
        if done.returncode != 0:
            raise WorkbookError(
                "\n".join(
                    [
                        *messages,
                        "`git pull` did not finish (its message is above); none of your answers was changed. "
                        "Fix what git says, then run `smworkbook update --no-pull`.",
                    ]
                )
            )
        copied += ensure_my_work(root, messages)
    messages += [f"{path}: new notebook, copied from exercises/." for path in copied]
    for path, text in exercises.expected(root / "solutions", root / MY_WORK).items():
        message = add_new_exercises(path, nbformat.reads(text, as_version=4))
        if message:
            messages.append(message)
    return messages


def add_new_exercises(path: Path, released: nbformat.NotebookNode) -> str | None:
    """Append to the learner's notebook `path` the parts of `released` that are new or changed since it
    was copied (read from the fingerprints in its metadata); returns a one-line message, or None.

    The learner's cells are left exactly as they are; the notebook is rewritten only by appending.
    """
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    try:
        mine = nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 - a broken notebook is reported, never rewritten
        return f"{path}: could not be read as a notebook ({type(error).__name__}); left as it is."
    stamp = exercises.STAMP
    new_parts = dict(released.metadata[stamp]["parts"])
    recorded = exercises.stamp_of(mine).get("parts")
    if not isinstance(recorded, dict):  # copied before fingerprints were recorded: what it has is taken as current
        present = {match for cell in mine.cells if cell.cell_type == "code" for match in _SETUP.findall(cell.source)}
        recorded = {key: value for key, value in new_parts.items() if key in present or key == exercises.START}
    added, corrected, appended = [], [], []
    for key, cells in exercises.parts(released):
        if key != exercises.START and not exercises.is_exercise(key):
            continue
        if key not in recorded:
            added.append(key)
        elif recorded[key] != new_parts[key]:
            corrected.append(key)
        else:
            continue
        appended.extend(_fresh_copy(cell, with_id=mine.nbformat_minor >= 5) for cell in cells)
    if not appended:
        return None
    summary = _summary(added, corrected)
    note = f"## Added by `smworkbook update` on {datetime.date.today().isoformat()}\n\n{summary}"
    if any(exercises.is_exercise(key) for key in corrected):
        note += (
            "\n\nIf a corrected task asks something new, answer it below and delete the old exercise's cells "
            "above: the grader reads an exercise's first copy."
        )
    mine.cells.append(_fresh_copy(nbformat.v4.new_markdown_cell(note), with_id=mine.nbformat_minor >= 5))
    mine.cells.extend(appended)
    mine.metadata[stamp] = released.metadata[stamp]
    _replace(path, text, nbformat.writes(mine) + "\n")
    return f"{path}: {summary}"


def _summary(added: list[str], corrected: list[str]) -> str:
    said = []
    if exercises.START in corrected:
        said.append("the set-up cells changed: run the new ones below first")
    if added:
        said.append("new " + _exercises(added))
    numbers = [key for key in corrected if key != exercises.START]
    if numbers:
        said.append(f"corrected {_exercises(numbers)} (your answer above is kept; the corrected version is below)")
    sentence = "; ".join(said)
    return f"{sentence[0].upper()}{sentence[1:]}."


def _exercises(numbers: list[str]) -> str:
    return ("exercise " if len(numbers) == 1 else "exercises ") + ", ".join(numbers)


def _fresh_copy(cell: nbformat.NotebookNode, with_id: bool) -> nbformat.NotebookNode:
    copied = nbformat.from_dict(dict(cell))
    copied.pop("id", None)
    if with_id:  # cell ids exist from nbformat 4.5; the learner's notebook may hold one with the same id
        copied["id"] = uuid.uuid4().hex[:8]
    return copied


def _replace(path: Path, old: str, new: str) -> None:
    """Write `new` over `path` in one step, unless the file changed since it was read as `old`."""
    scratch = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    scratch.write_text(new, encoding="utf-8")
    try:
        if path.read_text(encoding="utf-8") != old:
            raise WorkbookError(f"{path} changed while it was being updated: run `smworkbook update --no-pull` again.")
        shutil.copymode(path, scratch)
        os.replace(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)


def _set_aside_edits(root: Path) -> list[str]:
    """Before a pull: every edited notebook the workbook ships is copied into my-work/ (unless only its
    outputs changed, as when a lesson was run), then set back to the committed copy, so that `git pull`
    can update it."""
    status = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain=v1", "-z", "--", *SHIPPED],
        capture_output=True,
        text=True,
    )
    if status.returncode != 0:
        raise WorkbookError(f"{root.resolve()} is not a git clone of the workbook: `smworkbook update` needs one.")
    messages = []
    for entry in status.stdout.split("\0"):
        code, name = entry[:2], entry[3:]
        if "M" not in code or not name.endswith(".ipynb"):
            continue
        edited, folder = root / name, name.split("/")[0]
        if folder != "exercises" and _only_outputs_changed(edited):
            message = f"{name}: only its outputs had changed; it has the workbook's copy again."
        else:
            kept = _keep(edited, root / MY_WORK, folder)
            message = f"{name}: your edits are kept in {kept}; {folder}/ has the workbook's copy again."
        subprocess.run(["git", "-C", str(root), "checkout", "HEAD", "--", name], check=True, capture_output=True)
        messages.append(message)
    return messages


def _only_outputs_changed(path: Path) -> bool:
    committed = exercises.committed(path)
    try:
        now = nbformat.read(path, as_version=4)
        before = nbformat.reads(committed, as_version=4) if committed is not None else None
    except Exception:  # noqa: BLE001 - unreadable: keep a copy rather than guess
        return False
    return before is not None and exercises.fingerprint(now.cells) == exercises.fingerprint(before.cells)


def _keep(edited: Path, mine: Path, folder: str) -> Path:
    """A copy of `edited` in my-work/ (for an exercise notebook, under its own name if that is free;
    else under from-<folder>/); returns where its content is, checked byte for byte."""
    content = edited.read_bytes()
    aside = mine / f"from-{folder}"
    candidates = [mine / edited.name] if folder == "exercises" else []
    candidates += [aside / edited.name] + [aside / f"{edited.stem}-{n}{edited.suffix}" for n in range(2, 100)]
    for target in candidates:
        copy_new(edited, target)
        if target.read_bytes() == content:
            return target
    raise WorkbookError(f"Could not keep a copy of {edited} in {mine}/: it stays as it is; nothing was pulled.")
