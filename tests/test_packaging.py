"""Packaging: the frozen build's file list (installer/bundle_files.py), the Windows installer
script's metadata and data-safety rules, and the Linux .desktop entry. The build itself is
checked end to end by `./run build` + `./run frozen-self-test` in .ci/run."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import fontpkg_atkinson_hyperlegible
import pytest

import csn_desk
from csn_desk import vocab
from csn_desk.store import migrate

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
ISS = INSTALLER / "windows" / "csn-desk.iss"


def _load(name: str) -> ModuleType:
    """installer/*.py by path, under a private name (a top-level ``build`` would clash)."""
    spec = importlib.util.spec_from_file_location(f"csn_installer_{name}", INSTALLER / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load("build")
bundle_files = _load("bundle_files")
FONT_ROOT = Path(fontpkg_atkinson_hyperlegible.ROOT)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _iss_setup() -> dict[str, str]:
    text = ISS.read_text(encoding="utf-8")
    setup = text.split("[Setup]", 1)[1].split("\n[", 1)[0]
    pairs = (line.split("=", 1) for line in setup.splitlines()
             if "=" in line and not line.lstrip().startswith(";"))
    return {k.strip(): v.strip() for k, v in pairs}


def test_package_version_is_pyprojects() -> None:
    assert csn_desk.__version__ == _pyproject()["version"]


def test_committed_version_iss_matches_pyproject() -> None:
    meta = build.project_metadata()
    assert meta["version"] == _pyproject()["version"]
    committed = (INSTALLER / "windows" / "version.iss").read_text(encoding="utf-8")
    assert committed == build.version_iss(meta), "run ./run build (or installer/build.py)"
    assert f'#define AppVersion "{meta["version"]}"' in committed
    assert f'#define AppPublisher "{_pyproject()["authors"][0]["name"]}"' in committed


def test_iss_takes_version_and_publisher_from_the_include() -> None:
    text = ISS.read_text(encoding="utf-8")
    assert '#include "version.iss"' in text
    setup = _iss_setup()
    assert setup["AppVersion"] == "{#AppVersion}"
    assert setup["AppPublisher"] == "{#AppPublisher}"
    assert not re.search(r"AppVersion=\d", text)  # no version typed by hand


def test_iss_installs_per_machine_x64_and_upgrades_in_place() -> None:
    setup = _iss_setup()
    assert re.fullmatch(r"\{\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}",
                        setup["AppId"])
    assert setup["PrivilegesRequired"] == "admin"
    assert setup["DefaultDirName"].startswith("{autopf}\\")
    assert setup["ArchitecturesAllowed"] == setup["ArchitecturesInstallIn64BitMode"] \
        == "x64compatible"
    assert setup["CloseApplications"] == "yes"
    for key in ("LicenseFile", "SetupIconFile"):
        assert (ISS.parent / setup[key]).is_file(), key


def test_iss_never_deletes_the_data_directory() -> None:
    text = ISS.read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(";"))
    assert "[UninstallDelete]" not in code
    for line in code.splitlines():
        if "{commonappdata}" in line and line.startswith("Name:"):
            assert "uninsneveruninstall" in line
        if "{localappdata}" in line or "{userappdata}" in line:
            pytest.fail(f"installer touches a per-user data folder: {line}")
    # What [InstallDelete] removes on upgrade is program files only.
    install_delete = code.split("[InstallDelete]", 1)[1].split("\n[", 1)[0]
    targets = re.findall(r'Name: "([^"]+)"', install_delete)
    assert targets and all(t.startswith("{app}\\_internal") for t in targets)


def test_iss_installs_the_frozen_build_and_its_shortcuts() -> None:
    code = ISS.read_text(encoding="utf-8")
    assert 'Source: "..\\..\\dist\\csn-desk\\*"' in code
    assert (ISS.parent / "../../dist").resolve() == ROOT / "dist"
    assert "{autoprograms}" in code and "{autodesktop}" in code
    assert re.search(r'Name: "desktopicon".*Flags: unchecked', code)


def test_bundle_carries_every_resources_subfolder_and_migration() -> None:
    datas = bundle_files.data_files(FONT_ROOT)
    sources = {Path(src) for src, _dest in datas}
    assert all(src.is_file() for src in sources)
    for folder in (ROOT / "resources").iterdir():
        if folder.is_dir():
            files = [f for f in folder.rglob("*") if f.is_file()]
            assert files and set(files) <= sources, folder.name
    versions = set((migrate.MIGRATIONS / "versions").glob("*.py"))
    assert len(versions) >= 4 and versions <= sources
    assert {FONT_ROOT / "files" / n for n in bundle_files.FONT_FILES} <= sources


def test_migration_imports_are_found() -> None:
    found = bundle_files.migration_imports()
    assert {"alembic", "sqlalchemy", "sqlmodel"} <= set(found)


def test_frozen_layout_finds_resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lay the data files out as PyInstaller does under sys._MEIPASS; the path helper and the
    vocabularies must work from there."""
    for src, dest in bundle_files.data_files(FONT_ROOT):
        target = tmp_path / dest
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert vocab.resources_dir() == tmp_path / "csn_desk" / "_resources"
    assert (vocab.resources_dir() / "icons" / "csn-desk.png").is_file()
    assert (tmp_path / "csn_desk" / "store" / "migrations" / "env.py").is_file()
    assert len(list((tmp_path / "csn_desk/store/migrations/versions").glob("*.py"))) == len(
        list((migrate.MIGRATIONS / "versions").glob("*.py")))


def test_linux_desktop_entry() -> None:
    entry = (INSTALLER / "linux" / "csn-desk.desktop").read_text(encoding="utf-8")
    fields = dict(line.split("=", 1) for line in entry.splitlines()
                  if "=" in line and not line.startswith("#"))
    assert entry.startswith("[Desktop Entry]")
    assert fields["Type"] == "Application" and fields["Terminal"] == "false"
    assert fields["Exec"].endswith("/csn-desk")
    assert Path(fields["Icon"]).name in {p.name for p in build.LINUX_EXTRAS}
    assert all(p.is_file() for p in build.LINUX_EXTRAS)
