"""The print preview: the document as it will print (QtPdf, every page), its format and page
count, a format chooser that lays it out again, and Print / Save as PDF / Close.

The document is produced on the database thread (the services log it), shown from memory,
printed on the I/O pool page by page with progress (``printing.print_pdf``) and saved only
where the user chooses. The window never waits on any of it."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMargins, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from csn_desk.documents.formats import PRINTABLE, print_format
from csn_desk.documents.log import save_pdf
from csn_desk.errors import CsnError
from csn_desk.ui import settings
from csn_desk.ui.documents.printing import load_pdf, prepare_printer, print_pdf
from csn_desk.ui.messages import show_message
from csn_desk.ui.tasks import Task, TaskRunner, TaskState

ZOOM_STEP = 1.25
MESSAGE_LINES = 6
FORMAT_PAUSE_MS = 400
ZOOM_MIN, ZOOM_MAX = 0.25, 6.0


@dataclass(frozen=True)
class Prepared:
    """A produced document as the preview shows it."""

    pdf: bytes
    pages: int
    fmt: str | None  # format code; None when the pages mix formats (a batch)
    note: str = ""   # anything else the user should know ("2 letters skipped: ...")


# Runs on the database thread: the chosen format code (None: the person's own) -> Prepared.
Producer = Callable[[TaskState, str | None], Prepared]


def format_label(code: str | None) -> str:
    if code is None:
        return "Each person's own format"
    try:
        return print_format(code).label
    except CsnError:
        return code


def _pages(n: int) -> str:
    return f"{n} page" if n == 1 else f"{n} pages"


def write_pdf(pdf: bytes, path: Path) -> Path:
    """Save where the user chose; a failure is one plain sentence without the path (it may
    name a person): ``save_pdf`` says it."""
    save_pdf(pdf, path)
    return path


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.setToolTip(tip)
    button.setAutoDefault(False)
    return button


class PreviewDialog(QDialog):
    """One document: produce, show, re-produce in another format, print, save."""

    shown = Signal()        # a document is on screen
    failed = Signal(str)    # producing it failed (the sentence is on screen too)
    printed = Signal(int)   # pages sent to the printer
    saved = Signal(str)     # the path written

    def __init__(self, runner: TaskRunner, title: str, produce: Producer, *,
                 formats: tuple[str, ...] = PRINTABLE, file_stem: str = "document",
                 progress_title: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner, self.title, self.produce = runner, title, produce
        self.file_stem = file_stem
        self.progress_title = progress_title  # set: a cancellable progress window
        self.progress_dialog: QProgressDialog | None = None
        self._produce_task: Task | None = None
        self.prepared: Prepared | None = None
        self.document: QPdfDocument | None = None
        self.productions = 0  # documents shown so far (tests wait on it)
        self._generation = 0
        self._print_task: Task | None = None
        self.print_dialog: QPrintDialog | None = None
        self._busy = False
        self.noun = title[:1].lower() + title[1:]  # "follow-up letters due by 25 November"
        self.setWindowTitle(f"Preview: {title}")
        self.setObjectName("documentPreview")

        heading = QLabel(title)
        heading.setObjectName("heading")
        heading.setWordWrap(True)
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.details.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A long message (a batch's summary) scrolls in a few lines rather than squeezing
        # the pages out of the window at large text sizes.
        self.message_area = QScrollArea()
        self.message_area.setWidget(self.message)
        self.message_area.setWidgetResizable(True)
        self.message_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.message_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.message_area.setVisible(False)
        self.message_area.setAccessibleName("Message about this document")
        self.message_area.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # arrows scroll it

        self.format_box = QComboBox()
        self.format_box.setAccessibleName("Print format")
        self.format_box.setToolTip("Lay the document out again in another print format")
        for code in formats:
            self.format_box.addItem(format_label(code), code)
        self.format_box.setEnabled(False)
        self.format_box.activated.connect(self._format_chosen)
        self._format_timer = QTimer(self)
        self._format_timer.setSingleShot(True)
        self._format_timer.setInterval(FORMAT_PAUSE_MS)
        self._format_timer.timeout.connect(self._start_chosen_format)
        format_label_widget = QLabel("&Format")
        format_label_widget.setBuddy(self.format_box)
        self.format_row = QWidget()
        format_layout = QHBoxLayout(self.format_row)
        format_layout.setContentsMargins(0, 0, 0, 0)
        format_layout.addWidget(format_label_widget)
        format_layout.addWidget(self.format_box, 1)
        self.format_row.setVisible(bool(formats))

        self.zoom_in_button = _button("Zoom &in", "Zoom in", "Make the pages bigger (Ctrl++)")
        self.zoom_out_button = _button("Zoom &out", "Zoom out",
                                       "Make the pages smaller (Ctrl+-)")
        self.fit_button = _button("Fit &width", "Fit the page width to the window",
                                  "Show the whole width of the page (Ctrl+0)")
        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.fit_button.clicked.connect(self.fit_width)
        for keys, slot in ((QKeySequence.StandardKey.ZoomIn, self.zoom_in),
                           (QKeySequence("Ctrl+="), self.zoom_in),
                           (QKeySequence.StandardKey.ZoomOut, self.zoom_out),
                           (QKeySequence("Ctrl+0"), self.fit_width)):
            QShortcut(QKeySequence(keys), self, slot)
        zoom_row = QHBoxLayout()
        zoom_row.addWidget(self.zoom_in_button)
        zoom_row.addWidget(self.zoom_out_button)
        zoom_row.addWidget(self.fit_button)
        zoom_row.addStretch(1)

        self.view = QPdfView()
        self.view.setAccessibleName(f"{title}: preview of every page")
        self.view.setAccessibleDescription(
            "Use the arrow and Page Up or Page Down keys to move through the pages.")
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        self.view.setDocumentMargins(QMargins(12, 12, 12, 12))
        self.view.setMinimumHeight(200)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Printing progress")
        self.progress.setVisible(False)
        self.stop_button = _button("&Stop printing", "Stop printing",
                                   "Stop sending pages to the printer")
        self.stop_button.setVisible(False)
        self.stop_button.clicked.connect(self.stop_printing)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.stop_button)

        self.print_button = _button("&Print…", "Print", "Choose a printer and print (Ctrl+P)")
        self.print_button.setDefault(True)
        self.save_button = _button("&Save as PDF…", "Save as PDF",
                                   "Save the document as a PDF file (Ctrl+S)")
        self.close_button = _button("Close", "Close the preview", "Close (Esc)")
        self.print_button.clicked.connect(self.choose_printer)
        self.save_button.clicked.connect(self.choose_file)
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.choose_printer)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.choose_file)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(self.details)
        layout.addWidget(self.format_row)
        layout.addWidget(self.message_area)
        layout.addLayout(zoom_row)
        layout.addWidget(self.view, 1)
        layout.addLayout(progress_row)
        layout.addLayout(buttons)
        self.setTabOrder(self.format_box, self.zoom_in_button)
        self.setTabOrder(self.zoom_in_button, self.zoom_out_button)
        self.setTabOrder(self.zoom_out_button, self.fit_button)
        self.setTabOrder(self.fit_button, self.view)
        self.setTabOrder(self.view, self.stop_button)
        self.setTabOrder(self.stop_button, self.print_button)
        self.setTabOrder(self.print_button, self.save_button)
        self.setTabOrder(self.save_button, self.close_button)
        self._set_actions()
        self._default_size()

    # -- producing --------------------------------------------------------------------------
    def start(self, format_code: str | None = None) -> None:
        """Produce the document (``None``: in the person's own format) on the database
        thread; "Preparing..." meanwhile."""
        self._generation += 1
        generation, produce = self._generation, self.produce
        self._busy = True
        self._set_actions()
        self.details.setText(f"Preparing the {self.noun}…")
        self._say("")
        progress = self._open_progress() if self.progress_title else None
        try:
            self._produce_task = self.runner.run_db(
                lambda state: produce(state, format_code),
                on_done=lambda p: self._produced(generation, p),
                on_error=lambda e: self._failed(generation, e),
                on_progress=(lambda d, t, text: self._producing(generation, d, t, text))
                if progress is not None else None,
                on_cancelled=lambda: self._production_stopped(generation), owner=self)
        except RuntimeError:  # the runner has shut down (the app is closing)
            self._busy = False
            self._close_progress()

    def _open_progress(self) -> QProgressDialog:
        self._close_progress()
        dialog = QProgressDialog(self.progress_title or "", "&Stop", 0, 0, self)
        dialog.setWindowTitle(self.title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setAccessibleName(self.progress_title or self.title)
        dialog.canceled.connect(self.stop_producing)
        self.progress_dialog = dialog
        dialog.show()
        return dialog

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.hide()  # (only closing it would emit canceled)
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    def _producing(self, generation: int, done: int, total: int, text: str) -> None:
        dialog = self.progress_dialog
        if generation != self._generation or dialog is None:
            return
        if total:
            dialog.setMaximum(total)
            dialog.setValue(done)
        if text:
            dialog.setLabelText(text)

    def stop_producing(self) -> None:
        """Ask the producing task to stop (the batch checks between letters)."""
        if self._produce_task is not None and not self._produce_task.done:
            self._produce_task.cancel()
            if self.progress_dialog is not None:
                self.progress_dialog.setLabelText("Stopping…")

    def _production_stopped(self, generation: int) -> None:
        if generation != self._generation:
            return
        self._busy = False
        self._produce_task = None
        self._close_progress()
        self.details.setText("Nothing to show.")
        self._say("Stopped before the end, as you asked; nothing was printed or logged.")
        self._set_actions()
        self.close_button.setFocus()
        self.failed.emit(self.message.text())

    def _format_chosen(self, _index: int) -> None:
        """Lay out again after a short pause, so stepping through the formats with the
        arrow keys makes (and logs) one document, not one per step."""
        code = self.format_box.currentData()
        if self.prepared is not None and code == self.prepared.fmt:
            if self._format_timer.isActive() or self._busy:  # back to what is shown
                self._format_timer.stop()
                self._generation += 1
                self._busy = False
                self._produce_task = None
                self.details.setText(f"{format_label(self.prepared.fmt)} · "
                                     f"{_pages(self.prepared.pages)}")
                self._set_actions()
            return
        self._generation += 1  # whatever is on its way is no longer wanted
        self._busy = True
        self.details.setText(f"Preparing the {self.noun}…")
        self._set_actions()
        self._format_timer.start()

    def _start_chosen_format(self) -> None:
        self.start(self.format_box.currentData())

    def _produced(self, generation: int, prepared: Prepared) -> None:
        if generation != self._generation:
            return  # an older format; the newer one is on its way
        self._busy = False
        self._produce_task = None
        self._close_progress()
        old = self.document
        self.document = load_pdf(prepared.pdf, self)
        self.prepared = prepared
        self.view.setDocument(self.document)
        if old is not None:
            old.close()
            old.deleteLater()
        if prepared.fmt is not None and self.format_box.findData(prepared.fmt) >= 0:
            self.format_box.setCurrentIndex(self.format_box.findData(prepared.fmt))
        text = f"{format_label(prepared.fmt)} · {_pages(prepared.pages)}"
        self.details.setText(text)
        self.details.setAccessibleName(f"{self.title}: {format_label(prepared.fmt)}, "
                                       f"{_pages(prepared.pages)}")
        if prepared.note:
            self._say(prepared.note)
        self._set_actions()
        self.productions += 1
        self.runner.notify_changed("documents")
        if not self.format_box.hasFocus():
            self.print_button.setFocus()
        self.shown.emit()

    def _failed(self, generation: int, sentence: str) -> None:
        if generation != self._generation:
            return
        self._busy = False
        self._produce_task = None
        self._close_progress()
        self.details.setText("Nothing to show." if self.prepared is None else
                             f"{format_label(self.prepared.fmt)} · "
                             f"{_pages(self.prepared.pages)}")
        if self.prepared is not None and self.prepared.fmt is not None:
            self.format_box.setCurrentIndex(max(0, self.format_box.findData(self.prepared.fmt)))
        self._say(sentence, error=True)
        self._set_actions()
        self.close_button.setFocus()
        self.failed.emit(sentence)

    # -- zoom -------------------------------------------------------------------------------
    def _current_zoom(self) -> float:
        if self.view.zoomMode() == QPdfView.ZoomMode.Custom or self.document is None \
                or self.document.pageCount() < 1:
            return self.view.zoomFactor()
        # fit to width: work the factor out from the page and the viewport
        points = self.document.pagePointSize(0).width()
        dpi = self.view.logicalDpiX() or 96
        margins = self.view.documentMargins()
        room = self.view.viewport().width() - margins.left() - margins.right()
        return max(ZOOM_MIN, room / (points * dpi / 72)) if points > 0 else 1.0

    def _zoom_to(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(ZOOM_MIN, min(ZOOM_MAX, factor)))

    def zoom_in(self) -> None:
        self._zoom_to(self._current_zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom_to(self._current_zoom() / ZOOM_STEP)

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    # -- printing ---------------------------------------------------------------------------
    def choose_printer(self) -> None:
        """The system print dialog, then printing in the background."""
        if not self._can_output() or self.document is None or self.prepared is None:
            return
        printer = self.new_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(f"Print the {self.noun}")
        dialog.setMinMax(1, self.prepared.pages)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, True)
        dialog.accepted.connect(lambda: self.print_to(printer))
        dialog.finished.connect(dialog.deleteLater)
        self.print_dialog = dialog
        QDialog.open(dialog)  # PySide's QPrintDialog.open() wants a receiver; this one not

    def new_printer(self) -> QPrinter:
        """A printer set up for the shown document (paper size from its first page)."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if self.document is not None and self.document.pageCount() > 0:
            prepare_printer(printer, self.document.pagePointSize(0), self.title)
        return printer

    def print_to(self, printer: QPrinter) -> None:
        """Print the shown document on ``printer`` (already chosen), without blocking."""
        if not self._can_output() or self.prepared is None:
            return
        pdf = self.prepared.pdf
        self._say("Sending the pages to the printer…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.stop_button.setVisible(True)
        self._busy = True
        self._set_actions()
        self._printer = printer  # kept alive for the job

        def job(state: TaskState) -> int:
            return print_pdf(pdf, printer, state)

        try:
            self._print_task = self.runner.run_io(
                job, on_done=self._printed, on_error=self._print_failed,
                on_progress=self._print_progress, on_cancelled=self._print_stopped, owner=self)
        except RuntimeError:
            self._print_over()

    def _print_progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.progress.setFormat(text)
        self.progress.setAccessibleDescription(text)

    def _print_over(self) -> None:
        self._busy = False
        self._print_task = None
        self.progress.setVisible(False)
        self.stop_button.setVisible(False)
        self._set_actions()

    def _printed(self, pages: int) -> None:
        self._print_over()
        self._say(f"Sent {_pages(pages)} to the printer.")
        self.printed.emit(pages)

    def _print_failed(self, sentence: str) -> None:
        self._print_over()
        self._say(f"Not printed. {sentence}", error=True)

    def _print_stopped(self) -> None:
        self._print_over()
        self._say("Printing stopped. Pages already sent may still come out of the printer.")

    def stop_printing(self) -> None:
        if self._print_task is not None:
            self._print_task.cancel()

    @property
    def printing(self) -> bool:
        return self._print_task is not None

    # -- saving -----------------------------------------------------------------------------
    def default_save_path(self) -> Path:
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        return Path(folder) / f"{self.file_stem}-{date.today().isoformat()}.pdf"

    def choose_file(self) -> None:
        if not self._can_output():
            return
        name, _filter = QFileDialog.getSaveFileName(
            self, f"Save the {self.noun} as PDF", str(self.default_save_path()),
            "PDF documents (*.pdf)")
        if name:
            self.save_to(Path(name))

    def save_to(self, path: Path) -> None:
        """Write the shown document to ``path`` (the user chose it) on the I/O pool."""
        if not self._can_output() or self.prepared is None:
            return
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        pdf = self.prepared.pdf
        self._busy = True
        self._set_actions()
        self._say("Saving…")
        try:
            self.runner.run_io(lambda _s: write_pdf(pdf, path), on_done=self._saved,
                               on_error=self._save_failed, owner=self)
        except RuntimeError:
            self._busy = False

    def _saved(self, path: Path) -> None:
        self._busy = False
        self._set_actions()
        self._say(f"Saved as {path.name}.")
        self.saved.emit(str(path))

    def _save_failed(self, sentence: str) -> None:
        self._busy = False
        self._set_actions()
        self._say(f"Not saved. {sentence}", error=True)

    # -- state ------------------------------------------------------------------------------
    def _can_output(self) -> bool:
        return self.prepared is not None and not self._busy

    def _set_actions(self) -> None:
        ready = self._can_output()
        self.print_button.setEnabled(ready)
        self.save_button.setEnabled(ready)
        has_pages = self.document is not None
        for button in (self.zoom_in_button, self.zoom_out_button, self.fit_button):
            button.setEnabled(has_pages)
        self.format_box.setEnabled(self.format_box.count() > 1 and not self.printing
                                   and (self.prepared is not None or not self._busy))

    def _say(self, text: str, *, error: bool = False) -> None:
        show_message(self.message, text, error=error)
        self.message_area.setVisible(bool(text))
        self._fit_message()

    def _fit_message(self) -> None:
        """As tall as the message, at most MESSAGE_LINES lines or a quarter of the window
        (then it scrolls)."""
        if not self.message.text():
            return
        self.message.ensurePolished()
        width = self.message_area.width() if self.message_area.isVisible() \
            else self.width() - 32
        line = self.message.fontMetrics().lineSpacing()
        most = max(line * 2, min(line * MESSAGE_LINES, self.height() // 4))
        needed = self.message.heightForWidth(max(100, width))
        if needed <= 0:
            needed = self.message.sizeHint().height()
        self.message_area.setFixedHeight(max(line, min(needed, most)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.message_area.isVisible():
            self._fit_message()

    def message_text(self) -> str:
        return "" if self.message_area.isHidden() else self.message.text()

    def _default_size(self) -> None:
        factor = 1 + (settings.text_scale() - 100) / 200
        width, height = int(820 * factor), int(900 * factor)
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            room = screen.availableGeometry()
            width = min(width, room.width() * 9 // 10)
            height = min(height, room.height() * 9 // 10)
        self.resize(width, height)

    def _closing(self) -> None:
        """A late result is dropped; a batch still being made stops (nothing is logged).
        Printing already under way goes on: those pages are on their way to the printer."""
        self._generation += 1
        self.stop_producing()
        self._close_progress()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._closing()
        super().closeEvent(event)

    def done(self, result: int) -> None:  # Close, Esc
        self._closing()
        super().done(result)


_UNPARENTED: dict[int, PreviewDialog] = {}


def open_preview(parent: QWidget | None, runner: TaskRunner, title: str, produce: Producer,
                 **options: Any) -> PreviewDialog:
    """Open a preview window (modal to its window, but never blocking) and start producing."""
    dialog = PreviewDialog(runner, title, produce, parent=parent, **options)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if parent is None:
        # A window without a parent belongs to Python: left to the garbage collector it could
        # be destroyed at any moment, even from a worker thread that happens to collect. Keep
        # it until Qt itself deletes it (on close), on the GUI thread.
        key = id(dialog)
        _UNPARENTED[key] = dialog
        dialog.destroyed.connect(functools.partial(_UNPARENTED.pop, key, None))
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    with contextlib.suppress(RuntimeError):
        dialog.start()
    return dialog
