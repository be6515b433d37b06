"""Sync in the app: the words it uses (plain functions, no Qt), the background controller and
status bar in a real main window (sync now, offline, back again), and the Sync window's
Conflicts and Problems tabs, on real data folders and a real shared folder."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from csn_desk.accounts import add_user, sign_in
from csn_desk.directory.editing import update_organisation
from csn_desk.errors import NotAllowed
from csn_desk.store import keys
from csn_desk.store.models import Organisation
from csn_desk.sync import list_conflicts, restore_conflict, sync_once, sync_status
from csn_desk.sync.service import SyncStatus
from csn_desk.ui import theme
from csn_desk.ui.main_window import MainWindow
from csn_desk.ui.sync.controller import SyncController
from csn_desk.ui.sync.data import fingerprints_match
from csn_desk.ui.sync.window import SyncWindow
from csn_desk.ui.sync.words import (
    NOT_REACHABLE_TEXT,
    NOT_SET_UP_TEXT,
    ago,
    status_line,
    value_text,
    waiting_line,
)
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.sync.kit import Net, build_network, own_segments

TIMEOUT = 30000
NOW = datetime(2026, 11, 25, 10, 42, tzinfo=UTC)
_BUILT: dict[str, Net] = {}


# -- the words ------------------------------------------------------------------------------
def test_progress_and_file_numbers_read_in_words() -> None:
    from csn_desk.ui.sync.words import file_number, progress_line

    assert progress_line(0, 0) == "Syncing..."
    assert progress_line(2, 3) == "Syncing: 2 of 3 done"
    assert progress_line(12_500, 40_000) == "Syncing: 12,500 of 40,000 done"
    assert (file_number(17), file_number(-2)) == ("17", "checkpoint 2")


def test_last_heard_reads_in_words() -> None:
    assert ago(None, NOW) == "not yet"
    assert ago(NOW - timedelta(seconds=20), NOW) == "just now"
    assert ago(NOW - timedelta(minutes=1), NOW) == "1 minute ago"
    assert ago(NOW - timedelta(minutes=59), NOW) == "59 minutes ago"
    assert ago(NOW - timedelta(hours=3), NOW) == "3 hours ago"
    assert ago(NOW - timedelta(hours=30), NOW) == "yesterday"
    assert ago(NOW - timedelta(days=2, hours=1), NOW) == "2 days ago"
    assert ago(NOW - timedelta(days=40), NOW) == "on 16/10/2026"
    assert ago((NOW - timedelta(hours=2)).replace(tzinfo=None), NOW) == "2 hours ago"


def _status(**kw: object) -> SyncStatus:
    base: dict[str, object] = dict(state="active", network_name="N", drop_dir="/d",
                                   last_sync_at=None, last_error=None, changes_waiting=0,
                                   sites=(), problems=0, alerts=())
    base.update(kw)
    return SyncStatus(**base)  # type: ignore[arg-type]


def test_status_line_says_what_state_sync_is_in() -> None:
    def line(status: SyncStatus | None, reachable: bool | None = True,
             running: bool = False) -> str:
        return status_line(status, reachable=reachable, running=running, now=NOW)

    assert line(_status(state="not_set_up")) == NOT_SET_UP_TEXT
    assert line(_status()) == "Not synced yet"
    assert line(_status(last_sync_at=NOW - timedelta(minutes=3))) == "Synced 10:39"  # GMT
    summer = datetime(2026, 7, 1, 9, 5, tzinfo=UTC)  # BST: an hour ahead
    assert status_line(_status(last_sync_at=summer), reachable=True, running=False,
                       now=summer) == "Synced 10:05"
    assert line(_status(last_sync_at=NOW - timedelta(days=1))) == "Synced 24/11 10:42"
    assert line(_status(last_sync_at=NOW), reachable=False) == NOT_REACHABLE_TEXT
    assert line(_status(), running=True) == "Syncing..."
    assert line(_status(state="waiting_for_approval")).startswith("Waiting for approval")
    assert line(None) == "Sync: checking..."
    assert waiting_line(_status(changes_waiting=1)) == "1 change waiting to go out"
    assert waiting_line(_status(changes_waiting=12)) == "12 changes waiting to go out"
    assert waiting_line(_status(state="not_set_up", changes_waiting=3)) == ""


def test_values_and_fingerprints_as_people_read_them() -> None:
    assert value_text(None) == value_text("") == "(empty)"
    assert value_text(True) == "Yes" and value_text(0) == "0"
    assert value_text("a\n  b") == "a b"
    assert len(value_text("x" * 500)) == 200
    assert fingerprints_match("7kq3 abcd efgh jkmn", "7KQ3-ABCD-EFGH-JKMN")
    assert fingerprints_match("7KQ3-ABCD-EFGH-JKMN", "7KQ3-ABCD-EFGH-JKMN")
    assert not fingerprints_match("7KQ3-ABCD-EFGH-JKMM", "7KQ3-ABCD-EFGH-JKMN")
    assert not fingerprints_match("", "")


# -- a real network -------------------------------------------------------------------------
@pytest.fixture
def net(tmp_path: Path) -> Net:
    """Two sites of one organisation ("hub" and "b"), synced, copied fresh for each test."""
    if "pair" not in _BUILT:
        saved, keys.DEFAULT_KDF = keys.DEFAULT_KDF, FAST_KDF
        try:
            root = Path(tempfile.mkdtemp(prefix="csn-ui-sync-"))
            _BUILT["pair"] = build_network(root / "net", [("hub", "Age UK"), ("b", "Age UK")])
        finally:
            keys.DEFAULT_KDF = saved
    return _BUILT["pair"].copy_to(tmp_path / "net")


@pytest.fixture
def hub(net: Net) -> Iterator[Workspace]:
    with net.open("hub") as (ws,):
        yield ws


def _phone(ws: Workspace) -> str | None:
    with ws.db.read() as s:
        org = s.get(Organisation, ws.organisation_id)
        return None if org is None else org.phone


def test_sync_now_from_the_status_bar(qtbot: QtBot, net: Net, hub: Workspace,
                                      runner: TaskRunner) -> None:
    window = MainWindow(hub, runner)
    qtbot.addWidget(window)
    window.show()
    bar = window.sync_bar
    controller = bar.controller
    # Opening the window syncs once at once (set up, nothing run yet).
    qtbot.waitUntil(lambda: controller.rounds == 1, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: bar.state_label.text().startswith("Synced "), timeout=TIMEOUT)
    assert bar.waiting_label.text() == "Nothing waiting to go out"

    update_organisation(hub, hub.organisation_id, phone="01632 960222")
    runner.notify_changed("directory")  # what any page does after a save
    qtbot.waitUntil(lambda: "waiting to go out" in bar.waiting_label.text()
                    and bar.waiting_label.text() != "Nothing waiting to go out",
                    timeout=TIMEOUT)

    qtbot.keyClick(window, Qt.Key.Key_F9)  # Sync now, from anywhere in the window
    assert controller.running
    assert not controller.sync_now()  # never two rounds at once
    qtbot.waitUntil(lambda: controller.rounds == 2, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: bar.waiting_label.text() == "Nothing waiting to go out",
                    timeout=TIMEOUT)
    assert bar.state_label.text().startswith("Synced ")
    assert controller.started_rounds == 2
    assert controller.last_report is not None and controller.last_report.exported_changes >= 1
    main = threading.main_thread().name
    assert len(controller.round_threads) == 2
    assert all(name != main and name.startswith("csn-db") for name in controller.round_threads)
    assert own_segments(net.drop, hub.site_id)  # it really went into the shared folder


def test_offline_then_back_again(qtbot: QtBot, net: Net, hub: Workspace,
                                 runner: TaskRunner) -> None:
    controller = SyncController(hub, runner)
    controller.start()
    qtbot.waitUntil(lambda: controller.rounds == 1, timeout=TIMEOUT)
    away = net.drop.with_name("drop-unplugged")
    net.drop.rename(away)  # the USB stick is taken out
    assert controller.sync_now()
    qtbot.waitUntil(lambda: controller.rounds == 2 and controller.reachable is False,
                    timeout=TIMEOUT)
    assert "cannot be reached" in controller.last_message
    line = status_line(controller.status, reachable=controller.reachable, running=False)
    assert line == NOT_REACHABLE_TEXT

    away.rename(net.drop)  # back again: the next cheap check notices and syncs
    controller.check_reachable()
    qtbot.waitUntil(lambda: controller.rounds == 3, timeout=TIMEOUT)
    assert controller.reachable is True and controller.started_rounds == 3
    controller.stop()


def test_a_site_not_in_a_network_does_nothing(qtbot: QtBot, ws: Workspace,
                                              runner: TaskRunner) -> None:
    window = MainWindow(ws, runner)
    qtbot.addWidget(window)
    controller = window.sync_bar.controller
    qtbot.waitUntil(lambda: controller.status is not None, timeout=TIMEOUT)
    assert window.sync_bar.state_label.text() == NOT_SET_UP_TEXT
    assert not controller.sync_now()
    assert controller.last_message == NOT_SET_UP_TEXT and controller.started_rounds == 0
    sync = window.sync_bar.open_window()
    qtbot.waitUntil(lambda: sync.loads == 1, timeout=TIMEOUT)
    assert not sync.sync_button.isEnabled()
    assert sync.sites_model.rowCount() == 0


def _open_sync_window(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> SyncWindow:
    controller = SyncController(ws, runner)
    window = SyncWindow(ws, controller)
    qtbot.addWidget(window)
    window.show()
    window.reload()
    qtbot.waitUntil(lambda: window.loads == 1, timeout=TIMEOUT)
    return window


def test_sites_tab_lists_each_site_and_when_heard_from(qtbot: QtBot, hub: Workspace,
                                                       runner: TaskRunner) -> None:
    window = _open_sync_window(qtbot, hub, runner)
    model = window.sites_model
    rows = {model.text(model.row_at(i), 0): [model.text(model.row_at(i), c) for c in range(4)]
            for i in range(model.rowCount())}
    assert set(rows) == {"hub", "b"}
    assert rows["hub"][1] == "Age UK" and rows["hub"][3] == "this site"
    assert rows["b"][2] == "Active" and rows["b"][3] in ("just now", "1 minute ago")


def test_a_conflict_shows_and_the_other_value_can_be_restored(
        qtbot: QtBot, net: Net, runner: TaskRunner) -> None:
    with net.open("hub", "b") as (hub, b):
        update_organisation(hub, hub.organisation_id, phone="01632 960111")
        update_organisation(b, b.organisation_id, phone="01632 960999")  # later: wins
        sync_once(hub)
        sync_once(b)
        sync_once(hub)
        assert _phone(hub) == _phone(b) == "01632 960999"

        window = _open_sync_window(qtbot, hub, runner)
        assert window.tabs.tabText(1) == "&Conflicts (1)"
        model = window.conflicts_model
        assert model.rowCount() == 1
        texts = [model.text(model.row_at(0), c) for c in range(6)]
        assert texts[:2] == ['Organisation "Age UK"', "Phone"]  # the record by its name
        assert texts[2] == "01632 960999" and texts[3].startswith("b, ")
        assert texts[4] == "01632 960111" and texts[5].startswith("hub, ")
        assert not window.restore_button.isEnabled()
        window.conflicts_table.selectRow(0)
        assert window.restore_button.isEnabled()
        assert "01632 960111" in window.conflict_note.text()
        assert window.conflict_note.text().startswith('Organisation "Age UK", phone: ')

        window.restore_button.click()
        box = window.confirm_box
        assert box is not None and box.isVisible()
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.No).click()  # keep the current value
        qtbot.wait(50)
        assert _phone(hub) == "01632 960999"

        window.restore_button.click()
        box = window.confirm_box
        assert box is not None
        box.button(QMessageBox.StandardButton.Yes).click()
        qtbot.waitUntil(lambda: window.restores == 1, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: window.loads == 2, timeout=TIMEOUT)
        assert _phone(hub) == "01632 960111"
        assert "Restored" in window.message.text()
        sync_once(hub)
        sync_once(b)
        assert _phone(b) == "01632 960111"  # and it wins everywhere


def test_conflicts_fold_into_two_columns_when_six_do_not_fit(
        qtbot: QtBot, qapp: QApplication, net: Net, runner: TaskRunner) -> None:
    """Large text or a long record name: two columns of two lines, never a sideways
    scroll; back in six columns when they fit again."""
    long_name = "Example Community Transport and Dial-a-Ride Trust (fictional, North)"
    with net.open("hub", "b") as (hub, b):
        update_organisation(hub, hub.organisation_id, name=long_name, phone="01632 960111")
        sync_once(hub)
        sync_once(b)
        update_organisation(hub, hub.organisation_id, phone="01632 960222")
        update_organisation(b, b.organisation_id, phone="01632 960999")  # later: wins
        sync_once(hub)
        sync_once(b)
        sync_once(hub)
        window = _open_sync_window(qtbot, hub, runner)
        window.tabs.setCurrentWidget(window.conflicts_tab)
        model, table = window.conflicts_model, window.conflicts_table

        window.resize(1700, 700)
        qtbot.waitUntil(lambda: not model.compact, timeout=TIMEOUT)
        assert model.columnCount() == 6
        qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0, timeout=TIMEOUT)

        theme.apply_text_scale(qapp, 200)
        window.resize(900, 700)
        qtbot.waitUntil(lambda: model.compact, timeout=TIMEOUT)
        assert model.columnCount() == 2
        record, values = (model.text(model.row_at(0), c) for c in range(2))
        assert record == f'Organisation "{long_name}"\nPhone'
        assert values.startswith("Kept: 01632 960999 (b, ")
        assert "\nOther: 01632 960222 (hub, " in values
        qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0, timeout=TIMEOUT)

        theme.apply_text_scale(qapp, 100)
        window.resize(1700, 700)
        qtbot.waitUntil(lambda: not model.compact, timeout=TIMEOUT)


def test_counter_staff_cannot_see_or_restore_conflicts(qtbot: QtBot, net: Net,
                                                       runner: TaskRunner) -> None:
    with net.open("hub", "b") as (hub, b):
        update_organisation(hub, hub.organisation_id, phone="01632 960111")
        update_organisation(b, b.organisation_id, phone="01632 960999")
        for site in (hub, b, hub):
            sync_once(site)
        conflict = list_conflicts(hub)[0]
        add_user(hub, "clerk", "Counter Clerk", "counter", PASSPHRASE)
    clerk = sign_in(net.sites["hub"], "clerk", PASSPHRASE)
    try:
        window = _open_sync_window(qtbot, clerk, runner)
        labels = [window.tabs.tabText(i) for i in range(window.tabs.count())]
        assert labels == ["&Sites", "&Problems"]
        assert window.conflicts_tab is None and window.view is not None
        assert window.view.conflicts is None
        with pytest.raises(NotAllowed):
            restore_conflict(clerk, conflict.id)  # the service refuses too
    finally:
        clerk.close()


def test_a_damaged_file_and_a_stray_file_show_in_problems(qtbot: QtBot, net: Net,
                                                          runner: TaskRunner) -> None:
    with net.open("hub", "b") as (hub, b):
        update_organisation(b, b.organisation_id, phone="01325 333333")
        sync_once(b)
        segment = own_segments(net.drop, b.site_id)[-1]
        data = bytearray(segment.read_bytes())
        data[-1] ^= 0x01  # the signature no longer matches
        segment.write_bytes(bytes(data))
        (segment.parent / "notes (conflicted copy).txt").write_text("not ours")
        report = sync_once(hub)
        assert report.quarantined == 1
        assert sync_status(hub).problems == 1

        window = _open_sync_window(qtbot, hub, runner)
        window.tabs.setCurrentIndex(window.tabs.count() - 1)
        model = window.problems_model
        assert model.rowCount() == 1
        row = [model.text(model.row_at(0), c) for c in range(5)]
        assert row[0] == "b" and row[1] == segment.stem.lstrip("0")
        assert row[2] == "Set aside" and "signature" in row[4]
        items = [window.ignored.item(i).text() for i in range(window.ignored.count())]
        assert any("conflicted copy" in name for name in items), items
        assert _phone(hub) != "01325 333333"  # never half-applied


def test_a_round_reports_progress_file_by_file(qtbot: QtBot, net: Net,
                                              runner: TaskRunner) -> None:
    with net.open("hub", "b") as (hub, b):
        for n in range(3):  # three files from b waiting in the shared folder
            update_organisation(b, b.organisation_id, phone=f"01325 00000{n}")
            sync_once(b)
        window = MainWindow(hub, runner)
        qtbot.addWidget(window)
        bar, controller = window.sync_bar, window.sync_bar.controller
        seen: list[tuple[int, int]] = []
        shown: list[str] = []

        def record(done: int, total: int) -> None:
            seen.append((done, total))
            shown.append(bar.state_label.text())

        controller.progress.connect(record)
        qtbot.waitUntil(lambda: controller.rounds == 1, timeout=TIMEOUT)
        assert seen[-1] == (3, 3) and [d for d, _t in seen] == sorted(d for d, _t in seen)
        assert "Syncing: 3 of 3 done" in shown
        assert controller.last_report is not None
        assert controller.last_report.imported_segments == 3
        assert _phone(hub) == "01325 000002"
        qtbot.waitUntil(lambda: bar.state_label.text().startswith("Synced "), timeout=TIMEOUT)
        assert not bar.progress.isVisible()


def test_the_sync_interval_is_chosen_in_the_sync_window_and_remembered(
        qtbot: QtBot, hub: Workspace, runner: TaskRunner) -> None:
    from csn_desk.ui.sync.controller import interval_label, interval_minutes

    assert [interval_label(m) for m in (1, 5, 60, 120)] == [
        "minute", "5 minutes", "hour", "2 hours"]
    window = _open_sync_window(qtbot, hub, runner)
    assert window.interval.currentText() == "5 minutes"  # the default
    assert window.controller.sync_timer.interval() == 5 * 60_000
    window.interval.setFocus()
    qtbot.keyClick(window.interval, Qt.Key.Key_Down)  # the keyboard alone changes it
    qtbot.waitUntil(lambda: window.controller.sync_timer.interval() == 10 * 60_000,
                    timeout=TIMEOUT)
    assert interval_minutes() == 10 and window.interval.currentText() == "10 minutes"
    again = _open_sync_window(qtbot, hub, runner)
    assert again.interval.currentText() == "10 minutes"
    assert again.controller.sync_timer.interval() == 10 * 60_000
