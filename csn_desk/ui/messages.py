"""How the app says things inline and asks before something it cannot undo: one way of
styling a message as an error (a border and the words, never colour alone), one message line
for forms and tabs, and one confirmation box."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QMessageBox, QScrollArea, QWidget

ERROR_NAME = "errorMessage"  # the object name the app style sheet draws as an error


def show_message(label: QLabel, text: str, *, error: bool = False) -> None:
    """Put ``text`` in ``label``, drawn as an error or not. Visibility is the caller's."""
    name = ERROR_NAME if error else ""
    if label.objectName() != name:
        label.setObjectName(name)
        # Restyle for the new object name: an empty style sheet would not re-apply the
        # error's border and padding; any non-empty one does.
        label.setStyleSheet("/* restyle */")
    label.setText(text)
    label.setAccessibleName(text.replace("\n", " "))


def is_error(label: QLabel) -> bool:
    return label.objectName() == ERROR_NAME and not label.isHidden()


class MessageLine(QLabel):
    """One line under a form: what happened, or what to fix (an error says so in words as
    well as by its style). Hidden while empty; scrolled into view when it says something."""

    def __init__(self) -> None:
        super().__init__("")
        self.setWordWrap(True)
        self.setVisible(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def say(self, text: str, *, error: bool = False) -> None:
        show_message(self, text, error=error)
        self.setVisible(bool(text))
        if text:  # scrolled into view once the layout has made room for it
            QTimer.singleShot(0, self, self._into_view)

    def _into_view(self) -> None:
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None and self.isVisible():
            parent.ensureWidgetVisible(self)

    def shown_text(self) -> str:
        return "" if self.isHidden() else self.text()

    @property
    def is_error(self) -> bool:
        return is_error(self)


def confirm(parent: QWidget, title: str, text: str, yes: str, no: str,
            on_yes: Callable[[], None], *, warning: bool = False) -> QMessageBox:
    """Ask before something that cannot be undone: window-modal (no nested event loop),
    the safe answer (``no``) is the default, and the box deletes itself when answered.
    Returns the box (callers keep it, so tests can answer it)."""
    icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Question
    box = QMessageBox(icon, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.button(QMessageBox.StandardButton.Yes).setText(yes)
    box.button(QMessageBox.StandardButton.No).setText(no)
    box.accepted.connect(on_yes)
    box.finished.connect(box.deleteLater)
    box.open()
    return box
