"""Admin > Network, driven like an administrator would: create a network in a real shared
folder, a second site asks to join, the first approves it after typing the fingerprint it
was read, and a site is removed (a new key epoch). Real data folders, real drop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from csn_desk.sync import network_info
from csn_desk.ui.admin.network_tab import NetworkTab
from csn_desk.ui.admin.page import AdminPage
from csn_desk.ui.sync.words import spoken_fingerprint
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.sync.kit import build_network, new_site, open_site

TIMEOUT = 20000


@pytest.fixture
def two_new_sites(tmp_path: Path) -> Iterator[tuple[Workspace, Workspace, Path]]:
    drop = tmp_path / "drop"
    drop.mkdir()
    hub = new_site(tmp_path / "hub", "Hub", "CSN Hub")
    counter = new_site(tmp_path / "counter", "Counter A", "Age UK (set up here)")
    yield hub, counter, drop
    hub.close()
    counter.close()


def _tab(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> NetworkTab:
    tab = NetworkTab(ws, runner)
    qtbot.addWidget(tab)
    tab.resize(900, 900)
    tab.show()
    qtbot.waitUntil(lambda: tab.loads == 1, timeout=TIMEOUT)
    return tab


def _after(qtbot: QtBot, tab: NetworkTab, actions: int) -> None:
    qtbot.waitUntil(lambda: tab.done_actions == actions and not tab.runner.busy,
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not tab._busy, timeout=TIMEOUT)


def test_the_network_tab_is_on_the_admin_page(qtbot: QtBot, ws: Workspace,
                                               runner: TaskRunner) -> None:
    page = AdminPage(ws, runner)
    qtbot.addWidget(page)
    page.show_tab("network")
    tab = page.tab["network"]
    assert isinstance(tab, NetworkTab)
    qtbot.waitUntil(lambda: tab.loads == 1, timeout=TIMEOUT)
    assert tab.setup_box.isVisibleTo(page) and not tab.enrolled_box.isVisibleTo(page)
    assert tab.heading.text() == "This site is not part of a network."


def test_create_ask_to_join_and_approve(qtbot: QtBot, runner: TaskRunner,
                                        two_new_sites: tuple[Workspace, Workspace, Path],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    hub_ws, counter_ws, drop = two_new_sites
    hub = _tab(qtbot, hub_ws, runner)

    hub.create_button.click()  # no folder yet: says what to do, nothing written
    assert hub.message.is_error and "Choose the shared folder" in hub.message.text()
    assert list(drop.iterdir()) == []

    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *_a, **_k: str(drop)))
    hub.choose_button.click()
    assert hub.folder.text() == str(drop)
    qtbot.keyClicks(hub.network_name, "Darlington CSN")
    hub.create_button.click()
    _after(qtbot, hub, 1)
    info = network_info(hub_ws)
    assert info is not None and info.name == "Darlington CSN" and info.is_admin
    assert hub.enrolled_box.isVisible() and not hub.setup_box.isVisible()
    assert hub.heading.text() == "Network: Darlington CSN"
    assert hub.own_fingerprint.text() == spoken_fingerprint(info.fingerprint)
    assert hub.members_model.rowCount() == 1
    assert hub.requests_note.text() == "No site is asking to join just now."

    counter = _tab(qtbot, counter_ws, runner)
    counter.folder.setText(str(drop))
    counter.join_button.click()
    _after(qtbot, counter, 1)
    asked = network_info(counter_ws)
    assert asked is not None and asked.state == "requested"
    assert counter.waiting_box.isVisible() and not counter.setup_box.isVisible()
    told = asked.fingerprint  # what the counter reads out over the phone
    assert counter.waiting_fingerprint.text() == spoken_fingerprint(told)
    assert len(counter.waiting_fingerprint.text().split()) == 4  # in groups, read aloud

    hub.refresh_button.click()
    qtbot.waitUntil(lambda: hub.requests_model.rowCount() == 1, timeout=TIMEOUT)
    assert not hub.approve_button.isEnabled()  # nothing chosen yet
    hub.requests.selectRow(0)
    assert hub.approve_button.isEnabled()
    hub.approve_button.click()
    dialog = hub.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.organisation.currentText() == "Age UK (set up here)"

    qtbot.keyClicks(dialog.typed, "AAAA-BBBB-CCCC-DDDD")  # misheard: refused, not sent
    dialog.approve_button.click()
    assert dialog.isVisible() and dialog.message.is_error
    assert hub.done_actions == 1

    dialog.typed.setText(told.lower().replace("-", " "))  # as typed while listening
    dialog.organisation.setCurrentText("Age UK")
    dialog.approve_button.click()
    _after(qtbot, hub, 2)
    assert "approved into Age UK" in hub.message.text(), hub.message.text()
    assert hub.members_model.rowCount() == 2
    assert hub.requests_model.rowCount() == 0
    names = {s.name: s.organisation_name for s in network_info(hub_ws).sites}  # type: ignore[union-attr]
    assert names == {"Hub": "CSN Hub", "Counter A": "Age UK"}


def test_remove_site_asks_first_and_starts_a_new_epoch(qtbot: QtBot, runner: TaskRunner,
                                                       tmp_path: Path) -> None:
    net = build_network(tmp_path / "net", [("hub", "CSN Hub"), ("a", "Age UK")], sync=False)
    hub_ws = open_site(net.sites["hub"])
    try:
        tab = _tab(qtbot, hub_ws, runner)
        assert tab.members_model.rowCount() == 2
        own = [i for i in range(2) if tab.members_model.row_at(i).is_self][0]
        tab.members.selectRow(own)
        assert not tab.remove_button.isEnabled()  # a site cannot remove itself
        tab.members.selectRow(1 - own)
        assert tab.remove_button.isEnabled()

        tab.remove_button.click()
        box = tab.confirm_box
        assert box is not None and box.isVisible()
        assert "new set of keys" in box.text()
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.No).click()
        qtbot.wait(50)
        assert network_info(hub_ws).epoch == 1  # type: ignore[union-attr]

        tab.members.selectRow(1 - own)
        tab.remove_button.click()
        box = tab.confirm_box
        assert box is not None
        box.button(QMessageBox.StandardButton.Yes).click()
        _after(qtbot, tab, 1)
        info = network_info(hub_ws)
        assert info is not None and info.epoch == 2
        assert {s.name: s.status for s in info.sites} == {"hub": "active", "a": "removed"}
        assert "epoch 2" in tab.message.text()
    finally:
        hub_ws.close()
