"""Choosing needs from the keyboard: type to filter the categories, Enter or Space ticks.

Typing in the filter box narrows the list to categories whose label or description contains
every typed word; Enter ticks (or unticks) the highlighted one and selects the filter text,
so the next need is typed straight over it. Down moves into the list, where Space or Enter
toggles. The chosen needs are also spelled out in words under the list.

Every category name stays whole on one line at any text size: the list asks its layout for
the width of its longest name (``NeedsList.minimumSizeHint``), and the enquiry page gives it
that room, reflowing into one column when the window is too narrow for that beside the
directory."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from csn_desk.vocab import vocab

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
CODE = Qt.ItemDataRole.UserRole
ROWS_SHOWN = 7  # rows in view before the list scrolls (it is filtered by typing anyway)


class NeedsList(QListWidget):
    """The category list. Its minimum width is that of its longest name, with the tick box
    and a scroll bar, measured by the item delegate at the current font, so text-size
    changes resize it live and no name is ever cut short with "..."."""

    def labels_width(self) -> int:
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        widest = 0
        for row in range(self.count()):
            index = self.model().index(row, 0)
            widest = max(widest, self.itemDelegateForIndex(index).sizeHint(option, index).width())
        return (widest + 2 * self.frameWidth() + 2 * self.spacing()
                + self.verticalScrollBar().sizeHint().width())

    def _row_height(self) -> int:
        return max(self.sizeHintForRow(0), self.fontMetrics().lineSpacing())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.labels_width(), self._row_height() * 4 + 2 * self.frameWidth())

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.labels_width(),
                     self._row_height() * ROWS_SHOWN + 2 * self.frameWidth())


class NeedsPicker(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter = QLineEdit()
        self.filter.setAccessibleName("Needs: type to filter, Enter to tick")
        self.filter.setPlaceholderText("Type to find a need")
        self.filter.setToolTip("Type to find a need; Enter ticks the highlighted one")
        self.list = NeedsList()
        self.list.setAccessibleName("Need categories")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        for term in vocab("needs").terms:
            item = QListWidgetItem(term.label)
            item.setData(CODE, term.code)
            item.setToolTip(term.description or term.label)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.chosen = QLabel("")
        self.chosen.setWordWrap(True)
        self._show_chosen()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.chosen)
        self.filter.textChanged.connect(self._apply_filter)
        self.filter.installEventFilter(self)
        self.list.installEventFilter(self)
        self.list.itemChanged.connect(lambda _item: self._show_chosen())
        self.list.setCurrentRow(0)

    def items(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count())]

    def codes(self) -> list[str]:
        """Ticked need codes, in the vocabulary's order."""
        return [i.data(CODE) for i in self.items() if i.checkState() == Qt.CheckState.Checked]

    def set_codes(self, codes: list[str]) -> None:
        for item in self.items():
            item.setCheckState(Qt.CheckState.Checked if item.data(CODE) in codes
                               else Qt.CheckState.Unchecked)

    def clear(self) -> None:
        self.set_codes([])
        self.filter.clear()

    def _apply_filter(self, text: str) -> None:
        words = text.casefold().split()
        first = None
        for item in self.items():
            haystack = f"{item.text()} {item.toolTip()}".casefold()
            # Labels first: "tra" should find Transport before a description that mentions it.
            hidden = not all(w in haystack for w in words)
            item.setHidden(hidden)
            if not hidden and first is None:
                first = item
        labels = [i for i in self.items() if not i.isHidden()
                  and all(w in i.text().casefold() for w in words)]
        target = labels[0] if labels else first
        if target is not None:
            self.list.setCurrentItem(target)

    def toggle_current(self) -> None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return
        item.setCheckState(Qt.CheckState.Unchecked if item.checkState() == Qt.CheckState.Checked
                           else Qt.CheckState.Checked)

    def _show_chosen(self) -> None:
        labels = [i.text() for i in self.items() if i.checkState() == Qt.CheckState.Checked]
        self.chosen.setText("Chosen: " + ("; ".join(labels) if labels else "none yet"))
        self.chosen.setAccessibleName(self.chosen.text())
        self.changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key, mods = event.key(), event.modifiers()
            plain = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
            if watched is self.filter and plain and key in ENTER_KEYS:
                self.toggle_current()
                self.filter.selectAll()
                return True
            if watched is self.filter and plain and key == Qt.Key.Key_Down:
                self.list.setFocus()
                return True
            if watched is self.list and plain and key in (*ENTER_KEYS, Qt.Key.Key_Space):
                self.toggle_current()
                return True
        return super().eventFilter(watched, event)
