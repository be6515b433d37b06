"""The Clients page: find a client as you type, open them (details, communication flag,
history) and edit their details.

Searching runs on the database thread after a short pause in typing; each search carries a
number and older results are dropped. Opening a client calls ``get_client`` once (it writes
the "view:client" audit event); refreshes after that reload only the history, which is not
audited, so repaints and other pages' changes never add view events."""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from csn_desk.client_history import ClientHistory, client_history, communication_flags
from csn_desk.clients import ClientDetail, update_client
from csn_desk.ui.clients.data import (
    EDITABLE,
    ClientView,
    changes_from,
    check_edit,
    open_client,
    parse_date,
    search,
)
from csn_desk.ui.clients.history_view import history_html
from csn_desk.ui.clients.model import ClientTableModel
from csn_desk.ui.rows_model import rows_table
from csn_desk.ui.tasks import TaskRunner
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

SEARCH_PAUSE_MS = 150
LABELS = {"given_name": "&First name", "family_name": "Fa&mily name",
          "date_of_birth": "Date of &birth (dd/mm/yyyy)", "postcode": "&Postcode",
          "address_line1": "Address line &1", "address_line2": "Address line &2",
          "post_town": "&Town", "phone": "P&hone", "email": "&Email",
          "preferred_contact": "Preferred &contact", "preferred_format": "Preferred f&ormat",
          "language": "&Language", "interpreter": "&Interpreter (e.g. BSL)"}
COMBOS = {"preferred_contact": "contact_methods", "preferred_format": "formats"}
FLAG_STYLE = ("QLabel#commFlag { border: 2px solid #3d2e00; background: #fff3b0; "
              "color: #3d2e00; font-weight: bold; padding: 6px; }")
ERROR_STYLE = "QLabel#fieldError { color: #7a1010; font-weight: bold; }"


