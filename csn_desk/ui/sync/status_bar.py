"""The sync part of the main window's status bar: "Synced 10:42", changes waiting to go out,
a progress bar during a round, and the button that opens the Sync window. ``install`` also
gives the window its keyboard shortcuts: F9 syncs now, Ctrl+Shift+Y opens the Sync window."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QProgressBar, QPushButton, QWidget

from csn_desk.sync.service import SyncStatus
from csn_desk.ui.sync.controller import SyncController
from csn_desk.ui.sync.window import SyncWindow
from csn_desk.ui.sync.words import progress_line, status_line, waiting_line
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

SYNC_NOW_SHORTCUT = "F9"
WINDOW_SHORTCUT = "Ctrl+Shift+Y"


class SyncStatusBar(QWidget):
    def __init__(self, ws: Workspace, controller: SyncController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.controller = ws, controller
        self.window_: SyncWindow | None = None
        self.sync_now_action: QAction | None = None
        self.open_window_action: QAction | None = None
        self.state_label = QLabel(status_line(None, reachable=None, running=False))
        self.state_label.setObjectName("syncState")
        self.waiting_label = QLabel("")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Sync progress")
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.open_button = QPushButton("S&ync...")
        self.open_button.setAccessibleName("Open the Sync window")
        self.open_button.setToolTip(f"Sites, conflicts and problems ({WINDOW_SHORTCUT}); "
                                    f"sync now with {SYNC_NOW_SHORTCUT}")
        self.open_button.clicked.connect(self.open_window)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.state_label)
        layout.addWidget(self.waiting_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.open_button)
        controller.status_changed.connect(self.show_state)
        controller.running_changed.connect(self._running)
        controller.reachable_changed.connect(lambda _r: self.show_state())
        controller.progress.connect(self._progress)
        controller.failed.connect(lambda _s: self.show_state())

    def show_state(self, _status: SyncStatus | None = None) -> None:
        c = self.controller
        text = status_line(c.status, reachable=c.reachable, running=c.running)
        self.state_label.setText(text)
        self.state_label.setAccessibleName(f"Sync: {text}")
        self.state_label.setToolTip(c.status.last_error or text if c.status else text)
        waiting = waiting_line(c.status)
        self.waiting_label.setText(waiting)
        self.waiting_label.setVisible(bool(waiting))
        self.waiting_label.setAccessibleName(waiting)

    def _running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.progress.setRange(0, 0)  # busy until the first file count arrives
        self.show_state()

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        self.state_label.setText(progress_line(done, total))

    def open_window(self) -> SyncWindow:
        """Show the Sync window (one per main window), brought to the front if open."""
        if self.window_ is None:
            self.window_ = SyncWindow(self.ws, self.controller, self.window())
        self.window_.show()
        self.window_.raise_()
        self.window_.activateWindow()
        self.window_.reload()
        return self.window_


def install(window: QMainWindow, ws: Workspace, runner: TaskRunner) -> SyncStatusBar:
    """Put sync in ``window``: the status-bar part, the shortcuts, the background rounds."""
    controller = SyncController(ws, runner, window)
    bar = SyncStatusBar(ws, controller)
    window.statusBar().addPermanentWidget(bar)
    sync_now = QAction("Sync &now", window)
    sync_now.setShortcut(QKeySequence(SYNC_NOW_SHORTCUT))
    sync_now.triggered.connect(controller.sync_now)
    open_window = QAction("S&ync window", window)
    open_window.setShortcut(QKeySequence(WINDOW_SHORTCUT))
    open_window.triggered.connect(bar.open_window)
    window.addAction(sync_now)
    window.addAction(open_window)
    bar.sync_now_action, bar.open_window_action = sync_now, open_window
    controller.start()
    return bar
