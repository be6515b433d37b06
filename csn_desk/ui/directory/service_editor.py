"""Adding or editing a service (coordinators and administrators): details, who it is for,
where, when, costs, and its alert, on tabs. Saving checks the entry by the same rules as an
import; a new entry that looks like one already in the directory is shown before it is
saved. All database work runs on the task runner's database thread."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from csn_desk.directory.duplicates import PossibleDuplicate, possible_duplicates_of_service
from csn_desk.directory.inputs import (
    ATTENDING_ACCESS,
    ATTENDING_TYPES,
    DELIVERABLE_TYPES,
    STATUSES,
    ClosureInput,
    CostInput,
    LocationInput,
    ScheduleInput,
    ServiceInput,
    TermInput,
)
from csn_desk.directory.records import OrganisationChoice
from csn_desk.directory.upsert import save_service
from csn_desk.errors import InvalidInput
from csn_desk.postcodes import district
from csn_desk.ui.directory.common import (
    CellProblem,
    ListEditor,
    parse_amount,
    parse_date,
    parse_time,
    row_problem,
    show_date,
    show_time,
)
from csn_desk.ui.messages import MessageLine
from csn_desk.ui.tasks import TaskRunner
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

DAYS = [(str(i), name) for i, name in enumerate(
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), start=1)]
NO_LIMIT = -1


def _combo(name: str, values: tuple[str, ...], blank: str | None = "Not recorded") -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    if blank is not None:
        combo.addItem(blank, None)
    for v in values:
        combo.addItem(v[:1].upper() + v[1:], v)
    return combo


def _age(name: str) -> QSpinBox:
    box = QSpinBox()
    box.setAccessibleName(name)
    box.setRange(NO_LIMIT, 120)
    box.setSpecialValueText("No limit")
    box.setValue(NO_LIMIT)
    return box


def _text(name: str, lines: int = 3) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setAccessibleName(name)
    box.setTabChangesFocus(True)
    box.setMaximumHeight(lines * 28 + 16)
    return box


def _page(*rows: tuple[str, QWidget] | QWidget) -> QScrollArea:
    body = QWidget()
    column = QVBoxLayout(body)
    form = QFormLayout()
    column.addLayout(form)
    column.addStretch(1)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    for row in rows:
        if isinstance(row, tuple):
            label = QLabel(row[0])
            label.setBuddy(row[1])
            label.setWordWrap(True)
            form.addRow(label, row[1])
        else:
            form.addRow(row)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(body)
    return scroll


def _scroll(body: QWidget) -> QScrollArea:
    """A tab that scrolls down, rather than squashing its tables, at large text."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(body)
    return scroll


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _opt(text: str) -> str | None:
    return text.strip() or None


