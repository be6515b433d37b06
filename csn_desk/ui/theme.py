"""Look and feel in one place: readable text size, visible keyboard focus, the demo banner.

Text size is the OS font size (at least ``MIN_BASE_PT``) times the user's 100-200% setting,
applied to the application font and to a generated stylesheet, so changing it restyles every
open window live. Colours are chosen for WCAG AA contrast on the default light palette.

The high-contrast theme (View > High contrast, remembered per computer) is the same
stylesheet with another colour set -- white/yellow on black, thick borders, yellow focus --
plus a matching QPalette, so widgets the stylesheet does not reach follow it too.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QColor, QFont, QPalette
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

HIGH_CONTRAST_KEY = "ui/high_contrast"


@dataclass(frozen=True)
class Colours:
    """Every colour the stylesheet uses, so a theme is one value."""

    text: str = "black"
    field_bg: str = "white"
    button_bg: str = "#f2f2f2"
    default_bg: str = "#dde8f5"
    disabled_fg: str = "#595959"
    disabled_bg: str = "#e6e6e6"
    focus: str = FOCUS
    border: str = BORDER
    border_px: int = 1
    selected_bg: str = FOCUS
    selected_fg: str = "white"
    banner_bg: str = BANNER_BG
    banner_fg: str = BANNER_FG
    error_bg: str = ERROR_BG
    error_fg: str = ERROR_FG
    window_bg: str = ""  # empty: leave the window background to the OS palette
    dark: bool = False   # light text on a dark background (picks the white arrow icon)


LIGHT = Colours()
# White on black is 21:1; yellow (#ffff00) on black 19.6:1; disabled grey #c0c0c0 11.4:1.
HIGH_CONTRAST = Colours(
    text="white", field_bg="black", button_bg="black", default_bg="#00224d",
    disabled_fg="#c0c0c0", disabled_bg="#1a1a1a", focus="#ffff00", border="white",
    border_px=2, selected_bg="#ffff00", selected_fg="black", banner_bg="black",
    banner_fg="#ffff00", error_bg="black", error_fg="#ff9e9e", window_bg="black", dark=True,
)

ICONS = Path(__file__).resolve().parent / "icons"
ARROW = (ICONS / "down-arrow.svg").as_posix()
ARROW_LIGHT = (ICONS / "down-arrow-light.svg").as_posix()

_os_base_pt: float | None = None
_os_palette: QPalette | None = None


def base_point_size(app: QApplication) -> float:
    """The OS default font size, remembered before we first change the app font."""
    global _os_base_pt  # noqa: PLW0603 - one process-wide value, read once
    if _os_base_pt is None:
        size = app.font().pointSizeF()
        _os_base_pt = size if size > 0 else MIN_BASE_PT
    return max(_os_base_pt, MIN_BASE_PT)


def stylesheet(pt: float, c: Colours = LIGHT) -> str:
    """The app stylesheet for a body text size of ``pt`` points in colours ``c``."""
    big, huge = pt * 1.2, pt * 1.45
    box = round(pt * 1.5)  # check box size in px, so it grows with the text
    b = c.border_px
    arrow = ARROW_LIGHT if c.dark else ARROW
    window = (f"QWidget {{ background: {c.window_bg}; color: {c.text}; }}\n"
              if c.window_bg else "")
    return window + f"""
