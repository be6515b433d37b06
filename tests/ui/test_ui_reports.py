"""The Reports page on a real encrypted demo workspace: it counts in the background when
first shown, fills the summary, the charts (each bar labelled with its number) and their
tables, switches month/date range and place, saves XLSX/CSV/PDF through the task runner, is
named for screen readers and still usable at 200% text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QApplication, QTableView
from pytestqt.qtbot import QtBot

from csn_desk.demo.generate import create_demo
from csn_desk.reports.periods import month
from csn_desk.ui import theme
from csn_desk.ui.main_window import MainWindow
from csn_desk.ui.reports.page import RANGE, ReportsPage
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace
from tests.ui.test_ui_accessibility import problems

TIMEOUT = 30000


@pytest.fixture(autouse=True)
def app_theme(qapp: QApplication) -> None:
    """The app's own look (its stylesheet), at 100% text size."""
    theme.apply_text_scale(qapp, 100)


@pytest.fixture
def demo_ws(tmp_path: Path) -> Iterator[Workspace]:
    ws, _summary = create_demo(tmp_path / "demo", enquiries=400, seed=4,
                               anchor=date(2026, 11, 25))
    yield ws
    ws.close()


def _page(qtbot: QtBot, ws: Workspace, runner: TaskRunner) -> ReportsPage:
    page = ReportsPage(ws, runner)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    qtbot.waitUntil(lambda: page.loads >= 1, timeout=TIMEOUT)
    return page


def _reload(qtbot: QtBot, page: ReportsPage) -> None:
    before = page.loads
    page.refresh()
    qtbot.waitUntil(lambda: page.loads > before, timeout=TIMEOUT)


def _choose_month(page: ReportsPage, key: str) -> None:
    page.month.setCurrentIndex(page.month.findText(month(key).label))


def test_counts_in_the_background_and_fills_tables_and_charts(
        qtbot: QtBot, demo_ws: Workspace, runner: TaskRunner) -> None:
    page = _page(qtbot, demo_ws, runner)
    assert page.tallies is not None  # the last whole month, for the organisation
    assert page.tallies.scope == "organisation" and page.hide_small.isChecked()
    _choose_month(page, "2026-10")
    page.hide_small.setChecked(False)
    _reload(qtbot, page)
    t = page.tallies
    assert t is not None and t.period == month("2026-10") and not t.suppressed
    summary = page.summary_model
    assert summary.index(0, 0).data() == "Enquiries"
    assert summary.index(0, 1).data() == t.summary.rows[0].cells[0].text
    needs = page.chart_tabs["needs"]
    labels = needs.chart.labels
    table = t.table("needs")
    assert labels[0] == f"{table.rows[0].label}: {table.rows[0].cells[0].text}"
    assert len(labels) == len(table.rows) - 1  # every category, not the total
    assert needs.model.rowCount() == len(table.rows)
    trend = page.trend_chart.labels
    assert len(trend) == 12 and trend[-1].startswith("Oct 2026: ")
    page.trend_need.setCurrentIndex(page.trend_need.findData("money_benefits"))
    assert page.trend_model.columns[2] == "Money and benefits"
    assert page.trend_chart.labels[-1] == (
        f"Oct 2026: {t.trend[-1].by_need['money_benefits'].text}")
    page.other_choice.setCurrentIndex(page.other_choice.findData("channels"))
    assert page.other_model.rowCount() == len(t.table("channels").rows)


def test_hidden_numbers_date_range_and_places(qtbot: QtBot, demo_ws: Workspace,
                                              runner: TaskRunner) -> None:
    page = _page(qtbot, demo_ws, runner)
    _choose_month(page, "2026-10")
    _reload(qtbot, page)
    assert page.tallies is not None and page.tallies.suppressed
    shown = [page.summary_model.index(r, c).data() for r in range(page.summary_model.rowCount())
             for c in range(1, 4)]
    assert not [s for s in shown if s in ("1", "2", "3", "4")]
    # A date range gives exact figures only: the box is unticked and disabled.
    page.kind.setCurrentIndex(page.kind.findData(RANGE))
    assert not page.hide_small.isChecked() and not page.hide_small.isEnabled()
    assert page.fields[page.start].isVisible() and not page.fields[page.month].isVisible()
    page.start.setDate(QDate(2026, 10, 1))
    page.end.setDate(QDate(2026, 10, 15))
    _reload(qtbot, page)
    assert page.tallies is not None and page.tallies.period.label.startswith("1 October")
    # The network always hides small numbers.
    page.kind.setCurrentIndex(0)
    labels = [page.place.itemText(i) for i in range(page.place.count())]
    assert labels[0].startswith("This site: ") and labels[-1] == "Whole network"
    assert any(label.startswith("Organisation: ") for label in labels)
    page.place.setCurrentIndex(page.place.count() - 1)
    assert page.hide_small.isChecked() and not page.hide_small.isEnabled()
    _reload(qtbot, page)
    assert page.tallies is not None and page.tallies.scope == "network"
    # An impossible date range is said, not counted.
    page.kind.setCurrentIndex(page.kind.findData(RANGE))
    page.start.setDate(QDate(2026, 10, 10))
    page.end.setDate(QDate(2026, 10, 1))
    page.refresh()
    assert "end date is before" in page.status.text()


