"""The directory search panel: search as you type, filters, results with fit in words, a
details pane, and (beside an enquiry) one keystroke to signpost or refer.

Searching: a keystroke starts a search at once when none is running; keystrokes that arrive
while one runs are coalesced into a single follow-up search for the latest text (so fast
typing never queues a search per key) and a result for text that has since changed is
dropped, never shown. This keeps keystroke-to-results close to the query time itself, where a
fixed debounce would add its whole delay to every search. All queries go through
``runner.run_db``; the GUI thread only builds filters and fills the list."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from csn_desk.directory.details import ServiceDetails, service_details
from csn_desk.directory.search import SearchFilters, ServiceHit, search_services
from csn_desk.errors import InvalidInput
from csn_desk.postcodes import district
from csn_desk.referrals import ReferralDraft
from csn_desk.ui import settings
from csn_desk.ui.tasks import Task, TaskRunner
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

RESULT_LIMIT = 30  # about three screens of results; more words narrow them
FOLLOW_UP_DAYS_KEY = "enquiry/follow_up_days"
DEFAULT_FOLLOW_UP_DAYS = 14
DEFAULT_KIND = "signposted"
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def compact(combo: QComboBox, chars: int = 12) -> QComboBox:
    """A combo box that does not demand the width of its longest item (long category
    names would otherwise push the panel wider than the window at 200% text)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    return combo


def follow_up_days() -> int:
    """Days from today to the default follow-up date (a per-computer setting, 1-365)."""
    value = settings.store().value(FOLLOW_UP_DAYS_KEY, DEFAULT_FOLLOW_UP_DAYS)
    try:
        return max(1, min(365, int(value)))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return DEFAULT_FOLLOW_UP_DAYS


@dataclass(frozen=True)
class ChosenReferral:
    """What the panel hands to the enquiry: the draft to save and how to describe it."""

    draft: ReferralDraft
    service_name: str
    organisation: str

    def describe(self) -> str:
        kind = vocab("referral_kinds").label(self.draft.kind)
        org = f" ({self.organisation})" if self.organisation else ""
        due = self.draft.follow_up_due
        follow = f"; follow up {due.day} {due:%B %Y}" if due else "; no follow-up"
        return f"{kind}: {self.service_name}{org}{follow}"


def hit_text(hit: ServiceHit) -> str:
    """A result as words: name, organisation, then each fit fact (never colour alone)."""
    head = hit.name + (f" - {hit.organisation}" if hit.organisation else "")
    return head + "\n" + "; ".join(hit.facts)


def details_html(d: ServiceDetails) -> str:
    parts = [f"<h3>{html.escape(d.name)}</h3>"]
    for heading, lines in d.sections:
        if not lines:
            continue
        parts.append(f"<p><b>{html.escape(heading)}</b><br>"
                     + "<br>".join(html.escape(line) for line in lines) + "</p>")
    return "".join(parts)


