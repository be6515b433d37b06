"""The task runner: work off the GUI thread, results/progress/errors back on it."""

from __future__ import annotations

import threading
from typing import Any

import shiboken6
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from csn_desk.errors import InvalidInput
from csn_desk.ui.tasks import TaskRunner, TaskState


def test_result_is_delivered_on_the_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    seen: dict[str, Any] = {}

    def work(_state: TaskState) -> int:
        seen["worker"] = threading.current_thread()
        return 42

    def done(result: int) -> None:
        seen["result"] = result
        seen["delivered_on"] = threading.current_thread()

    runner.run_db(work, on_done=done)
    qtbot.waitUntil(lambda: "result" in seen)
    assert seen["result"] == 42
    assert seen["delivered_on"] is threading.main_thread()
    assert seen["worker"] is not threading.main_thread()
    assert seen["worker"].name.startswith("csn-db")


def test_database_work_runs_on_one_thread_in_order(qtbot: QtBot, runner: TaskRunner) -> None:
    threads: list[int] = []
    order: list[int] = []
    for n in range(5):
        runner.run_db(lambda _s, n=n: (threads.append(threading.get_ident()), n)[1],
                      on_done=order.append)
    qtbot.waitUntil(lambda: len(order) == 5)
    assert order == [0, 1, 2, 3, 4]
    assert len(set(threads)) == 1


def test_io_work_runs_off_the_database_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    names: list[str] = []
    runner.run_io(lambda _s: threading.current_thread().name, on_done=names.append)
    qtbot.waitUntil(lambda: bool(names))
    assert names[0].startswith("csn-io")


def test_csn_error_shows_its_sentence(qtbot: QtBot, runner: TaskRunner) -> None:
    errors: list[str] = []
    done: list[Any] = []

    def fail(_state: TaskState) -> None:
        raise InvalidInput("Postcode should look like DL1 1AA.")

    with qtbot.waitSignal(runner.error_shown) as shown:
        runner.run_db(fail, on_done=done.append, on_error=errors.append)
    assert errors == ["Postcode should look like DL1 1AA."]
    assert shown.args == ["Postcode should look like DL1 1AA."]
    assert done == []


def test_other_errors_show_a_generic_sentence_without_their_text(
        qtbot: QtBot, runner: TaskRunner) -> None:
    errors: list[str] = []

    def fail(_state: TaskState) -> None:
        raise ValueError("Jane Example, 12 Example Street")

    runner.run_db(fail, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert "Jane" not in errors[0] and "Example Street" not in errors[0]
    assert "Traceback" not in errors[0]
    assert "ValueError" in errors[0] and "try again" in errors[0]


def test_progress_arrives_on_the_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    progress: list[tuple[int, int, str, bool]] = []
    finished: list[str] = []

    def work(state: TaskState) -> str:
        for i in range(1, 4):
            state.progress(i, 3, f"step {i}")
        return "ok"

    def on_progress(done: int, total: int, text: str) -> None:
        progress.append((done, total, text, threading.current_thread() is threading.main_thread()))

    runner.run_io(work, on_progress=on_progress, on_done=finished.append)
    qtbot.waitUntil(lambda: finished == ["ok"])
    assert progress == [(1, 3, "step 1", True), (2, 3, "step 2", True), (3, 3, "step 3", True)]


def test_a_cancelled_task_stops_and_reports_no_result(qtbot: QtBot, runner: TaskRunner) -> None:
    started = threading.Event()
    polls: list[int] = []
    done: list[Any] = []
    cancelled: list[bool] = []

    def long_job(state: TaskState) -> str:
        started.set()
        while True:  # polls until cancelled; a broken cancel flag would hang (timeout fails it)
            polls.append(1)
            state.check()
            threading.Event().wait(0.005)

    task = runner.run_db(long_job, on_done=done.append,
                         on_cancelled=lambda: cancelled.append(True))
    assert started.wait(5)
    task.cancel()
    qtbot.waitUntil(lambda: cancelled == [True])
    assert done == []
    assert polls and task.done
    # The database thread is free again afterwards.
    after: list[int] = []
    runner.run_db(lambda _s: 7, on_done=after.append)
    qtbot.waitUntil(lambda: after == [7])


def test_busy_signal_goes_on_then_off(qtbot: QtBot, runner: TaskRunner) -> None:
    states: list[bool] = []
    runner.busy_changed.connect(states.append)
    gate = threading.Event()
    runner.run_db(lambda _s: gate.wait(5))
    assert runner.busy
    gate.set()
    qtbot.waitUntil(lambda: states == [True, False])
    assert not runner.busy


def test_callbacks_are_dropped_when_their_owner_is_gone(qtbot: QtBot, runner: TaskRunner) -> None:
    owner = QObject()
    gate = threading.Event()
    calls: list[Any] = []
    runner.run_db(lambda _s: gate.wait(5) and "late", on_done=calls.append, owner=owner)
    with qtbot.waitSignal(owner.destroyed):
        owner.deleteLater()
    assert not shiboken6.isValid(owner)
    gate.set()
    qtbot.waitUntil(lambda: not runner.busy)
    assert calls == []
