"""Adding or editing an organisation (coordinators and administrators). A new one with the
charity or company number of one already in the directory is shown before it is saved."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from csn_desk.directory.duplicates import (
    PossibleDuplicate,
    possible_duplicates_of_organisation,
)
from csn_desk.directory.inputs import OrganisationInput
from csn_desk.directory.upsert import save_organisation
from csn_desk.ui.messages import MessageLine
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace


def _opt(text: str) -> str | None:
    return text.strip() or None


class OrganisationEditor(QDialog):
    saved = Signal(str)  # the organisation id

    def __init__(self, ws: Workspace, runner: TaskRunner,
                 organisation: OrganisationInput | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner, self.original = ws, runner, organisation
        self.duplicates_seen: list[PossibleDuplicate] | None = None
        self.setWindowTitle("Edit organisation" if organisation else "Add an organisation")
        self.name = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setMaximumHeight(120)
        self.email, self.url, self.phone = QLineEdit(), QLineEdit(), QLineEdit()
        self.charity, self.company = QLineEdit(), QLineEdit()
        self.member = QCheckBox("A &member organisation of the network")
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for text, widget, name in (("&Name", self.name, "Organisation name"),
                                   ("&Description", self.description, "Description"),
                                   ("&Email", self.email, "Email"),
                                   ("&Web address", self.url, "Web address"),
                                   ("&Phone", self.phone, "Phone"),
                                   ("C&harity number", self.charity, "Charity number"),
                                   ("C&ompany number", self.company, "Company number")):
            widget.setAccessibleName(name)
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        form.addRow(self.member)
        self.message = MessageLine()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        if organisation is not None:
            self.name.setText(organisation.name)
            self.description.setPlainText(organisation.description)
            self.email.setText(organisation.email or "")
            self.url.setText(organisation.url or "")
            self.phone.setText(organisation.phone or "")
            self.charity.setText(organisation.charity_number or "")
            self.company.setText(organisation.company_number or "")
            self.member.setChecked(organisation.is_member)

    def entry(self) -> OrganisationInput:
        base = self.original or OrganisationInput(name="")
        return replace(base, name=self.name.text().strip(),
                       description=self.description.toPlainText().strip(),
                       email=_opt(self.email.text()), url=_opt(self.url.text()),
                       phone=_opt(self.phone.text()), charity_number=_opt(self.charity.text()),
                       company_number=_opt(self.company.text()),
                       is_member=self.member.isChecked())

    def save(self) -> None:
        entry = self.entry()
        if not entry.name:
            self.message.say("Not saved. Give the organisation a name.", error=True)
            return
        self.save_button.setEnabled(False)
        ws = self.ws
        if self.original is None and self.duplicates_seen is None:
            self.runner.run_db(lambda _s: possible_duplicates_of_organisation(ws, entry),
                               on_done=lambda found: self._after_check(entry, found),
                               on_error=self._failed, owner=self)
            return
        self._write(entry)

    def _after_check(self, entry: OrganisationInput, found: list[PossibleDuplicate]) -> None:
        self.duplicates_seen = found
        if found:
            self.save_button.setEnabled(True)
            self.save_button.setText("Save an&yway")
            names = "; ".join(f"'{d.other_name}' ({d.reason.rstrip('.')})" for d in found[:3])
            self.message.say(f"Possible duplicate: {names}. If it is the same organisation, "
                             "cancel and edit that one; otherwise save anyway.", error=True)
            return
        self._write(entry)

    def _write(self, entry: OrganisationInput) -> None:
        ws = self.ws
        self.runner.run_db(lambda _s: save_organisation(ws, entry), on_done=self._saved,
                           on_error=self._failed, owner=self)

    def _saved(self, organisation_id: str) -> None:
        self.runner.notify_changed("directory")
        self.saved.emit(organisation_id)
        self.accept()

    def _failed(self, sentence: str) -> None:
        self.save_button.setEnabled(True)
        self.message.say(f"Not saved. {sentence}", error=True)
