"""Making and checking the encrypted database copy inside a backup.

The copy is made with ``sqlcipher_export`` into a new file under the same raw key, inside one
read transaction, so it is a consistent snapshot even while the app keeps saving; the row
count of every table is taken in that same transaction, for the check after writing."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from csn_desk.backup.bundle import BadBackup
from csn_desk.errors import DatabaseUnreadable
from csn_desk.store.engine import connect

_TABLES = ("SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
           "AND name NOT LIKE 'sqlite_%' ORDER BY name")


def _counts(con: Any, schema: str = "main") -> dict[str, int]:
    names = [r[0] for r in con.execute(_TABLES.format(schema=schema)).fetchall()]
    return {n: int(con.execute(f'SELECT count(*) FROM {schema}."{n}"').fetchone()[0])
            for n in names}


def export_copy(engine: Engine, key: bytes, target: Path) -> dict[str, int]:
    """Write an encrypted snapshot of the database to ``target``; returns its row counts."""
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    raw = engine.raw_connection()
    try:
        con: Any = raw.driver_connection
        con.execute(f"ATTACH DATABASE ? AS backup_copy KEY \"x'{key.hex()}'\"", (str(target),))
        try:
            con.execute("PRAGMA backup_copy.journal_mode = OFF")
            con.execute("PRAGMA backup_copy.synchronous = OFF")
            con.execute("BEGIN")
            try:
                con.execute("SELECT sqlcipher_export('backup_copy')")
                counts = _counts(con)
            finally:
                con.execute("COMMIT")
        finally:
            con.execute("DETACH DATABASE backup_copy")
        with open(target, "rb+") as f:
            os.fsync(f.fileno())
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        raw.close()
    return counts


def check_copy(path: Path, key: bytes, expected: dict[str, int]) -> dict[str, str]:
    """Open a database copy with the key, run SQLCipher's and SQLite's integrity checks and
    compare every table's row count. Returns the copy's local settings (which site it is).
    Raises BadBackup (or DatabaseUnreadable for a key that does not open it)."""
    try:
        con = connect(path, key)
    except DatabaseUnreadable:
        raise BadBackup("its database does not open with its key file") from None
    try:
        try:
            problems = con.execute("PRAGMA cipher_integrity_check").fetchall()
            if problems:
                raise BadBackup("its database is damaged")
            result = con.execute("PRAGMA integrity_check").fetchall()
            if [r[0] for r in result] != ["ok"]:
                raise BadBackup("its database is damaged")
            if _counts(con) != expected:
                raise BadBackup("its database does not hold what its contents list says")
            return {str(k): str(v) for k, v in
                    con.execute("SELECT key, value FROM local_setting").fetchall()}
        except BadBackup:
            raise
        except Exception:
            raise BadBackup("its database is damaged") from None
    finally:
        with contextlib.suppress(Exception):
            con.close()


def user_role(path: Path, key: bytes, username: str) -> tuple[str, bool] | None:
    """(role, active) of a user in a database copy, or None when there is no such user."""
    con = connect(path, key)
    try:
        row = con.execute('SELECT role, active FROM "user" WHERE username = ?',
                          (username,)).fetchone()
        return None if row is None else (str(row[0]), bool(row[1]))
    finally:
        con.close()


def schema_revision(path: Path, key: bytes) -> str | None:
    con = connect(path, key)
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])
    finally:
        con.close()
