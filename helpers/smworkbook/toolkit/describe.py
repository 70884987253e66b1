"""describe_secret, as a table a person can read: one row per field, its value, what it means.

`describe_rows` reads them (plain data); `describe_table` makes a pandas DataFrame of them on the desktop, and in
the browser edition, which has no pandas (`make lite`), a `DescribeRows`: the same rows, drawn as the same HTML and
text, with the few DataFrame operations lesson 3 uses.
"""

from __future__ import annotations

import html
from collections import namedtuple
from datetime import UTC, datetime

import botocore.exceptions

from smworkbook.engine import clock
from smworkbook.engine.errors import WorkbookError
from smworkbook.toolkit.versions import has_pandas

# (field, what it means, what its absence means). In the order a person reads a secret's details.
# Secrets Manager only returns fields that have a value, so the absent ones say something too.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("Name", "The secret's name: what your code passes as SecretId.", ""),
    (
        "ARN",
        "The secret's Amazon Resource Name: the name plus a hyphen and six random characters. "
        "IAM policies name secrets by ARN.",
        "",
    ),
    ("Description", "Free text for people, set with create_secret or update_secret.", "No description was set."),
    (
        "Status",
        "Not a field of the response: a secret is Active, or scheduled for deletion when the "
        "response has a DeletedDate.",
        "",
    ),
    (
        "KmsKeyId",
        "The KMS key that encrypts the secret's values.",
        "Encrypted with the AWS managed key aws/secretsmanager (the default).",
    ),
    ("CreatedDate", "When the secret was created.", ""),
    (
        "LastChangedDate",
        "The last time anything about the secret changed: value, description, tags, policy.",
        "",
    ),
    (
        "LastAccessedDate",
        "The day (not the time) someone last read the value (get_secret_value, batch_get_secret_value).",
        "Nobody has read the value in this Region: a hint that the secret may be unused.",
    ),
    ("LastRotatedDate", "When rotation last completed.", "The secret has never been rotated."),
    ("NextRotationDate", "When the next scheduled rotation is due.", "No rotation is scheduled."),
    ("RotationEnabled", "Whether automatic rotation is on.", "Rotation was never configured."),
    ("RotationLambdaARN", "The Lambda function that rotates the secret.", "No rotation function is set."),
    ("RotationRules", "How often rotation runs.", "No rotation schedule is set."),
    (
        "VersionIdsToStages",
        "Each version of the value (VersionId) with its staging labels; AWSCURRENT is what you read by "
        "default, AWSPREVIOUS the one before.",
        "The secret has no value yet.",
    ),
    (
        "DeletedDate",
        "The secret is scheduled for deletion: it can't be read, and restore_secret cancels the deletion.",
        "The secret is not scheduled for deletion.",
    ),
    ("Tags", "Key-value labels for finding, grouping, billing and access control (list_secrets filters).", "No tags."),
    ("OwningService", "The AWS service that manages this secret (e.g. RDS); change it through that service.", ""),
    ("PrimaryRegion", "The Region the secret was created in (for secrets replicated to other Regions).", ""),
    ("ReplicationStatus", "The Regions the secret is replicated to, and how replication is going.", ""),
)

# The fields the lesson names: shown even when the response leaves them out.
ALWAYS_SHOWN = (
    "Name",
    "ARN",
    "Description",
    "Status",
    "KmsKeyId",
    "CreatedDate",
    "LastChangedDate",
    "LastAccessedDate",
    "LastRotatedDate",
    "RotationEnabled",
    "VersionIdsToStages",
    "DeletedDate",
    "Tags",
)

ABSENT = "(not in the response)"


COLUMNS = ["field", "value", "meaning"]


def table_html(columns, rows) -> str:
    """`rows` under `columns` as an HTML table, cells whole and left-aligned, no index column."""
    # Inline styles: JupyterLab right-aligns table cells, and keeps inline text-align in an untrusted output.
    cell = 'style="text-align: left; vertical-align: top"'
    head = "".join(f"<th {cell}>{html.escape(str(column))}</th>" for column in columns)
    body = "".join(
        "<tr>" + "".join(f"<td {cell}>{html.escape(str(value))}</td>" for value in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def table_text(columns, rows) -> str:
    """`rows` under `columns` as aligned text, cells whole, no index column."""
    rows = [list(columns), *(list(row) for row in rows)]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(columns))]
    return "\n".join("  ".join(f"{str(v):<{w}}" for v, w in zip(row, widths, strict=True)).rstrip() for row in rows)


