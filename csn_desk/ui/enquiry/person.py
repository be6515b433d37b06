""""Add person": find someone already on record as you type, or add a new client record
without re-typing what the enquiry already has (age band, postcode). While the new person's
names are typed, possible duplicates already on record are listed with the reasons.

Lookups run on the database thread; each box keeps only its latest answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from csn_desk.clients import (
    ClientInput,
    ClientMatch,
    DuplicateSuggestion,
    add_client,
    find_clients,
    possible_duplicates,
)
from csn_desk.errors import InvalidInput
from csn_desk.postcodes import is_postcode
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
CLIENT = Qt.ItemDataRole.UserRole


def person_text(p: ClientMatch | DuplicateSuggestion) -> str:
    parts = [p.display_name]
    if p.date_of_birth:
        parts.append(f"born {p.date_of_birth.day} {p.date_of_birth:%b %Y}")
    if p.postcode:
        parts.append(p.postcode)
    text = ", ".join(parts)
    if isinstance(p, DuplicateSuggestion) and p.reasons:
        text += " - " + ", ".join(p.reasons)
    if isinstance(p, ClientMatch) and p.restricted:
        text += " (restricted record)"
    return text


def parse_birth_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidInput("Date of birth: write it as day/month/year, e.g. 04/07/1948, "
                       "or leave it empty.")


class AddPersonDialog(QDialog):
    person_chosen = Signal(str, str)  # client id, display name

    def __init__(self, ws: Workspace, runner: TaskRunner, *, age_band: str | None,
                 postcode: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner, self.age_band = ws, runner, age_band
        self.setWindowTitle("Add person to this enquiry")
        self._find_gen = self._dup_gen = 0
        self.finds = self.duplicate_checks = 0  # completed lookups, for tests

        self.find_box = QLineEdit()
        self.find_box.setAccessibleName("Find a client by name, date of birth or postcode")
        self.find_box.setPlaceholderText("Part of a name, dd/mm/yyyy or a postcode")
        self.matches = QListWidget()
        self.matches.setAccessibleName("Clients found")
        find_label = QLabel("&Find someone already on record")
        find_label.setObjectName("subheading")
        find_label.setBuddy(self.find_box)

        self.given = QLineEdit()
        self.given.setAccessibleName("First name")
        self.family = QLineEdit()
        self.family.setAccessibleName("Family name")
        self.birth = QLineEdit()
        self.birth.setAccessibleName("Date of birth, day/month/year (optional)")
        self.birth.setPlaceholderText("dd/mm/yyyy")
        self.postcode = QLineEdit(postcode if postcode and is_postcode(postcode) else "")
        self.postcode.setAccessibleName("Postcode (optional)")
        form = QFormLayout()
        form.addRow("F&irst name", self.given)
        form.addRow("Fa&mily name", self.family)
        form.addRow("Date of &birth", self.birth)
        form.addRow("P&ostcode", self.postcode)
        new_label = QLabel("Or add a new person")
        new_label.setObjectName("subheading")
        self.duplicates = QListWidget()
        self.duplicates.setAccessibleName("Possible duplicates already on record")
        dup_label = QLabel("Possible &duplicates: is it one of these people?")
        dup_label.setBuddy(self.duplicates)
        dup_label.setWordWrap(True)

        self.error = QLabel("")
        self.error.setObjectName("errorMessage")
        self.error.setWordWrap(True)
        self.error.hide()
        self.use_button = QPushButton("&Use selected person")
        self.use_button.setAccessibleName("Use the selected person for this enquiry")
        self.add_button = QPushButton("Add as &new person")
        self.add_button.setAccessibleName("Add a new client record and use it")
        cancel = QPushButton("Cancel")
        cancel.setAccessibleName("Cancel adding a person")
        self.use_button.clicked.connect(self.use_selected)
        self.add_button.clicked.connect(self.add_new)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(cancel)

        layout = QVBoxLayout(self)
        layout.addWidget(find_label)
        layout.addWidget(self.find_box)
        layout.addWidget(self.matches, 1)
        layout.addWidget(new_label)
        layout.addLayout(form)
        layout.addWidget(dup_label)
        layout.addWidget(self.duplicates, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.find_box.textChanged.connect(self._look_up)
        for box in (self.given, self.family, self.birth, self.postcode):
            box.textChanged.connect(self._check_duplicates)
        for widget in (self.find_box, self.matches, self.duplicates):
            widget.installEventFilter(self)
        # Enter in the name boxes adds the new person; Enter in a list uses that person.
        self.use_button.setAutoDefault(False)
        self.add_button.setDefault(True)
        metrics = self.fontMetrics()  # grow with the text size (200% included)
        self.resize(metrics.averageCharWidth() * 64, metrics.lineSpacing() * 34)

    # -- lookups --------------------------------------------------------------------------
    def _look_up(self, text: str) -> None:
        self._find_gen += 1
        gen, ws = self._find_gen, self.ws
        self.runner.run_db(lambda _s: find_clients(ws, text),
                           on_done=lambda found: self._show_matches(gen, found),
                           on_error=self._problem, owner=self)

    def _show_matches(self, gen: int, found: list[ClientMatch]) -> None:
        self.finds += 1
        if gen == self._find_gen:
            self._fill(self.matches, found)

    def _check_duplicates(self, *_args: Any) -> None:
        self._dup_gen += 1
        gen, ws = self._dup_gen, self.ws
        given, family, postcode = self.given.text(), self.family.text(), self.postcode.text()
        try:
            born = parse_birth_date(self.birth.text())
        except InvalidInput:
            born = None  # still being typed
        self.runner.run_db(lambda _s: possible_duplicates(ws, given, family, born, postcode),
                           on_done=lambda found: self._show_duplicates(gen, found),
                           on_error=self._problem, owner=self)

    def _show_duplicates(self, gen: int, found: list[DuplicateSuggestion]) -> None:
        self.duplicate_checks += 1
        if gen == self._dup_gen:
            self._fill(self.duplicates, found)

    @staticmethod
    def _fill(box: QListWidget, people: list[Any]) -> None:
        box.clear()
        for p in people:
            item = QListWidgetItem(person_text(p))
            item.setData(CLIENT, (p.id, p.display_name))
            box.addItem(item)
        if people:
            box.setCurrentRow(0)

    # -- choosing -------------------------------------------------------------------------
    def use_selected(self) -> None:
        for box in (self.duplicates, self.matches) if self.duplicates.hasFocus() else (
                self.matches, self.duplicates):
            item = box.currentItem()
            if item is not None:
                client_id, name = item.data(CLIENT)
                self.person_chosen.emit(client_id, name)
                self.accept()
                return
        self._problem("Find the person in the list first, or add them as a new person.")

    def add_new(self) -> None:
        try:
            born = parse_birth_date(self.birth.text())
            data = ClientInput(given_name=self.given.text(), family_name=self.family.text(),
                               date_of_birth=born,
                               age_band=self.age_band if self.age_band != "unknown" else None,
                               postcode=self.postcode.text().strip() or None)
        except InvalidInput as exc:
            self._problem(str(exc))
            return
        self.add_button.setEnabled(False)
        ws = self.ws
        self.runner.run_db(lambda _s: add_client(ws, data), on_done=lambda cid: self._added(
            cid, f"{data.given_name} {data.family_name}".strip()), on_error=self._add_failed,
            owner=self)

    def _added(self, client_id: str, name: str) -> None:
        self.runner.notify_changed("clients")
        self.person_chosen.emit(client_id, name)
        self.accept()

    def _add_failed(self, sentence: str) -> None:
        self.add_button.setEnabled(True)
        self._problem(sentence)

    def _problem(self, sentence: str) -> None:
        self.error.setText(sentence)
        self.error.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self.find_box and key in (Qt.Key.Key_Down, *ENTER_KEYS):
                self.matches.setFocus()
                return True
            if watched in (self.matches, self.duplicates) and key in ENTER_KEYS:
                self.use_selected()
                return True
        return super().eventFilter(watched, event)
