"""Showing a recovery key once: the key in large type, Copy and Print, and the tick "I have
written it down". Used by the set-up wizard's last page and by Admin > Backup's "Make a new
recovery key…".

The key lives only in the panel's memory until ``clear()``; it is never logged."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QTextDocument
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

RECOVERY_HELP = ("This recovery key opens the data if every passphrase is forgotten. It is "
                 "shown only now. Write it down (or print it) and keep it locked away, apart "
                 "from this computer. Without it, a forgotten passphrase means the data is lost.")
COPIED = ("Copied. Paste it only somewhere safe, such as a password manager, never into an "
          "ordinary document or email.")
PRINTED = "Sent to the printer. Keep the sheet locked away."
# A tick box does not wrap: short enough for one line at 200% text.
WRITTEN = "&I have written down or printed the key"
TICK_FIRST = "Tick the box once the recovery key is written down: it is shown only now."


def recovery_sheet_html(key: str, site: str) -> str:
    """The printed recovery sheet: large type, the key, and what it is for."""
    return (f"<h1>csn-desk recovery key</h1><p>Site: {html.escape(site)}</p>"
            f"<p style='font-family: monospace; font-size: 24pt'><b>{html.escape(key)}</b></p>"
            f"<p style='font-size: 14pt'>{html.escape(RECOVERY_HELP)}</p>")


def print_recovery_sheet(parent: QWidget, key: str, site: str) -> bool:
    """Ask for a printer and print the sheet; False when the person cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter()
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print the recovery key")
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    document = QTextDocument()
    document.setHtml(recovery_sheet_html(key, site))
    document.print_(printer)
    return True


class RecoveryKeyPanel(QWidget):
    """The key, Copy, Print…, a line saying what happened, and the "written down" tick."""

    written_changed = Signal(bool)

    def __init__(self, site: Callable[[], str], help_text: str = RECOVERY_HELP,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._site = site
        self._key = ""
        self.help = QLabel(help_text)
        self.help.setWordWrap(True)
        self.key = QLabel("")
        self.key.setObjectName("recoveryKey")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(max(14.0, self.font().pointSizeF() * 1.4))
        font.setBold(True)
        self.key.setFont(font)
        self.key.setWordWrap(True)
        self.key.setAccessibleName("Recovery key")
        self.key.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                         | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.copy = QPushButton("&Copy")
        self.copy.setAccessibleName("Copy the recovery key")
        self.copy.clicked.connect(self._copy)
        self.print_button = QPushButton("&Print...")
        self.print_button.setAccessibleName("Print the recovery key")
        self.print_button.clicked.connect(self._print)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.written = QCheckBox(WRITTEN)
        self.written.setAccessibleName("I have written down the recovery key")
        self.written.toggled.connect(self.written_changed.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.help)
        layout.addWidget(self.key)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        layout.addWidget(self.written)
        layout.addStretch(1)

    def set_key(self, key: str) -> None:
        self._key = key
        self.key.setText(key)
        self.note.setText("")
        self.written.setChecked(False)
        self.key.setFocus()

    def clear(self) -> None:
        """Forget the key (the window is closing)."""
        self._key = ""
        self.key.setText("")

    def remind(self) -> None:
        self.note.setText(TICK_FIRST)
        self.written.setFocus()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self._key)
        self.note.setText(COPIED)

    def _print(self) -> None:
        if print_recovery_sheet(self, self._key, self._site()):
            self.note.setText(PRINTED)