if has_pandas():  # the desktop; a browser page cannot load pandas (make lite): DescribeRows there
    import pandas

    class DescribeTable(pandas.DataFrame):
        """A DataFrame that reads as a table of text: cells whole (a meaning cut off at 50 characters means
        nothing), left-aligned, and no index column (row numbers 0-12 say nothing about a secret)."""

        @property
        def _constructor(self):
            return DescribeTable

        def _repr_html_(self):
            return table_html(self.columns, self.itertuples(index=False))

        def __repr__(self) -> str:
            return table_text(self.columns, self.itertuples(index=False))


class DescribeRows:
    """describe_table() where pandas is not (the browser edition): the rows, drawn as the desktop's DescribeTable
    draws them, and the DataFrame operations lesson 3 uses: a column by name (`table.field`, `table["field"]`),
    rows picked by a column (`table[table.field == "Tags"]`, `table[table.field.isin([...])]`),
    `table.set_index("field").loc["KmsKeyId", "value"]`, `itertuples()`."""

    def __init__(self, rows, columns=COLUMNS, index=None, index_name=None) -> None:
        self.columns = list(columns)
        self._rows = [tuple(row) for row in rows]
        self._index = list(range(len(self._rows))) if index is None else list(index)
        self._index_name = index_name  # set_index's column, shown first (as pandas shows an index)

    def __len__(self) -> int:
        return len(self._rows)

    def __getattr__(self, name: str):
        if name.startswith("_"):  # what IPython's display and copy look for: not a column
            raise AttributeError(name)
        if name in self.columns:
            return self[name]
        raise AttributeError(
            f"{name!r}: in the browser edition describe_table() is a plain table, not a pandas DataFrame (pandas "
            "cannot load in a web page). It has a column by name (table.field), table[table.field == ...], .isin(), "
            ".set_index() and .loc[row, column]; for the rest of pandas, run the workbook on your machine (make lab)."
        )

    def __getitem__(self, key):
        if isinstance(key, str) and key in self.columns:
            position = self.columns.index(key)
            return DescribeColumn([row[position] for row in self._rows], key)
        if isinstance(key, list) and len(key) == len(self._rows) and all(isinstance(k, bool) for k in key):
            picked = [i for i, keep in enumerate(key) if keep]
            return DescribeRows(
                [self._rows[i] for i in picked], self.columns, [self._index[i] for i in picked], self._index_name
            )
        raise KeyError(key)

    def set_index(self, column: str) -> DescribeRows:
        position = self.columns.index(column)
        rows = [row[:position] + row[position + 1 :] for row in self._rows]
        columns = self.columns[:position] + self.columns[position + 1 :]
        return DescribeRows(rows, columns, [row[position] for row in self._rows], column)

    @property
    def loc(self) -> _Loc:
        return _Loc(self)

    def itertuples(self, index: bool = True, name: str = "Row"):
        fields = (["Index"] if index else []) + self.columns
        row_type = namedtuple(name, fields)
        for label, row in zip(self._index, self._rows, strict=True):
            yield row_type(*([label] if index else []), *row)

    def _shown(self):
        if self._index_name is None:
            return self.columns, self._rows
        rows = [(label, *row) for label, row in zip(self._index, self._rows, strict=True)]
        return [self._index_name, *self.columns], rows

    def _repr_html_(self) -> str:
        return table_html(*self._shown())

    def __repr__(self) -> str:
        return table_text(*self._shown())


class DescribeColumn(list):
    """One column of a DescribeRows: its values, compared value by value as a pandas Series is."""

    def __init__(self, values, name: str) -> None:
        super().__init__(values)
        self.name = name

    def __eq__(self, other) -> list[bool]:
        return [value == other for value in self]

    def __ne__(self, other) -> list[bool]:
        return [value != other for value in self]

    __hash__ = None

    def isin(self, values) -> list[bool]:
        wanted = list(values)
        return [value in wanted for value in self]

    def tolist(self) -> list:
        return list(self)

    def item(self):
        if len(self) != 1:
            raise ValueError(f"can only convert a column of one value to a Python value, not {len(self)}")
        return self[0]


class _Loc:
    def __init__(self, table: DescribeRows) -> None:
        self._table = table

    def __getitem__(self, key):
        if not (isinstance(key, tuple) and len(key) == 2):
            raise KeyError(f"{key!r}: in the browser edition, .loc takes [row, column], e.g. .loc['Tags', 'value']")
        label, column = key
        table = self._table
        position = table.columns.index(column) if column in table.columns else None
        if position is None or label not in table._index:
            raise KeyError(key)
        return table._rows[table._index.index(label)][position]


