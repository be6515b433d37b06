"""SQLCipher connections and the SQLAlchemy engine over them.

Every connection gets the raw 256-bit key first, then: WAL (readers never block the writer,
other processes such as a scheduled sync can share the file), foreign keys, secure_delete,
synchronous=FULL (a committed enquiry survives a power cut), and a busy timeout so a second
process waits for the write lock instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from csn_desk.errors import DatabaseBusy, DatabaseUnreadable
from csn_desk.logs import silence_sql

BUSY_TIMEOUT_MS = 15000
WRITE_OPTION = "csn_write"
# A pooled connection's ``info`` key: the ``wal_autocheckpoint`` to give the connection back
# when it returns to the pool (set by ``Writer.large``, which turns it off for its commit).
RESTORE_AUTOCHECKPOINT = "csn_restore_wal_autocheckpoint"


def _null(value: None) -> None:
    return value


# Binding None: without an adapter registered for it, sqlcipher3 tries the adapter registry,
# then ``__adapt__`` and ``__conform__`` (failed look-ups costing ~3 microseconds a value,
# measured: most of a bulk insert's time when rows have empty columns). Registered, None
# goes straight through and is stored as NULL, as before.
sqlcipher3.register_adapter(type(None), _null)


def connect(path: Path, key: bytes, *, check_same_thread: bool = False) -> sqlcipher3.Connection:
    """Open one SQLCipher connection and prove the key is right."""
    conn = sqlcipher3.connect(str(path), check_same_thread=check_same_thread,
                              isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        for pragma in (
            f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            "PRAGMA secure_delete = ON",
            "PRAGMA temp_store = MEMORY",
            "PRAGMA cache_size = -32768",  # 32 MiB: decrypted pages are costly to re-read
        ):
            conn.execute(pragma)
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        if _busy(exc):  # held by another program (a rekey), not damaged
            raise DatabaseBusy() from None
        raise DatabaseUnreadable() from None
    return conn


def _busy(exc: sqlcipher3.DatabaseError) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: another connection holds the database."""
    text = str(exc).lower()
    return isinstance(exc, sqlcipher3.OperationalError) and ("locked" in text or "busy" in text)


def make_engine(path: Path, key: bytes) -> Engine:
    """An engine whose sessions begin DEFERRED for reads and IMMEDIATE for writes.

    A write session takes the write lock at BEGIN, so two processes never both read then
    fail to upgrade; the busy timeout makes the second wait its turn.
    """
    engine = create_engine(
        "sqlite://",
        # The dialect must know its DBAPI is sqlcipher3, not the stdlib sqlite3: otherwise
        # driver errors escape unwrapped (no sqlalchemy.exc.IntegrityError) and feature
        # checks read the wrong SQLite version.
        module=sqlcipher3,
        creator=lambda: connect(path, key),
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        # Never SQL, bound values or rows in a log, even at DEBUG: they are personal data.
        echo=False,
        hide_parameters=True,
    )
    silence_sql()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: Any, record: Any) -> None:
        # After the unit of work has committed or rolled back, before any other can have
        # the connection: its own automatic checkpoints come back (see Writer.large).
        restore = record.info.pop(RESTORE_AUTOCHECKPOINT, None) if record is not None else None
        if restore is not None and dbapi_connection is not None:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint = {int(restore)}")

    return engine
