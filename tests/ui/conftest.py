"""UI test fixtures: settings in a temp folder, a task runner, and the app font reset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from csn_desk.ui import theme
from csn_desk.ui.tasks import TaskRunner


@pytest.fixture(autouse=True)
def ui_settings_dir(tmp_path: Path, qapp: QApplication) -> Iterator[Path]:
    """QSettings go to a temp folder: tests never touch (or read) the real user settings."""
    folder = tmp_path / "qsettings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder
    theme.apply_text_scale(qapp, 100)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown(wait=True)