def describe_rows(secret, now: datetime | None = None) -> list[tuple[str, str, str]]:
    """describe_secret as rows of field, value, meaning (COLUMNS); what describe_table() shows."""
    response = _response_of(secret)
    # "today", "in 30 days": counted on the mock's clock, the one its dates are stamped with (engine/clock.py).
    now = now or clock.now_datetime()
    known = {field for field, _, _ in FIELDS}
    rows = []
    for field, meaning, absent_meaning in FIELDS:
        if field == "Status":
            rows.append((field, _status(response), meaning))
        elif field in response:
            rows.append((field, _format(field, response[field], now), meaning))
        elif field in ALWAYS_SHOWN:
            rows.append((field, ABSENT, absent_meaning or meaning))
    for field, value in response.items():
        if field not in known and field != "ResponseMetadata":
            rows.append((field, _format(field, value, now), ""))
    return rows


def describe_table(secret, now: datetime | None = None):
    """describe_secret as a table: columns field, value, meaning; dates in UTC, easy to read.

    Pass what `client.describe_secret(SecretId=...)` returned, or a secret's name or ARN (the
    table is then made from this kernel's mock). Fields the lesson names are listed even when
    the response leaves them out, since an absent field says something too (e.g. no
    LastAccessedDate: nobody has read the secret). A pandas DataFrame; in the browser edition, which has no
    pandas, a DescribeRows of the same rows.
    """
    rows = describe_rows(secret, now)
    if has_pandas():
        return DescribeTable(rows, columns=COLUMNS)
    return DescribeRows(rows)


def _response_of(secret) -> dict:
    if isinstance(secret, str):
        return _describe(secret)
    if not isinstance(secret, dict):
        raise WorkbookError(
            "describe_table() takes what client.describe_secret(SecretId=...) returns, or a secret's name; "
            f"not a {type(secret).__name__}."
        )
    if "SecretString" in secret or "SecretBinary" in secret:
        raise WorkbookError(
            "That is a get_secret_value response (it holds the secret's value). "
            "Pass what client.describe_secret(SecretId=...) returns."
        )
    if "SecretList" in secret:
        raise WorkbookError("That is a list_secrets response. Pass one secret's describe_secret response.")
    if "Name" not in secret and "ARN" not in secret:
        raise WorkbookError(
            "That dict has no Name or ARN, so it is not a describe_secret response. "
            "Pass what client.describe_secret(SecretId=...) returns."
        )
    return secret


def _describe(secret_id: str) -> dict:
    from smworkbook.toolkit.mock import current

    if not secret_id.strip():
        raise WorkbookError("A secret name must be a non-empty string.")
    try:
        return current().client("secretsmanager").describe_secret(SecretId=secret_id)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            raise WorkbookError(f"There is no secret called {secret_id!r} in the mock.") from None
        raise


def _status(response: dict) -> str:
    if "DeletedDate" in response:
        return "Scheduled for deletion"
    return "Active"


def _format(field: str, value, now: datetime) -> str:
    if isinstance(value, datetime):
        return _date(field, value, now)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field == "VersionIdsToStages" and isinstance(value, dict):
        return "; ".join(f"{version_id}: {', '.join(stages) or '(no label)'}" for version_id, stages in value.items())
    if field == "Tags" and isinstance(value, list):
        return ", ".join(f"{tag.get('Key')}={tag.get('Value')}" for tag in value) or "(none)"
    if field == "RotationRules" and isinstance(value, dict):
        parts = []
        if "AutomaticallyAfterDays" in value:
            parts.append(f"every {value['AutomaticallyAfterDays']} days")
        if "ScheduleExpression" in value:
            parts.append(f"schedule {value['ScheduleExpression']}")
        if "Duration" in value:
            parts.append(f"within a {value['Duration']} window")
        return ", ".join(parts) or "(no rules)"
    return str(value)


def _date(field: str, value: datetime, now: datetime) -> str:
    value = value.astimezone(UTC)
    if field == "LastAccessedDate":
        # AWS keeps only the day of the last access.
        text = value.strftime("%Y-%m-%d (day only)")
    else:
        text = value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{text}, {_relative(value, now)}"


def _relative(value: datetime, now: datetime) -> str:
    """'today', '3 days ago', 'in 7 days': whole days, counted from the UTC date."""
    days = (value.date() - now.astimezone(UTC).date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"
