"""The Reports page (managers and administrators): choose a month or a date range and a
place (a site, the organisation, the whole network), see the tallies as tables and as charts
(needs by month, needs, referral outcomes, unmet needs), and save them as Excel, CSV or a PDF
report.

All counting and saving runs on the task runner's database thread with progress; the window
never waits. Each load carries a number, and a result from an older load is dropped. Each
chart has its numbers in the table beside it (the table is what the keyboard reaches)."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QStandardPaths, Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from csn_desk.reports.exports import Exported
from csn_desk.reports.periods import Period, date_range
from csn_desk.reports.tables import Table
from csn_desk.reports.tallies import Tallies
from csn_desk.ui.reports import data
from csn_desk.ui.reports.charts import BarChart
from csn_desk.ui.reports.model import TallyTableModel, TrendTableModel
from csn_desk.ui.rows_model import rows_table
from csn_desk.ui.tasks import TaskRunner, TaskState
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

MONTH, RANGE = "month", "range"
EXPORTS = (("xlsx", "Save as E&xcel", "Excel workbook (*.xlsx)"),
           ("csv", "Save as &CSV", "CSV file (*.csv)"),
           ("pdf", "Save &PDF report", "PDF report (*.pdf)"))
# (tab title, tallies table key, chart title)
CHART_TABS = (("Needs", "needs", "Needs recorded"),
              ("Referral outcomes", "referral_outcomes", "Where referrals stand now"),
              ("Unmet needs", "unmet", "Needs not met, by reason"))


def _combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    return combo


def _table(model: Any, name: str) -> QTableView:
    view = rows_table(model, name)
    view.setWordWrap(True)
    view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    header = view.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    view.setMinimumHeight(view.fontMetrics().height() * 8)
    return view


MEASURED_ROWS = 300  # longer tables (services of a large network) get one-line rows


def _fit(view: QTableView) -> None:
    """Numbers as wide as they need, labels the rest; rows as tall as their text at the
    text size in use (measured for short tables; one line for very long ones)."""
    header = view.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, view.model().columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    line = view.fontMetrics().height() + 8
    view.verticalHeader().setMinimumSectionSize(line)
    view.verticalHeader().setDefaultSectionSize(line)
    long_table = view.model().rowCount() > MEASURED_ROWS
    view.setWordWrap(not long_table)
    if not long_table:
        view.resizeRowsToContents()


class _ChartTab(QWidget):
    """A chart with its table below it."""

    def __init__(self, title: str, table_name: str) -> None:
        super().__init__()
        self.chart = BarChart(f"Chart: {title}")
        self.model = TallyTableModel(self)
        self.table = _table(self.model, table_name)
        # The chart on top at full width (its labels end with the numbers, which must not
        # be cut short), the table below; the page scrolls when both do not fit.
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.chart)
        splitter.addWidget(self.table)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(splitter)


class ReportsPage(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.tallies: Tallies | None = None
        self.loads = 0  # completed loads (tests wait on it)
        self.saves = 0  # completed exports
        self.last_export: Exported | None = None
        self._generation = 0
        self._places: list[data.Place] = []
        self._started = False
        self._busy = False
        # Tables filled while out of sight: fitted when they are first seen (fitting every
        # table of the report at once held the window up ~0.1 s for tables nobody looked at).
        self._unfitted: set[QTableView] = set()

        heading = QLabel("Reports")
        heading.setObjectName("heading")

        # -- choosing what to count ---------------------------------------------------------
        self.kind = _combo("Period kind")
        self.kind.addItem("A calendar month", MONTH)
        self.kind.addItem("A date range", RANGE)
        self.month = _combo("Month")
        for period in data.recent_months():
            self.month.addItem(period.label, period)
        default = data.default_month()
        self.month.setCurrentIndex(max(0, self.month.findText(default.label)))
        self.start = QDateEdit()
        self.end = QDateEdit()
        for edit, name, day in ((self.start, "First day", default.start),
                                (self.end, "Last day", default.end)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setAccessibleName(name)
            edit.setDate(QDate(day.year, day.month, day.day))
        self.place = _combo("Place")
        self.hide_small = QCheckBox("&Hide small numbers (for sharing outside the "
                                    "organisation)")
        self.hide_small.setChecked(True)
        self.hide_small.setAccessibleName("Hide small numbers, for sharing outside the "
                                          "organisation")
        self.show_button = QPushButton("&Show figures")
        self.show_button.setDefault(True)
        self.show_button.setAccessibleName("Show the figures for the chosen period and place")
        self.show_button.setToolTip("Count the figures (F5)")
        self.show_button.clicked.connect(self.refresh)
        QShortcut(QKeySequence("F5"), self, self.refresh)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.place.currentIndexChanged.connect(self._place_changed)

        # Each control with its label above it, side by side; a hidden control (month or
        # date range) takes no room.
        controls = QHBoxLayout()
        controls.setSpacing(12)
        self.control_labels: dict[QWidget, QLabel] = {}
        self.fields: dict[QWidget, QWidget] = {}
        for text, widget, stretch in (("Per&iod", self.kind, 2), ("&Month", self.month, 2),
                                      ("Fro&m", self.start, 1), ("T&o", self.end, 1),
                                      ("P&lace", self.place, 3)):
            field = QWidget()
            column = QVBoxLayout(field)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            label = QLabel(text)
            label.setBuddy(widget)
            column.addWidget(label)
            column.addWidget(widget)
            self.control_labels[widget] = label
            self.fields[widget] = field
            controls.addWidget(field, stretch)

        self.status = QLabel("Choose a period and a place, then Show figures.")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Report status")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Counting progress")
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)

        # -- saving -------------------------------------------------------------------------
        self.export_buttons: dict[str, QPushButton] = {}
        # Rows that stay narrow enough for 200% text on a small screen: the choices, then
        # the actions, then the small-numbers box.
        options = QHBoxLayout()
        options.addWidget(self.show_button)
        for fmt, text, _filter in EXPORTS:
            button = QPushButton(text)
            button.setAccessibleName(text.replace("&", ""))
            button.clicked.connect(lambda _c=False, f=fmt: self.choose_export(f))
            self.export_buttons[fmt] = button
            options.addWidget(button)
        options.addStretch(1)

        # -- the figures --------------------------------------------------------------------
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Report sections")
        self.tabs.currentChanged.connect(lambda _i: self._fit_seen())
        self.summary_model = TallyTableModel(self)
        self.summary_table = _table(self.summary_model, "Summary figures")
        self.tabs.addTab(self.summary_table, "Summar&y")

        trend_tab = QWidget()
        self.trend_chart = BarChart("Chart: needs recorded by month")
        self.trend_need = _combo("Need category shown by month")
        self.trend_need.addItem("All needs", None)
        for term in vocab("needs").terms:
            self.trend_need.addItem(term.label, term.code)
        self.trend_need.currentIndexChanged.connect(self._show_trend)
        self.trend_model = TrendTableModel(self)
        self.trend_table = _table(self.trend_model, "Needs recorded by month")
        need_row = QHBoxLayout()
        need_label = QLabel("Cat&egory")
        need_label.setBuddy(self.trend_need)
        need_row.addWidget(need_label)
        need_row.addWidget(self.trend_need, 1)
        trend_split = QSplitter(Qt.Orientation.Vertical)
        trend_split.setChildrenCollapsible(False)
        trend_split.addWidget(self.trend_chart)
        trend_split.addWidget(self.trend_table)
        self.splitters = [trend_split]
        trend_layout = QVBoxLayout(trend_tab)
        trend_layout.setContentsMargins(0, 4, 0, 0)
        trend_layout.addLayout(need_row)
        trend_layout.addWidget(trend_split, 1)
        self.tabs.addTab(trend_tab, "Needs by mo&nth")

        self.chart_tabs: dict[str, _ChartTab] = {}
        for title, key, _chart_title in CHART_TABS:
            tab = _ChartTab(title, f"{title} table")
            self.chart_tabs[key] = tab
            self.splitters.append(tab.splitter)
            self.tabs.addTab(tab, title)

        other = QWidget()
        self.other_choice = _combo("Table shown")
        self.other_choice.currentIndexChanged.connect(self._show_other)
        self.other_model = TallyTableModel(self)
        self.other_table = _table(self.other_model, "Chosen table")
        self.other_definition = QLabel("")
        self.other_definition.setWordWrap(True)
        other_row = QHBoxLayout()
        other_label = QLabel("Sho&w table")
        other_label.setBuddy(self.other_choice)
        other_row.addWidget(other_label)
        other_row.addWidget(self.other_choice, 1)
        other_layout = QVBoxLayout(other)
        other_layout.setContentsMargins(0, 4, 0, 0)
        other_layout.addLayout(other_row)
        other_layout.addWidget(self.other_definition)
        other_layout.addWidget(self.other_table, 1)
        self.tabs.addTab(other, "All ta&bles")

        body = QWidget()
        scroll = QScrollArea()
        self.page_scroll = scroll
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addLayout(controls)
        layout.addWidget(self.hide_small)
        layout.addLayout(options)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.tabs, 1)
        self.tabs.setMinimumHeight(self.fontMetrics().height() * 22)
        self._kind_changed()
        self._set_actions()

    # -- life cycle -------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """The text size changed (View > Text size): fit every table to it again (each
        when it is in sight)."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_when_seen(*(view for view in self.findChildren(QTableView)
                                  if view.model() is not None))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self._fit_seen()
        if not self._started:
            self._started = True
            self._run(lambda _s: data.places(self.ws), on_done=self._places_loaded,
                      on_error=self._failed)

    def _fit_when_seen(self, *views: QTableView) -> None:
        """``_fit`` each table now if it is in sight, else when it comes into sight."""
        self._unfitted.update(views)
        self._fit_seen()

    def _fit_seen(self) -> None:
        for view in [v for v in self._unfitted if v.isVisible()]:
            self._unfitted.discard(view)
            _fit(view)

    def _run(self, fn: Any, **callbacks: Any) -> None:
        """Submit database work; once the runner has shut down (closing) it is dropped."""
        with contextlib.suppress(RuntimeError):
            self.runner.run_db(fn, owner=self, **callbacks)

    def _places_loaded(self, found: list[data.Place]) -> None:
        self._places = found
        self.place.blockSignals(True)
        self.place.clear()
        for place in found:
            self.place.addItem(place.label, place.scope)
        organisation = next((i for i, p in enumerate(found) if p.scope == "organisation"), 0)
        self.place.setCurrentIndex(organisation)
        self.place.blockSignals(False)
        self._place_changed()
        self.refresh()

    # -- choosing ---------------------------------------------------------------------------
    def period(self) -> Period:
        if self.kind.currentData() == MONTH:
            chosen = self.month.currentData()
            assert isinstance(chosen, Period)
            return chosen
        return date_range(_day(self.start.date()), _day(self.end.date()))

    def chosen_place(self) -> data.Place | None:
        index = self.place.currentIndex()
        return self._places[index] if 0 <= index < len(self._places) else None

    def _kind_changed(self) -> None:
        month = self.kind.currentData() == MONTH
        for widget, shown in ((self.month, month), (self.start, not month),
                              (self.end, not month)):
            self.fields[widget].setVisible(shown)
        self._place_changed()

    def _place_changed(self) -> None:
        place = self.chosen_place()
        network = place is not None and place.scope == "network"
        month = self.kind.currentData() == MONTH
        if network:
            self.hide_small.setChecked(True)
        if not month:
            self.hide_small.setChecked(False)
        self.hide_small.setEnabled(month and not network)
        if network:
            self.hide_small.setToolTip("Network figures always hide small numbers.")
        elif not month:
            self.hide_small.setToolTip("Small numbers are hidden for calendar months only; a "
                                       "date range gives exact figures for use inside the "
                                       "organisation.")
        else:
            self.hide_small.setToolTip("")

    # -- loading ----------------------------------------------------------------------------
    def refresh(self) -> None:
        place = self.chosen_place()
        if place is None:
            return
        try:
            period = self.period()
        except Exception as exc:  # a CsnError sentence (end before start, ...)
            self.status.setText(str(exc))
            return
        self._generation += 1
        generation, ws, hide = self._generation, self.ws, self.hide_small.isChecked()
        self._busy = True
        self._set_actions()
        self.status.setText(f"Counting {period.label} for {place.label}...")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)

        def work(state: TaskState) -> Tallies:
            def report(done: int, total: int, text: str) -> None:
                state.check()
                state.progress(done, total, text)
            return data.load(ws, period, place, hide, report)

        self._run(work, on_done=lambda t: self._show(generation, t),
                  on_error=lambda e: self._failed(e, generation),
                  on_progress=lambda d, t, text: self._progress(generation, d, t, text))

    def _progress(self, generation: int, done: int, total: int, text: str) -> None:
        if generation != self._generation:
            return
        self.progress.setRange(0, max(0, total))
        self.progress.setValue(done)
        if text:
            self.progress.setFormat(f"{text} (%v of %m)" if total else text)

    def _failed(self, sentence: str, generation: int | None = None) -> None:
        if generation is not None and generation != self._generation:
            return
        self._busy = False
        self.progress.setVisible(False)
        self.status.setText(sentence)
        self.loads += 1
        self._set_actions()

    def _show(self, generation: int, tallies: Tallies) -> None:
        if generation != self._generation:
            return  # an older load; a newer one is on its way
        self.tallies = tallies
        self._busy = False
        self.progress.setVisible(False)
        self.status.setText(f"{tallies.period.label}, {tallies.place}. "
                            + " ".join(tallies.notes))
        headings = tallies.short_columns
        self.summary_model.set_table("Figure", headings, tallies.summary.rows)
        self._fit_when_seen(self.summary_table)
        for _title, key, chart_title in CHART_TABS:
            tab = self.chart_tabs[key]
            table = tallies.table(key)
            items = [r for r in table.rows if not r.total]
            tab.chart.set_bars(f"{chart_title}, {tallies.period.label}",
                               [r.label for r in items], [r.cells[0] for r in items])
            tab.model.set_table(table.title, headings, table.rows)
            self._fit_when_seen(tab.table)
        self._show_trend()
        current = self.other_choice.currentData()
        self.other_choice.blockSignals(True)
        self.other_choice.clear()
        for table in tallies.tables:
            self.other_choice.addItem(table.title, table.key)
        index = self.other_choice.findData(current)
        self.other_choice.setCurrentIndex(max(0, index))
        self.other_choice.blockSignals(False)
        self._show_other()
        self.loads += 1
        self._set_actions()

    def _show_trend(self) -> None:
        if self.tallies is None:
            return
        need = self.trend_need.currentData()
        label = self.trend_need.currentText() if need else "Needs recorded"
        months = self.tallies.trend
        cells = [m.by_need[need] if need else m.needs for m in months]
        self.trend_chart.set_bars(f"{label} by month", [m.period.short_label for m in months],
                                  cells)
        self.trend_model.set_months(months, need, label)
        self._fit_when_seen(self.trend_table)

    def _show_other(self) -> None:
        if self.tallies is None or self.other_choice.currentData() is None:
            return
        table: Table = self.tallies.table(self.other_choice.currentData())
        self.other_model.set_table(table.title, self.tallies.short_columns, table.rows)
        self.other_definition.setText(" ".join(t for t in (table.definition, table.note) if t))
        self.other_table.setAccessibleName(f"{table.title} table")
        self._fit_when_seen(self.other_table)

    # -- saving -----------------------------------------------------------------------------
    def _set_actions(self) -> None:
        ready = self.tallies is not None and not self._busy
        for button in self.export_buttons.values():
            button.setEnabled(ready)
        self.show_button.setEnabled(not self._busy)

    def default_path(self, fmt: str) -> Path:
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        stem = "tallies"
        if self.tallies is not None:
            period = self.tallies.period
            when = period.month_key if period.is_month else (
                f"{period.start.isoformat()}-to-{period.end.isoformat()}")
            stem = f"tallies-{self.tallies.scope}-{when}"
        return Path(folder) / f"{stem}.{fmt}"

    def choose_export(self, fmt: str) -> None:
        if self.tallies is None or self._busy:
            return
        wanted = dict((f, flt) for f, _t, flt in EXPORTS)[fmt]
        name, _filter = QFileDialog.getSaveFileName(
            self, "Save the tallies", str(self.default_path(fmt)), wanted)
        if name:
            self.export_to(Path(name), fmt)

    def export_to(self, path: Path, fmt: str) -> None:
        """Save the figures shown to ``path`` on the database thread (it logs the export)."""
        tallies = self.tallies
        if tallies is None or self._busy:
            return
        ws = self.ws
        self._busy = True
        self._set_actions()
        self.status.setText("Saving...")
        self._run(lambda _s: data.save(ws, tallies, fmt, path), on_done=self._saved,
                  on_error=self._save_failed)

    def _saved(self, exported: Exported) -> None:
        self._busy = False
        self.saves += 1
        self.last_export = exported
        self._set_actions()
        inside = "" if self.tallies is None or self.tallies.suppressed else (
            " It shows exact figures: keep it inside the organisation.")
        self.status.setText(f"Saved as {exported.path.name}.{inside}")

    def _save_failed(self, sentence: str) -> None:
        self._busy = False
        self.saves += 1
        self._set_actions()
        self.status.setText(sentence)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())
