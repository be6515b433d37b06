"""Schema migrations with Alembic, run in-process on our own SQLCipher connection.

Opening a database that is behind the code first writes an encrypted backup copy, then
upgrades. A database ahead of the code (written by a newer csn-desk) is refused untouched.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from csn_desk.errors import DatabaseTooNew
from csn_desk.ids import utcnow

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)


def needs_upgrade(engine: Engine) -> bool:
    """True when the database is behind head; raises if it is ahead of this code."""
    current = current_revision(engine)
    if current is not None and current not in known_revisions():
        raise DatabaseTooNew()
    return current != head_revision()


def backup_before_upgrade(engine: Engine, key: bytes, backups: Path) -> Path | None:
    """An encrypted copy (same key) of the database as it is, before any migration runs."""
    if current_revision(engine) is None:
        return None  # a brand-new, empty database has nothing to keep
    backups.mkdir(parents=True, exist_ok=True)
    target = backups / f"before-upgrade-{utcnow():%Y%m%dT%H%M%S}-{current_revision(engine)}.db"
    raw = engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        assert dbapi is not None
        dbapi.execute(f"ATTACH DATABASE ? AS upgrade_backup KEY \"x'{key.hex()}'\"",
                      (str(target),))
        try:
            dbapi.execute("SELECT sqlcipher_export('upgrade_backup')")
        finally:
            dbapi.execute("DETACH DATABASE upgrade_backup")
    finally:
        raw.close()
    return target
