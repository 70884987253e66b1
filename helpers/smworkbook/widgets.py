"""ipywidgets views over the version tables: pick a secret, see its labels move."""

from __future__ import annotations

import html

import ipywidgets as widgets

from .errors import WorkbookError, require_secret_name
from .versions import secret_names, style_versions, versions_table


class VersionsView(widgets.VBox):
    """A secret's versions and their staging labels, with a secret picker and a Refresh button.

    `view.secret` is the secret shown, `view.table` its versions (a DataFrame, or None with
    `view.message` saying why), `view.refresh()` reads the mock again.
    """

    def __init__(self, secret_id: str | None = None) -> None:
        if secret_id is not None:
            require_secret_name(secret_id)
        self.table = None
        self.message = ""
        self._loading = False
        self.dropdown = widgets.Dropdown(description="Secret", options=[])
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh", tooltip="Read the mock again")
        self.notice = widgets.HTML()
        self.output = widgets.Output()
        super().__init__([widgets.HBox([self.dropdown, self.refresh_button]), self.notice, self.output])
        self.add_class("smw-versions")
        self._load_names(secret_id)
        self.dropdown.observe(lambda change: self._loading or self._show(), names="value")
        self.refresh_button.on_click(lambda button: self.refresh())
        self._show()

    def __repr__(self) -> str:  # what nbval and the text console see instead of the widget
        return f"VersionsView(secret={self.secret!r})"

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
        self.table, self.message = None, ""
        if self.secret is None:
            self.message = "There are no secrets yet. Create one, then press Refresh."
        else:
            try:
                self.table = versions_table(self.secret)
            except WorkbookError as error:
                # A widget callback has nowhere to raise to: say it in the widget.
                self.message = str(error)
        self.notice.value = f"<i>{html.escape(self.message)}</i>" if self.message else ""
        # Set the Output's contents in one go: clear_output() only works inside a running kernel.
        self.output.outputs = ()
        if self.table is not None:
            html_table = style_versions(self.table, uuid="versions_view").to_html()
            data = {"text/html": html_table, "text/plain": self.table.to_string(index=False)}
            self.output.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)


def show_versions(secret_id: str | None = None) -> VersionsView:
    """A widget showing the versions of `secret_id` (or of the first secret) with their labels."""
    if secret_id is not None:
        versions_table(secret_id)  # a clear error now for a name that can't be shown
    return VersionsView(secret_id)