def test_saves_each_format_in_the_background(qtbot: QtBot, demo_ws: Workspace,
                                             runner: TaskRunner, tmp_path: Path) -> None:
    page = _page(qtbot, demo_ws, runner)
    for fmt in ("xlsx", "csv", "pdf"):
        before = page.saves
        page.export_to(tmp_path / f"tallies.{fmt}", fmt)
        assert not page.export_buttons[fmt].isEnabled()  # busy while saving
        qtbot.waitUntil(lambda b=before: page.saves > b, timeout=TIMEOUT)
        assert page.last_export is not None and page.last_export.path.exists()
        assert f"Saved as tallies.{fmt}" in page.status.text()
    book = openpyxl.load_workbook(tmp_path / "tallies.xlsx")
    assert "Definitions" in book.sheetnames
    page.export_to(tmp_path / "no-ending", "csv")
    qtbot.waitUntil((tmp_path / "no-ending.csv").exists, timeout=TIMEOUT)


def test_named_for_screen_readers_and_usable_at_200_percent(
        qtbot: QtBot, qapp: QApplication, demo_ws: Workspace, runner: TaskRunner) -> None:
    window = MainWindow(demo_ws, runner)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.show_page("reports")
    page = window.pages["reports"]
    assert isinstance(page, ReportsPage)
    qtbot.waitUntil(lambda: page.loads >= 1, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    found = []
    for index in range(page.tabs.count()):
        page.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        found += problems(window, f"reports tab {index}")
    assert not found, "\n".join(found)
    for chart in [page.trend_chart, *(t.chart for t in page.chart_tabs.values())]:
        assert chart.accessibleName().startswith("Chart: ")
        assert not chart.focusPolicy()  # the table beside it is what Tab reaches
    theme.apply_text_scale(qapp, 200)
    qtbot.wait(50)
    page.tabs.setCurrentIndex(0)
    assert page.show_button.isVisible() and page.export_buttons["pdf"].isVisible()
    view = page.summary_table
    assert isinstance(view, QTableView) and view.isVisible()
    # The summary's label column and numbers are readable: rows are as tall as their text.
    metrics = view.fontMetrics()
    assert view.rowHeight(0) >= metrics.height()


def test_tables_out_of_sight_when_figures_arrive_are_fitted_when_seen(
        qtbot: QtBot, qapp: QApplication, demo_ws: Workspace, runner: TaskRunner) -> None:
    """Only the table in sight is fitted when the figures arrive (so the window is not held
    up); each other one is fitted to its text when its tab is opened: at 200% text on a
    narrow page the long labels wrap, and every row is as tall as its text needs."""
    theme.apply_text_scale(qapp, 200)
    page = _page(qtbot, demo_ws, runner)
    page.resize(760, 800)
    page.tabs.setCurrentIndex(0)
    _reload(qtbot, page)  # arrives with only the summary in sight
    views = [page.tabs.widget(i).findChild(QTableView) or page.tabs.widget(i)
             for i in range(1, page.tabs.count())]
    wrapped = 0
    for index, view in enumerate(views, start=1):
        assert isinstance(view, QTableView)
        page.tabs.setCurrentIndex(index)
        qtbot.waitUntil(view.isVisible, timeout=TIMEOUT)
        for row in range(view.model().rowCount()):
            assert view.rowHeight(row) >= view.sizeHintForRow(row), (index, row)
            wrapped += view.rowHeight(row) > 2 * view.fontMetrics().height()
    assert wrapped  # (some labels did wrap: the check above had something to check)
