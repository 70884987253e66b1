"""ipywidgets views over the version tables: pick a secret, see its labels move."""

from __future__ import annotations

import html

import ipywidgets as widgets

from smworkbook.engine.errors import WorkbookError, require_secret_name
from smworkbook.toolkit.styles import SCALED, WIDGET_CSS
from smworkbook.toolkit.versions import (
    has_pandas,
    plain_text,
    rows_frame,
    rows_html,
    rows_text,
    secret_names,
    style_versions,
    table_id,
    version_rows,
)

LIVE_TITLE = "Live view of the mock (press Refresh after a change)"


class VersionsView(widgets.VBox):
    """A live view of a secret's versions and their staging labels, with a secret picker and a Refresh button.

    `view.secret` is the secret shown, `view.table` its versions (a DataFrame, or None with
    `view.message` saying why), `view.refresh()` reads the mock again. It shows the mock as it was when
    drawn until you press Refresh; a notebook stores that moment as HTML too, so the view reads well
    before anything is run and where widgets can't be drawn.
    """

    def __init__(self, secret_id: str | None = None) -> None:
        if secret_id is not None:
            require_secret_name(secret_id)
        self.rows = None  # version_rows of the secret shown
        self.message = ""
        self._uuid = table_id("versions_view")
        self._loading = False
        self.dropdown = widgets.Dropdown(description="Secret", options=[])
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh", tooltip="Read the mock again")
        self.notice = widgets.HTML()
        self.output = widgets.Output()
        title = widgets.HTML(f"{WIDGET_CSS}<b>{LIVE_TITLE}</b>")
        super().__init__([title, widgets.HBox([self.dropdown, self.refresh_button]), self.notice, self.output])
        self.add_class("smw-versions")
        self.add_class(SCALED)  # its controls follow the content font (Presentation Mode)
        self._load_names(secret_id)
        self.dropdown.observe(lambda change: self._loading or self._show(), names="value")
        self.refresh_button.on_click(lambda button: self.refresh())
        self._show()

    def __repr__(self) -> str:  # what the text console sees instead of the widget
        return f"VersionsView(secret={self.secret!r})"

    def _repr_mimebundle_(self, **kwargs):
        """The widget, plus what it shows now as HTML and text: a notebook stores those, and JupyterLab
        shows them where the widget itself can't be drawn (before running, or in an untrusted notebook)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = self.static_text()
        return bundle

    def static_html(self) -> str:
        """What the view shows now, as plain HTML (no widget)."""
        parts = [f"<p><b>{LIVE_TITLE}</b> (as it was when this cell ran)</p>"]
        parts.append(f"<p>Secret: <code>{html.escape(str(self.secret))}</code></p>")
        if self.message:
            parts.append(f"<p><i>{html.escape(self.message)}</i></p>")
        if self.rows is not None:
            parts.append(self._table_html())
        return "\n".join(parts)

    def static_text(self) -> str:
        """What the view shows now, as text."""
        lines = [f"{LIVE_TITLE}: {self.secret}"]
        if self.message:
            lines.append(self.message)
        if self.rows is not None:
            lines.append(self._table_text())
        return "\n".join(lines)

    @property
    def table(self):
        """The versions shown, as a DataFrame (None when none are shown)."""
        return None if self.rows is None else rows_frame(self.rows)

    def _table_html(self) -> str:
        # Without pandas (the browser edition, make lite): the same rows and colours, drawn by hand.
        return (
            style_versions(self.table, uuid=self._uuid).to_html() if has_pandas() else rows_html(self.rows, self._uuid)
        )

    def _table_text(self) -> str:
        return plain_text(self.table) if has_pandas() else rows_text(self.rows)

    @property
    def secret(self) -> str | None:
        return self.dropdown.value

    def refresh(self) -> None:
        """Re-read the list of secrets and the shown secret's versions from the mock."""
        self._load_names(self.secret)
        self._show()

    def _load_names(self, wanted: str | None) -> None:
        names = secret_names()
        if wanted is not None and wanted not in names:
            names.append(wanted)  # shown with a message saying it does not exist
        self._loading = True  # one _show() after the load, not one per trait change
        try:
            self.dropdown.options = names
            self.dropdown.value = wanted if wanted is not None else (names[0] if names else None)
        finally:
            self._loading = False

    def _show(self) -> None:
        self.rows, self.message = None, ""
        if self.secret is None:
            self.message = "There are no secrets yet. Create one, then press Refresh."
        else:
            try:
                self.rows = version_rows(self.secret)
            except WorkbookError as error:
                # A widget callback has nowhere to raise to: say it in the widget.
                self.message = str(error)
                if self.secret not in secret_names():
                    self.message = (
                        f"{self.secret!r} is not in the mock any more: it was deleted for good, or the mock was "
                        "emptied (each lesson's clean-up cell does that). Run the cells that create it again, "
                        "then press Refresh."
                    )
        self.notice.value = f"<i>{html.escape(self.message)}</i>" if self.message else ""
        # Set the Output's contents in one go: clear_output() only works inside a running kernel.
        self.output.outputs = ()
        if self.rows is not None:
            data = {"text/html": self._table_html(), "text/plain": self._table_text()}
            self.output.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)


def show_versions(secret_id: str | None = None) -> VersionsView:
    """A widget showing the versions of `secret_id` (or of the first secret) with their labels."""
    if secret_id is not None:
        version_rows(secret_id)  # a clear error now for a name that can't be shown
    return VersionsView(secret_id)
