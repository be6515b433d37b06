"""Admin > Users and Admin > Audit log, real widgets on a real data folder: add a user through
the dialog (strength shown, OK only when acceptable), disable, enable, change role, reset with
the recovery key; filter the log, page it, and check the chain (intact, then tampered)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from csn_desk.accounts import list_users, sign_in
from csn_desk.clients import ClientInput, add_client, get_client
from csn_desk.errors import UnknownUser
from csn_desk.ui.admin.audit_tab import AuditTab
from csn_desk.ui.admin.page import AdminPage
from csn_desk.ui.admin.users_tab import AddUserDialog, NewPassphraseDialog, RoleDialog, UsersTab
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.store.storekit import raw

NEW = "silver-harbour-lantern-77"


def _filler(fill: Callable[[QDialog], None]) -> Callable[[QDialog], int]:
    def run(dialog: QDialog) -> int:
        fill(dialog)
        return 1 if dialog.ok.isEnabled() else 0  # type: ignore[attr-defined]
    return run


def _roles(ws: Workspace) -> dict[str, tuple[str, bool]]:
    return {r.username: (r.role, r.active) for r in list_users(ws)}


def test_users_tab_add_disable_enable_role_and_reset(
        qtbot: QtBot, new_workspace: tuple[Workspace, str], data_dir: Path,
        runner: TaskRunner) -> None:
    ws, recovery = new_workspace
    tab = UsersTab(ws, runner)
    qtbot.addWidget(tab)
    tab.resize(1000, 640)
    tab.show()
    qtbot.waitUntil(lambda: tab.loads == 1)
    assert tab.model.rowCount() == 1 and not tab.disable_button.isEnabled()

    # the dialog refuses a weak passphrase, then accepts a good one
    seen: list[str] = []

    def fill_add(d: QDialog) -> None:
        assert isinstance(d, AddUserDialog)
        d.name.setText("Cal Counter")
        d.username.setText("cal.c")
        d.role.setCurrentIndex(d.role.findData("coordinator"))
        d.secret.passphrase.setText("password1234")
        d.secret.repeat.setText("password1234")
        assert not d.ok.isEnabled() and "common" in d.problem.text()
        seen.append(d.secret.strength.text())
        d.secret.passphrase.setText(NEW)
        d.secret.repeat.setText(NEW)
        seen.append(d.secret.strength.text())
        d.resize(720, d.sizeHint().height())
        d.grab().save("/tmp/ui_add_user.png")

    tab.exec_dialog = _filler(fill_add)
    qtbot.mouseClick(tab.add_button, qtbot_button())
    qtbot.waitUntil(lambda: tab.loads == 2)
    assert seen[0] in ("Strength: Very weak", "Strength: Weak") and seen[1] in ("Strength: Strong",
                                                            "Strength: Very strong")
    assert _roles(ws)["cal.c"] == ("coordinator", True)
    assert tab.selected() is not None and tab.selected().username == "cal.c"  # type: ignore[union-attr]
    assert "Added cal.c as Coordinator" in tab.message.shown_text()
    tab.grab().save("/tmp/ui_users_tab.png")

    def fill_role(d: QDialog) -> None:
        assert isinstance(d, RoleDialog)
        d.role.setCurrentIndex(d.role.findData("manager"))

    tab.exec_dialog = _filler(fill_role)
    tab.role_button.click()
    qtbot.waitUntil(lambda: tab.loads == 3)
    assert _roles(ws)["cal.c"] == ("manager", True)

    tab.disable_button.click()
    qtbot.waitUntil(lambda: tab.loads == 4)
    assert _roles(ws)["cal.c"] == ("manager", False)
    assert tab.enable_button.isEnabled() and not tab.disable_button.isEnabled()
    with pytest.raises(UnknownUser):
        sign_in(data_dir, "cal.c", NEW)

    def fill_enable(d: QDialog) -> None:
        assert isinstance(d, NewPassphraseDialog) and d.recovery is None
        d.secret.passphrase.setText(PASSPHRASE)
        d.secret.repeat.setText(PASSPHRASE)

    tab.exec_dialog = _filler(fill_enable)
    tab.enable_button.click()
    qtbot.waitUntil(lambda: tab.loads == 5)
    sign_in(data_dir, "cal.c", PASSPHRASE).close()

    def fill_reset(d: QDialog) -> None:
        assert isinstance(d, NewPassphraseDialog) and d.recovery is not None
        assert not d.ok.isEnabled()  # no recovery key yet
        d.recovery.setText(recovery)
        d.secret.passphrase.setText(NEW)
        d.secret.repeat.setText(NEW)
        d.resize(720, d.sizeHint().height())
        d.grab().save("/tmp/ui_reset.png")

    tab.exec_dialog = _filler(fill_reset)
    tab.reset_button.click()
    qtbot.waitUntil(lambda: tab.loads == 6)
    sign_in(data_dir, "cal.c", NEW).close()

    # the last administrator cannot be demoted: the tab says so, nothing changes
    tab.table.selectRow([r.username for r in tab.model._rows].index("admin"))
    tab.exec_dialog = _filler(lambda d: d.role.setCurrentIndex(  # type: ignore[attr-defined]
        d.role.findData("counter")))  # type: ignore[attr-defined]
    tab.role_button.click()
    qtbot.waitUntil(lambda: tab.message.is_error)
    assert "last active administrator" in tab.message.shown_text()
    assert _roles(ws)["admin"] == ("admin", True)
    ws.close()


def qtbot_button():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    return Qt.MouseButton.LeftButton


def test_audit_tab_filters_pages_and_checks(qtbot: QtBot, ws: Workspace,
                                            runner: TaskRunner) -> None:
    cid = add_client(ws, ClientInput("Edith", "Crawley"))
    get_client(ws, cid)
    tab = AuditTab(ws, runner)
    qtbot.addWidget(tab)
    tab.resize(1100, 760)
    tab.show()
    qtbot.waitUntil(lambda: tab.loads == 1 and tab.who.count() == 2)
    total = tab.model.rowCount()
    assert total >= 4 and "newest first" in tab.count.text()
    assert tab.model.text(tab.model.row_at(0), 3) == "Viewed a client record"

    tab.what.setCurrentIndex(tab.what.findData("view:"))
    qtbot.mouseClick(tab.show_button, qtbot_button())
    qtbot.waitUntil(lambda: tab.loads == 2)
    assert tab.model.rowCount() == 1 and tab.model.row_at(0).entity_id == cid

    tab.what.setCurrentIndex(0)
    tab.record.setText(cid)
    tab.search()
    qtbot.waitUntil(lambda: tab.loads == 3)
    assert [r.action for r in tab.model._rows] == ["view:client", "create:client"]
    tab.record.clear()
    tab.search()
    qtbot.waitUntil(lambda: tab.loads == 4)
    tab.grab().save("/tmp/ui_audit_tab.png")

    tab.check_button.click()
    qtbot.waitUntil(lambda: tab.last_check is not None)
    assert tab.message.shown_text().startswith("Audit log intact:")
    assert not tab.message.is_error

    with raw(ws.db) as conn:
        conn.execute("UPDATE audit_event SET detail = 'x' WHERE seq = 2")
    tab.last_check = None
    tab.check_button.click()
    qtbot.waitUntil(lambda: tab.last_check is not None)
    assert tab.message.is_error and "entry 2 was changed" in tab.message.shown_text()
    tab.grab().save("/tmp/ui_audit_broken.png")


def test_admin_page_has_users_and_audit_tabs(qtbot: QtBot, ws: Workspace,
                                             runner: TaskRunner) -> None:
    page = AdminPage(ws, runner)
    qtbot.addWidget(page)
    assert isinstance(page.tab["users"], UsersTab)
    assert isinstance(page.tab["audit"], AuditTab)
    qtbot.waitUntil(lambda: page.tab["audit"].loads == 1)  # type: ignore[attr-defined]
