"""A secret's versions as a table: which version holds which staging label."""

from __future__ import annotations

import botocore.exceptions
import pandas as pd

from .errors import WorkbookError, require_secret_name
from .mock import current

COLUMNS = ["version", "VersionId", "labels", "created", "deprecated"]


def secret_names() -> list[str]:
    """Names of the secrets in the mock (including those scheduled for deletion), sorted."""
    client = current().client("secretsmanager")
    names = []
    for page in client.get_paginator("list_secrets").paginate(IncludePlannedDeletion=True):
        names.extend(secret["Name"] for secret in page["SecretList"])
    return sorted(names)


def versions_table(secret_id: str) -> pd.DataFrame:
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
            labels = tuple(version.get("VersionStages", ()))
            rows.append([version["VersionId"], labels, version["CreatedDate"], not labels])
        if not page.get("NextToken"):
            break
        request["NextToken"] = page["NextToken"]
    # Creation order. CreatedDate has whole seconds, so ties keep the listing's order (a stable sort).
    rows.sort(key=lambda row: row[2])
    listed = {row[0] for row in rows}
    for version_id, labels in described.get("VersionIdsToStages", {}).items():
        if version_id not in listed:
            rows.append([version_id, tuple(labels), pd.NaT, False])
    table = pd.DataFrame(rows, columns=COLUMNS[1:])
    table.insert(0, "version", [f"v{number}" for number in range(1, len(rows) + 1)])
    return table


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


def style_versions(table: pd.DataFrame, uuid: str = "versions"):
    """`table` (from versions_table) as HTML with each version's row coloured by its labels."""

    def row_style(row):
        colour = label_colour(row["labels"])
        css = f"background-color: {colour}" if colour else "color: #888"  # deprecated: greyed out
        return [css] * len(row)

    return (
        table.style.apply(row_style, axis=1)
        .format({"labels": ", ".join, "created": _created})
        .hide(axis="index")
        .set_uuid(uuid)
    )


def _created(date) -> str:
    return "(no value)" if pd.isna(date) else date.strftime("%Y-%m-%d %H:%M:%S")
