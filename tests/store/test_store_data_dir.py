"""The data directory: per user by default; per machine (or a chosen folder) for a shared
counter PC through CSN_DESK_DATA_DIR or csn-desk.ini beside the installed executable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from csn_desk.errors import InvalidInput
from csn_desk.store import paths
from csn_desk.store.paths import default_data_dir, default_demo_dir


def _ini(tmp_path: Path, value: str) -> Path:
    ini = tmp_path / "csn-desk.ini"
    ini.write_text(f"[csn-desk]\ndata_dir = {value}\n", encoding="utf-8")
    return ini


def test_per_user_by_default(tmp_path: Path) -> None:
    chosen = default_data_dir({}, tmp_path / "no-such.ini")
    assert chosen == paths.user_data_dir()
    assert chosen != paths.machine_data_dir()


def test_ini_machine_means_the_shared_folder(tmp_path: Path) -> None:
    assert default_data_dir({}, _ini(tmp_path, "machine")) == paths.machine_data_dir()


def test_ini_user_and_empty_keep_per_user(tmp_path: Path) -> None:
    assert default_data_dir({}, _ini(tmp_path, "user")) == paths.user_data_dir()
    assert default_data_dir({}, _ini(tmp_path, "")) == paths.user_data_dir()


def test_ini_may_name_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "counter data"
    assert default_data_dir({}, _ini(tmp_path, str(folder))) == folder


def test_ini_relative_folder_is_refused_plainly(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="full folder path"):
        default_data_dir({}, _ini(tmp_path, "data"))


def test_broken_ini_is_a_plain_error(tmp_path: Path) -> None:
    ini = tmp_path / "csn-desk.ini"
    ini.write_text("data_dir = machine\n", encoding="utf-8")  # no [csn-desk] section
    with pytest.raises(InvalidInput, match="cannot be read"):
        default_data_dir({}, ini)


def test_environment_wins_over_ini(tmp_path: Path) -> None:
    env = {"CSN_DESK_DATA_DIR": str(tmp_path / "from-env")}
    assert default_data_dir(env, _ini(tmp_path, "machine")) == tmp_path / "from-env"


def test_real_environment_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSN_DESK_DATA_DIR", str(tmp_path / "shared"))
    assert default_data_dir() == tmp_path / "shared"
    assert default_demo_dir() == tmp_path / "csn-desk-demo"  # demo data stays beside it


def test_frozen_build_reads_the_ini_beside_the_executable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CSN_DESK_DATA_DIR", raising=False)
    assert paths.install_ini() is None  # from source there is no install folder
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "csn-desk.exe"))
    _ini(tmp_path, "machine")
    assert paths.install_ini() == tmp_path / "csn-desk.ini"
    assert default_data_dir() == paths.machine_data_dir()
