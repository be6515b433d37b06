"""The one task runner: background work off the GUI thread, results back on it.

Database work runs on a single worker thread (one writer, one unit of work at a time, so two
saves never race); other work (files, PDFs) runs on a small pool. The function you hand in
runs on a worker thread and must **never touch widgets**; it gets a Qt-free ``TaskState`` it
may poll for cancellation and use to report progress. Results, progress and errors are
delivered on the GUI thread through queued signals.

An error is shown as its ``CsnError`` sentence; any other exception becomes one generic plain
sentence, so no traceback or exception text (which could hold personal data) reaches the UI.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

from csn_desk.errors import CsnError

log = logging.getLogger(__name__)

GENERIC_ERROR = ("Something went wrong ({kind}). Nothing was half-saved; try again, and if it "
                 "keeps happening run 'csn-desk check'.")


class Cancelled(Exception):
    """Raised by ``TaskState.check()`` inside a task that has been asked to stop."""


def error_sentence(exc: BaseException) -> str:
    """What the user reads for an exception: the CsnError sentence or a generic one."""
    if isinstance(exc, CsnError):
        return str(exc)
    return GENERIC_ERROR.format(kind=type(exc).__name__)


class TaskState:
    """Handed to the worker function: poll ``cancelled``/``check()``, report ``progress``."""

    def __init__(self, report: Callable[[int, int, str], None]) -> None:
        self._cancel = threading.Event()
        self._report = report

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def check(self) -> None:
        """Stop here (raise ``Cancelled``) if the task has been cancelled."""
        if self._cancel.is_set():
            raise Cancelled

    def progress(self, done: int, total: int = 0, text: str = "") -> None:
        """``total`` 0 means "busy, amount unknown"."""
        self._report(done, total, text)


class _Relay(QObject):
    """Lives on the GUI thread; a queued signal carries callables from workers to it."""

    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        fn()


class Task:
    """A handle on one submitted task: ``cancel()`` it, or ask whether it is ``done``."""

    def __init__(self, state: TaskState) -> None:
        self.state = state
        self.future: Future[Any] | None = None
        self.done = False

    def cancel(self) -> None:
        """Ask the task to stop; its success callback will not be called."""
        self.state.cancel()
        if self.future is not None:
            self.future.cancel()


class TaskRunner(QObject):
    """Submit work with ``run_db`` (database) or ``run_io`` (anything else)."""

    busy_changed = Signal(bool)       # True while any task is running or queued
    error_shown = Signal(str)         # every failure sentence, for a status bar or log view
    data_changed = Signal(str)        # after a write: what changed ("enquiries", ...)

    def __init__(self, io_workers: int = 2) -> None:
        super().__init__()
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csn-db")
        self._io = ThreadPoolExecutor(max_workers=io_workers, thread_name_prefix="csn-io")
        self._relay = _Relay()
        self._active = 0
        self._closed = False

    # -- public ---------------------------------------------------------------------------
    def run_db(self, fn: Callable[[TaskState], Any], **callbacks: Any) -> Task:
        """Run ``fn(state)`` on the one database thread. Callbacks (all optional, all called
        on the GUI thread): ``on_done(result)``, ``on_error(sentence)``,
        ``on_progress(done, total, text)``, ``on_cancelled()``; ``owner``: a QObject whose
        deletion drops the callbacks."""
        return self._submit(self._db, fn, **callbacks)

    def run_io(self, fn: Callable[[TaskState], Any], **callbacks: Any) -> Task:
        """As ``run_db``, on the small pool for work that does not touch the database."""
        return self._submit(self._io, fn, **callbacks)

    def notify_changed(self, what: str) -> None:
        """Say that data changed, so views showing it refresh themselves."""
        self.data_changed.emit(what)

    @property
    def busy(self) -> bool:
        return self._active > 0

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; let running tasks finish (so the database closes cleanly)."""
        self._closed = True
        self._db.shutdown(wait=wait, cancel_futures=True)
        self._io.shutdown(wait=wait, cancel_futures=True)

    # -- internals ------------------------------------------------------------------------
    def _submit(self, pool: ThreadPoolExecutor, fn: Callable[[TaskState], Any], *,
                on_done: Callable[[Any], None] | None = None,
                on_error: Callable[[str], None] | None = None,
                on_progress: Callable[[int, int, str], None] | None = None,
                on_cancelled: Callable[[], None] | None = None,
                owner: QObject | None = None) -> Task:
        if self._closed:
            raise RuntimeError("the task runner has been shut down")

        def alive() -> bool:
            return owner is None or shiboken6.isValid(owner)

        def post(callback: Callable[[], None]) -> None:
            if shiboken6.isValid(self._relay):
                self._relay.call.emit(callback)

        def report(done: int, total: int, text: str) -> None:
            if on_progress is not None and not task.state.cancelled:
                post(lambda: on_progress(done, total, text) if alive() else None)

        task = Task(TaskState(report))

        def finish(outcome: Callable[[], None]) -> None:
            task.done = True
            self._set_active(-1)
            if alive():
                outcome()

        def work() -> None:
            try:
                task.state.check()
                result = fn(task.state)
            except Cancelled:
                post(lambda: finish(lambda: on_cancelled and on_cancelled()))
                return
            except BaseException as exc:  # delivered as a sentence, never as a traceback
                log.warning("background task failed: %s", type(exc).__name__)
                sentence = error_sentence(exc)
                post(lambda: finish(lambda: self._fail(sentence, on_error)))
                return
            if task.state.cancelled:
                post(lambda: finish(lambda: on_cancelled and on_cancelled()))
            else:
                post(lambda: finish(lambda: on_done and on_done(result)))

        self._set_active(+1)
        try:
            task.future = pool.submit(work)
        except RuntimeError:
            self._set_active(-1)
            raise

        def never_started(future: Future[Any]) -> None:
            if future.cancelled():  # cancelled while queued: work() never ran
                post(lambda: finish(lambda: on_cancelled and on_cancelled()))

        task.future.add_done_callback(never_started)
        return task

    def _fail(self, sentence: str, on_error: Callable[[str], None] | None) -> None:
        self.error_shown.emit(sentence)
        if on_error is not None:
            on_error(sentence)

    def _set_active(self, delta: int) -> None:
        # Only ever called on the GUI thread (submit, and queued finish callbacks).
        before = self._active > 0
        self._active += delta
        after = self._active > 0
        if before != after and shiboken6.isValid(self):
            self.busy_changed.emit(after)
