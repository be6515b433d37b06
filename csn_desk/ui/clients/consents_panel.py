"""The Consents tab of a client record: where each purpose stands (given, refused,
withdrawn, renewal due, with date, method and who took it), recording the person's answer,
and withdrawing a consent.

Answers are written by ``csn_desk.consents`` on the database thread; the page reloads the
history afterwards (``recorded`` is emitted) and passes the new states back through
``show_consents``. A refusal is recorded too: it tells the next person at the counter not to
ask again straight away."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from csn_desk.consents import (
    ConsentState,
    default_renewal_date,
    record_consent,
    uk_today,
    withdraw_consent,
)
from csn_desk.ui.clients.data import consent_text
from csn_desk.ui.messages import show_message
from csn_desk.ui.tasks import TaskRunner
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

INTRO = ("Ask about each purpose on its own, and record the answer, a refusal too. The "
         "person can withdraw a consent at any time.")


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class ConsentsPanel(QWidget):
    recorded = Signal(str)  # a sentence saying what was recorded

    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.client_id: str | None = None
        self.states: dict[str, ConsentState] = {}
        self.saves = 0  # completed writes (tests wait on it)
        self._busy = False
        purposes = vocab("consent_purposes")

        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.state_labels: dict[str, QLabel] = {}
        current = QGroupBox("Where each consent stands")
        current_layout = QVBoxLayout(current)
        for term in purposes.terms:
            title = QLabel(term.label)
            title.setObjectName("consentPurpose")
            title.setWordWrap(True)
            state = QLabel("")
            state.setWordWrap(True)
            current_layout.addWidget(title)
            current_layout.addWidget(state)
            self.state_labels[term.code] = state

        self.purpose = QComboBox()
        self.purpose.setAccessibleName("Consent purpose")
        for term in purposes.terms:
            self.purpose.addItem(term.label, term.code)
        self.answer = QComboBox()
        self.answer.setAccessibleName("The person's answer")
        states = vocab("consent_states")
        self.answer.addItem(states.label("given"), True)
        self.answer.addItem(states.label("refused"), False)
        self.method = QComboBox()
        self.method.setAccessibleName("How they gave their answer")
        for term in vocab("consent_methods").terms:
            self.method.addItem(term.label, term.code)
        self.renew = QDateEdit()
        self.renew.setAccessibleName("Ask again by (renewal date)")
        self.renew.setCalendarPopup(True)
        self.renew.setDisplayFormat("d MMM yyyy")
        self.renew_hint = QLabel("")
        self.renew_hint.setWordWrap(True)
        for combo in (self.purpose, self.answer, self.method):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        self.record_button = QPushButton("Re&cord answer")
        self.record_button.setAccessibleName("Record the person's answer for this purpose")
        self.record_button.clicked.connect(self.record)
        self.withdraw_button = QPushButton("Withdraw consen&t")
        self.withdraw_button.setAccessibleName("Withdraw the consent for this purpose")
        self.withdraw_button.clicked.connect(self.withdraw)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setVisible(False)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for text, widget in (("&Purpose", self.purpose), ("&Answer", self.answer),
                             ("Ho&w they answered", self.method),
                             ("Ask again &by", self.renew)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        form.addRow("", self.renew_hint)
        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        ask = QGroupBox("Record an answer")
        ask_layout = QVBoxLayout(ask)
        ask_layout.addLayout(form)
        ask_layout.addLayout(buttons)
        ask_layout.addWidget(self.message)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(current)
        layout.addWidget(ask)
        layout.addStretch(1)
        self.purpose.currentIndexChanged.connect(self._purpose_changed)
        self.answer.currentIndexChanged.connect(self._answer_changed)
        self._reset_renewal()
        self._answer_changed()
        self._purpose_changed()

    # -- showing --------------------------------------------------------------------------
    def show_consents(self, client_id: str, consents: tuple[ConsentState, ...]) -> None:
        """Show ``client_id``'s consents; a new client resets the form and its message."""
        if client_id != self.client_id:
            self.client_id = client_id
            self.message.setVisible(False)
            self._reset_renewal()
            self.purpose.setCurrentIndex(0)
        self.states = {c.purpose: c for c in consents}
        for purpose, label in self.state_labels.items():
            text = consent_text(self.states.get(purpose))
            label.setText(text)
            label.setAccessibleName(f"{vocab('consent_purposes').label(purpose)}: {text}")
        self._purpose_changed()

    def _reset_renewal(self) -> None:
        today = uk_today()
        self.renew.setMinimumDate(_qdate(today))
        self.renew.setDate(_qdate(default_renewal_date(today)))

    def _current_state(self) -> ConsentState | None:
        return self.states.get(self.purpose.currentData() or "")

    def _purpose_changed(self) -> None:
        state = self._current_state()
        can_withdraw = state is not None and state.given and state.withdrawn_at is None
        self.withdraw_button.setEnabled(can_withdraw and not self._busy)

    def _answer_changed(self) -> None:
        given = bool(self.answer.currentData())
        self.renew.setEnabled(given)
        self.renew_hint.setText("We will prompt staff to ask again by this date (a year "
                                "from today unless you change it)." if given else
                                "A refusal has no renewal date.")

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.record_button.setEnabled(not busy)
        self._purpose_changed()

    # -- writing ----------------------------------------------------------------------------
    def _run(self, fn: Any, done: str) -> None:
        if self.client_id is None or self._busy:
            return
        self._set_busy(True)
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.runner.run_db(lambda _s: fn(), on_done=lambda _r: self._done(done),
                               on_error=self._failed, owner=self)

    def record(self) -> None:
        """Record the answer chosen for the chosen purpose."""
        client_id, ws = self.client_id, self.ws
        purpose, given = self.purpose.currentData(), bool(self.answer.currentData())
        method = self.method.currentData()
        qd = self.renew.date()
        renewal = date(qd.year(), qd.month(), qd.day()) if given else None
        done = (f"Recorded: {vocab('consent_purposes').label(purpose)}: "
                f"{self.answer.currentText().lower()}.")
        self._run(lambda: record_consent(ws, client_id or "", purpose, given, method, renewal),
                  done)

    def withdraw(self) -> None:
        """Withdraw the consent in force for the chosen purpose, from now."""
        state, ws = self._current_state(), self.ws
        if state is None or not state.given or state.withdrawn_at is not None:
            return
        purpose = vocab("consent_purposes").label(state.purpose)
        self._run(lambda: withdraw_consent(ws, state.consent_id),
                  f"Withdrawn: {purpose}. If that was a mistake, record the answer again.")

    def _done(self, sentence: str) -> None:
        self.saves += 1
        self._set_busy(False)
        self._say(sentence, error=False)
        self.recorded.emit(sentence)

    def _failed(self, sentence: str) -> None:
        self._set_busy(False)
        self._say(f"Not recorded. {sentence}", error=True)

    def _say(self, text: str, *, error: bool) -> None:
        show_message(self.message, text, error=error)
        self.message.setVisible(True)
