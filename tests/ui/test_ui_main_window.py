"""The main window on a real encrypted database: Today page, role filter, status bar,
remembered layout, text size."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from csn_desk.accounts import add_user, initialise, sign_in
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.ids import utcnow
from csn_desk.referrals import ReferralDraft
from csn_desk.timefmt import UK
from csn_desk.ui import settings, theme
from csn_desk.ui.login import DEMO_BANNER
from csn_desk.ui.main_window import MainWindow, placeholder_page
from csn_desk.ui.navigation import NAV_ITEMS, ROLE_PAGES
from csn_desk.ui.tasks import TaskRunner
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace
from tests.conftest import FAST_KDF, PASSPHRASE


def _enquiry(ws: Workspace, needs: tuple[str, ...], *, at: datetime | None = None,
             referrals: tuple[ReferralDraft, ...] = ()) -> str:
    draft = EnquiryDraft(channel="walk_in", enquirer_type="self",
                         needs=tuple(NeedInput(code) for code in needs), received_at=at)
    return save_enquiry(ws, draft, referrals)


def _window(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> MainWindow:
    window = MainWindow(ws, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.pages["today"].loads >= 1, timeout=10000)  # type: ignore[attr-defined]
    return window


def test_today_shows_todays_enquiries_and_follow_ups(qtbot: QtBot, ws: Workspace,
                                                     runner: TaskRunner) -> None:
    today_uk = datetime.now(UK).date()
    _enquiry(ws, ("transport",))
    _enquiry(ws, ("transport", "information"))
    _enquiry(ws, ("information",), referrals=(ReferralDraft(
        kind="signposted", external_service="Example lunch club", follow_up_due=today_uk),))
    _enquiry(ws, ("transport",), at=utcnow() - timedelta(days=3))
    _enquiry(ws, ("information",), at=utcnow() - timedelta(days=4), referrals=(ReferralDraft(
        kind="signposted", external_service="Later club",
        follow_up_due=today_uk + timedelta(days=5)),))

    window = _window(qtbot, ws, runner)
    page = window.pages["today"]
    assert page.enquiries_today.text() == "Enquiries today: 3"  # type: ignore[attr-defined]
    assert page.follow_ups.text() == "Follow-ups due by today: 1"  # type: ignore[attr-defined]
    model = page.model  # type: ignore[attr-defined]
    assert model.rowCount() == 5
    cells = [[model.index(r, c).data() for c in range(model.columnCount())]
             for r in range(model.rowCount())]
    needs = vocab("needs")
    assert cells[0][1] == needs.label("information")  # newest first
    assert cells[1][1] == f"{needs.label('information')}, {needs.label('transport')}"
    assert all(row[0].startswith("Today ") for row in cells[:3])
    assert not cells[3][0].startswith("Today")
    assert {row[3] for row in cells} == {"Test Counter"}
    assert {row[4] for row in cells} == {"Anonymous"}
    assert cells[0][2] == vocab("channels").label("walk_in")


def test_today_list_is_capped_at_twenty(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    for _ in range(23):
        _enquiry(ws, ("transport",))
    window = _window(qtbot, ws, runner)
    page = window.pages["today"]
    assert page.model.rowCount() == 20  # type: ignore[attr-defined]
    assert page.enquiries_today.text() == "Enquiries today: 23"  # type: ignore[attr-defined]


def test_today_refreshes_when_enquiries_change(qtbot: QtBot, ws: Workspace,
                                               runner: TaskRunner) -> None:
    window = _window(qtbot, ws, runner)
    page = window.pages["today"]
    assert page.model.rowCount() == 0  # type: ignore[attr-defined]
    assert "No enquiries" in page.status.text()  # type: ignore[attr-defined]
    _enquiry(ws, ("transport",))
    runner.notify_changed("enquiries")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)  # type: ignore[attr-defined]


def test_enquiry_model_passes_the_model_tester(qtbot: QtBot, ws: Workspace, runner: TaskRunner,
                                               qtmodeltester: object) -> None:
    _enquiry(ws, ("transport",))
    window = _window(qtbot, ws, runner)
    qtmodeltester.check(window.pages["today"].model)  # type: ignore[attr-defined]


def test_status_bar_names_user_site_and_sync(qtbot: QtBot, ws: Workspace,
                                             runner: TaskRunner) -> None:
    window = _window(qtbot, ws, runner)
    texts = [label.text() for label in window.statusBar().findChildren(QLabel)]
    assert "Signed in: admin (Administrator)" in texts
    assert "Site: Test Counter" in texts
    sync = window.sync_bar.state_label  # filled in from the database thread
    qtbot.waitUntil(lambda: sync.text() == "Not set up for sync", timeout=10000)
    assert "DEMO" not in window.windowTitle()


def test_every_role_has_a_navigation_rule() -> None:
    assert set(ROLE_PAGES) == set(vocab("roles").codes)
    known = {item.key for item in NAV_ITEMS}
    for pages in ROLE_PAGES.values():
        assert "today" in pages and pages <= known


def test_navigation_is_filtered_by_role(qtbot: QtBot, ws: Workspace, data_dir: Path,
                                        runner: TaskRunner) -> None:
    add_user(ws, "val.v", "Val Volunteer", "counter", PASSPHRASE, kdf=FAST_KDF,
             check_strength=False)
    admin_window = _window(qtbot, ws, runner)
    assert admin_window.page_keys() == [item.key for item in NAV_ITEMS]
    counter = sign_in(data_dir, "val.v", PASSPHRASE)
    try:
        window = _window(qtbot, counter, runner)
        assert window.page_keys() == ["today", "new_enquiry", "clients", "directory"]
        labels = [window.nav.item(i).text() for i in range(window.nav.count())]
        assert labels == ["Today", "New enquiry", "Clients", "Directory"]
        assert "follow_ups" not in window.pages and "admin" not in window.pages
        texts = [label.text() for label in window.statusBar().findChildren(QLabel)]
        assert "Signed in: Val Volunteer (Counter staff or volunteer)" in texts
    finally:
        runner.run_db(lambda _s: counter.close())


def test_every_page_is_built_and_a_placeholder_says_what_brings_it(
        qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    window = _window(qtbot, ws, runner)
    for key in ("reports", "admin"):  # the last two placeholders, now real pages
        window.show_page(key)
        assert window.current_page_key() == key
        assert window.stack.currentWidget() is window.pages[key]
        texts = [label.text() for label in window.pages[key].findChildren(QLabel)]
        assert not any(t.startswith("This page arrives") for t in texts), key
    window.nav.setCurrentRow(0)
    assert window.stack.currentWidget() is window.pages["today"]
    future = dataclasses.replace(NAV_ITEMS[-1], key="future", arrives_with="the next work")
    page = placeholder_page(future)
    assert "This page arrives with the next work." in [
        label.text() for label in page.findChildren(QLabel)]
    page.deleteLater()


def test_demo_workspace_is_marked(qtbot: QtBot, tmp_path: Path, runner: TaskRunner) -> None:
    demo_ws, _ = initialise(tmp_path / "demo", site_name="Demo Counter",
                            organisation_name="Demo Org", admin_username="demo",
                            passphrase=PASSPHRASE, demo=True, kdf=FAST_KDF)
    try:
        window = _window(qtbot, demo_ws, runner)
        assert "DEMO DATA" in window.windowTitle()
        assert DEMO_BANNER in [label.text() for label in window.findChildren(QLabel)]
    finally:
        runner.run_db(lambda _s: demo_ws.close())


def test_layout_is_remembered_without_personal_data(qtbot: QtBot, ws: Workspace,
                                                    runner: TaskRunner,
                                                    ui_settings_dir: Path) -> None:
    window = _window(qtbot, ws, runner)
    window.resize(1000, 700)  # within the test screen (1366 x 768)
    window.splitter.setSizes([260, 420])
    sizes = window.splitter.sizes()
    window.close()
    again = _window(qtbot, ws, runner)
    assert (again.width(), again.height()) == (1000, 700)
    assert again.splitter.sizes() == sizes
    stored = b"".join(p.read_bytes() for p in ui_settings_dir.rglob("*") if p.is_file())
    assert stored  # something was written...
    for secret in (b"admin", b"Test Counter", b"Test Org", str(ws.db.paths.root).encode()):
        assert secret not in stored  # ...but nothing about who or where


def test_text_size_setting_scales_the_app_font(qtbot: QtBot, ws: Workspace, runner: TaskRunner,
                                               qapp: QApplication) -> None:
    # (the autouse settings fixture puts the text size back to 100% afterwards)
    base = theme.base_point_size(qapp)
    assert base >= theme.MIN_BASE_PT
    window = _window(qtbot, ws, runner)
    window.text_size_actions[150].trigger()
    assert qapp.font().pointSizeF() == pytest.approx(base * 1.5)
    assert window.nav.font().pointSizeF() == pytest.approx(base * 1.5)
    assert settings.text_scale() == 150
    assert theme.apply_text_scale(qapp, 900) == 200  # clamped
    assert qapp.font().pointSizeF() == pytest.approx(base * 2)


def test_uk_time_follows_british_summer_time() -> None:
    from csn_desk.enquiries import EnquiryRow
    from csn_desk.ui.today.model import uk_time_text

    row = EnquiryRow("id", datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "Site", ("transport",),
                     "walk_in", False)
    assert uk_time_text(row, None) == "02/07/2026 00:30"
    winter = EnquiryRow("id", datetime(2026, 1, 10, 9, 5, tzinfo=UTC), "Site", (), "phone", True)
    assert uk_time_text(winter, None) == "10/01/2026 09:05"


def test_today_uses_the_uk_day(ws: Workspace) -> None:
    from csn_desk.ui.today.data import load_today

    _enquiry(ws, ("transport",), at=datetime(2026, 7, 1, 22, 30, tzinfo=UTC))  # 23:30 BST 1 Jul
    _enquiry(ws, ("transport",), at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC))  # 00:30 BST 2 Jul
    _enquiry(ws, ("transport",), at=datetime(2026, 7, 2, 9, 0, tzinfo=UTC))
    summary = load_today(ws, now=datetime(2026, 7, 2, 12, 0, tzinfo=UTC))
    assert str(summary.day) == "2026-07-02"
    assert summary.enquiries_today == 2
    assert len(summary.latest) == 3


def test_today_quick_new_enquiry_opens_the_form(qtbot: QtBot, ws: Workspace,
                                                runner: TaskRunner) -> None:
    window = _window(qtbot, ws, runner)
    today = window.pages["today"]
    qtbot.mouseClick(today.new_enquiry_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert window.current_page_key() == "new_enquiry"
    assert window.stack.currentWidget() is window.pages["new_enquiry"]


def test_idle_lock_keeps_unsaved_enquiry_notes(qtbot: QtBot, ws: Workspace,
                                               runner: TaskRunner) -> None:
    """The counter case: notes typed into a new enquiry survive the idle lock unsaved."""
    window = _window(qtbot, ws, runner)
    window.show_page("new_enquiry")
    notes = window.pages["new_enquiry"].notes  # type: ignore[attr-defined]
    notes.setFocus()
    qtbot.keyClicks(notes, "wants a lunch club near the station")
    lock = window.idle_lock
    lock.set_timing(idle_ms=200, warning_ms=100)
    qtbot.waitUntil(lambda: lock.locked, timeout=5000)
    assert not window.stack.isVisible() and not notes.isVisible()
    qtbot.keyClicks(lock.screen.passphrase, PASSPHRASE)
    with qtbot.waitSignal(lock.locked_changed, timeout=10000):
        qtbot.keyClick(lock.screen.passphrase, Qt.Key.Key_Return)
    assert notes.isVisible()
    assert notes.toPlainText() == "wants a lunch club near the station"
    lock.set_timing(0)