class DirectoryPanel(QWidget):
    """Set ``with_actions=False`` for the stand-alone Directory page (no enquiry to add to)."""

    referral_chosen = Signal(object)  # ChosenReferral
    results_shown = Signal(str)  # the query text whose results are now on screen

    def __init__(self, ws: Workspace, runner: TaskRunner, *, with_actions: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner, self.with_actions = ws, runner, with_actions
        self.hits: list[ServiceHit] = []
        self.shown_query: str | None = None
        self.searches = 0  # completed searches, for tests and the benchmark
        self._generation = 0
        self._task: Task | None = None
        self._pending = False
        self._details_for: str | None = None

        self.search = QLineEdit()
        self.search.setAccessibleName("Search the directory")
        self.search.setPlaceholderText("Type a need, service or organisation")
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)
        search_label = QLabel("&Search the directory")
        search_label.setObjectName("subheading")
        search_label.setBuddy(self.search)

        self.category = QComboBox()
        self.category.setAccessibleName("Category filter")
        self.category.addItem("Any category", None)
        for term in vocab("needs").terms:
            self.category.addItem(term.label, term.code)
        self.area = QLineEdit()
        self.area.setAccessibleName("Area filter: postcode district")
        self.area.setPlaceholderText("e.g. DL1")
        self.age = QComboBox()
        self.age.setAccessibleName("Age filter")
        self.age.addItem("Any age", None)
        for term in vocab("age_bands").terms:
            if term.code != "unknown":
                self.age.addItem(term.label, term.code)
        self.open_on = QComboBox()
        self.open_on.setAccessibleName("Open on a day filter")
        self._fill_days()
        self.free_only = QCheckBox("&Free only")
        self.free_only.setAccessibleName("Free services only")
        self.drop_in = QCheckBox("Drop-in on&ly")
        self.drop_in.setAccessibleName("Drop-in services only")

        filters = QGridLayout()
        filters.setHorizontalSpacing(8)
        for row, (text, widget) in enumerate((("Categor&y", self.category),
                                              ("&Area", self.area),
                                              ("Age fi&t", self.age),
                                              ("&Open on", self.open_on))):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label, row // 2, (row % 2) * 2)
            filters.addWidget(widget, row // 2, (row % 2) * 2 + 1)
        for combo in (self.category, self.age, self.open_on):
            compact(combo)
        filters.addWidget(self.free_only, 2, 1)
        filters.addWidget(self.drop_in, 2, 3)
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 1)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.results = QListWidget()
        self.results.setAccessibleName("Directory results")
        self.results.setWordWrap(True)
        self.results.setAlternatingRowColors(True)
        self.results.installEventFilter(self)
        self.results.currentRowChanged.connect(self._on_current)
        self.results.itemDoubleClicked.connect(lambda _item: self.choose())
        self.details = QTextBrowser()
        self.details.setAccessibleName("Service details")
        self.details.setOpenLinks(False)
        self.details.setPlaceholderText("Choose a result to see how to get there.")
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.results)
        split.addWidget(self.details)
        split.setSizes([300, 200])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(search_label)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        if with_actions:
            layout.addLayout(self._build_actions())

        self.search.textChanged.connect(self.request_search)
        self.area.textChanged.connect(self.request_search)
        for combo in (self.category, self.age, self.open_on):
            combo.currentIndexChanged.connect(self.request_search)
        for box in (self.free_only, self.drop_in):
            box.toggled.connect(self.request_search)
        self.request_search()

    # -- building -------------------------------------------------------------------------
    def _fill_days(self) -> None:
        today = date.today()
        self.open_on.addItem("Any day", None)
        for offset in range(7):
            day = today + timedelta(days=offset)
            name = "Today" if offset == 0 else "Tomorrow" if offset == 1 else f"{day:%A}"
            self.open_on.addItem(f"{name} {day.day} {day:%b}", day)

    def _build_actions(self) -> QGridLayout:
        self.kind = QComboBox()
        self.kind.setAccessibleName("What we did")
        for term in vocab("referral_kinds").terms:
            self.kind.addItem(term.label, term.code)
        self.kind.setCurrentIndex(max(0, self.kind.findData(DEFAULT_KIND)))
        compact(self.kind)
        self.consent = QCheckBox("Person a&greed to share their details")
        self.consent.setAccessibleName("Consent to share details with the service")
        self.follow_up = QDateEdit()
        self.follow_up.setAccessibleName("Follow-up date")
        self.follow_up.setCalendarPopup(True)
        self.follow_up.setDisplayFormat("d MMM yyyy")
        self.reset_follow_up()
        self.add_button = QPushButton("Add to en&quiry")
        self.add_button.setAccessibleName("Add the chosen service to the enquiry")
        self.add_button.setToolTip("Enter in the results list, or Alt+1 to Alt+4 for a kind")
        self.add_button.clicked.connect(self.choose)
        self.action_error = QLabel("")
        self.action_error.setObjectName("errorMessage")
        self.action_error.setWordWrap(True)
        self.action_error.hide()
        for number, term in enumerate(vocab("referral_kinds").terms, start=1):
            QShortcut(QKeySequence(f"Alt+{number}"), self,
                      lambda code=term.code: self.choose(code),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        kind_label = QLabel("W&hat we did")
        kind_label.setBuddy(self.kind)
        date_label = QLabel("Follow &up on")
        date_label.setBuddy(self.follow_up)
        grid = QGridLayout()
        grid.addWidget(kind_label, 0, 0)
        grid.addWidget(self.kind, 0, 1)
        grid.addWidget(date_label, 0, 2)
        grid.addWidget(self.follow_up, 0, 3)
        grid.addWidget(self.consent, 1, 0, 1, 3)
        grid.addWidget(self.add_button, 1, 3)
        grid.addWidget(self.action_error, 2, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        return grid

    def reset_follow_up(self) -> None:
        due = date.today() + timedelta(days=follow_up_days())
        self.follow_up.setDate(QDate(due.year, due.month, due.day))

    # -- the person at the counter --------------------------------------------------------
    def set_person(self, age_band: str | None, postcode: str | None) -> None:
        """Prefill the age and area filters from the enquiry (both may be changed)."""
        index = self.age.findData(age_band) if age_band and age_band != "unknown" else 0
        self.age.setCurrentIndex(max(0, index))
        try:
            area = district(postcode) if postcode and postcode.strip() else ""
        except InvalidInput:
            return  # half-typed: leave the area filter alone until it is a postcode
        self.area.setText(area)

    # -- searching ------------------------------------------------------------------------
    def filters(self) -> SearchFilters:
        area = self.area.text().strip()
        try:
            area_code = district(area) if area else None
        except InvalidInput:
            area_code = None
        return SearchFilters(category=self.category.currentData(),
                             free_only=self.free_only.isChecked(),
                             attending_access="drop-in" if self.drop_in.isChecked() else None,
                             open_on=self.open_on.currentData(),
                             age_band=self.age.currentData(), area=area_code)

    def request_search(self, *_args: Any) -> None:
        self._generation += 1
        if self._task is not None:
            self._pending = True
            return
        self._start()

    def _start(self) -> None:
        self._pending = False
        generation, query, filters = self._generation, self.search.text(), self.filters()
        ws = self.ws
        self._task = self.runner.run_db(
            lambda _s: search_services(ws, query, filters, RESULT_LIMIT),
            on_done=lambda hits: self._finished(generation, query, hits),
            on_error=lambda sentence: self._failed(generation, sentence), owner=self)

    def _finished(self, generation: int, query: str, hits: list[ServiceHit]) -> None:
        self._task = None
        self.searches += 1
        if generation == self._generation:
            self._show(query, hits)
        if self._pending or generation != self._generation:
            self._start()

    def _failed(self, generation: int, sentence: str) -> None:
        self._task = None
        if generation == self._generation:
            self.status.setText(f"Search failed. {sentence}")
        if self._pending:
            self._start()

    def _show(self, query: str, hits: list[ServiceHit]) -> None:
        self.hits = hits
        self.results.setUpdatesEnabled(False)
        self.results.clear()
        for hit in hits:
            item = QListWidgetItem(hit_text(hit))
            item.setToolTip(hit.summary or hit.name)
            self.results.addItem(item)
        self.results.setUpdatesEnabled(True)
        more = " (the best matches; type more to narrow)" if len(hits) >= RESULT_LIMIT else ""
        self.status.setText(f"{len(hits)} service{'s' if len(hits) != 1 else ''} found{more}."
                            if hits else "No services match. Try fewer words or filters.")
        self.shown_query = query
        self.results_shown.emit(query)

    # -- details --------------------------------------------------------------------------
    def current_hit(self) -> ServiceHit | None:
        row = self.results.currentRow()
        return self.hits[row] if 0 <= row < len(self.hits) else None

    def _on_current(self, row: int) -> None:
        hit = self.hits[row] if 0 <= row < len(self.hits) else None
        if hit is None:
            self.details.clear()
            return
        self._details_for = hit.id
        ws, sid = self.ws, hit.id
        self.runner.run_db(lambda _s: service_details(ws, sid),
                           on_done=self._show_details, on_error=self.details.setPlainText,
                           owner=self)

    def _show_details(self, d: ServiceDetails) -> None:
        if d.id == self._details_for:
            self.details.setHtml(details_html(d))

    # -- choosing -------------------------------------------------------------------------
    def choose(self, kind: str | None = None) -> ChosenReferral | None:
        """Add the selected service to the enquiry with ``kind`` (or the chosen kind)."""
        if not self.with_actions:
            return None
        hit = self.current_hit()
        if hit is None:
            self._action_problem("Choose a service in the results list first.", self.results)
            return None
        if kind is not None:
            self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        code = self.kind.currentData()
        if code == "referred" and not self.consent.isChecked():
            self._action_problem(
                "Consent to share: ask the person if we may pass their details to the "
                "service, then tick 'Person agreed to share their details' (or choose "
                "Signposted).", self.consent)
            return None
        qdate = self.follow_up.date()
        due = None if code == "information" else date(qdate.year(), qdate.month(), qdate.day())
        chosen = ChosenReferral(ReferralDraft(kind=code, service_id=hit.id,
                                              consent_to_share=self.consent.isChecked(),
                                              follow_up_due=due),
                                hit.name, hit.organisation)
        self.action_error.hide()
        self.referral_chosen.emit(chosen)
        return chosen

    def _action_problem(self, sentence: str, focus: QWidget) -> None:
        self.action_error.setText(sentence)
        self.action_error.show()
        focus.setFocus()

    def reset(self) -> None:
        """After an enquiry is saved: clear the search and the per-person choices."""
        self.search.clear()
        if self.with_actions:
            self.consent.setChecked(False)
            self.kind.setCurrentIndex(max(0, self.kind.findData(DEFAULT_KIND)))
            self.reset_follow_up()
            self.action_error.hide()

    # -- keys -----------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                          Qt.KeyboardModifier.KeypadModifier)
            if watched is self.search and plain and (key == Qt.Key.Key_Down
                                                     or key in ENTER_KEYS):
                if self.hits:
                    self.results.setFocus()
                    if self.results.currentRow() < 0:
                        self.results.setCurrentRow(0)
                return True
            if watched is self.results and plain and key in ENTER_KEYS:
                self.choose()
                return True
        return super().eventFilter(watched, event)


class DirectoryPage(QWidget):
    """The Directory nav page: the same panel, for looking things up without an enquiry,
    with the upkeep buttons (the review list; editing, import and export for coordinators
    and administrators) above it."""

    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Imported here: the dialogs import this module's HTML helpers.
        from csn_desk.ui.directory.tools import DirectoryTools

        heading = QLabel("Directory")
        heading.setObjectName("heading")
        self.panel = DirectoryPanel(ws, runner, with_actions=False)
        self.tools = DirectoryTools(ws, runner, self.panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        layout.addLayout(top)
        layout.addWidget(self.tools)
        layout.addWidget(self.panel, 1)