class ClientsPage(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.view: ClientView | None = None
        self.searches = 0  # completed searches shown (tests wait on these)
        self.opens = 0
        self.history_loads = 0
        self.saves = 0
        self._search_generation = 0
        self._open_generation = 0
        self._saving = False
        self.setStyleSheet(FLAG_STYLE + ERROR_STYLE)

        # -- find --------------------------------------------------------------------------
        heading = QLabel("Clients")
        heading.setObjectName("heading")
        self.search_box = QLineEdit()
        self.search_box.setAccessibleName("Find a client")
        self.search_box.setPlaceholderText("Name, birth date or postcode")
        find_label = QLabel("&Find a client: name, date of birth (dd/mm/yyyy) or postcode")
        find_label.setWordWrap(True)
        find_label.setBuddy(self.search_box)
        self.search_status = QLabel("Type at least two letters.")
        self.search_status.setWordWrap(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_PAUSE_MS)
        self._timer.timeout.connect(self.run_search)
        self.search_box.textChanged.connect(lambda _t: self._timer.start())
        self.search_box.returnPressed.connect(self.open_current)

        self.model = ClientTableModel(self)
        self.table = rows_table(self.model, "Matching clients")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.open_button = QPushButton("&Open client")
        self.open_button.setAccessibleName("Open the chosen client")
        self.open_button.clicked.connect(self.open_current)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 8, 0)
        left_layout.addWidget(heading)
        left_layout.addWidget(find_label)
        left_layout.addWidget(self.search_box)
        left_layout.addWidget(self.search_status)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.open_button)

        # -- the open client ---------------------------------------------------------------
        self.name_label = QLabel("No client open")
        self.name_label.setObjectName("subheading")
        self.name_label.setWordWrap(True)
        self.flag_label = QLabel("")
        self.flag_label.setObjectName("commFlag")
        self.flag_label.setWordWrap(True)
        self.flag_label.setVisible(False)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setVisible(False)

        self.fields: dict[str, QLineEdit | QComboBox] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for name in EDITABLE:
            widget: QLineEdit | QComboBox
            if name in COMBOS:
                widget = QComboBox()
                for term in vocab(COMBOS[name]).terms:
                    widget.addItem(term.label, term.code)
            else:
                widget = QLineEdit()
            plain = LABELS[name].replace("&", "")
            widget.setAccessibleName(plain)
            error = QLabel("")
            error.setObjectName("fieldError")
            error.setWordWrap(True)
            error.setVisible(False)
            cell = QWidget()
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.setSpacing(2)
            cell_layout.addWidget(widget)
            cell_layout.addWidget(error)
            label = QLabel(LABELS[name])
            label.setBuddy(widget)
            form.addRow(label, cell)
            self.fields[name], self.errors[name] = widget, error
        self.save_button = QPushButton("&Save changes")
        self.save_button.setAccessibleName("Save the client's changed details")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("&Undo changes")
        self.revert_button.setAccessibleName("Put back the details as stored")
        self.revert_button.clicked.connect(self._fill_form)
        self.form_error = QLabel("")
        self.form_error.setObjectName("fieldError")
        self.form_error.setWordWrap(True)
        self.form_error.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.addLayout(form)
        details_layout.addWidget(self.form_error)
        details_layout.addLayout(buttons)
        details_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(details)
        scroll.setAccessibleName("Client details")

        self.history = QTextBrowser()
        self.history.setAccessibleName("Client history")
        self.history.setOpenLinks(False)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Client record")
        self.tabs.tabBar().setAccessibleName("Client record sections")
        self.tabs.addTab(self.history, "&History")
        self.tabs.addTab(scroll, "&Details")

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addWidget(self.name_label)
        right_layout.addWidget(self.flag_label)
        right_layout.addWidget(self.message)
        right_layout.addWidget(self.tabs, 1)
        self.record_panel = right

        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(splitter)
        self._set_record_enabled(False)
        runner.data_changed.connect(self._on_data_changed)

    def _run(self, fn: Any, **callbacks: Any) -> None:
        """Submit database work; after the runner has shut down (the app is closing) a
        late timer or refresh is simply dropped."""
        with contextlib.suppress(RuntimeError):
            self.runner.run_db(fn, **callbacks)

    # -- searching ------------------------------------------------------------------------
    def run_search(self) -> None:
        self._timer.stop()
        text = self.search_box.text()
        self._search_generation += 1
        generation, ws = self._search_generation, self.ws
        if len(text.strip()) < 2:
            self.model.set_rows(())
            self.search_status.setText("Type at least two letters.")
            return
        self.search_status.setText("Searching...")
        self._run(lambda _s: search(ws, text),
                           on_done=lambda rows: self._show_matches(generation, rows),
                           on_error=lambda e: self._search_failed(generation, e), owner=self)

    def _show_matches(self, generation: int, rows: Any) -> None:
        if generation != self._search_generation:
            return  # typed on since: a newer search is coming
        self.model.set_rows(rows)
        n = len(rows)
        self.search_status.setText(
            "No one matches; check the spelling or try the date of birth." if not n
            else f"{n} match{'es' if n != 1 else ''}. Press Enter or Down then Enter to open.")
        if n:
            self.table.selectRow(0)
        self.searches += 1

    def _search_failed(self, generation: int, sentence: str) -> None:
        if generation == self._search_generation:
            self.search_status.setText(f"Search failed. {sentence}")

    # -- opening --------------------------------------------------------------------------
    def open_current(self) -> None:
        row = self.table.currentIndex().row()
        if 0 <= row < self.model.rowCount():
            self.open_row(row)

    def open_row(self, row: int) -> None:
        self.open_client_id(self.model.row_at(row).match.id)

    def open_client_id(self, client_id: str) -> None:
        """Open a record: one get_client call, so one "view:client" audit event."""
        self._open_generation += 1
        generation, ws = self._open_generation, self.ws
        self.name_label.setText("Opening...")
        self._run(lambda _s: open_client(ws, client_id),
                           on_done=lambda v: self._show_client(generation, v),
                           on_error=lambda e: self._say(f"Could not open the record. {e}", True),
                           owner=self)

    def _show_client(self, generation: int, view: ClientView) -> None:
        if generation != self._open_generation:
            return
        self.view = view
        self._show_detail(view.detail)
        self._fill_form()
        self.history.setHtml(history_html(view.detail, view.history))
        self.message.setVisible(False)
        self._set_record_enabled(True)
        self.opens += 1

    def _show_detail(self, detail: ClientDetail) -> None:
        born = f", born {detail.date_of_birth:%d/%m/%Y}" if detail.date_of_birth else ""
        self.name_label.setText(detail.display_name + born)
        flags = communication_flags(detail.preferred_format, detail.interpreter,
                                    detail.language)
        self.flag_label.setText("Communication needs: " + "; ".join(flags))
        self.flag_label.setAccessibleName(self.flag_label.text())
        self.flag_label.setVisible(bool(flags))

    def refresh_history(self) -> None:
        """Reload the history only (no audit event)."""
        if self.view is None:
            return
        ws, client_id = self.ws, self.view.detail.id
        self._run(lambda _s: client_history(ws, client_id),
                           on_done=self._show_history, owner=self)

    def _show_history(self, history: ClientHistory) -> None:
        if self.view is None or history.client_id != self.view.detail.id:
            return
        self.view = dataclasses.replace(self.view, history=history)
        self.history.setHtml(history_html(self.view.detail, history))
        self.history_loads += 1

    def _on_data_changed(self, what: str) -> None:
        if what in ("clients", "enquiries", "referrals", "consents", "documents", "all"):
            self.refresh_history()
            if self.search_box.text().strip():
                self._timer.start()

    # -- editing --------------------------------------------------------------------------
    def _set_record_enabled(self, enabled: bool) -> None:
        self.tabs.setEnabled(enabled)

    def _fill_form(self) -> None:
        if self.view is None:
            return
        detail = self.view.detail
        for name, widget in self.fields.items():
            value = getattr(detail, name)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
            elif name == "date_of_birth":
                widget.setText(f"{value:%d/%m/%Y}" if value else "")
            else:
                widget.setText(value or "")
        self._show_errors({})

    def form_values(self) -> tuple[dict[str, Any], dict[str, str]]:
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                values[name] = widget.currentData()
            elif name == "date_of_birth":
                try:
                    values[name] = parse_date(widget.text())
                except Exception as exc:  # InvalidInput: a plain sentence
                    errors[name] = str(exc)
            else:
                text = widget.text().strip()
                values[name] = text if name in ("given_name", "family_name") else (text or None)
        return values, errors

    def _show_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            text = errors.get(name, "")
            label.setText(f"Error: {text}" if text else "")
            label.setVisible(bool(text))
            self.fields[name].setAccessibleDescription(text)
        general = errors.get("", "")
        self.form_error.setText(f"Not saved: {general}" if general else "")
        self.form_error.setVisible(bool(general))
        first = next((n for n in EDITABLE if n in errors), None)
        if first is not None:
            self.tabs.setCurrentIndex(1)
            self.fields[first].setFocus()

    def save(self) -> None:
        if self.view is None or self._saving:
            return
        detail = self.view.detail
        values, errors = self.form_values()
        if errors:
            self._show_errors(errors)
            self._say("Nothing was saved: correct the field marked Error.", True)
            return
        tidy, errors = check_edit(detail, values)
        if tidy is None:
            self._show_errors(errors)
            self._say("Nothing was saved: correct the field marked Error.", True)
            return
        changes = changes_from(detail, tidy)
        if not changes:
            self._show_errors({})
            self._say("No changes to save.", False)
            return
        self._saving = True
        self.save_button.setEnabled(False)
        ws = self.ws
        self._run(lambda _s: update_client(ws, detail.id, **changes),
                           on_done=lambda _r: self._saved(detail, changes),
                           on_error=self._save_failed, owner=self)

    def _saved(self, before: ClientDetail, changes: dict[str, Any]) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.saves += 1
        if self.view is not None and self.view.detail.id == before.id:
            detail = dataclasses.replace(self.view.detail, **changes)
            self.view = dataclasses.replace(self.view, detail=detail)
            self._show_detail(detail)
            self._fill_form()
        self._say("Saved.", False)
        self.runner.notify_changed("clients")

    def _save_failed(self, sentence: str) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self._show_errors({"": sentence})
        self._say("Nothing was saved.", True)

    def _say(self, text: str, error: bool) -> None:
        self.message.setObjectName("errorMessage" if error else "")
        self.message.setStyleSheet("")
        self.message.setText(text)
        self.message.setVisible(True)
