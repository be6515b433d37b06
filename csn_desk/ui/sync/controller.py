"""Background sync for the app: one round on a timer, on demand ("Sync now") and as soon as
the shared folder can be seen again. Rounds run on the task runner's database thread, never
two at once; the folder check runs on the I/O pool with no database (a network drive can
take seconds to answer). Widgets listen to the signals; this object touches no widget."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from csn_desk.sync.service import (
    NOT_SET_UP,
    REMOVED,
    SyncReport,
    SyncStatus,
    folder_reachable,
    sync_once,
    sync_status,
)
from csn_desk.ui import settings
from csn_desk.ui.sync.words import NOT_SET_UP_TEXT
from csn_desk.ui.tasks import TaskRunner, TaskState
from csn_desk.workspace import Workspace

INTERVAL_KEY = "sync/interval_minutes"
DEFAULT_INTERVAL_MINUTES = 5
CHECK_MS = 30_000  # how often to look whether the shared folder is back
ALREADY_RUNNING = "A sync is already running; it will finish on its own."


def interval_minutes() -> int:
    """Minutes between automatic rounds (a per-computer setting, 1 to 120; default 5)."""
    value = settings.store().value(INTERVAL_KEY, DEFAULT_INTERVAL_MINUTES)
    try:
        return max(1, min(120, int(value)))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return DEFAULT_INTERVAL_MINUTES


def set_interval_minutes(minutes: int) -> None:
    settings.store().setValue(INTERVAL_KEY, int(minutes))


INTERVAL_CHOICES = (1, 2, 5, 10, 15, 30, 60, 120)


def interval_label(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return "hour" if hours == 1 else f"{hours} hours"
    return "minute" if minutes == 1 else f"{minutes} minutes"


class SyncController(QObject):
    status_changed = Signal(object)   # SyncStatus
    running_changed = Signal(bool)
    progress = Signal(int, int)       # files done, files in all (0: not known yet)
    finished = Signal(object)         # SyncReport
    failed = Signal(str)              # the plain sentence of why a round did not finish
    reachable_changed = Signal(bool)

    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QObject | None = None, *,
                 interval_ms: int | None = None, check_ms: int = CHECK_MS) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.status: SyncStatus | None = None
        self.reachable: bool | None = None
        self.running = False
        self.rounds = 0              # rounds finished (done or failed)
        self.started_rounds = 0
        self.last_report: SyncReport | None = None
        self.last_message = ""
        self.round_threads: list[str] = []  # which thread each round ran on
        self._checking = False
        self.started = False
        self.sync_timer = QTimer(self)
        self.sync_timer.setInterval(interval_ms or interval_minutes() * 60_000)
        self.sync_timer.timeout.connect(self.sync_now)
        self.check_timer = QTimer(self)
        self.check_timer.setInterval(check_ms)
        self.check_timer.timeout.connect(self.check_reachable)
        runner.data_changed.connect(self._data_changed)

    @property
    def set_up(self) -> bool:
        return self.status is not None and self.status.state not in (NOT_SET_UP, REMOVED)

    def start(self) -> None:
        """Load the status, then keep both timers going (they do nothing until set up)."""
        self.started = True
        self.refresh()
        self.sync_timer.start()
        self.check_timer.start()

    def set_interval(self, minutes: int) -> None:
        """Sync automatically every ``minutes`` (remembered on this computer)."""
        set_interval_minutes(minutes)
        self.sync_timer.setInterval(interval_minutes() * 60_000)  # restarts it if running

    def stop(self) -> None:
        self.started = False
        self.sync_timer.stop()
        self.check_timer.stop()

    def _run_db(self, fn: Any, **callbacks: Any) -> bool:
        try:
            self.runner.run_db(fn, owner=self, **callbacks)
        except RuntimeError:  # the runner has shut down (signing out, closing)
            return False
        return True

    # -- status -----------------------------------------------------------------------------
    def refresh(self) -> None:
        ws = self.ws
        self._run_db(lambda _s: sync_status(ws), on_done=self._got_status)

    def _got_status(self, status: SyncStatus) -> None:
        was_set_up = self.set_up
        self.status = status
        self.status_changed.emit(status)
        if (self.started and not was_set_up and self.set_up and self.rounds == 0
                and not self.running):
            self.sync_now()  # just created or joined a network: go at once

    def _data_changed(self, what: str) -> None:
        if what != "sync":  # our own notice after a round; the status is fresh already
            self.refresh()

    # -- one round --------------------------------------------------------------------------
    def sync_now(self) -> bool:
        """Start a round unless one is running or this site is not in a network. Returns
        whether a round started; ``last_message`` says why not."""
        if self.running:
            self.last_message = ALREADY_RUNNING
            return False
        if not self.set_up:
            self.last_message = NOT_SET_UP_TEXT
            return False
        ws, threads = self.ws, self.round_threads

        def work(state: TaskState) -> SyncReport:
            threads.append(threading.current_thread().name)
            return sync_once(ws, progress=state.progress)

        started = self._run_db(work, on_done=self._done, on_error=self._failed,
                               on_progress=lambda d, t, _text: self.progress.emit(d, t))
        if started:
            self.running = True
            self.started_rounds += 1
            self.last_message = ""
            self.running_changed.emit(True)
        return started

    def _end(self) -> None:
        self.running = False
        self.rounds += 1
        self.running_changed.emit(False)

    def _done(self, report: SyncReport) -> None:
        self.last_report = report
        self._set_reachable(True)
        self._end()
        self.finished.emit(report)
        self.refresh()
        if report.applied_changes:
            self.runner.notify_changed("sync")  # views showing records refresh themselves

    def _failed(self, sentence: str) -> None:
        self.last_message = sentence
        self._end()
        self.failed.emit(sentence)
        self.refresh()
        self.check_reachable()

    # -- is the shared folder there? ---------------------------------------------------------
    def check_reachable(self) -> None:
        """Look (off the GUI thread, no database) whether the shared folder is there; when
        it has just come back, sync."""
        if self._checking or not self.set_up or self.status is None:
            return
        folder = self.status.drop_dir
        self._checking = True
        with contextlib.suppress(RuntimeError):
            self.runner.run_io(lambda _s: folder_reachable(folder), owner=self,
                               on_done=self._checked, on_error=lambda _e: self._checked(False))
            return
        self._checking = False

    def _checked(self, reachable: bool) -> None:
        self._checking = False
        came_back = reachable and self.reachable is False
        self._set_reachable(reachable)
        if came_back:
            self.sync_now()

    def _set_reachable(self, reachable: bool) -> None:
        if reachable != self.reachable:
            self.reachable = reachable
            self.reachable_changed.emit(reachable)
