"""A secret's label history: after each change, a snapshot; drawn as a grid of versions by step."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from smworkbook.engine.errors import WorkbookError, require_secret_name
from smworkbook.toolkit.versions import label_colour, table_id, versions_table


class LabelHistory:
    """Record which version holds which staging label, step by step.

    history = LabelHistory("TestSecret")
    history.record("created")    # after each change
    history.show()               # the grid: one row per step, one column per version
    """

    def __init__(self, secret_id: str) -> None:
        require_secret_name(secret_id)
        self.secret_id = secret_id
        self.steps: dict[str, dict[str, tuple[str, ...]]] = {}
        self._version_ids: list[str] = []  # in creation order, as first seen

    def record(self, step: str) -> None:
        """Take a snapshot of the labels now, under the name `step` (recording a step again replaces it)."""
        if not isinstance(step, str) or not step.strip():
            raise WorkbookError(f"A step needs a short name, such as 'after update_secret', not {step!r}.")
        table = versions_table(self.secret_id)
        for version_id in table["VersionId"]:
            if version_id not in self._version_ids:
                self._version_ids.append(version_id)
        self.steps[step] = dict(zip(table["VersionId"], table["labels"], strict=True))

    def table(self) -> pd.DataFrame:
        """One row per step, in the order recorded, one column per version (v1 is the oldest); each
        cell lists the labels the version held after that step ("" for none, "·" before the
        version existed). Read it top to bottom, like a timeline."""
        columns = [f"v{number}" for number in range(1, len(self._version_ids) + 1)]
        rows = [
            [", ".join(labels[version_id]) if version_id in labels else "·" for version_id in self._version_ids]
            for labels in self.steps.values()
        ]
        return pd.DataFrame(rows, index=list(self.steps), columns=columns)

    def show(self):
        """The history as a coloured grid: green AWSCURRENT, amber AWSPREVIOUS, blue AWSPENDING,
        purple your own labels."""
        if not self.steps:
            raise WorkbookError("Nothing recorded yet: call history.record('step name') after a change.")
        grid = self.table()

        def cell_style(value: str) -> str:
            colour = label_colour(value.split(", ")) if value not in ("", "·") else ""
            if colour:
                return f"background-color: {colour}; text-align: center"
            return "text-align: center; color: #888; font-style: italic"

        # The title is a header over the version columns, centred there: a table caption would be centred over
        # the step names too, and sit off-centre above the labels.
        grid.columns = pd.MultiIndex.from_product([[f"Labels of {self.secret_id} (· = not created yet)"], grid.columns])
        styled = (
            grid.style.map(cell_style)
            .format(lambda value: "deprecated" if value == "" else value)
            .set_uuid(table_id("label_history"))
            # Column headers centred over their centred cells; the step names on the left read as a list.
            .set_table_styles(
                [
                    {"selector": "th.col_heading", "props": "text-align: center"},
                    {"selector": "th.col_heading.level0", "props": "font-weight: normal"},
                    {"selector": "th.row_heading", "props": "text-align: left"},
                ]
            )
        )
        # HTML rather than the Styler itself: the Styler's plain-text form holds a memory address,
        # which would differ on every run.
        return HTML(styled.to_html())

    def _repr_html_(self) -> str:
        return self.show().data if self.steps else "<i>Nothing recorded yet.</i>"
