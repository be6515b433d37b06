"""Opening the app: choose the data folder, make sure only one copy runs on it, prepare the
demo data when asked, then login window -> main window.

``run_app(args)`` is what ``csn-desk`` with no command calls."""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QProgressBar, QVBoxLayout, QWidget

from csn_desk.accounts import usernames
from csn_desk.errors import CsnError
from csn_desk.logs import configure as configure_logging
from csn_desk.store.paths import DataPaths, default_data_dir, default_demo_dir
from csn_desk.ui import settings, theme
from csn_desk.ui.login import LoginWindow, demo_banner
from csn_desk.ui.main_window import MainWindow
from csn_desk.ui.single_instance import ALREADY_OPEN, SingleInstance
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace


def choose_data_dir(args: Any) -> tuple[Path, bool]:
    """(data folder, whether it is the demo data set) from --data-dir/--demo/--demo-if-empty."""
    explicit = Path(args.app_data_dir).expanduser() if args.app_data_dir else None
    if args.demo:
        return (explicit or default_demo_dir()), True
    if explicit is not None:
        return explicit, explicit.resolve() == default_demo_dir().resolve()
    real = default_data_dir()
    if args.demo_if_empty and not DataPaths(real).exists():
        return default_demo_dir(), True
    return real, False


def interactive() -> bool:
    """False under the offscreen/minimal platforms (tests, CI), where a dialog would hang."""
    return QGuiApplication.platformName() not in ("offscreen", "minimal")


def tell(text: str, title: str = "csn-desk") -> None:
    """A plain message: on stderr always, and in a dialog when someone can see it."""
    print(f"csn-desk: {text}", file=sys.stderr)
    if interactive():
        QMessageBox.information(None, title, text)


def bring_to_front(window: QWidget) -> None:
    if window.isMinimized():
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()


def create_application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setOrganizationName(settings.ORGANISATION)
    app.setApplicationName(settings.APPLICATION)
    theme.apply_saved_text_scale(app)
    return app


def _quiet_excepthook(kind: type[BaseException], exc: BaseException,
                      tb: TracebackType | None) -> None:
    # A traceback can carry personal data (values in frames); say what kind of error only.
    del exc, tb
    print(f"csn-desk: something went wrong ({kind.__name__}).", file=sys.stderr)


class PreparingDemo(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Preparing demo data – csn-desk")
        text = QLabel("Preparing the fictional demo data. This takes a few seconds, "
                      "only the first time.")
        text.setWordWrap(True)
        bar = QProgressBar()
        bar.setRange(0, 0)
        bar.setAccessibleName("Preparing demo data")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(demo_banner())
        layout.addWidget(text)
        layout.addWidget(bar)
        self.setMinimumWidth(520)


class AppController(QObject):
    """Owns the task runner, the open workspace and whichever window is showing."""

    def __init__(self, data_dir: Path, demo: bool, guard: SingleInstance, *,
                 demo_enquiries: int = 3000) -> None:
        super().__init__()
        self.data_dir, self.demo, self.guard = data_dir, demo, guard
        self.demo_enquiries = demo_enquiries
        self.runner = TaskRunner()
        self.window: QWidget | None = None
        self.ws: Workspace | None = None
        self.exit_code = 0
        guard.raise_requested.connect(self.raise_window)

    def start(self) -> bool:
        if DataPaths(self.data_dir).exists():
            return self.show_login()
        if not self.demo:
            return self.show_setup()
        self._show(PreparingDemo())
        data_dir, count = self.data_dir, self.demo_enquiries

        def make(_state: Any) -> None:
            from csn_desk.demo import ensure_demo
            ensure_demo(data_dir, enquiries=count)

        self.runner.run_db(make, on_done=lambda _r: self.show_login(),
                           on_error=self._fatal)
        return True

    def show_setup(self) -> bool:
        """An empty data folder: the set-up wizard, then the login window."""
        from csn_desk.ui.setup_wizard import SetupWizard

        wizard = SetupWizard(self.data_dir, self.runner)
        wizard.setup_done.connect(lambda _username: self.show_login())
        self._show(wizard)
        return True

    def show_login(self) -> bool:
        try:
            users = usernames(self.data_dir)
        except CsnError as exc:
            self._fatal(str(exc))
            return False
        demo_login = None
        if self.demo:
            from csn_desk.demo import DEMO_PASSPHRASE, DEMO_USERNAME
            demo_login = (DEMO_USERNAME, DEMO_PASSPHRASE)
        login = LoginWindow(self.data_dir, self.runner, users, demo=self.demo,
                            demo_login=demo_login)
        login.signed_in.connect(self.open_main)
        self._show(login)
        return True

    def open_main(self, ws: Workspace) -> None:
        self.ws = ws
        main = MainWindow(ws, self.runner)
        main.sign_out_requested.connect(self.sign_out)
        self._show(main)

    def sign_out(self) -> None:
        ws, self.ws = self.ws, None
        if ws is not None:
            self.runner.run_db(lambda _state: ws.close())  # after any queued database work
        self.show_login()

    def raise_window(self) -> None:
        if self.window is not None:
            bring_to_front(self.window)

    def shutdown(self) -> None:
        self.runner.shutdown(wait=True)
        if self.ws is not None:
            self.ws.close()
            self.ws = None
        self.guard.release()

    def _show(self, window: QWidget) -> None:
        """Show the new window before closing the old, so the app does not quit between."""
        old, self.window = self.window, window
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.show()
        if old is not None:
            old.close()

    def _fatal(self, sentence: str) -> None:
        tell(sentence, "csn-desk cannot open")
        self.exit_code = 1
        if self.window is not None:
            self.window.close()
        QApplication.quit()


def run_app(args: Any) -> int:
    """Open the app on the chosen data folder; returns the process exit code."""
    sys.excepthook = _quiet_excepthook
    app = create_application()
    data_dir, demo = choose_data_dir(args)
    configure_logging(data_dir if DataPaths(data_dir).exists() else None)
    guard = SingleInstance(data_dir)
    if not guard.claim():
        tell(ALREADY_OPEN)
        return 0
    controller = AppController(data_dir, demo, guard)
    try:
        if not controller.start():
            return controller.exit_code
        code = app.exec()
    finally:
        controller.shutdown()
    return code or controller.exit_code
