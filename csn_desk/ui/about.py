"""Help > About (F1): the version, where this PC keeps the data, and the licences of csn-desk
and of the fonts and libraries it bundles (listed in resources/licences.json).

The IT volunteer reads the version and data folder from here when upgrading or backing up, so
both are selectable and one button copies them."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from csn_desk import __version__
from csn_desk.vocab import resources_dir


@dataclass(frozen=True)
class Licence:
    name: str
    licence: str
    copyright: str
    kind: str = "library"
    note: str = ""


def load_licences() -> tuple[str, list[Licence]]:
    """(csn-desk's own licence, the bundled components) from resources/licences.json."""
    raw = json.loads((resources_dir() / "licences.json").read_text(encoding="utf-8"))
    items = [Licence(name=i["name"], licence=i["licence"], copyright=i.get("copyright", ""),
                     kind=i.get("kind", "library"), note=i.get("note", ""))
             for i in raw["items"]]
    return raw["app"]["licence"], items


def licences_html(items: list[Licence]) -> str:
    """Fonts first (they are what the printed documents carry), then everything else."""
    ordered = sorted(items, key=lambda i: i.kind != "font")
    parts = []
    for item in ordered:
        name = item.name
        if item.name == "Qt 6":
            name = f"Qt {qVersion()}"
        elif item.name.startswith("PySide6"):
            name = f"{item.name} {pyside_version}"
        note = f"<br>{html.escape(item.note)}" if item.note else ""
        parts.append(f"<p><b>{html.escape(name)}</b> ({html.escape(item.kind)}): "
                     f"{html.escape(item.licence)}<br>{html.escape(item.copyright)}{note}</p>")
    return "".join(parts)


class AboutDialog(QDialog):
    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About csn-desk")
        self.data_dir = data_dir
        app_licence, items = load_licences()

        self.icon = icon = QLabel()
        icon.setPixmap(QPixmap(str(resources_dir() / "icons" / "csn-desk.png")).scaled(
            72, 72, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))
        icon.setAccessibleName("csn-desk icon")
        heading = QLabel("csn-desk")
        heading.setObjectName("heading")
        self.version_label = QLabel(f"Version {__version__}")
        self.version_label.setObjectName("subheading")
        title = QVBoxLayout()
        title.addWidget(heading)
        title.addWidget(self.version_label)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(title, 1)

        self.data_dir_label = QLabel(
            f"<b>Data folder on this computer:</b><br>{html.escape(str(data_dir))}<br>"
            "Upgrading or uninstalling csn-desk never deletes it: back it up from here.")
        self.data_dir_label.setWordWrap(True)
        self.data_dir_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        own = QLabel(f"<b>csn-desk</b> is free software under the {html.escape(app_licence)}. "
                     "It comes with no warranty.")
        own.setWordWrap(True)
        bundled = QLabel("<b>Fonts and libraries included:</b>")

        self.licences = QTextBrowser()
        self.licences.setOpenLinks(False)
        self.licences.setHtml(licences_html(items))
        self.licences.setAccessibleName("Licences of the bundled fonts and libraries")
        self.licences.setMinimumHeight(220)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy version and data folder")
        self.copy_button.setToolTip("For an email to your IT volunteer")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addWidget(self.data_dir_label)
        layout.addWidget(own)
        layout.addWidget(bundled)
        layout.addWidget(self.licences, 1)
        layout.addWidget(buttons)
        # Sized in text units so 150-200% text still leaves room for the licence list.
        fm = self.fontMetrics()
        width, height = fm.averageCharWidth() * 72, fm.height() * 34
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            width, height = min(width, screen.width() - 40), min(height, screen.height() - 60)
        self.resize(width, height)

    def details(self) -> str:
        return f"csn-desk {__version__} (Qt {qVersion()})\nData folder: {self.data_dir}"

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details())


def show_about(data_dir: Path, parent: QWidget | None = None) -> AboutDialog:
    """Open the About box (modal to the window, not blocking the event loop)."""
    dialog = AboutDialog(data_dir, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
