"""Admin > Users: everyone with an account here, and the administrator's jobs on them: add
(with the passphrase's strength shown as it is typed, paste allowed), disable, enable with a
new passphrase, change role, and reset a forgotten passphrase with the recovery key.

Every change is a ``csn_desk.accounts`` call on the database thread; the rules (last active
administrator, strength, audit) live there. Dialogs open through ``exec_dialog`` so tests can
fill and accept them as a person would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from csn_desk.accounts import (
    UserRow,
    add_user,
    change_role,
    disable_user,
    enable_user,
    list_users,
    reset_passphrase,
)
from csn_desk.ui.admin.common import ButtonRow, scrolling, tab_layout
from csn_desk.ui.messages import MessageLine
from csn_desk.ui.passphrase_fields import PassphraseFields, secret_field
from csn_desk.ui.rows_model import RowsTableModel, rows_table
from csn_desk.ui.sync.window import fit_columns
from csn_desk.ui.tasks import TaskRunner
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace


class UsersModel(RowsTableModel):
    columns = ("Name", "Username", "Role", "Can sign in")

    def text(self, row: UserRow, column: int) -> str:
        return (row.display_name, row.username, row.role_label, sign_in_state(row))[column]


def sign_in_state(row: UserRow) -> str:
    if not row.active:
        return "No (disabled)"
    return "Yes" if row.has_passphrase else "Not yet: needs a new passphrase (Reset passphrase)"


def _role_box(current: str | None = None) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName("Role")
    for term in vocab("roles").terms:
        box.addItem(f"{term.label}: {term.description}", term.code)
    if current is not None:
        box.setCurrentIndex(max(0, box.findData(current)))
    return box


class _Form(QDialog):
    """A small dialog: a form, a line saying what is still wrong, OK only when nothing is."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("What is still needed")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        self.ok.setAccessibleName(ok_text.replace("&", ""))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def current_problem(self) -> str | None:
        return None

    def refresh(self) -> None:
        trouble = self.current_problem()
        self.problem.setText(trouble or "Ready.")
        self.ok.setEnabled(trouble is None)

    def accept(self) -> None:
        if self.current_problem() is None:
            super().accept()


class AddUserDialog(_Form):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Add a user", "&Add user", parent)
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("As colleagues know them, like Jo Smith")
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.username.setPlaceholderText("What they type to sign in, like j.smith")
        self.role = _role_box("counter")
        self.form.addRow("&Name", self.name)
        self.form.addRow("&Username", self.username)
        self.form.addRow("&Role", self.role)
        self.secret = PassphraseFields(self.form, self.refresh)
        for field in (self.name, self.username):
            field.textChanged.connect(self.refresh)
        self.refresh()

    def current_problem(self) -> str | None:
        if not self.name.text().strip():
            return "Name: type the person's name."
        if not self.username.text().strip():
            return "Username: type what they will sign in with."
        return self.secret.problem([self.username.text().strip().lower(), self.name.text()])


class NewPassphraseDialog(_Form):
    """Enable (a new passphrase) or reset (the recovery key and a new passphrase)."""

    def __init__(self, row: UserRow, *, recovery: bool, parent: QWidget | None = None) -> None:
        title = (f"Reset the passphrase for {row.username}" if recovery
                 else f"Let {row.username} sign in again")
        super().__init__(title, "&Reset passphrase" if recovery else "&Enable", parent)
        self.row = row
        self.recovery: QLineEdit | None = None
        if recovery:
            self.recovery = secret_field("Recovery key")
            self.recovery.setPlaceholderText("From the printed recovery sheet")
            self.form.addRow(QLabel("The recovery key is on the sheet printed when this "
                                    "computer was set up."))
            self.form.addRow("Recovery &key", self.recovery)
            self.recovery.textChanged.connect(self.refresh)
        self.secret = PassphraseFields(self.form, self.refresh)
        self.refresh()

    def current_problem(self) -> str | None:
        if self.recovery is not None and not self.recovery.text().strip():
            return "Recovery key: type it from the printed sheet."
        return self.secret.problem([self.row.username, self.row.display_name])


class RoleDialog(_Form):
    def __init__(self, row: UserRow, parent: QWidget | None = None) -> None:
        super().__init__(f"Change the role of {row.username}", "&Change role", parent)
        self.role = _role_box(row.role)
        self.form.addRow("&Role", self.role)
        self.refresh()


def _discard(dialog: AddUserDialog | NewPassphraseDialog) -> None:
    """Passphrases are not kept after use: empty the boxes, and let the dialog go."""
    dialog.secret.clear()
    if isinstance(dialog, NewPassphraseDialog) and dialog.recovery is not None:
        dialog.recovery.clear()
    dialog.deleteLater()


