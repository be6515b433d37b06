"""Where a data directory keeps its files.

One data directory = one site's database, its key file and its lock. The default comes from
platformdirs (per user); every command can point elsewhere with ``--data-dir``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "csn-desk"


def default_data_dir() -> Path:
    """The per-user data directory for real data."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


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