QWidget {{ font-size: {pt:.1f}pt; }}
QLabel#heading {{ font-size: {huge:.1f}pt; font-weight: bold; }}
QLabel#subheading {{ font-size: {big:.1f}pt; font-weight: bold; }}
QLabel#figure {{ font-size: {big:.1f}pt; }}
QLabel#recoveryKey {{ font-size: {huge:.1f}pt; font-weight: bold; font-family: monospace; }}
QLabel#demoBanner {{
    background: {c.banner_bg}; color: {c.banner_fg}; border: 2px solid {c.banner_fg};
    font-size: {big:.1f}pt; font-weight: bold; padding: 8px;
}}
QLabel#errorMessage {{
    background: {c.error_bg}; color: {c.error_fg}; border: 2px solid {c.error_fg}; padding: 8px;
}}
QLineEdit, QComboBox, QSpinBox, QPlainTextEdit, QTextEdit {{
    border: {b}px solid {c.border}; border-radius: 3px; padding: 4px; min-height: 24px;
    background: {c.field_bg}; color: {c.text};
}}
QPushButton {{
    border: {b}px solid {c.border}; border-radius: 4px; padding: 6px 16px; min-height: 24px;
    background: {c.button_bg}; color: {c.text};
}}
QPushButton:default {{ background: {c.default_bg}; }}
QPushButton:disabled {{ color: {c.disabled_fg}; background: {c.disabled_bg}; }}
QLineEdit:focus, QComboBox:focus, QSpinBox:focus, QPlainTextEdit:focus, QTextEdit:focus,
QPushButton:focus, QListWidget:focus, QTableView:focus, QCheckBox:focus, QRadioButton:focus {{
    border: 3px solid {c.focus};
}}
QLineEdit:focus, QComboBox:focus, QSpinBox:focus {{ padding: 2px; }}
QPushButton:focus {{ padding: 4px 14px; }}
QComboBox::drop-down {{
    subcontrol-origin: padding; subcontrol-position: center right; width: 24px;
    border-left: 1px solid {c.border};
}}
QComboBox::down-arrow {{ image: url({arrow}); width: 14px; height: 14px; }}
QCheckBox, QRadioButton {{ border: 3px solid transparent; padding: 2px; }}
QCheckBox::indicator, QRadioButton::indicator {{ width: {box}px; height: {box}px; }}
QListView::indicator {{ width: {box}px; height: {box}px; }}
QListWidget#navigation {{ border: {b}px solid {c.border}; }}
QListWidget#navigation::item {{ padding: 8px 12px; }}
QListWidget#navigation::item:selected {{ background: {c.selected_bg}; color: {c.selected_fg}; }}
QTableView {{ border: {b}px solid {c.border}; }}
QStatusBar QLabel {{ padding: 0 10px; }}
QTabBar::scroller {{ width: 56px; }}
QTabBar QToolButton {{ min-width: 24px; min-height: 24px; }}
"""


def high_contrast() -> bool:
    """The remembered View > High contrast choice for this computer."""
    value = settings.store().value(HIGH_CONTRAST_KEY, False)
    return value in (True, "true", "1", 1)


def set_high_contrast(app: QApplication, on: bool) -> None:
    """Switch the high-contrast theme on or off for every window, and remember it."""
    settings.store().setValue(HIGH_CONTRAST_KEY, bool(on))
    apply_text_scale(app, settings.text_scale())


def palette(c: Colours) -> QPalette:
    """A QPalette matching the high-contrast colours (for widgets styled by the palette)."""
    pal = QPalette()
    role = QPalette.ColorRole
    for r, colour in ((role.Window, c.window_bg), (role.Base, c.field_bg),
                      (role.AlternateBase, "#1a1a1a"), (role.Button, c.button_bg),
                      (role.WindowText, c.text), (role.Text, c.text), (role.ButtonText, c.text),
                      (role.ToolTipBase, c.field_bg), (role.ToolTipText, c.text),
                      (role.Highlight, c.selected_bg), (role.HighlightedText, c.selected_fg),
                      (role.Link, "#80d8ff"), (role.PlaceholderText, c.disabled_fg)):
        pal.setColor(r, QColor(colour))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, QColor(c.disabled_fg))
    return pal


_APP_FILTERS: weakref.WeakSet[QObject] = weakref.WeakSet()


def install_app_event_filter(app: QApplication, event_filter: QObject) -> None:
    """Watch every event of the application (the idle lock does). A filter written in Python
    costs a call per event, and a restyle sends thousands: filters installed here are taken
    off while the text size or contrast changes (more than halves the time it takes)."""
    app.installEventFilter(event_filter)
    _APP_FILTERS.add(event_filter)


def remove_app_event_filter(app: QApplication, event_filter: QObject) -> None:
    app.removeEventFilter(event_filter)
    _APP_FILTERS.discard(event_filter)


@contextmanager
def _app_filters_paused(app: QApplication) -> Iterator[None]:
    paused = [f for f in list(_APP_FILTERS) if shiboken6.isValid(f)]
    for event_filter in paused:
        app.removeEventFilter(event_filter)
    try:
        yield
    finally:
        for event_filter in paused:
            if event_filter in _APP_FILTERS and shiboken6.isValid(event_filter):
                app.installEventFilter(event_filter)


def apply_text_scale(app: QApplication, percent: int) -> int:
    """Apply a text size of ``percent`` (clamped to 100-200) to every window, in the
    remembered theme (light or high contrast); returns the size applied."""
    percent = max(100, min(200, int(percent)))
    pt = base_point_size(app) * percent / 100
    # Each set* below restyles every widget of every window, which takes seconds in a big
    # window: only what actually changes is set again.
    font = QFont(app.font())
    font.setPointSizeF(pt)
    global _os_palette  # noqa: PLW0603 - the OS palette, kept to switch back to
    if _os_palette is None:
        _os_palette = QPalette(app.palette())
    hc = high_contrast()
    wanted = palette(HIGH_CONTRAST) if hc else _os_palette
    sheet = stylesheet(pt, HIGH_CONTRAST if hc else LIGHT)
    with _app_filters_paused(app):
        if font != app.font():
            app.setFont(font)
        if wanted != app.palette():
            app.setPalette(wanted)
        if sheet != app.styleSheet():
            app.setStyleSheet(sheet)
    return percent


def apply_saved_text_scale(app: QApplication) -> int:
    return apply_text_scale(app, settings.text_scale())


def high_contrast_action(parent: QObject) -> QAction:
    """The checkable View > High contrast action, already wired and showing the saved state."""
    action = QAction("&High contrast", parent, checkable=True)
    action.setChecked(high_contrast())

    def toggled(on: bool) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            set_high_contrast(app, on)

    action.toggled.connect(toggled)
    return action
