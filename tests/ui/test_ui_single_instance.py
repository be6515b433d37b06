"""One app per data folder: the second copy asks the first to come to the front."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QDir
from pytestqt.qtbot import QtBot

from csn_desk.ui.single_instance import ALREADY_OPEN, SingleInstance, server_name

ROOT = Path(__file__).resolve().parents[2]


def test_second_copy_detects_the_first_and_asks_it_to_raise(qtbot: QtBot,
                                                             tmp_path: Path) -> None:
    first = SingleInstance(tmp_path / "data")
    assert first.claim()
    assert first.is_primary
    second = SingleInstance(tmp_path / "data")
    try:
        with qtbot.waitSignal(first.raise_requested, timeout=5000):
            assert not second.claim()
        assert not second.is_primary
    finally:
        first.release()


def test_the_same_folder_by_another_spelling_is_the_same_lock(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    assert server_name(tmp_path / "data") == server_name(tmp_path / "x" / ".." / "data")
    assert server_name(tmp_path / "data") != server_name(tmp_path / "other")


def test_name_reveals_no_path(tmp_path: Path) -> None:
    name = server_name(tmp_path / "Jane Example")
    assert "Jane" not in name and "data" not in name and str(tmp_path) not in name
    assert name.startswith("csn-desk-")


def test_different_folders_do_not_block_each_other(tmp_path: Path) -> None:
    first, other = SingleInstance(tmp_path / "a"), SingleInstance(tmp_path / "b")
    try:
        assert first.claim()
        assert other.claim()
    finally:
        first.release()
        other.release()


def test_a_stale_lock_after_a_crash_is_taken_over(qtbot: QtBot, tmp_path: Path) -> None:
    # A crashed copy leaves its socket file behind with nobody listening on it.
    name = server_name(tmp_path / "data")
    path = os.path.join(QDir.tempPath(), name)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(path)
    dead.close()
    assert os.path.exists(path)
    guard = SingleInstance(tmp_path / "data")
    try:
        assert guard.claim()
        assert guard.is_primary
        later = SingleInstance(tmp_path / "data")
        with qtbot.waitSignal(guard.raise_requested, timeout=5000):
            assert not later.claim()
    finally:
        guard.release()


def test_a_second_app_process_says_so_and_exits_0(qtbot: QtBot, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = SingleInstance(data)
    assert first.claim()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    try:
        with qtbot.waitSignal(first.raise_requested, timeout=20000):
            proc = subprocess.run([sys.executable, "-m", "csn_desk", "--data-dir", str(data)],
                                  cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=60, check=False)
    finally:
        first.release()
    assert proc.returncode == 0, proc.stderr
    assert ALREADY_OPEN in proc.stderr
