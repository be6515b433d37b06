"""Look and feel in one place: readable text size, visible keyboard focus, the demo banner.

Text size is the OS font size (at least ``MIN_BASE_PT``) times the user's 100-200% setting,
applied to the application font and to a generated stylesheet, so changing it restyles every
open window live. Colours are chosen for WCAG AA contrast on the default light palette; the
built-in high-contrast theme is still to come (issue 3) and follows the OS palette meanwhile.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from csn_desk.ui import settings

MIN_BASE_PT = 12.0
TEXT_SCALES = (100, 125, 150, 175, 200)
FOCUS = "#0b4f9c"      # 8.0:1 on white; 3:1+ against the grey border it replaces
BORDER = "#6b6b6b"     # 5.3:1 on white (non-text contrast needs 3:1)
BANNER_BG = "#fff3b0"
BANNER_FG = "#3d2e00"  # 11:1 on the banner background
ERROR_BG = "#fdecea"
ERROR_FG = "#7a1010"   # 8.9:1 on the error background

ARROW = (Path(__file__).resolve().parent / "icons" / "down-arrow.svg").as_posix()

_os_base_pt: float | None = None


def base_point_size(app: QApplication) -> float:
    """The OS default font size, remembered before we first change the app font."""
    global _os_base_pt  # noqa: PLW0603 - one process-wide value, read once
    if _os_base_pt is None:
        size = app.font().pointSizeF()
        _os_base_pt = size if size > 0 else MIN_BASE_PT
    return max(_os_base_pt, MIN_BASE_PT)


def stylesheet(pt: float) -> str:
    """The app stylesheet for a body text size of ``pt`` points."""
    big, huge = pt * 1.2, pt * 1.45
    box = round(pt * 1.5)  # check box size in px, so it grows with the text
    return f"""
QWidget {{ font-size: {pt:.1f}pt; }}
QLabel#heading {{ font-size: {huge:.1f}pt; font-weight: bold; }}
QLabel#subheading {{ font-size: {big:.1f}pt; font-weight: bold; }}
QLabel#figure {{ font-size: {big:.1f}pt; }}
QLabel#demoBanner {{
    background: {BANNER_BG}; color: {BANNER_FG}; border: 2px solid {BANNER_FG};
    font-size: {big:.1f}pt; font-weight: bold; padding: 8px;
}}
QLabel#errorMessage {{
    background: {ERROR_BG}; color: {ERROR_FG}; border: 2px solid {ERROR_FG}; padding: 8px;
}}
QLineEdit, QComboBox, QSpinBox, QPlainTextEdit, QTextEdit {{
    border: 1px solid {BORDER}; border-radius: 3px; padding: 4px; min-height: 24px;
    background: white; color: black;
}}
QPushButton {{
    border: 1px solid {BORDER}; border-radius: 4px; padding: 6px 16px; min-height: 24px;
    background: #f2f2f2; color: black;
}}
QPushButton:default {{ background: #dde8f5; }}
QPushButton:disabled {{ color: #595959; background: #e6e6e6; }}
QLineEdit:focus, QComboBox:focus, QSpinBox:focus, QPlainTextEdit:focus, QTextEdit:focus,
QPushButton:focus, QListWidget:focus, QTableView:focus, QCheckBox:focus {{
    border: 3px solid {FOCUS};
}}
QLineEdit:focus, QComboBox:focus, QSpinBox:focus {{ padding: 2px; }}
QPushButton:focus {{ padding: 4px 14px; }}
QComboBox::drop-down {{
    subcontrol-origin: padding; subcontrol-position: center right; width: 24px;
    border-left: 1px solid {BORDER};
}}
QComboBox::down-arrow {{ image: url({ARROW}); width: 14px; height: 14px; }}
QCheckBox {{ border: 3px solid transparent; padding: 2px; }}
QCheckBox::indicator {{ width: {box}px; height: {box}px; }}
QListWidget#navigation {{ border: 1px solid {BORDER}; }}
QListWidget#navigation::item {{ padding: 8px 12px; }}
QListWidget#navigation::item:selected {{ background: {FOCUS}; color: white; }}
QTableView {{ border: 1px solid {BORDER}; }}
QStatusBar QLabel {{ padding: 0 10px; }}
"""


def apply_text_scale(app: QApplication, percent: int) -> int:
    """Apply a text size of ``percent`` (clamped to 100-200) to every window; returns it."""
    percent = max(100, min(200, int(percent)))
    pt = base_point_size(app) * percent / 100
    font = QFont(app.font())
    font.setPointSizeF(pt)
    app.setFont(font)
    app.setStyleSheet(stylesheet(pt))
    return percent


def apply_saved_text_scale(app: QApplication) -> int:
    return apply_text_scale(app, settings.text_scale())