class ServiceEditor(QDialog):
    saved = Signal(str)  # the service id

    def __init__(self, ws: Workspace, runner: TaskRunner, organisations: list[OrganisationChoice],
                 service: ServiceInput | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.original = service
        self.duplicates_seen: list[PossibleDuplicate] | None = None
        self.setWindowTitle("Edit service" if service else "Add a service")
        self.setMinimumSize(560, 420)
        self._build(organisations)
        if service is not None:
            self._fill(service)

    # -- building -------------------------------------------------------------------------
    def _build(self, organisations: list[OrganisationChoice]) -> None:
        self.name = QLineEdit()
        self.name.setAccessibleName("Service name")
        self.organisation = QComboBox()
        self.organisation.setAccessibleName("Organisation that runs it")
        for o in organisations:
            self.organisation.addItem(o.name, o.id)
        self.status = _combo("Status", STATUSES, blank=None)
        self.description = _text("Description", 5)
        self.phone, self.email, self.url = QLineEdit(), QLineEdit(), QLineEdit()
        for box, name in ((self.phone, "Phone"), (self.email, "Email"),
                          (self.url, "Web address")):
            box.setAccessibleName(name)
        self.application = _text("How to get it", 2)
        self.fees = QLineEdit()
        self.fees.setAccessibleName("Fees, in words")
        self.deliverable = _combo("What it gives", DELIVERABLE_TYPES)
        self.attending = _combo("How people attend", ATTENDING_TYPES)
        self.access = _combo("Access", ATTENDING_ACCESS)
        details = _page(("&Name", self.name), ("&Organisation", self.organisation),
                        ("Stat&us", self.status), ("&Description", self.description),
                        ("&Phone", self.phone), ("&Email", self.email),
                        ("&Web address", self.url), ("How to &get it", self.application),
                        ("&Fees (in words)", self.fees), ("What it gi&ves", self.deliverable),
                        ("How people a&ttend", self.attending), ("&Access", self.access))

        self.min_age, self.max_age = _age("Minimum age"), _age("Maximum age")
        self.eligibility = _text("Who it is for", 2)
        self.what_to_take = _text("What to take", 2)
        self.categories = QListWidget()
        self.categories.setAccessibleName("Need categories")
        for term in vocab("needs").terms:
            item = QListWidgetItem(term.label)
            item.setData(Qt.ItemDataRole.UserRole, term.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.categories.addItem(item)
        self.categories.setMinimumHeight(160)
        self.terms = ListEditor("Other categories", ("List", "Code", "Name"))
        self.districts = QLineEdit()
        self.districts.setAccessibleName("Postcode districts served, separated by commas")
        self.districts.setPlaceholderText("e.g. DL1, DL3 (blank: any area)")
        self.area_notes = _text("Other areas served, one per line", 2)
        who = _page(("Minimum a&ge", self.min_age), ("Ma&ximum age", self.max_age),
                    ("&Who it is for", self.eligibility), ("What to ta&ke", self.what_to_take),
                    ("&Categories", self.categories), ("Other categories", self.terms),
                    ("Postcode &districts served", self.districts),
                    ("Other areas &served", self.area_notes))

        self.places = ListEditor("Places", ("Name", "Address line 1", "Address line 2", "Town",
                                            "Postcode", "Access notes"))
        where = QWidget()
        where_layout = QVBoxLayout(where)
        where_layout.addWidget(_note("Where people go for it. Leave this empty for a service "
                                     "by phone, online or at home."))
        where_layout.addWidget(self.places, 1)

        self.schedules = ListEditor("Opening times", ("Day", "Opens", "Closes", "From",
                                                      "To", "Note"), {0: DAYS})
        self.closures = ListEditor("Holiday closures", ("First day", "Last day", "Closed?",
                                                        "Opens", "Closes", "Note"),
                                   {2: [("yes", "Closed"), ("no", "Open specially")]})
        when = QWidget()
        when_layout = QVBoxLayout(when)
        when_layout.addWidget(_note("Opening times: write times like 09:30 and dates like "
                                    "24/12/2026."))
        when_layout.addWidget(self.schedules, 1)
        when_layout.addWidget(_note("Holiday closures, and days it opens specially:"))
        when_layout.addWidget(self.closures, 1)

        self.costs = ListEditor("Costs", ("Amount (£)", "Option", "Description", "From",
                                          "To"))
        cost = QWidget()
        cost_layout = QVBoxLayout(cost)
        cost_layout.addWidget(_note("Costs in pounds; free is 0, not blank."))
        cost_layout.addWidget(self.costs, 1)

        self.alert = _text("Alert", 2)
        self.alert_until = QLineEdit()
        self.alert_until.setAccessibleName("Alert until, a date")
        self.alert_until.setPlaceholderText("e.g. 31/01/2027 (blank: until removed)")
        self.checked = QLabel("")
        self.checked.setWordWrap(True)
        self.mark_checked = QCheckBox("I have checked these details toda&y")
        self.mark_checked.setAccessibleName("Mark the details as checked today")
        alert = _page(("A&lert", self.alert), ("Alert &until", self.alert_until),
                      ("Last checked", self.checked), self.mark_checked)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Service details")
        for widget, label in ((details, "D&etails"), (who, "&Who for"),
                              (_scroll(where), "Whe&re"), (_scroll(when), "W&hen"),
                              (_scroll(cost), "&Cost"), (alert, "Alert && chec&ks")):
            self.tabs.addTab(widget, label)
        self.message = MessageLine()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _fill(self, s: ServiceInput) -> None:
        self.name.setText(s.name)
        index = self.organisation.findData(s.organisation_id)
        if index < 0:
            self.organisation.addItem("(this service's organisation)", s.organisation_id)
            index = self.organisation.count() - 1
        self.organisation.setCurrentIndex(index)
        self.status.setCurrentIndex(max(0, self.status.findData(s.status)))
        self.description.setPlainText(s.description)
        self.phone.setText(s.phone or "")
        self.email.setText(s.email or "")
        self.url.setText(s.url or "")
        self.application.setPlainText(s.application_process or "")
        self.fees.setText(s.fees_text or "")
        for combo, value in ((self.deliverable, s.deliverable_type),
                             (self.attending, s.attending_type),
                             (self.access, s.attending_access)):
            combo.setCurrentIndex(max(0, combo.findData(value)))
        self.min_age.setValue(s.minimum_age if s.minimum_age is not None else NO_LIMIT)
        self.max_age.setValue(s.maximum_age if s.maximum_age is not None else NO_LIMIT)
        self.eligibility.setPlainText(s.eligibility or "")
        self.what_to_take.setPlainText(s.what_to_take or "")
        for row in range(self.categories.count()):
            item = self.categories.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in s.categories
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.terms.set_rows([[t.vocabulary, t.code, t.label or ""] for t in s.terms])
        self.districts.setText(", ".join(s.areas))
        self.area_notes.setPlainText("\n".join(s.area_notes))
        self.places.set_rows([[p.name, p.address_1 or "", p.address_2 or "", p.city or "",
                               p.postcode or "", p.accessibility or ""] for p in s.places])
        for row, place in enumerate(s.places):  # ids and map points travel unseen
            cell = self.places.table.item(row, 0)
            if cell is not None:
                cell.setData(Qt.ItemDataRole.UserRole, place)
        self.schedules.set_rows([[str(r.weekday), show_time(r.opens_at), show_time(r.closes_at),
                                  show_date(r.valid_from), show_date(r.valid_to),
                                  r.description or ""] for r in s.schedules])
        self.closures.set_rows([[show_date(c.start_date), show_date(c.end_date),
                                 "yes" if c.closed else "no", show_time(c.opens_at),
                                 show_time(c.closes_at), c.note or ""] for c in s.closures])
        self.costs.set_rows([[f"{c.amount:.2f}", c.option or "", c.amount_description or "",
                              show_date(c.valid_from), show_date(c.valid_to)] for c in s.costs])
        self.alert.setPlainText(s.alert or "")
        self.alert_until.setText(show_date(s.alert_until))
        self.checked.setText(
            f"{show_date(s.assured_date)}" + (f" by {s.assured_by}" if s.assured_by else "")
            if s.assured_date else "Never checked")

    # -- reading the form -----------------------------------------------------------------
    def entry(self) -> ServiceInput:
        """What the form says, as a ServiceInput; InvalidInput names the field to fix."""
        name = self.name.text().strip()
        if not name:
            raise InvalidInput("Give the service a name (Details tab).")
        org = self.organisation.currentData()
        if not org:
            raise InvalidInput("Choose the organisation that runs it (Details tab); add the "
                               "organisation first if it is not listed.")
        try:
            values = self._lists()
        except CellProblem as exc:
            raise InvalidInput(str(exc)) from None
        areas = [a.strip() for a in self.districts.text().replace(";", ",").split(",")
                 if a.strip()]
        try:
            districts = tuple(dict.fromkeys(district(a) for a in areas))
        except InvalidInput:
            raise InvalidInput("Postcode districts served: write districts like DL1, DL3 "
                               "(Who for tab).") from None
        base = self.original or ServiceInput(organisation_id=org, name=name)
        low, high = self.min_age.value(), self.max_age.value()
        entry = replace(
            base, organisation_id=org, name=name, status=self.status.currentData(),
            description=self.description.toPlainText().strip(),
            phone=_opt(self.phone.text()), email=_opt(self.email.text()),
            url=_opt(self.url.text()),
            application_process=_opt(self.application.toPlainText()),
            fees_text=_opt(self.fees.text()), deliverable_type=self.deliverable.currentData(),
            attending_type=self.attending.currentData(),
            attending_access=self.access.currentData(),
            minimum_age=None if low == NO_LIMIT else low,
            maximum_age=None if high == NO_LIMIT else high,
            eligibility=_opt(self.eligibility.toPlainText()),
            what_to_take=_opt(self.what_to_take.toPlainText()),
            categories=tuple(self.categories.item(i).data(Qt.ItemDataRole.UserRole)
                             for i in range(self.categories.count())
                             if self.categories.item(i).checkState() == Qt.CheckState.Checked),
            areas=districts,
            area_notes=tuple(line.strip() for line in self.area_notes.toPlainText().splitlines()
                             if line.strip()),
            alert=_opt(self.alert.toPlainText()), location=None, **values)
        if self.mark_checked.isChecked():
            entry = replace(entry, assured_date=date.today(),
                            assured_by=self.ws.user.display_name or self.ws.user.username)
        return entry

    def _lists(self) -> dict[str, Any]:
        try:
            alert_until = parse_date(self.alert_until.text(), "Alert until")
        except CellProblem as exc:
            raise CellProblem(f"{exc} (Alert tab)") from None
        schedules: list[ScheduleInput] = []
        closures: list[ClosureInput] = []
        costs: list[CostInput] = []
        terms: list[TermInput] = []
        places: list[LocationInput] = []
        for row, (day, opens, closes, start, end, note) in self.schedules.rows():
            try:
                schedules.append(ScheduleInput(
                    int(day or 1), parse_time(opens, "Opens"), parse_time(closes, "Closes"),
                    parse_date(start, "From"), parse_date(end, "To"), _opt(note)))
            except CellProblem as exc:
                raise CellProblem(row_problem("Opening times", row, exc)) from None
        for row, (first, last, closed, opens, closes, note) in self.closures.rows():
            try:
                first_day = parse_date(first, "First day")
                last_day = parse_date(last, "Last day")
                if first_day is None or last_day is None:
                    raise CellProblem("give the first and the last day.")
                closures.append(ClosureInput(first_day, last_day, closed != "no",
                                             parse_time(opens, "Opens"),
                                             parse_time(closes, "Closes"), _opt(note)))
            except CellProblem as exc:
                raise CellProblem(row_problem("Holiday closures", row, exc)) from None
        for row, (amount, option, description, start, end) in self.costs.rows():
            try:
                costs.append(CostInput(parse_amount(amount, "Amount"), _opt(option),
                                       _opt(description), parse_date(start, "From"),
                                       parse_date(end, "To")))
            except CellProblem as exc:
                raise CellProblem(row_problem("Costs", row, exc)) from None
        for row, (vocabulary, code, label) in self.terms.rows():
            if not vocabulary.strip() or not code.strip():
                raise CellProblem(row_problem("Other categories", row,
                                              "give both the list and the code."))
            terms.append(TermInput(vocabulary.strip(), code.strip(), _opt(label)))
        for row, (name, line1, line2, town, postcode, access) in self.places.rows():
            item = self.places.table.item(row, 0)
            was = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
            base = was if isinstance(was, LocationInput) else LocationInput()
            places.append(replace(base, name=name.strip(), address_1=_opt(line1),
                                  address_2=_opt(line2), city=_opt(town),
                                  postcode=_opt(postcode), accessibility=_opt(access)))
        return {"schedules": tuple(schedules), "closures": tuple(closures),
                "costs": tuple(costs), "terms": tuple(terms), "locations": tuple(places),
                "alert_until": alert_until}

    # -- saving ---------------------------------------------------------------------------
    def save(self) -> None:
        try:
            entry = self.entry()
        except InvalidInput as exc:
            self.message.say(f"Not saved. {exc}", error=True)
            self._show_tab_for(str(exc))
            return
        self.save_button.setEnabled(False)
        ws = self.ws
        if self.original is None and self.duplicates_seen is None:
            self.message.say("Checking for possible duplicates...")
            self.runner.run_db(lambda _s: possible_duplicates_of_service(ws, entry),
                               on_done=lambda found: self._after_check(entry, found),
                               on_error=self._failed, owner=self)
            return
        self._write(entry)

    def _show_tab_for(self, problem: str) -> None:
        """Open the tab the problem is on, so the person sees what to fix."""
        for words, tab in (("Opening times", 3), ("Holiday closures", 3), ("Costs", 4),
                           ("Other categories", 1), ("districts", 1), ("Alert", 5),
                           ("Details tab", 0), ("Who for tab", 1)):
            if words in problem:
                self.tabs.setCurrentIndex(tab)
                return

    def _after_check(self, entry: ServiceInput, found: list[PossibleDuplicate]) -> None:
        self.duplicates_seen = found
        if found:
            self.save_button.setEnabled(True)
            self.save_button.setText("Save an&yway")
            names = "; ".join(f"'{d.other_name}' ({d.reason.rstrip('.')})" for d in found[:3])
            self.message.say(f"Possible duplicate: {names}. If it is the same service, "
                             "cancel and edit that entry instead; otherwise save anyway.",
                             error=True)
            return
        self._write(entry)

    def _write(self, entry: ServiceInput) -> None:
        ws = self.ws
        self.message.say("Saving...")
        self.runner.run_db(lambda _s: save_service(ws, entry), on_done=self._saved,
                           on_error=self._failed, owner=self)

    def _saved(self, service_id: str) -> None:
        self.runner.notify_changed("directory")
        self.saved.emit(service_id)
        self.accept()

    def _failed(self, sentence: str) -> None:
        self.save_button.setEnabled(True)
        self.message.say(f"Not saved. {sentence}", error=True)
