"""A secret's versions as a table: which version holds which staging label.

`version_rows` reads them (plain data); `versions_table` makes a pandas DataFrame of it for the desktop
workbook, `rows_html` an HTML table for the browser edition, which has no pandas (`make lite`). pandas is
imported only by what needs it: a browser page cannot load it.
"""

from __future__ import annotations

import html
import importlib.util
import itertools
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

import botocore.exceptions

from smworkbook.engine.errors import WorkbookError, require_secret_name
from smworkbook.toolkit.mock import current
from smworkbook.toolkit.styles import DEPRECATED, TABLE_FONT, on_label

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["version", "VersionId", "labels", "created", "deprecated"]


class VersionRow(NamedTuple):
    """One version of a secret, as the versions table shows it."""

    version: str  # v1 is the oldest
    VersionId: str
    labels: tuple[str, ...]
    created: datetime | None  # None: a labelled version without a value
    deprecated: bool


def secret_names() -> list[str]:
    """Names of the secrets in the mock (including those scheduled for deletion), sorted."""
    client = current().client("secretsmanager")
    names = []
    for page in client.get_paginator("list_secrets").paginate(IncludePlannedDeletion=True):
        names.extend(secret["Name"] for secret in page["SecretList"])
    return sorted(names)


def versions_table(secret_id: str) -> pd.DataFrame:
    """version_rows(secret_id) as a pandas DataFrame, one column per field (COLUMNS)."""
    return rows_frame(version_rows(secret_id))


def version_rows(secret_id: str) -> list[VersionRow]:
    """One row per version of `secret_id`, oldest first: its staging labels, when it was created,
    and whether it is deprecated (has no label left, so AWS may remove it).

    A labelled version without a value (the empty AWSPENDING version a failed rotation leaves) comes
    last, with no creation date: ListSecretVersionIds "only returns versions that contain a secret
    value"; AWS points to DescribeSecret's VersionIdsToStages for the others, and so does this table."""
    require_secret_name(secret_id)
    client = current().client("secretsmanager")
    try:
        described = client.describe_secret(SecretId=secret_id)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            raise WorkbookError(f"There is no secret called {secret_id!r}.") from None
        raise
    if "DeletedDate" in described:
        raise WorkbookError(
            f"{secret_id!r} is scheduled for deletion. Restore it (client.restore_secret) to see its versions."
        )
    rows = []
    # IncludeDeprecated: versions without labels are left out of the listing unless asked for.
    # boto3 has no paginator for this call: follow NextToken by hand.
    request = {"SecretId": secret_id, "IncludeDeprecated": True}
    while True:
        page = client.list_secret_version_ids(**request)
        for version in page["Versions"]:
            # AWS leaves VersionStages out of a deprecated version's entry (no empty list): .get, not [].
            labels = ordered_labels(version.get("VersionStages", ()))
            rows.append([version["VersionId"], labels, version["CreatedDate"], not labels])
        if not page.get("NextToken"):
            break
        request["NextToken"] = page["NextToken"]
    # Creation order. CreatedDate has whole seconds, so ties keep the listing's order (a stable sort).
    rows.sort(key=lambda row: row[2])
    listed = {row[0] for row in rows}
    for version_id, labels in described.get("VersionIdsToStages", {}).items():
        if version_id not in listed:
            rows.append([version_id, ordered_labels(labels), None, False])
    return [VersionRow(f"v{number}", *row) for number, row in enumerate(rows, 1)]


def has_pandas() -> bool:
    """Whether pandas can be imported here (not in the browser edition's page)."""
    return importlib.util.find_spec("pandas") is not None


# The order labels are listed in, whatever order AWS answers in: AWS's own first, then yours by name.
AWS_LABELS = ("AWSCURRENT", "AWSPREVIOUS", "AWSPENDING")


def ordered_labels(labels) -> tuple[str, ...]:
    """`labels` in a fixed order (AWSCURRENT, AWSPREVIOUS, AWSPENDING, then the rest alphabetically),
    so a version's labels read the same from one step to the next."""
    return tuple(sorted(labels, key=lambda label: (AWS_LABELS.index(label), "") if label in AWS_LABELS else (3, label)))


# Background colours for the labels that rotation and rollbacks move around.
LABEL_COLOURS = {
    "AWSCURRENT": "#c8e6c9",  # green: what get_secret_value() returns
    "AWSPREVIOUS": "#ffe0b2",  # amber: the version before, for a quick rollback
    "AWSPENDING": "#bbdefb",  # blue: a rotation in progress
}
CUSTOM_LABEL_COLOUR = "#e1bee7"  # purple: a label of your own, e.g. "canary"


