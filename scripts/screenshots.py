"""Make the README screenshots from fictional demo data: the login window, every built page of
the main window at 100% and 200% text size, a few in high contrast, and the set-up wizard.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--enquiries 300]

Runs offscreen in a temporary folder (demo data and Qt settings both), so it never touches
real data or this computer's preferences. Pages are taken from ``navigation.NAV_ITEMS``;
pages not registered in ``PAGE_FACTORIES`` yet (placeholders) are skipped and listed, so new
pages are picked up when they land. A PNG over the size budget is saved with a 256-colour
palette instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BUDGET = 200 * 1024
SIZES = {100: (1280, 800), 200: (1800, 1150)}
HIGH_CONTRAST_PAGES = ("today", "new_enquiry", "clients", "directory", "follow_ups")


def settle(app: QApplication, runner: object, minimum: float = 0.3) -> None:
    """Let background loads finish and the window repaint."""
    start = time.monotonic()
    while True:
        app.processEvents()
        busy = getattr(runner, "busy", False)
        if time.monotonic() - start > minimum and not busy:
            break
        if time.monotonic() - start > 30:
            break
        time.sleep(0.02)
    app.processEvents()


def save(widget: QWidget, out: Path, name: str) -> Path:
    path = out / f"{name}.png"
    image = widget.grab().toImage()
    image.save(str(path), "PNG")
    if path.stat().st_size > BUDGET:
        small = image.convertToFormat(QImage.Format.Format_Indexed8,
                                      Qt.ImageConversionFlag.ThresholdDither)
        small.save(str(path), "PNG", 9)
    print(f"  {path.relative_to(REPO) if path.is_relative_to(REPO) else path} "
          f"({path.stat().st_size // 1024} KB)")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--enquiries", type=int, default=300)
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="csn-shots-") as tmp:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                          str(Path(tmp) / "settings"))
        from csn_desk.demo import DEMO_PASSPHRASE, DEMO_USERNAME
        from csn_desk.demo.generate import create_demo
        from csn_desk.ui import theme
        from csn_desk.ui.app import create_application
        from csn_desk.ui.login import LoginWindow
        from csn_desk.ui.main_window import PAGE_FACTORIES, MainWindow
        from csn_desk.ui.navigation import NAV_ITEMS
        from csn_desk.ui.setup_wizard import SetupWizard
        from csn_desk.ui.tasks import TaskRunner

        app = create_application()
        runner = TaskRunner()
        print("Making demo data...")
        data_dir = Path(tmp) / "demo"
        ws, _summary = create_demo(data_dir, enquiries=args.enquiries)
        built = [item.key for item in NAV_ITEMS if item.key in PAGE_FACTORIES]
        skipped = [item.key for item in NAV_ITEMS if item.key not in PAGE_FACTORIES]
        try:
            for high_contrast in (False, True):
                theme.set_high_contrast(app, high_contrast)
                for scale, (width, height) in SIZES.items():
                    if high_contrast and scale != 100:
                        continue
                    theme.apply_text_scale(app, scale)
                    suffix = "hc" if high_contrast else str(scale)
                    login = LoginWindow(data_dir, runner, [DEMO_USERNAME], demo=True,
                                        demo_login=(DEMO_USERNAME, DEMO_PASSPHRASE))
                    login.show()
                    settle(app, runner)
                    save(login, out, f"login-{suffix}")
                    login.close()
                    window = MainWindow(ws, runner)
                    window.idle_lock.set_timing(0)
                    window.resize(width, height)
                    window.show()
                    for key in built:
                        if high_contrast and key not in HIGH_CONTRAST_PAGES:
                            continue
                        window.show_page(key)
                        settle(app, runner)
                        save(window, out, f"{key}-{suffix}")
                    window.close()
                    window.deleteLater()
                    settle(app, runner, 0.1)
            theme.set_high_contrast(app, False)
            theme.apply_text_scale(app, 100)
            wizard = SetupWizard(Path(tmp) / "new", runner)
            wizard.show()
            wizard.site_page.site.setText("Darlington Market Place")
            wizard.site_page.organisation.setText("Darlington Community Support Network")
            wizard.next()
            wizard.admin_page.username.setText("j.smith")
            wizard.admin_page.display_name.setText("Jo Smith")
            wizard.admin_page.passphrase.setText("copper-lantern")
            wizard.resize(760, 640)
            settle(app, runner)
            save(wizard, out, "setup-wizard-100")
            wizard.close()
        finally:
            runner.shutdown(wait=True)
            ws.close()
    if skipped:
        print(f"Skipped (not built yet): {', '.join(skipped)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
