"""The fields for choosing a new passphrase, shared by every dialog that sets one (Admin >
Users and File > Change my passphrase): new passphrase, repeat, "show", and its strength as
it is typed (the same rule as the set-up wizard: ``csn_desk.passphrases``). Paste is allowed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit

from csn_desk.passphrases import MIN_LENGTH, strength

GUIDANCE = f"At least {MIN_LENGTH} characters; a few ordinary words work well. Pasting is fine."
NOTHING_TYPED = "Strength: nothing typed yet"
REPEAT_PROBLEM = "Repeat the passphrase: type the same passphrase again."


def secret_field(name: str) -> QLineEdit:
    """A passphrase box: hidden as it is typed, named for screen readers."""
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


class PassphraseFields:
    """New passphrase, repeat, show, and its strength (as the setup wizard shows it)."""

    def __init__(self, form: QFormLayout, on_change: Callable[[], None]) -> None:
        self.passphrase = secret_field("New passphrase")
        self.repeat = secret_field("Repeat the new passphrase")
        self.show = QCheckBox("S&how passphrase")
        self.show.toggled.connect(self._echo)
        self.strength = QLabel(NOTHING_TYPED)
        self.strength.setAccessibleName("Passphrase strength")
        self.strength.setWordWrap(True)
        guidance = QLabel(GUIDANCE)
        guidance.setWordWrap(True)
        form.addRow(guidance)
        form.addRow("New &passphrase", self.passphrase)
        form.addRow("Repea&t it", self.repeat)
        form.addRow("", self.show)
        form.addRow(self.strength)
        for field in (self.passphrase, self.repeat):
            field.textChanged.connect(on_change)

    def _echo(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.passphrase.setEchoMode(mode)
        self.repeat.setEchoMode(mode)

    def problem(self, hints: list[str]) -> str | None:
        secret = self.passphrase.text()
        found = strength(secret, [h for h in hints if h])
        self.strength.setText(f"Strength: {found.label}" if secret
                              else NOTHING_TYPED)
        if found.problem:
            return f"Passphrase: {found.problem}"
        if self.repeat.text() != secret:
            return REPEAT_PROBLEM
        return None

    def clear(self) -> None:
        """Forget what was typed (after use, whatever happened)."""
        self.passphrase.clear()
        self.repeat.clear()
