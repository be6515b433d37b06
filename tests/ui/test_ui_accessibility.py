"""Walk every widget of every window and page and check names and target sizes (UI-09, UI-15).

The rule for a name: a control a user can Tab to must have a name a screen reader reads that
is really about it: its ``accessibleName``, or the text of a QLabel whose buddy it is (Qt reads
that label as the name, and the mnemonic jumps to it), or, for buttons and check boxes, their
own text. Qt would otherwise fall back to a combo box's current value or to nothing, which
tells a screen-reader user nothing about what the control is for.

The rule for size: push buttons, check boxes, radio buttons, tool buttons, line edits, combo
boxes and spin boxes are at least 24 px high (buttons also 24 px wide) at 100% text size.
Qt's own inner parts (a spin box's line edit, scroll bars, views' viewports) are skipped:
their outer control is what is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollBar,
    QVBoxLayout,
    QWidget,
    QWizard,
)
from pytestqt.qtbot import QtBot

from csn_desk.accounts import usernames
from csn_desk.demo.generate import create_demo
from csn_desk.ui import theme
from csn_desk.ui.login import LoginWindow
from csn_desk.ui.main_window import MainWindow
from csn_desk.ui.setup_wizard import SetupWizard
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

MIN_PX = 24
SIZED = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)
COMPOSITES = (QComboBox, QAbstractSpinBox, QScrollBar)  # their children are Qt's inner parts


def _qt_inner_part(widget: QWidget) -> bool:
    if widget.objectName().startswith("qt_") or isinstance(widget, QScrollBar):
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, COMPOSITES):
            return True
        if isinstance(parent, QAbstractItemView) and widget is not parent:
            # viewports and cell editors belong to the view
            return widget is parent.viewport() or parent.viewport().isAncestorOf(widget)
        parent = parent.parentWidget()
    return False


def _buddied(root: QWidget) -> set[int]:
    return {id(label.buddy()) for label in root.findChildren(QLabel)
            if label.buddy() is not None and label.text().strip()}


def _describe(widget: QWidget) -> str:
    chain = []
    w: QWidget | None = widget
    while w is not None and len(chain) < 4:
        chain.append(type(w).__name__ + (f"#{w.objectName()}" if w.objectName() else ""))
        w = w.parentWidget()
    text = widget.text() if isinstance(widget, (QAbstractButton, QLineEdit)) else ""
    return f"{' < '.join(chain)} text={text!r} {widget.width()}x{widget.height()}"


def problems(root: QWidget, where: str) -> list[str]:
    """Everything wrong with the visible widgets under ``root``, one line each."""
    found: list[str] = []
    buddies = _buddied(root)
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or _qt_inner_part(widget):
            continue
        focusable = bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.isEnabled()
        if focusable:
            own_text = (widget.text().replace("&", "").strip()
                        if isinstance(widget, QAbstractButton) else "")
            named = bool(widget.accessibleName().strip()) or id(widget) in buddies or own_text
            spoken = QAccessible.queryAccessibleInterface(widget)
            if not named or spoken is None or not spoken.text(QAccessible.Text.Name).strip():
                found.append(f"{where}: no accessible name: {_describe(widget)}")
        if isinstance(widget, SIZED) and widget.height() < MIN_PX:
            found.append(f"{where}: under {MIN_PX} px high: {_describe(widget)}")
        if isinstance(widget, QAbstractButton) and widget.width() < MIN_PX:
            found.append(f"{where}: under {MIN_PX} px wide: {_describe(widget)}")
    return found


@pytest.fixture(autouse=True)
def app_theme(qapp: QApplication) -> None:
    """The app's own look (as ``create_application`` applies it), at 100% text size."""
    theme.apply_text_scale(qapp, 100)


@pytest.fixture
def demo_ws(tmp_path: Path) -> Iterator[Workspace]:
    ws, _summary = create_demo(tmp_path / "demo", enquiries=60)
    yield ws
    ws.close()


def _settle(qtbot: QtBot, runner: TaskRunner) -> None:
    qtbot.wait(50)
    qtbot.waitUntil(lambda: not runner.busy, timeout=20000)
    qtbot.wait(50)


def test_every_page_of_the_main_window(qtbot: QtBot, demo_ws: Workspace,
                                       runner: TaskRunner) -> None:
    assert demo_ws.user.role == "admin"  # so every page is there
    window = MainWindow(demo_ws, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    found: list[str] = []
    visited = []
    for key in window.page_keys():
        window.show_page(key)
        _settle(qtbot, runner)
        assert window.stack.currentWidget() is window.pages[key]
        found += problems(window, f"page {key}")
        visited.append(key)
    window.idle_lock.lock()
    found += problems(window, "lock screen")
    window.idle_lock.set_timing(0)
    assert visited == window.page_keys() and len(visited) == 7
    assert not found, "\n".join(sorted(set(found)))


def test_login_window_and_set_up_wizard(qtbot: QtBot, demo_ws: Workspace, tmp_path: Path,
                                        runner: TaskRunner) -> None:
    login = LoginWindow(demo_ws.db.paths.root, runner, usernames(demo_ws.db.paths.root))
    qtbot.addWidget(login)
    login.show()
    found = problems(login, "login")
    wizard = SetupWizard(tmp_path / "new", runner)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    found += problems(wizard, "wizard site page")
    qtbot.keyClicks(wizard.site_page.site, "Site")
    qtbot.keyClicks(wizard.site_page.organisation, "Org")
    wizard.button(QWizard.WizardButton.NextButton).click()
    found += problems(wizard, "wizard admin page")
    assert not found, "\n".join(sorted(set(found)))


def test_the_walker_catches_what_it_should(qtbot: QtBot) -> None:
    """The check itself can fail: an unnamed field, a combo named only by its value, and a
    tiny button are all reported; a buddied field and a labelled button are not."""
    root = QWidget()
    qtbot.addWidget(root)
    unnamed, buddied, combo = QLineEdit(root), QLineEdit(root), QComboBox(root)
    combo.addItems(["Walk-in"])
    label = QLabel("&Postcode", root)
    label.setBuddy(buddied)
    small = QPushButton("x", root)
    small.setStyleSheet("QPushButton { min-height: 0; padding: 0; border: 0; }")
    small.setFixedSize(20, 16)
    ok = QPushButton("Save", root)
    layout = QVBoxLayout(root)
    for w in (unnamed, label, buddied, combo, small):
        layout.addWidget(w)
    layout.addWidget(ok)
    root.show()
    qtbot.waitExposed(root)
    QApplication.processEvents()
    found = problems(root, "sample")
    text = "\n".join(found)
    assert sum("no accessible name" in f for f in found) == 2, text  # unnamed + combo
    assert "QComboBox" in text and "under 24 px high" in text and "under 24 px wide" in text
    assert not any("'Save'" in f for f in found)
