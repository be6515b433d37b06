"""Small pieces every Admin tab uses: an inline message line and a scrolling tab body."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget


class MessageLine(QLabel):
    """One line under a form: what happened, or what to fix (styled as an error, with the
    word "Not saved" or similar in the text, never by colour alone)."""

    def __init__(self) -> None:
        super().__init__("")
        self.setWordWrap(True)
        self.setVisible(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def say(self, text: str, *, error: bool = False) -> None:
        self.setObjectName("errorMessage" if error else "")
        # Restyle for the new object name (an empty style sheet would not re-apply the
        # padding; any non-empty one does).
        self.setStyleSheet("/* restyle */")
        self.setText(text)
        self.setAccessibleName(text)
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
        return self.objectName() == "errorMessage" and not self.isHidden()


def scrolling(body: QWidget) -> QScrollArea:
    """The tab's content in a scroll area: at 200% text it scrolls down, not sideways."""
    body.setMinimumHeight(0)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    scroll.setWidget(body)
    return scroll


def tab_layout(body: QWidget) -> QVBoxLayout:
    layout = QVBoxLayout(body)
    layout.setContentsMargins(12, 12, 12, 12)
    layout.setSpacing(10)
    return layout


class ButtonRow(QWidget):
    """Buttons side by side when they fit, one above the other when they do not (large text,
    narrow window), so the tab never needs to scroll sideways."""

    def __init__(self, *buttons: QWidget) -> None:
        super().__init__()
        self.buttons = buttons
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        for button in buttons:
            self.box.addWidget(button)
        self.box.addStretch(1)

    def _row_width(self) -> int:
        spacing = max(0, self.box.spacing())
        return sum(b.sizeHint().width() for b in self.buttons) + spacing * len(self.buttons)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        widest = max((b.sizeHint().width() for b in self.buttons), default=0)
        return QSize(widest, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        across = event.size().width() >= self._row_width()
        direction = (QBoxLayout.Direction.LeftToRight if across
                     else QBoxLayout.Direction.TopToBottom)
        if self.box.direction() != direction:
            self.box.setDirection(direction)
            for button in self.buttons:
                self.box.setAlignment(button, Qt.AlignmentFlag(0) if across
                                      else Qt.AlignmentFlag.AlignLeft)
        super().resizeEvent(event)
