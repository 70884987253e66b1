"""A secret's label history: after each change, a snapshot; drawn as a grid of versions by step."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from IPython.display import HTML

from smworkbook.engine.errors import WorkbookError, require_secret_name
from smworkbook.toolkit.styles import DEPRECATED, TABLE_FONT, on_label
from smworkbook.toolkit.versions import has_pandas, label_colour, table_id, version_rows

if TYPE_CHECKING:
    import pandas as pd


# A cell with no label (deprecated) or before its version existed.
_GREY = f"text-align: center; {DEPRECATED}; font-style: italic"


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
        rows = version_rows(self.secret_id)
        for row in rows:
            if row.VersionId not in self._version_ids:
                self._version_ids.append(row.VersionId)
        self.steps[step] = {row.VersionId: row.labels for row in rows}

    def grid(self) -> tuple[list[str], dict[str, list[str]]]:
        """The history's data: the version columns (v1 is the oldest) and, per step in the order recorded, what
        each version held after it: its labels ("" for none, "·" before the version existed)."""
        columns = [f"v{number}" for number in range(1, len(self._version_ids) + 1)]
        rows = {
            step: [", ".join(labels[version_id]) if version_id in labels else "·" for version_id in self._version_ids]
            for step, labels in self.steps.items()
        }
        return columns, rows

    def table(self) -> pd.DataFrame:
        """grid() as a DataFrame: one row per step, one column per version. Read it top to bottom, like a
        timeline."""
        import pandas as pd

        columns, rows = self.grid()
        return pd.DataFrame(list(rows.values()), index=list(rows), columns=columns)

    def show(self):
        """The history as a coloured grid: green AWSCURRENT, amber AWSPREVIOUS, blue AWSPENDING,
        purple your own labels."""
        if not self.steps:
            raise WorkbookError("Nothing recorded yet: call history.record('step name') after a change.")
        if not has_pandas():
            return HTML(self._html())
        import pandas as pd

        grid = self.table()

        def cell_style(value: str) -> str:
            colour = label_colour(value.split(", ")) if value not in ("", "·") else ""
            if colour:
                return f"{on_label(colour)}; text-align: center"
            return _GREY

        # The title is a header over the version columns, centred there: a table caption would be centred over
        # the step names too, and sit off-centre above the labels.
        grid.columns = pd.MultiIndex.from_product([[f"Labels of {self.secret_id} (· = not created yet)"], grid.columns])
        styled = (
            grid.style.map(cell_style)
            .format(lambda value: "deprecated" if value == "" else value)
            .set_uuid(table_id("label_history"))
            .set_table_attributes(f'style="{TABLE_FONT}"')
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

    def _html(self) -> str:
        """grid() as the same coloured HTML table, without pandas (the browser edition)."""
        columns, rows = self.grid()
        head = "<th></th>" + "".join(f'<th style="text-align: center">{column}</th>' for column in columns)
        body = []
        for step, cells in rows.items():
            shown = []
            for value in cells:
                colour = label_colour(value.split(", ")) if value not in ("", "·") else ""
                style = f"{on_label(colour)}; text-align: center" if colour else _GREY
                shown.append(f'<td style="{style}">{html.escape("deprecated" if value == "" else value)}</td>')
            body.append(f'<tr><th style="text-align: left">{html.escape(step)}</th>{"".join(shown)}</tr>')
        caption = f"Labels of {html.escape(self.secret_id)} (· = not created yet)"
        rows_html = "".join(body)
        head_html = f"<caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        return f'<table style="{TABLE_FONT}">{head_html}<tbody>{rows_html}</tbody></table>'

    def _repr_html_(self) -> str:
        return self.show().data if self.steps else "<i>Nothing recorded yet.</i>"
