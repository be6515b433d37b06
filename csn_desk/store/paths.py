"""Where a data directory keeps its files.

One data directory = one site's database, its key file and its lock. The default is per user
(platformdirs). A shared counter PC, where several Windows or Linux accounts use one site's
data, sets it per machine instead; in order of precedence:
  1. ``--data-dir`` on any command;
  2. the ``CSN_DESK_DATA_DIR`` environment variable (a folder);
  3. ``csn-desk.ini`` beside the installed executable (the Windows installer writes it when
     "shared counter PC" is ticked)::

         [csn-desk]
         data_dir = machine      ; or: user (the default), or an absolute folder path

  4. the per-user folder.
"""

from __future__ import annotations

import configparser
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from csn_desk.errors import InvalidInput

APP_NAME = "csn-desk"
DATA_DIR_ENV = "CSN_DESK_DATA_DIR"
INI_NAME = "csn-desk.ini"


def user_data_dir() -> Path:
    """Per user: %LOCALAPPDATA%\\csn-desk on Windows, ~/.local/share/csn-desk on Linux."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def machine_data_dir() -> Path:
    """Per machine: C:\\ProgramData\\csn-desk on Windows, /usr/local/share/csn-desk on Linux."""
    return Path(platformdirs.site_data_dir(APP_NAME, appauthor=False))


def install_ini() -> Path | None:
    """``csn-desk.ini`` beside the frozen executable; None when running from source."""
    if not getattr(sys, "frozen", False):
        return None
    return Path(sys.executable).resolve().parent / INI_NAME


def _from_ini(ini: Path) -> Path | None:
    parser = configparser.ConfigParser()
    try:
        parser.read(ini, encoding="utf-8")
    except configparser.Error as exc:
        raise InvalidInput(f"{ini} cannot be read ({exc.__class__.__name__}). "
                           "Fix or delete it.") from None
    value = parser.get(APP_NAME, "data_dir", fallback="").strip()
    if value in ("", "user"):
        return None
    if value == "machine":
        return machine_data_dir()
    folder = Path(os.path.expandvars(value)).expanduser()
    if not folder.is_absolute():
        raise InvalidInput(f"data_dir in {ini} must be 'user', 'machine' or a full folder path, "
                           f"not '{value}'.")
    return folder


def default_data_dir(environ: Mapping[str, str] | None = None,
                     ini: Path | None = None) -> Path:
    """The data directory for real data: environment, then the install's ini, then per user.
    ``environ`` and ``ini`` default to the real ones (tests pass their own)."""
    env = os.environ if environ is None else environ
    if env.get(DATA_DIR_ENV, "").strip():
        return Path(env[DATA_DIR_ENV].strip()).expanduser()
    ini = install_ini() if ini is None else ini
    if ini is not None and ini.is_file():
        configured = _from_ini(ini)
        if configured is not None:
            return configured
    return user_data_dir()


def default_demo_dir() -> Path:
    """The separate data directory the app uses for its fictional demo data set."""
    return default_data_dir().with_name(APP_NAME + "-demo")


@dataclass(frozen=True)
class DataPaths:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / "csn-desk.db"

    @property
    def key_file(self) -> Path:
        return self.root / "csn-desk.keys"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def app_lock(self) -> Path:
        return self.root / "app.lock"

    def exists(self) -> bool:
        return self.database.exists() and self.key_file.exists()

    def sidecar_files(self) -> list[Path]:
        """Every file SQLite may write beside the database (for checks and tests)."""
        db = self.database
        return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"),
                db.with_name(db.name + "-journal")]
