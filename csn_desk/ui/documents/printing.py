"""Printing a PDF held in memory on a QPrinter, off the GUI thread.

Qt allows painting on a QPrinter from a worker thread (QPainter supports QImage, QPrinter and
QPicture there), so the whole job runs in the task runner's I/O pool: each page is rendered by
QtPdf at the printer's resolution (at most ``MAX_DPI``, in bands so a 1200 dpi printer does not
need half a gigabyte per page) and painted at its real size from the paper's top-left corner,
never scaled to fit, so the address still lands in the envelope window. The PDF is never
written to a file by us."""

from __future__ import annotations

import math

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QRect, QRectF, QSize, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QPrinter

from csn_desk.errors import CsnError
from csn_desk.ui.tasks import Cancelled, TaskState

MAX_DPI = 600
BAND_PX = 1024  # rows rendered at a time
POINTS_PER_INCH = 72.0


class PrintFailed(CsnError):
    pass


def load_pdf(pdf: bytes, parent: QObject | None = None) -> QPdfDocument:
    """A QPdfDocument reading ``pdf`` from memory (the buffer lives as the document's child)."""
    doc = QPdfDocument(parent) if parent is not None else QPdfDocument()
    buffer = QBuffer(doc)
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    doc.load(buffer)
    return doc


def prepare_printer(printer: QPrinter, page_points: QSizeF, job_name: str) -> None:
    """Paper size and orientation from the document's first page, whole-page painting, and a
    job name without personal data (it shows in print queues)."""
    printer.setDocName(job_name)
    printer.setFullPage(True)
    printer.setPageSize(QPageSize(page_points, QPageSize.Unit.Point, "",
                                  QPageSize.SizeMatchPolicy.FuzzyMatch))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape
                               if page_points.width() > page_points.height()
                               else QPageLayout.Orientation.Portrait)


def pages_to_print(printer: QPrinter, count: int) -> list[int]:
    """Page indexes (0-based) the user asked for in the print dialog, copies included when
    the printer cannot make copies itself."""
    first, last = 1, count
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first = max(1, printer.fromPage())
        last = min(count, printer.toPage() or count)
    pages = list(range(first - 1, last))
    copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
    return pages * copies


def _render_dpi(resolution: int) -> int:
    """The printer's resolution, or an even fraction of it at most MAX_DPI (so each rendered
    pixel maps to a whole number of printer dots and bands meet without seams)."""
    return resolution // math.ceil(resolution / MAX_DPI) if resolution > 0 else 300


def print_pdf(pdf: bytes, printer: QPrinter, state: TaskState) -> int:
    """Print ``pdf`` on ``printer`` (runs on a worker thread); returns the pages sent.
    Reports progress per page; stops (and aborts the job) when cancelled."""
    doc = load_pdf(pdf)
    try:
        if doc.status() != QPdfDocument.Status.Ready or doc.pageCount() < 1:
            raise PrintFailed("The document could not be read for printing. Close the "
                              "preview and open it again.")
        pages = pages_to_print(printer, doc.pageCount())
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintFailed("The printer could not be started. Check that it is switched "
                              "on and connected, then try again.")
        try:
            resolution = printer.resolution()
            dpi = _render_dpi(resolution)
            scale = resolution / dpi
            for done, index in enumerate(pages):
                state.check()
                state.progress(done, len(pages), f"Printing page {done + 1} of {len(pages)}")
                if done and not printer.newPage():
                    raise PrintFailed("The printer stopped taking pages. Check it and try "
                                      "again.")
                points = doc.pagePointSize(index)
                width = round(points.width() * dpi / POINTS_PER_INCH)
                height = round(points.height() * dpi / POINTS_PER_INCH)
                for top in range(0, height, BAND_PX):
                    state.check()
                    rows = min(BAND_PX, height - top)
                    options = QPdfDocumentRenderOptions()
                    options.setScaledSize(QSize(width, height))
                    options.setScaledClipRect(QRect(0, top, width, rows))
                    image = doc.render(index, QSize(width, rows), options)
                    painter.drawImage(QRectF(0, top * scale, width * scale, rows * scale),
                                      image)
            state.progress(len(pages), len(pages), "Finishing")
        except Cancelled:
            printer.abort()
            raise
        finally:
            if painter.isActive():
                painter.end()
        return len(pages)
    finally:
        doc.close()  # the Python wrapper owns it: freed on this thread when we return