def label_colour(labels) -> str:
    """The background colour for a version with `labels` ("" when it has none)."""
    for label, colour in LABEL_COLOURS.items():
        if label in labels:
            return colour
    return CUSTOM_LABEL_COLOUR if labels else ""


# Each table drawn in a kernel gets its own id for its styles: a notebook page holds every table's <style>,
# and two tables with one id would colour each other's rows. Counted, not random, so that a fresh run stores
# the same HTML every time (nbval compares it).
_table_numbers = itertools.count(1)


def table_id(prefix: str) -> str:
    """A new id for a styled table: `prefix` and this kernel's next number."""
    return f"{prefix}_{next(_table_numbers)}"


def style_versions(table: pd.DataFrame, uuid: str = "versions"):
    """`table` (from versions_table) as HTML with each version's row coloured by its labels."""

    def row_style(row):
        colour = label_colour(row["labels"])
        css = on_label(colour) if colour else DEPRECATED  # deprecated: greyed out
        return [css] * len(row)

    return (
        table.style.apply(row_style, axis=1)
        .format({"labels": ", ".join, "created": _created})
        .hide(axis="index")
        .set_uuid(uuid)
        .set_table_attributes(f'style="{TABLE_FONT}"')
        .set_table_styles([{"selector": "th", "props": "text-align: left"}])
    )


def rows_html(rows: list[VersionRow], uuid: str = "versions") -> str:
    """`rows` as an HTML table, each version's row coloured by its labels, without pandas (the browser edition):
    the same columns, colours and dates as style_versions."""
    head = "".join(f'<th style="text-align: left">{name}</th>' for name in COLUMNS)
    body = []
    for row in rows:
        colour = label_colour(row.labels)
        css = on_label(colour) if colour else DEPRECATED
        cells = [row.version, row.VersionId, ", ".join(row.labels), _created(row.created), str(row.deprecated)]
        body.append("<tr>" + "".join(f'<td style="{css}">{html.escape(cell)}</td>' for cell in cells) + "</tr>")
    table = f'<table id="T_{uuid}" style="{TABLE_FONT}">'
    return f"{table}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def rows_text(rows: list[VersionRow]) -> str:
    """`rows` as aligned text, without pandas (the browser edition)."""
    lines = [COLUMNS] + [
        [row.version, row.VersionId, ", ".join(row.labels), _created(row.created), str(row.deprecated)] for row in rows
    ]
    widths = [max(len(line[column]) for line in lines) for column in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)) for line in lines)


class VersionsSnapshot:
    """The versions of a secret at one moment, as a coloured table that stays as it was.

    Displayed in a notebook it is stored with the notebook as HTML, so it reads the same before anything
    is run, after Run All, and in a notebook nobody trusts yet. `snapshot.rows` are the versions
    (version_rows), `snapshot.table` the DataFrame of them (where pandas is)."""

    def __init__(self, secret_id: str) -> None:
        self.secret_id = secret_id
        self.rows = version_rows(secret_id)
        self._uuid = table_id("versions")

    @property
    def table(self) -> pd.DataFrame:
        return rows_frame(self.rows)

    def _repr_html_(self) -> str:
        if not has_pandas():
            return rows_html(self.rows, uuid=self._uuid)
        return style_versions(self.table, uuid=self._uuid).to_html()

    def __repr__(self) -> str:  # the plain-text form: the same table, labels as a list
        return plain_text(self.table) if has_pandas() else rows_text(self.rows)


def rows_frame(rows: list[VersionRow]) -> pd.DataFrame:
    """`rows` (version_rows) as versions_table's DataFrame."""
    import pandas as pd

    data = [[row.VersionId, row.labels, pd.NaT if row.created is None else row.created, row.deprecated] for row in rows]
    table = pd.DataFrame(data, columns=COLUMNS[1:])
    table.insert(0, "version", [row.version for row in rows])
    return table


def plain_text(table: pd.DataFrame) -> str:
    """`table` as text: labels as "AWSCURRENT, stable", dates without time zones, no index column."""
    shown = table.assign(labels=table["labels"].map(", ".join), created=table["created"].map(_created))
    return shown.to_string(index=False)


def versions_snapshot(secret_id: str) -> VersionsSnapshot:
    """The versions of `secret_id` now, as a coloured table that keeps showing this moment."""
    return VersionsSnapshot(secret_id)


def _created(date) -> str:
    # None (version_rows) or NaT (a DataFrame's empty date): a version without a value.
    return "(no value)" if date is None or date != date else date.strftime("%Y-%m-%d %H:%M:%S")
