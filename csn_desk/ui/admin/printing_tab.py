"""Admin > Printing: where the envelope's address window is (so letters' addresses show
through it), the clear-print slip's paper size and the QR code on slips. A small drawing of
the A4 sheet shows the window as the numbers change."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from csn_desk.documents.settings import PrintSettings, load_print_settings, save_print_settings
from csn_desk.errors import CsnError
from csn_desk.ui.admin.common import ButtonRow, scrolling, tab_layout
from csn_desk.ui.messages import MessageLine
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

A4_MM = (210.0, 297.0)
WINDOW_FIELDS = (("window_left_mm", "From the &left edge"),
                 ("window_top_mm", "From the &top edge"),
                 ("window_width_mm", "&Width"),
                 ("window_height_mm", "&Height"))
PAPER = (("A4", "A4"), ("A5", "A5 (clear print only; large print always uses A4)"))
QR_TEXT = ("The QR code of the service's web page sits beside the written web address, never "
           "instead of it.")


def _mm(value: float) -> str:
    return f"{value:g} mm"


def describe_window(settings: PrintSettings) -> str:
    return (f"A4 page with the address window {_mm(settings.window_left_mm)} from the left "
            f"edge and {_mm(settings.window_top_mm)} from the top, "
            f"{_mm(settings.window_width_mm)} wide and {_mm(settings.window_height_mm)} tall.")


class PageDrawing(QWidget):
    """The A4 sheet to scale with the envelope window drawn on it (black outline, hatched
    window; a window off the page is drawn dashed and said in words beside it)."""

    def __init__(self) -> None:
        super().__init__()
        self.settings = PrintSettings()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def set_settings(self, settings: PrintSettings) -> None:
        self.settings = settings
        self.setAccessibleName("Drawing of the address window on the page")
        self.setAccessibleDescription(describe_window(settings))
        self.setToolTip(describe_window(settings))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        height = max(200, self.fontMetrics().height() * 9)
        return QSize(round(height * A4_MM[0] / A4_MM[1]) + 2, height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.sizeHint()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        height = self.height() - 2
        width = height * A4_MM[0] / A4_MM[1]
        scale = height / A4_MM[1]
        sheet = QRectF(1, 1, width, height)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        painter.setPen(QPen(text, 1.5))
        painter.setBrush(QColor("white"))
        painter.drawRect(sheet)
        s = self.settings
        window = QRectF(1 + s.window_left_mm * scale, 1 + s.window_top_mm * scale,
                        s.window_width_mm * scale, s.window_height_mm * scale)
        try:
            s.check()
            fits = True
        except CsnError:
            fits = False
        pen = QPen(QColor("black"), 2)
        if not fits:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.BDiagPattern)
        painter.drawRect(window.intersected(sheet.adjusted(-1, -1, 1, 1)))
        painter.end()


class PrintingTab(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.loads = 0
        self.saves = 0
        self._saving = False

        # Whole millimetres (plenty for an envelope window); QSpinBox rather than
        # QDoubleSpinBox also gets the theme's borders and focus ring.
        self.spins: dict[str, QSpinBox] = {}
        window_form = QFormLayout()
        window_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        window_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for name, label in WINDOW_FIELDS:
            spin = QSpinBox()
            spin.setRange(0, int(A4_MM[1]))
            spin.setSuffix(" mm")
            spin.setAccessibleName("Window " + label.replace("&", "").lower())
            spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance("000 mm") + 48)
            spin.valueChanged.connect(self._changed)
            self.spins[name] = spin
            window_form.addRow(label, spin)
        self.drawing = PageDrawing()
        self.window_text = QLabel("")
        self.window_text.setWordWrap(True)
        window_intro = QLabel("Measure your window envelopes: the distance from the top-left "
                              "corner of the folded A4 letter to the window. The default is a "
                              "DL or C5 envelope with the window on the left.")
        window_intro.setWordWrap(True)
        window_box = QGroupBox("Envelope window")
        # the numbers and the drawing side by side, or one above the other when narrow
        self.window_row = window_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.window_form = window_form
        window_row.setSpacing(16)
        window_row.addLayout(window_form)
        window_row.addWidget(self.drawing, 0, Qt.AlignmentFlag.AlignLeft)
        window_row.addStretch(1)
        window_layout = QVBoxLayout(window_box)
        window_layout.addWidget(window_intro)
        window_layout.addLayout(window_row)
        window_layout.addWidget(self.window_text)

        self.paper = QComboBox()
        self.paper.setAccessibleName("Paper for clear-print slips")
        self.paper.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.paper.setMinimumContentsLength(4)
        for code, label in PAPER:
            self.paper.addItem(label, code)
        self.qr = QCheckBox("Print a &QR code on slips")
        self.qr.setAccessibleName("QR code on slips")
        self.qr.setAccessibleDescription(QR_TEXT)
        qr_text = QLabel(QR_TEXT)
        qr_text.setWordWrap(True)
        slip_form = QFormLayout()
        slip_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        slip_form.addRow("&Paper for clear-print slips", self.paper)
        slip_form.addRow(self.qr)
        slip_form.addRow(qr_text)
        slip_box = QGroupBox("Referral slips")
        slip_box.setLayout(slip_form)

        self.save_button = QPushButton("&Save print settings")
        self.save_button.setAccessibleName("Save the print settings")
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save)
        self.defaults_button = QPushButton("Use the &defaults")
        self.defaults_button.setAccessibleName("Put the default print settings in the form")
        self.defaults_button.setToolTip("Fill in the defaults (not saved until you save)")
        self.defaults_button.clicked.connect(lambda: self._show_settings(PrintSettings()))
        self.message = MessageLine()
        buttons = ButtonRow(self.save_button, self.defaults_button)

        body = QWidget()
        layout = tab_layout(body)
        layout.addWidget(window_box)
        layout.addWidget(slip_box)
        layout.addWidget(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(body))
        self.save_button.setEnabled(False)
        self._changed()
        self.load()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        need = self.window_form.sizeHint().width() + self.drawing.sizeHint().width() + 80
        self.window_row.setDirection(QBoxLayout.Direction.LeftToRight
                                     if event.size().width() >= need
                                     else QBoxLayout.Direction.TopToBottom)
        super().resizeEvent(event)

    def _run(self, fn: Any, **callbacks: Any) -> None:
        with contextlib.suppress(RuntimeError):
            self.runner.run_db(fn, owner=self, **callbacks)

    def load(self) -> None:
        ws = self.ws
        self._run(lambda _s: load_print_settings(ws), on_done=self._loaded,
                  on_error=lambda e: self.message.say(
                      f"Could not load the print settings. {e}", error=True))

    def _loaded(self, settings: PrintSettings) -> None:
        self._show_settings(settings)
        self.save_button.setEnabled(True)
        self.loads += 1

    def _show_settings(self, settings: PrintSettings) -> None:
        for name, spin in self.spins.items():
            spin.setValue(round(float(getattr(settings, name))))
        self.paper.setCurrentIndex(max(0, self.paper.findData(settings.slip_paper)))
        self.qr.setChecked(settings.slip_qr)
        self._changed()

    def settings(self) -> PrintSettings:
        values = {name: float(spin.value()) for name, spin in self.spins.items()}
        return replace(PrintSettings(), slip_paper=self.paper.currentData() or "A4",
                       slip_qr=self.qr.isChecked(), **values)

    def _changed(self, *_args: Any) -> None:
        settings = self.settings()
        self.drawing.set_settings(settings)
        try:
            settings.check()
            self.window_text.setText(describe_window(settings))
        except CsnError as exc:
            self.window_text.setText(f"{describe_window(settings)} {exc}")

    def save(self) -> None:
        if self._saving or not self.save_button.isEnabled():
            return
        ws, settings = self.ws, self.settings()
        self._saving = True
        self.save_button.setEnabled(False)
        self._run(lambda _s: save_print_settings(ws, settings), on_done=self._saved,
                  on_error=self._failed)

    def _saved(self, _result: None) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.saves += 1
        self.message.say("Saved. Letters and slips printed from now on use these settings.")
        self.runner.notify_changed("print_settings")

    def _failed(self, sentence: str) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.message.say(f"Not saved. {sentence}", error=True)
