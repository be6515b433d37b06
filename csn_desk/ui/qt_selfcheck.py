"""``csn-desk self-test --qt``: the Qt half of the self-test, for an installed (frozen) build.

The headless self-test never loads Qt, so it cannot notice a build that left out a Qt plugin.
These checks load what the app needs from the install folder: a platform plugin, the image
format plugins, print support (drawing a page to PDF), QtPdf (reading that page back, as the
print preview does), QtCharts, and the About box (resources and icon). They run offscreen."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol


class CheckStep(Protocol):
    def __call__(self, name: str, ok: bool, detail: str = "") -> None: ...


def run_qt_checks(step: CheckStep) -> None:
    """Call step(name, ok, detail) once per check; step may raise to stop at a failure."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCharts import QChart, QChartView, QPieSeries
    from PySide6.QtCore import QLibraryInfo, QSize
    from PySide6.QtGui import QImageReader, QPageSize, QPainter
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPrintSupport import QPrinter
    from PySide6.QtWidgets import QApplication

    from csn_desk.ui.about import AboutDialog

    app = QApplication.instance() or QApplication([])
    step("Qt starts (platform plugin)", bool(QApplication.platformName()),
         QApplication.platformName())
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    missing = {"png", "jpeg", "svg", "ico"} - formats
    step("Qt image formats", not missing, ", ".join(sorted(missing)))
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    step("Qt print support plugin", any((plugins / "printsupport").glob("*")), str(plugins))

    with tempfile.TemporaryDirectory(prefix="csn-desk-qtcheck-") as tmp:
        pdf = Path(tmp) / "page.pdf"
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(pdf))
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        painter = QPainter(printer)
        painter.drawText(100, 100, "csn-desk self-test")
        painter.end()
        step("print a page (QPrinter to PDF)", pdf.read_bytes().startswith(b"%PDF"))
        document = QPdfDocument()
        document.load(str(pdf))
        image = document.render(0, QSize(200, 283))
        step("print preview reads it back (QtPdf)",
             document.pageCount() == 1 and not image.isNull())
        document.close()

    series = QPieSeries()
    series.append("self-test", 1)
    chart = QChart()
    chart.addSeries(series)
    view = QChartView(chart)
    view.resize(200, 150)
    step("chart (QtCharts)", not view.grab().isNull())
    about = AboutDialog(Path(tempfile.gettempdir()))
    step("About box (licences and icon)", "Atkinson" in about.licences.toPlainText()
         and not about.icon.pixmap().isNull() and not about.grab().isNull())
    about.deleteLater()
    view.deleteLater()
    app.processEvents()
