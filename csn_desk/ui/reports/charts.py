"""QtCharts bar charts for the Reports page: one horizontal bar per category, read from top
to bottom, each category labelled with its number ("Housing: 13", "Day services: <5"), so
nothing depends on colour and hidden counts are said, not drawn. Every chart sits beside a
table of the same numbers, which is what the keyboard and screen readers use: the chart
itself takes no focus."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

from csn_desk.reports.tables import Cell
from csn_desk.ui import theme

BAR = "#1f3d7a"  # dark blue on white (9.9:1); yellow on black in high contrast
BAR_HIGH_CONTRAST = "#ffff00"


def _font(scale: float = 1.0) -> QFont:
    font = QFont(QApplication.font())
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * scale)
    return font


def spoken(cell: Cell) -> str:
    """A number as a chart label says it: hidden ones in words ("<5" would also be taken
    for markup by the axis)."""
    if cell.mark == "<5":
        return "under 5"
    if cell.mark == "*":
        return "hidden"
    return cell.text


class BarChart(QChartView):
    """A horizontal bar chart that can be filled again (period or scope changed)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setAccessibleDescription("The same numbers are in the table beside the chart.")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.viewport().setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.viewport().setAccessibleName(name)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.labels: list[str] = []
        self.set_bars(name, [], [])

    def set_bars(self, title: str, labels: Sequence[str], cells: Sequence[Cell]) -> None:
        """Bars for ``cells`` (hidden ones drawn as nothing), labelled "label: number"."""
        self.labels = [f"{label}: {spoken(cell)}" for label, cell in zip(labels, cells,
                                                                         strict=True)]
        chart = QChart()
        chart.setTitle(title)
        chart.setTitleFont(_font(1.1))
        chart.legend().setVisible(False)
        chart.setMargins(QMargins(4, 4, 12, 4))
        chart.setBackgroundRoundness(0)
        dark = theme.high_contrast()
        if dark:
            chart.setTheme(QChart.ChartTheme.ChartThemeHighContrast)
        bars = QBarSet(title)
        colour = QColor(BAR_HIGH_CONTRAST if dark else BAR)
        bars.setColor(colour)
        bars.setBorderColor(colour)
        # QHorizontalBarSeries draws the first category at the bottom: reverse, so the
        # chart reads from top to bottom in the same order as the table.
        values = [float(c.value) if c.mark is None and c.value is not None else 0.0
                  for c in cells]
        for value in reversed(values):
            bars.append(value)
        series = QHorizontalBarSeries()
        series.append(bars)
        series.setBarWidth(0.7)
        chart.addSeries(series)
        axis_y = QBarCategoryAxis()
        axis_y.append(list(reversed(self.labels)) or [""])
        axis_y.setLabelsFont(_font())
        axis_y.setGridLineVisible(False)
        axis_x = QValueAxis()
        axis_x.setRange(0, max([*values, 1.0]) * 1.05)
        axis_x.setLabelFormat("%d")
        axis_x.setLabelsFont(_font(0.9))
        axis_x.setTickCount(5)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_y)
        series.attachAxis(axis_x)
        if dark:
            for axis in (axis_x, axis_y):
                axis.setLabelsColor(QColor("white"))
            chart.setTitleBrush(QColor("white"))
        old = self.chart()
        self.setChart(chart)
        if old is not None and old is not chart:
            old.deleteLater()
        line = self.fontMetrics().height()
        self.setMinimumHeight(int(line * (1.7 * max(1, len(labels)) + 5)))
