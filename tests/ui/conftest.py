"""UI test fixtures: settings in a temp folder, a task runner, and the app font reset."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

from csn_desk.accounts import add_user, sign_in
from csn_desk.ui import theme
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace


@pytest.fixture(autouse=True)
def ui_settings_dir(tmp_path: Path, qapp: QApplication) -> Iterator[Path]:
    """QSettings go to a temp folder: tests never touch (or read) the real user settings."""
    folder = tmp_path / "qsettings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder
    delete_closed_widgets()
    theme.apply_text_scale(qapp, 100)


def delete_closed_widgets() -> None:
    """pytest-qt closes a test's windows and asks Qt to delete them later, which Qt does only
    when an event loop next runs: delete them now, so that a text-size reset doesn't restyle
    windows nobody will see again (seconds each for a main window) and they don't pile up
    for the tests that follow."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown(wait=True)


@contextlib.contextmanager
def signed_in_as(ws: Workspace, data_dir: Path, username: str, name: str, role: str,
                 passphrase: str) -> Iterator[Workspace]:
    """Another member of staff, added by the administrator ``ws`` and signed in."""
    add_user(ws, username, name, role, passphrase)
    mine = sign_in(data_dir, username, passphrase)
    try:
        yield mine
    finally:
        mine.close()
