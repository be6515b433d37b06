"""A large unit of work (``Writer.large``, a directory import) commits without copying its
WAL into the database: that checkpoint runs afterwards on a thread of its own, with its own
connection, and closing the database (or disposing of its connections, as a rekey does)
waits for it. The connection the unit of work used gets its automatic checkpoints back."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import text

from csn_desk.directory.inputs import OrganisationInput
from csn_desk.directory.rows import organisation_values
from csn_desk.store.database import Database
from csn_desk.store.engine import connect
from csn_desk.store.models import Organisation
from csn_desk.store.writes import _insert_log_for
from csn_desk.workspace import Workspace
from tests.store.storekit import raw

ROWS = 3000  # with their change log and clocks: well over 1,000 pages (the usual threshold)


def _organisations(tag: str) -> list[dict[str, Any]]:
    return [dict(id=f"{tag}-{i}", **organisation_values(OrganisationInput(
        name=f"Organisation {tag} {i}", description="A fictional charity. " * 40)))
        for i in range(ROWS)]


def _sizes(db: Database) -> tuple[int, int]:
    wal = db.paths.database.with_name(db.paths.database.name + "-wal")
    return db.paths.database.stat().st_size, wal.stat().st_size if wal.exists() else 0


def _checkpointers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "csn-desk-checkpoint"]


def _record_checkpoints(monkeypatch: pytest.MonkeyPatch) -> list[Database]:
    """Background checkpoints asked for, recorded instead of started."""
    started: list[Database] = []

    def record(db: Database) -> None:
        started.append(db)

    monkeypatch.setattr(Database, "_checkpoint_in_background", record)
    return started


def _count(db: Database, tag: str) -> int:
    conn = connect(db.paths.database, db.key)
    try:
        return int(conn.execute("SELECT count(*) FROM organisation WHERE id LIKE ?",
                                (f"{tag}-%",)).fetchone()[0])
    finally:
        conn.close()


def test_a_large_commit_leaves_its_checkpoint_to_a_thread(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    db = ws.db
    with raw(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        automatic = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    assert automatic > 0
    before, _ = _sizes(db)
    started = _record_checkpoints(monkeypatch)

    with db.write(ws.actor) as w, w.large():
        w.create_many(Organisation, _organisations("big"))

    assert started == [db]
    size, wal = _sizes(db)
    # The commit wrote its pages to the WAL only: none of them in the database yet.
    assert wal > automatic * 4096 and size == before
    # Every connection in the pool checkpoints automatically again (the one the unit of
    # work used among them: they are all checked out at once).
    idle = db.engine.pool.checkedin()  # type: ignore[attr-defined]
    assert idle >= 1
    held = [db.engine.raw_connection() for _ in range(idle)]
    try:
        assert {c.driver_connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
                for c in held} == {automatic}
    finally:
        for c in held:
            c.close()

    db._checkpoint(None)  # what the thread runs
    size, _ = _sizes(db)
    assert size > before + ROWS * 1000
    assert _count(db, "big") == ROWS
    with db.write(ws.actor) as w:  # an ordinary write afterwards commits as before
        w.event("test:after")


def test_the_checkpoint_thread_copies_the_wal_and_closing_waits_for_it(
        ws: Workspace) -> None:
    db = ws.db
    before, _ = _sizes(db)
    with db.write(ws.actor) as w, w.large():
        w.create_many(Organisation, _organisations("one"))
    with db.read() as s:  # readable at once, the checkpoint running or not
        assert s.execute(text("SELECT count(*) FROM organisation WHERE id LIKE 'one-%'")
                         ).scalar_one() == ROWS
    db.wait_for_checkpoint()
    assert not _checkpointers()
    size, _ = _sizes(db)
    assert size > before + ROWS * 1000  # copied into the database by the thread

    # Two large writes one after the other, then closing straight away: closing waits
    # for the checkpoints (the last connection then removes the WAL).
    for tag in ("two", "three"):
        with db.write(ws.actor) as w, w.large():
            w.create_many(Organisation, _organisations(tag))
    ws.close()
    assert not _checkpointers()
    assert not db.paths.database.with_name(db.paths.database.name + "-wal").exists()
    assert [_count(db, tag) for tag in ("one", "two", "three")] == [ROWS] * 3


def test_disposing_of_the_connections_waits_for_the_checkpoint(ws: Workspace) -> None:
    """A rekey disposes of the engine's connections and then needs the database to
    itself: no checkpoint connection may still be open."""
    db = ws.db
    with db.write(ws.actor) as w, w.large():
        w.create_many(Organisation, _organisations("big"))
    db.engine.dispose()
    assert not _checkpointers()


def test_a_rolled_back_large_write_starts_no_checkpoint(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    db = ws.db
    started = _record_checkpoints(monkeypatch)
    with pytest.raises(RuntimeError), db.write(ws.actor) as w, w.large():
        w.create_many(Organisation, _organisations("gone"))
        raise RuntimeError("stop")
    assert started == []
    with raw(db) as conn:
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] > 0
    assert _count(db, "gone") == 0


def test_the_change_log_insert_binds_only_what_varies() -> None:
    sql = _insert_log_for("directory", "service", "0c5a3b9e-6f1d-5b27-8a4e-3d9c2e1f7b60",
                          "insert")
    assert sql is not None and sql.count("?") == 4 and "'service'" in sql
    # Anything not plain is bound as usual (never written into the statement).
    assert _insert_log_for("directory", "service", "it's", "insert") is None
    assert _insert_log_for("directory", "service", "", "insert") is None
