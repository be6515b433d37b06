"""The rights actions on the Clients page, driven with the keyboard and mouse on a real
encrypted workspace: a subject access pack made in the background (and the user told the
files are plaintext and where they are), restricting and lifting with the banner, erasure
only after ERASE is typed, and the buttons disabled with the reason for other roles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from csn_desk.accounts import add_user, sign_in
from csn_desk.clients import ClientInput, add_client, find_clients, get_client
from csn_desk.protection.subject_requests import requests_for
from csn_desk.ui.clients.page import ClientsPage
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE

TIMEOUT = 15000
SHOTS = Path("/tmp/csn-rights-shots")


def _person(ws: Workspace) -> str:
    return add_client(ws, ClientInput("Margaret", "Thornquill", date_of_birth=date(1941, 3, 9),
                                      postcode="DL1 4QB", preferred_format="large18"))


def _open(qtbot: QtBot, ws: Workspace, runner: TaskRunner, client_id: str) -> ClientsPage:
    page = ClientsPage(ws, runner)
    qtbot.addWidget(page)
    page.resize(1100, 720)
    page.show()
    page.open_client_id(client_id)
    qtbot.waitUntil(lambda: page.opens == 1, timeout=TIMEOUT)
    return page


def _shot(page: ClientsPage, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.grab().save(str(SHOTS / f"{name}.png"))


def test_subject_access_pack_runs_in_background_and_says_where(
        qtbot: QtBot, ws: Workspace, runner: TaskRunner, tmp_path: Path) -> None:
    cid = _person(ws)
    page = _open(qtbot, ws, runner, cid)
    rights = page.rights
    assert rights.sar_button.isEnabled()
    rights.choose_folder = lambda: str(tmp_path)
    qtbot.mouseClick(rights.sar_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rights.done == 1, timeout=TIMEOUT)
    said = rights.status.text()
    assert "not encrypted" in said and str(tmp_path) in said
    assert rights.last_pack is not None and rights.last_pack.pdf_path.exists()
    assert rights.last_pack.pdf_path.name in said
    assert [r.kind for r in requests_for(ws, cid)] == ["sar"]
    _shot(page, "sar-done")


def test_restrict_then_lift_with_banner(qtbot: QtBot, ws: Workspace,
                                        runner: TaskRunner) -> None:
    cid = _person(ws)
    page = _open(qtbot, ws, runner, cid)
    rights = page.rights
    assert not rights.banner.isVisible()
    qtbot.mouseClick(rights.restrict_button, Qt.MouseButton.LeftButton)
    dialog = rights.restrict_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.reason.setCurrentIndex(dialog.reason.findData("accuracy_contested"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rights.done == 1, timeout=TIMEOUT)
    assert get_client(ws, cid).restricted
    assert rights.banner.isVisible()
    assert rights.banner.text().startswith("Restricted:")
    assert "says the record is wrong" in rights.banner.text()
    assert rights.restrict_button.text().replace("&", "") == "Lift restriction"
    assert page.view is not None and page.view.detail.restricted
    _shot(page, "restricted")

    qtbot.mouseClick(rights.restrict_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rights.done == 2, timeout=TIMEOUT)
    assert not get_client(ws, cid).restricted
    assert not rights.banner.isVisible()
    assert rights.restrict_button.text().replace("&", "") == "Restrict use..."


def test_erase_needs_the_word_typed(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> None:
    cid = _person(ws)
    page = _open(qtbot, ws, runner, cid)
    rights = page.rights
    qtbot.mouseClick(rights.erase_button, Qt.MouseButton.LeftButton)
    dialog = rights.erase_dialog
    assert dialog is not None and dialog.isVisible()
    assert "cannot be undone" in dialog.findChildren(type(rights.status))[0].text()
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.confirm, "erase")  # lower case is not enough
    assert not dialog.ok_button.isEnabled()
    dialog.confirm.clear()
    qtbot.keyClicks(dialog.confirm, "ERASE")
    assert dialog.ok_button.isEnabled()
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "erase-dialog.png"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rights.done == 1, timeout=TIMEOUT)
    assert find_clients(ws, "Thornquill") == []
    assert rights.banner.text().startswith("Erased:")
    assert not rights.erase_button.isEnabled() and not rights.sar_button.isEnabled()
    assert page.view is None and page.name_label.text() == "Record erased"
    family = page.fields["family_name"]
    assert isinstance(family, QLineEdit) and "Thornquill" not in family.text()
    _shot(page, "erased")


def test_cancelled_erase_changes_nothing(qtbot: QtBot, ws: Workspace,
                                         runner: TaskRunner) -> None:
    cid = _person(ws)
    page = _open(qtbot, ws, runner, cid)
    qtbot.mouseClick(page.rights.erase_button, Qt.MouseButton.LeftButton)
    dialog = page.rights.erase_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.confirm, "ERASE")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert get_client(ws, cid).family_name == "Thornquill"
    assert page.rights.done == 0


def test_other_roles_see_the_buttons_disabled_with_the_reason(
        qtbot: QtBot, ws: Workspace, runner: TaskRunner, data_dir: Path) -> None:
    cid = _person(ws)
    add_user(ws, "cal.c", "Cal Counter", "counter", PASSPHRASE, check_strength=False)
    cal = sign_in(data_dir, "cal.c", PASSPHRASE)
    try:
        page = _open(qtbot, cal, runner, cid)
        rights = page.rights
        for button in (rights.sar_button, rights.restrict_button, rights.erase_button):
            assert not button.isEnabled()
            assert "Only administrators" in button.toolTip()
        assert rights.why_not.isVisible()
        assert "Only administrators can produce a subject access pack" in rights.why_not.text()
        _shot(page, "counter-view")
    finally:
        cal.close()
