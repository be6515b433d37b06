"""Small pieces every Admin tab uses: a scrolling tab body and a row of buttons (the
message line is ``csn_desk.ui.messages.MessageLine``)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QScrollArea, QVBoxLayout, QWidget


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
