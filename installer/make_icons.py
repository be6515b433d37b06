"""Render the hand-written SVG icon (installer/linux/csn-desk.svg) to the committed PNG
(resources/icons/: About box, Linux .desktop) and ICO (Windows executable and installer).

Run after editing installer/linux/csn-desk.svg:  .venv/bin/python installer/make_icons.py
Qt draws it (QtSvg is part of PySide6, already a dependency), so no new tool is needed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

HERE = Path(__file__).resolve().parent
SVG = HERE / "linux" / "csn-desk.svg"
PNG = HERE.parent / "resources" / "icons" / "csn-desk.png"
ICO = HERE / "windows" / "csn-desk.ico"


def render(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv)
    ok = render(256).save(str(PNG), "PNG")
    # Qt's ICO writer stores one size per file; 256 px is what Windows scales down from.
    ok = render(256).save(str(ICO), "ICO") and ok
    print(f"wrote {PNG.name} and {ICO.name}" if ok else "could not write the icons")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
