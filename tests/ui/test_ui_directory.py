"""The directory panel on a real encrypted workspace with the starter directory: results match
the search service for the filters shown, stale results are dropped, details and choosing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from csn_desk.directory.search import SearchFilters, search_services
from csn_desk.directory.starter import load_starter_directory
from csn_desk.ui.directory.panel import RESULT_LIMIT, ChosenReferral, DirectoryPage, DirectoryPanel
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

WAIT_MS = 10_000


@pytest.fixture
def directory_ws(ws: Workspace) -> Workspace:
    load_starter_directory(ws)
    return ws


@pytest.fixture
def panel(qtbot: QtBot, directory_ws: Workspace, runner: TaskRunner) -> Iterator[DirectoryPanel]:
    widget = DirectoryPanel(directory_ws, runner)
    qtbot.addWidget(widget)
    widget.resize(700, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.shown_query is not None, timeout=WAIT_MS)
    yield widget


def settle(qtbot: QtBot, panel: DirectoryPanel) -> None:
    """Wait until no search is running or pending."""
    qtbot.waitUntil(lambda: panel._task is None and not panel._pending, timeout=WAIT_MS)


def shown_ids(panel: DirectoryPanel) -> list[str]:
    return [h.id for h in panel.hits]


def test_filters_change_results(panel: DirectoryPanel, qtbot: QtBot,
                                directory_ws: Workspace) -> None:
    settle(qtbot, panel)
    everything = shown_ids(panel)
    assert len(everything) > 5
    assert panel.results.count() == len(everything)

    panel.category.setCurrentIndex(panel.category.findData("transport"))
    settle(qtbot, panel)
    transport = shown_ids(panel)
    expected = search_services(directory_ws, "", SearchFilters(category="transport"),
                               RESULT_LIMIT)
    assert transport == [h.id for h in expected]
    assert 0 < len(transport) < len(everything)
    assert all("transport" in h.category_codes for h in panel.hits)

    panel.category.setCurrentIndex(0)
    panel.free_only.setChecked(True)
    settle(qtbot, panel)
    free = search_services(directory_ws, "", SearchFilters(free_only=True), RESULT_LIMIT)
    assert shown_ids(panel) == [h.id for h in free]
    assert shown_ids(panel) != everything

    panel.free_only.setChecked(False)
    panel.area.setText("dl1 1aa")  # a full postcode counts as its district
    panel.age.setCurrentIndex(panel.age.findData("65_79"))
    settle(qtbot, panel)
    assert panel.filters().area == "DL1"
    fitted = search_services(directory_ws, "", SearchFilters(area="DL1", age_band="65_79"),
                             RESULT_LIMIT)
    assert shown_ids(panel) == [h.id for h in fitted]
    # Fit facts are in words on every result.
    for row in range(panel.results.count()):
        text = panel.results.item(row).text()
        assert "Age:" in text and "Area:" in text


def test_typing_fast_shows_only_the_latest_results(panel: DirectoryPanel, qtbot: QtBot,
                                                   directory_ws: Workspace) -> None:
    shown: list[str] = []
    panel.results_shown.connect(shown.append)
    qtbot.keyClicks(panel.search, "befriending")  # eleven keystrokes, no waiting
    settle(qtbot, panel)
    assert panel.shown_query == "befriending"
    assert shown[-1] == "befriending"
    assert panel.searches < 11 + 1  # coalesced: never more searches than keystrokes
    assert [h.id for h in panel.hits] == [
        h.id for h in search_services(directory_ws, "befriending", limit=RESULT_LIMIT)]
    assert any("Befriending" in h.name for h in panel.hits)


def test_details_pane_and_choosing(panel: DirectoryPanel, qtbot: QtBot) -> None:
    chosen: list[ChosenReferral] = []
    panel.referral_chosen.connect(chosen.append)
    panel.search.setText("bathing community")
    settle(qtbot, panel)
    assert panel.hits
    panel.results.setFocus()
    panel.results.setCurrentRow(0)
    qtbot.waitUntil(lambda: "Run by" in panel.details.toPlainText(), timeout=WAIT_MS)
    details = panel.details.toPlainText()
    for heading in ("Contact", "Where", "When", "Cost", "Checked"):
        assert heading in details
    assert "Age UK Darlington" in details
    assert "£13.00" in details  # the starter directory's price for bathing

    qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    assert len(chosen) == 1
    assert chosen[0].draft.kind == "signposted"
    assert chosen[0].draft.service_id == panel.hits[0].id
    assert chosen[0].draft.follow_up_due == date.today() + timedelta(days=14)
    qtbot.keyClick(panel.results, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert chosen[-1].draft.kind == "information"
    assert chosen[-1].draft.follow_up_due is None


def test_directory_page_has_no_enquiry_actions(qtbot: QtBot, directory_ws: Workspace,
                                               runner: TaskRunner) -> None:
    page = DirectoryPage(directory_ws, runner)
    qtbot.addWidget(page)
    page.show()
    qtbot.keyClicks(page.panel.search, "shopmobility")
    qtbot.waitUntil(lambda: page.panel.shown_query == "shopmobility", timeout=WAIT_MS)
    assert page.panel.hits and page.panel.hits[0].name == "Shopmobility"
    assert page.panel.choose() is None
    assert not hasattr(page.panel, "add_button")
