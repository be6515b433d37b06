"""Opening the app: which data folder, no-data message, demo preparation, login -> main
window -> sign out, and a second copy of the app."""

from __future__ import annotations

import sys
from argparse import Namespace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from csn_desk.demo import DEMO_PASSPHRASE, DEMO_USERNAME
from csn_desk.store.paths import DataPaths
from csn_desk.ui import app as ui_app
from csn_desk.ui.app import AppController, choose_data_dir, run_app
from csn_desk.ui.login import LoginWindow
from csn_desk.ui.main_window import MainWindow
from csn_desk.ui.single_instance import ALREADY_OPEN, SingleInstance
from tests.conftest import PASSPHRASE


def _args(data_dir: str | None = None, demo: bool = False,
          demo_if_empty: bool = False) -> Namespace:
    return Namespace(app_data_dir=data_dir, demo=demo, demo_if_empty=demo_if_empty)


@pytest.fixture
def default_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    real, demo = tmp_path / "real", tmp_path / "real-demo"
    monkeypatch.setattr(ui_app, "default_data_dir", lambda: real)
    monkeypatch.setattr(ui_app, "default_demo_dir", lambda: demo)
    return real, demo


@pytest.mark.usefixtures("ws")
def test_choosing_the_data_folder(default_dirs: tuple[Path, Path], data_dir: Path) -> None:
    real, demo = default_dirs
    assert choose_data_dir(_args()) == (real, False)
    assert choose_data_dir(_args(demo=True)) == (demo, True)
    assert choose_data_dir(_args(str(data_dir))) == (data_dir, False)
    assert choose_data_dir(_args(str(demo))) == (demo, True)
    # --demo-if-empty: the demo set while there is no real data, real data once there is.
    assert choose_data_dir(_args(demo_if_empty=True)) == (demo, True)
    real.mkdir()
    for f in (DataPaths(data_dir).database, DataPaths(data_dir).key_file):
        (real / f.name).write_bytes(f.read_bytes())
    assert choose_data_dir(_args(demo_if_empty=True)) == (real, False)


def _controller(data_dir: Path, demo: bool = False, **kw: int) -> AppController:
    guard = SingleInstance(data_dir)
    assert guard.claim()
    return AppController(data_dir, demo, guard, **kw)


@pytest.mark.usefixtures("ws")
def test_login_then_main_window_then_sign_out(qtbot: QtBot, data_dir: Path) -> None:
    controller = _controller(data_dir)
    try:
        assert controller.start()
        login = controller.window
        assert isinstance(login, LoginWindow)
        qtbot.keyClicks(login.passphrase, PASSPHRASE)
        qtbot.keyClick(login.passphrase, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow), timeout=10000)
        main = controller.window
        assert isinstance(main, MainWindow)
        assert controller.ws is not None and controller.ws.user.username == "admin"
        main.sign_out_requested.emit()
        assert isinstance(controller.window, LoginWindow)
        assert controller.ws is None
    finally:
        controller.shutdown()


@pytest.mark.usefixtures("ws")
def test_raise_request_brings_the_window_back(qtbot: QtBot, data_dir: Path) -> None:
    controller = _controller(data_dir)
    try:
        controller.start()
        window = controller.window
        assert window is not None
        window.showMinimized()
        qtbot.waitUntil(window.isMinimized)
        with qtbot.waitSignal(controller.guard.raise_requested, timeout=5000):
            assert not SingleInstance(data_dir).claim()
        assert not window.isMinimized() and window.isVisible()
    finally:
        controller.shutdown()


def test_demo_data_is_prepared_off_the_gui_thread(qtbot: QtBot, tmp_path: Path) -> None:
    demo_dir = tmp_path / "demo"
    controller = _controller(demo_dir, demo=True, demo_enquiries=20)
    try:
        assert controller.start()
        assert isinstance(controller.window, ui_app.PreparingDemo)  # shown while it works
        qtbot.waitUntil(lambda: isinstance(controller.window, LoginWindow), timeout=60000)
        login = controller.window
        assert isinstance(login, LoginWindow)
        assert login.user.currentText() == DEMO_USERNAME
        assert login.passphrase.text() == DEMO_PASSPHRASE
        qtbot.keyClick(login.passphrase, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow), timeout=20000)
        main = controller.window
        assert isinstance(main, MainWindow)
        assert "DEMO DATA" in main.windowTitle()
        qtbot.waitUntil(lambda: main.pages["today"].loads >= 1,  # type: ignore[attr-defined]
                        timeout=10000)
        assert main.pages["today"].model.rowCount() > 0  # type: ignore[attr-defined]
    finally:
        controller.shutdown()


def test_run_app_as_a_second_copy_exits_0(qtbot: QtBot, data_dir: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_app replaces it
    first = SingleInstance(data_dir)
    assert first.claim()
    try:
        with qtbot.waitSignal(first.raise_requested, timeout=5000):
            assert run_app(_args(str(data_dir))) == 0
    finally:
        first.release()
    assert ALREADY_OPEN in capsys.readouterr().err
