"""The Clients page: find a client as you type, open them (details, communication flag,
history, consents) and edit their details, health and carer details with their lawful basis
and Article 9 condition included.

Searching runs on the database thread after a short pause in typing; each search carries a
number and older results are dropped. Opening a client calls ``get_client`` once (it writes
the "view:client" audit event); refreshes after that reload only the history, which is not
audited, so repaints and other pages' changes never add view events."""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
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
from csn_desk.ui.clients.consents_panel import ConsentsPanel
from csn_desk.ui.clients.data import (
    ClientView,
    changes_from,
    check_edit,
    open_client,
    renewal_prompts,
    search,
)
from csn_desk.ui.clients.details_form import DetailsForm
from csn_desk.ui.clients.history_view import history_html
from csn_desk.ui.clients.model import ClientTableModel
from csn_desk.ui.clients.rights_panel import RightsPanel
from csn_desk.ui.messages import show_message
from csn_desk.ui.rows_model import rows_table
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

SEARCH_PAUSE_MS = 150
FLAG_STYLE = ("QLabel#commFlag, QLabel#consentPrompt { border: 2px solid #3d2e00; "
              "background: #fff3b0; color: #3d2e00; font-weight: bold; padding: 6px; }")
ERROR_STYLE = ("QLabel#fieldError { color: #7a1010; font-weight: bold; } "
               "QLabel#consentPurpose { font-weight: bold; }")