class UsersTab(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.loads = 0
        # How a dialog is shown; tests replace it to fill the dialog in and accept it.
        self.exec_dialog: Callable[[QDialog], int] = lambda dialog: dialog.exec()

        intro = QLabel("Everyone who can sign in on this computer. Each person has their own "
                       "account; disabling one stops that passphrase opening the data.")
        intro.setWordWrap(True)
        self.model = UsersModel(self)
        self.table = fit_columns(rows_table(self.model, "Users"))
        self.table.setMinimumHeight(180)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.add_button = self._button("&Add user…", "Add a user", self.add)
        self.disable_button = self._button("&Disable", "Disable the selected user", self.disable)
        self.enable_button = self._button("&Enable…", "Enable the selected user", self.enable)
        self.role_button = self._button("Change &role…", "Change the selected user's role",
                                        self.change_role)
        self.reset_button = self._button("Reset &passphrase…",
                                         "Reset the selected user's passphrase", self.reset)
        self.message = MessageLine()

        body = QWidget()
        layout = tab_layout(body)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(ButtonRow(self.add_button, self.disable_button, self.enable_button,
                                   self.role_button, self.reset_button))
        layout.addWidget(self.message)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(body))
        self._selected()
        self.load()
        runner.data_changed.connect(self._on_data_changed)

    def _on_data_changed(self, what: str) -> None:
        if what in ("users", "all"):
            self.load()

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.clicked.connect(slot)
        return button

    # -- loading ----------------------------------------------------------------------------
    def load(self, select: str | None = None) -> None:
        ws = self.ws
        self.runner.run_db(lambda _s: list_users(ws), owner=self,
                           on_done=lambda rows: self._show(rows, select),
                           on_error=self._load_failed)

    def _load_failed(self, sentence: str) -> None:
        self.loads += 1  # a load happened; it was refused or failed, and says so
        self.message.say(sentence, error=True)

    def _show(self, rows: list[UserRow], select: str | None) -> None:
        self.model.set_rows(rows)
        self.loads += 1
        for i, row in enumerate(rows):
            if row.username == select:
                self.table.selectRow(i)
        self._selected()

    def selected(self) -> UserRow | None:
        picked = self.table.selectionModel().selectedRows()
        return self.model.row_at(picked[0].row()) if picked else None

    def _selected(self, *_args: Any) -> None:
        row = self.selected()
        self.disable_button.setEnabled(row is not None and row.active)
        self.enable_button.setEnabled(row is not None and not row.active)
        self.role_button.setEnabled(row is not None)
        self.reset_button.setEnabled(row is not None and row.active)

    # -- actions ----------------------------------------------------------------------------
    def _change(self, fn: Callable[[], Any], done: str, select: str) -> None:
        def finished(_result: Any) -> None:
            self.message.say(done)
            self.load(select)

        self.runner.run_db(lambda _s: fn(), owner=self, on_done=finished,
                           on_error=lambda e: self.message.say(f"Not changed: {e}", error=True))

    def add(self) -> None:
        dialog = AddUserDialog(self)
        if not self.exec_dialog(dialog):
            _discard(dialog)
            return
        ws, name = self.ws, dialog.username.text().strip().lower()
        display, role = dialog.name.text().strip(), str(dialog.role.currentData())
        secret = dialog.secret.passphrase.text()
        _discard(dialog)
        self._change(lambda: add_user(ws, name, display, role, secret),
                     f"Added {name} as {vocab('roles').label(role)}.", name)

    def disable(self) -> None:
        row = self.selected()
        if row is None:
            return
        ws = self.ws
        self._change(lambda: disable_user(ws, row.username),
                     f"Disabled {row.username}: they can no longer sign in.", row.username)

    def enable(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = NewPassphraseDialog(row, recovery=False, parent=self)
        if not self.exec_dialog(dialog):
            _discard(dialog)
            return
        ws, secret = self.ws, dialog.secret.passphrase.text()
        _discard(dialog)
        self._change(lambda: enable_user(ws, row.username, secret),
                     f"Enabled {row.username}: they sign in with the new passphrase.",
                     row.username)

    def change_role(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = RoleDialog(row, self)
        if not self.exec_dialog(dialog):
            return
        ws, role = self.ws, str(dialog.role.currentData())
        self._change(lambda: change_role(ws, row.username, role),
                     f"{row.username} is now {vocab('roles').label(role)}.", row.username)

    def reset(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = NewPassphraseDialog(row, recovery=True, parent=self)
        if not self.exec_dialog(dialog):
            _discard(dialog)
            return
        assert dialog.recovery is not None
        ws, key = self.ws, dialog.recovery.text()
        secret = dialog.secret.passphrase.text()
        _discard(dialog)
        self._change(lambda: reset_passphrase(ws, row.username, key, secret),
                     f"Reset the passphrase for {row.username}.", row.username)