DETAILS_TAB = 1
# Side by side needs about this many average characters for each part; narrower, the page
# becomes one column (the find list above the record) that scrolls up and down.
FIND_CHARS, RECORD_CHARS = 30, 48
QWIDGETSIZE_MAX = (1 << 24) - 1


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
        left.setAccessibleName("Find a client")
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
        self.consent_prompt = QLabel("")
        self.consent_prompt.setObjectName("consentPrompt")
        self.consent_prompt.setWordWrap(True)
        self.consent_prompt.setVisible(False)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.rights = RightsPanel(ws, runner)  # restricted/erased banner and rights actions
        self.rights.changed.connect(self._rights_changed)

        self.details = DetailsForm()
        self.fields, self.errors = self.details.fields, self.details.errors
        self.save_button, self.revert_button = (self.details.save_button,
                                                self.details.revert_button)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self._fill_form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.details)
        scroll.setAccessibleName("Client details")
        self.details_scroll = scroll

        self.history = QTextBrowser()
        self.history.setAccessibleName("Client history")
        self.history.setOpenLinks(False)
        # "Print slip" / "Follow-up letter" links open the document previews (Tab to a
        # link, Enter to follow it).
        self.history.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.history.anchorClicked.connect(self.open_document)
        self.consents = ConsentsPanel(ws, runner)
        self.consents.recorded.connect(lambda _s: self.runner.notify_changed("consents"))
        consents_scroll = QScrollArea()
        consents_scroll.setWidgetResizable(True)
        consents_scroll.setWidget(self.consents)
        consents_scroll.setAccessibleName("Consents")
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Client record")
        self.tabs.tabBar().setAccessibleName("Client record sections")
        self.tabs.addTab(self.history, "&History")
        self.tabs.addTab(scroll, "&Details")
        self.tabs.addTab(consents_scroll, "Co&nsents")

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addWidget(self.name_label)
        right_layout.addWidget(self.flag_label)
        right_layout.addWidget(self.consent_prompt)
        right_layout.addWidget(self.rights)
        right_layout.addWidget(self.message)
        right_layout.addWidget(self.tabs, 1)
        self.record_panel = right

        self.find_panel = left
        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setMinimumWidth(1)  # the real minimum is checked in _arrange
        self.split = splitter
        self.column_scroll = QScrollArea()
        self.column_scroll.setAccessibleName("Find a client and the client record")
        self.column_scroll.setWidgetResizable(True)
        self.column_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.column_body = QWidget()
        self.column_layout = QVBoxLayout(self.column_body)
        self.column_layout.setContentsMargins(0, 0, 0, 0)
        self.column_layout.setSpacing(16)
        self.column_scroll.setWidget(self.column_body)
        self.column_scroll.viewport().installEventFilter(self)
        self.column_scroll.hide()
        self.one_column = False
        self._arranging = False
        # The part of the record last brought to the top of the column (the record on opening,
        # the tabs on going into them): it stays there while a late load or layout moves it,
        # until the user scrolls or moves elsewhere.
        self._pinned: QWidget | None = None
        bar = self.column_scroll.verticalScrollBar()
        bar.rangeChanged.connect(self._keep_pinned)
        bar.actionTriggered.connect(self._unpin)
        bar.sliderPressed.connect(self._unpin)
        self.record_panel.installEventFilter(self)
        self.tabs.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(splitter)
        layout.addWidget(self.column_scroll)
        self.page_layout = layout
        self._set_record_enabled(False)
        runner.data_changed.connect(self._on_data_changed)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    # -- arrangement ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self._arrange()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._arrange()

    def event(self, event: QEvent) -> bool:
        """A child's size hint changed (text size): arrange again."""
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self._arrange()
        return handled

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.column_scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_column()
        elif watched in (self.record_panel, self.tabs) and event.type() == QEvent.Type.Move:
            self._keep_pinned()
        return super().eventFilter(watched, event)

    def side_by_side_width(self) -> int:
        chars = self.fontMetrics().averageCharWidth()
        margins = self.page_layout.contentsMargins()
        return (max(self.find_panel.minimumSizeHint().width(), chars * FIND_CHARS)
                + max(self.record_panel.minimumSizeHint().width(), chars * RECORD_CHARS)
                + self.split.handleWidth() + margins.left() + margins.right())

    def _arrange(self) -> None:
        """Find list beside the record if both fit at this text size, else one column:
        the find list, then the record below it, the record's tabs one view high."""
        if not self.isVisible() or self._arranging:
            return
        one_column = self.width() < self.side_by_side_width()
        if one_column != self.one_column:
            self._arranging = True
            focus = QApplication.focusWidget()
            try:
                if one_column:
                    self.column_layout.addWidget(self.find_panel)
                    self.column_layout.addWidget(self.record_panel)
                    self.split.hide()
                    self.column_scroll.show()
                else:
                    self.column_layout.removeWidget(self.find_panel)
                    self.column_layout.removeWidget(self.record_panel)
                    self.split.addWidget(self.find_panel)
                    self.split.addWidget(self.record_panel)
                    self.column_scroll.hide()
                    self.split.show()
                self.find_panel.show()
                self.record_panel.show()
                self.one_column = one_column
            finally:
                self._arranging = False
            if focus is not None and self.isAncestorOf(focus):
                focus.setFocus()
        self._fit_column()

    def _fit_column(self) -> None:
        """In one column: the find list shows about six matches, and the record's tabs are
        one view high, so scrolled to they show a whole section."""
        if self.one_column:
            rows = self.table.verticalHeader().defaultSectionSize() * 6
            table = (rows + self.table.horizontalHeader().sizeHint().height()
                     + 2 * self.table.frameWidth())
            tabs = max(self.column_scroll.viewport().height(),
                       self.tabs.minimumSizeHint().height())
        else:
            table, tabs = 0, 0
        for widget, low in ((self.table, table), (self.tabs, tabs)):
            high = low or QWIDGETSIZE_MAX
            if (widget.minimumHeight(), widget.maximumHeight()) != (low, high):
                widget.setMinimumHeight(low)
                widget.setMaximumHeight(high)

    def open_document(self, url: QUrl) -> None:
        """A document link in the history: the slip for an enquiry, or a letter."""
        from csn_desk.ui.documents.open import (
            preview_followup_letter,
            preview_referral_letter,
            preview_slip,
        )

        kind, _, ident = url.toString().partition(":")
        openers = {"slip": preview_slip, "letter": preview_followup_letter,
                   "referral-letter": preview_referral_letter}
        if kind in openers and ident:
            self.preview = openers[kind](self, self.runner, self.ws, ident)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """In one column, keep the focused control in sight; going into the record's tabs
        brings the whole tab section into view (the tabs are one view high, and the scroll
        inside each tab keeps its own focus in sight; if they cannot be made that small,
        the focused control is followed instead)."""
        if not self.one_column or new is None or not self.column_body.isAncestorOf(new):
            return
        if self.tabs.isAncestorOf(new) and (self.tabs.height()
                                            <= self.column_scroll.viewport().height()):
            self._pin(self.tabs)
        else:  # (tabs taller than the view, at a very large text size: follow the focus)
            self._unpin()
            self.column_scroll.ensureWidgetVisible(new, 16, 16)

    def show_record_top(self) -> None:
        """In one column, bring the opened client's name and flags into view."""
        if self.one_column:
            self._pin(self.record_panel)

    def _pin(self, widget: QWidget) -> None:
        self._pinned = widget
        self._keep_pinned()

    def _unpin(self, *_args: object) -> None:
        self._pinned = None

    def _keep_pinned(self, *_args: object) -> None:
        """Scroll the pinned part's top to the top of the view (as far as the view goes)."""
        if self._pinned is None or not self.one_column:
            return
        top = self._pinned.mapTo(self.column_body, self._pinned.rect().topLeft()).y()
        self.column_scroll.verticalScrollBar().setValue(top)

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
        self._show_consents(view.history)
        self.rights.show_detail(view.detail)
        self.message.setVisible(False)
        self._set_record_enabled(True)
        self.show_record_top()
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
        self._show_consents(history)
        self.history_loads += 1

    def _show_consents(self, history: ClientHistory) -> None:
        """The Consents tab, and a prompt above the record while any needs asking again."""
        self.consents.show_consents(history.client_id, history.consents)
        prompts = renewal_prompts(history.consents)
        text = ("Ask again about consent: " + "; ".join(prompts)
                + ". Record the answer on the Consents tab.") if prompts else ""
        self.consent_prompt.setText(text)
        self.consent_prompt.setAccessibleName(text)
        self.consent_prompt.setVisible(bool(prompts))

    def _rights_changed(self, what: str) -> None:
        """Restricted, lifted or erased from the rights panel: show the record as it is now
        (erased: nothing is left to show)."""
        if self.view is None:
            return
        if what == "erased":
            blank: dict[str, Any] = {f.name: None for f in dataclasses.fields(ClientDetail)
                                     if f.name in self.fields}
            blank |= {"given_name": "", "family_name": ""}
            self.details.fill(dataclasses.replace(self.view.detail, **blank))
            self.view = None
            self.name_label.setText("Record erased")
            self.flag_label.setVisible(False)
            self.consent_prompt.setVisible(False)
            self.history.clear()
            self._set_record_enabled(False)
            self.runner.notify_changed("clients")
        elif self.rights.detail is not None:
            self.view = dataclasses.replace(self.view, detail=self.rights.detail)
            self.runner.notify_changed("clients")

    def _on_data_changed(self, what: str) -> None:
        if what in ("clients", "enquiries", "referrals", "consents", "documents", "all"):
            self.refresh_history()
            if self.search_box.text().strip():
                self._timer.start()

    # -- editing --------------------------------------------------------------------------
    def _set_record_enabled(self, enabled: bool) -> None:
        self.tabs.setEnabled(enabled)

    def _fill_form(self) -> None:
        if self.view is not None:
            self.details.fill(self.view.detail)

    def form_values(self) -> tuple[dict[str, Any], dict[str, str]]:
        return self.details.values()

    def _show_errors(self, errors: dict[str, str]) -> None:
        first = self.details.show_errors(errors)
        if first is not None:
            self.tabs.setCurrentIndex(DETAILS_TAB)
            self.fields[first].setFocus()
            error = self.errors[first]
            # After the layout has made room for the message: field and message in view.
            QTimer.singleShot(0, self, lambda: self._reveal(error))

    def _reveal(self, error: QLabel) -> None:
        cell = error.parentWidget()
        if cell is not None and error.isVisible():
            self.details_scroll.ensureWidgetVisible(cell, 16, 16)

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
        show_message(self.message, text, error=error)
        self.message.setVisible(True)
