"""Migrations: a new database reaches head; a database at the previous revision is backed up
(encrypted) and upgraded with its data; a newer database is refused untouched; the models
match the migrated schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from csn_desk.errors import DatabaseTooNew
from csn_desk.store import migrate
from csn_desk.store.database import Database
from csn_desk.store.engine import connect, make_engine
from csn_desk.store.keys import new_db_key
from csn_desk.store.models import metadata
from csn_desk.store.paths import DataPaths
from tests.conftest import PASSPHRASE
from tests.store.storekit import hash_tree

# Every revision an existing database could be at: 0001 today, and each older one later.
OLDER = sorted(migrate.known_revisions() - {migrate.head_revision()})
ORG, SERVICE, CLIENT = "org-0001", "svc-0001", "cli-0001"

# FTS5 creates these shadow tables for each full-text table; they are SQLite's, not ours.
FTS5_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")
# Plain tables that 0002 creates for the directory search index (a rowid map, a generation
# counter, category labels), maintained by triggers and deliberately not SQLModel models.
# Named one by one so any other table without a model still fails this test.
SEARCH_INDEX_TABLES = {"service_search_row", "service_search_state", "taxonomy_term"}


def _fill_previous(engine: Engine) -> None:
    """Rows written by raw SQL, using only columns the 0001 schema already had."""
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO organisation (id, name, description, is_member, needs_checking) "
            "VALUES (:id, 'Darlington Befriending Circle', 'Weekly visits', 1, 1)"), {"id": ORG})
        conn.execute(text(
            "INSERT INTO service (id, organisation_id, name, description, status, "
            "needs_checking) VALUES (:id, :org, 'Tuesday lunch club', 'Hot meal', 'active', 1)"),
            {"id": SERVICE, "org": ORG})
        conn.execute(text(
            "INSERT INTO client (id, organisation_id, given_name, family_name, "
            "preferred_contact, preferred_format, restricted, family_key, given_key, created_at) "
            "VALUES (:id, :org, 'Ada', 'Thistlewood', 'letter', 'standard', 0, 'thistlewood', "
            "'ada', '2025-06-01 10:00:00.000000')"), {"id": CLIENT, "org": ORG})


def _rows(conn: Any) -> tuple[object, ...]:
    """The three rows, read through a DB-API connection (SQLCipher or the backup's)."""
    ex = conn.execute
    return (ex("SELECT name FROM organisation WHERE id = ?", (ORG,)).fetchall(),
            ex("SELECT name FROM service WHERE id = ?", (SERVICE,)).fetchall(),
            ex("SELECT family_name FROM client WHERE id = ?", (CLIENT,)).fetchall())


EXPECTED = ([("Darlington Befriending Circle",)], [("Tuesday lunch club",)], [("Thistlewood",)])


def test_new_database_is_at_head(data_dir: Path) -> None:
    db, _recovery = Database.create(data_dir, "admin", PASSPHRASE)
    with db:
        assert migrate.current_revision(db.engine) == migrate.head_revision()
        assert db.backup_made is None
    assert not DataPaths(data_dir).backups.exists()  # nothing to back up when new


def test_there_is_an_older_revision_to_upgrade_from() -> None:
    assert "0001" in OLDER


@pytest.mark.parametrize("previous", OLDER)
def test_upgrade_from_older_revision_backs_up_and_keeps_data(data_dir: Path,
                                                               previous: str) -> None:
    paths = DataPaths(data_dir)
    data_dir.mkdir()
    key = new_db_key()
    engine = make_engine(paths.database, key)
    migrate.upgrade(engine, previous)
    _fill_previous(engine)
    engine.dispose()

    with Database.open_with_key(paths, key) as db:
        assert migrate.current_revision(db.engine) == migrate.head_revision()
        backup = db.backup_made
        assert backup is not None and backup.parent == paths.backups and backup.exists()
        with db.engine.connect() as conn:
            assert _rows(conn.connection.driver_connection) == EXPECTED
            # 0002 indexed the service that was already there.
            assert conn.execute(text("SELECT count(*) FROM service_search")).scalar_one() == 1

    # The backup is encrypted with the same key, holds the old schema and the rows.
    assert not backup.read_bytes().startswith(b"SQLite format 3")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(backup).execute("SELECT count(*) FROM sqlite_master").fetchall()
    conn = connect(backup, key)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(previous,)]
        assert _rows(conn) == EXPECTED
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def test_newer_database_is_refused_untouched(data_dir: Path) -> None:
    db, _recovery = Database.create(data_dir, "admin", PASSPHRASE)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    db.close()
    before = hash_tree(data_dir)
    with pytest.raises(DatabaseTooNew) as err:
        Database.open(data_dir, "admin", PASSPHRASE)
    assert "newer version of csn-desk" in str(err.value)
    assert hash_tree(data_dir) == before
    assert not DataPaths(data_dir).backups.exists()


def _virtual_and_shadow_tables(conn: Any) -> set[str]:
    rows = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND sql LIKE 'CREATE VIRTUAL TABLE%'").all()
    virtual = {r[0] for r in rows}
    return virtual | {v + s for v in virtual for s in FTS5_SHADOWS}


def test_models_match_migrated_schema(data_dir: Path) -> None:
    db, _recovery = Database.create(data_dir, "admin", PASSPHRASE)
    with db, db.engine.connect() as conn:
        ignored = _virtual_and_shadow_tables(conn)
        assert "service_search" in ignored  # the filter is not vacuous
        ignored |= SEARCH_INDEX_TABLES

        def include(name: str | None, type_: str, _parent: object) -> bool:
            return not (type_ == "table" and name in ignored)

        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_name": include})
        diffs = compare_metadata(ctx, metadata)
    assert diffs == []


CLOCKS = [("service", SERVICE, "name", "0001764000000000-000000", "site-a"),
          ("service", SERVICE, "status", "0001764000000000-000001", "site-a"),
          ("organisation", ORG, "name", "0001764000000000-000002", "site-b")]


def _clocks(conn: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(
        "SELECT table_name, row_id, field, hlc, site_id FROM cell_clock "
        "ORDER BY table_name, row_id, field").fetchall()]


def _cell_clock_sql(conn: Any) -> str:
    return str(conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' "
                            "AND name = 'cell_clock'").fetchone()[0])


def test_0009_rebuilds_cell_clock_without_rowid_keeping_every_clock(data_dir: Path) -> None:
    """The clocks survive the rebuild (and a downgrade), the key still holds, and the
    change log's base trigger still reads them."""
    paths = DataPaths(data_dir)
    data_dir.mkdir()
    key = new_db_key()
    engine = make_engine(paths.database, key)
    migrate.upgrade(engine, "0008")
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        raw.executemany("INSERT INTO cell_clock (table_name, row_id, field, hlc, site_id) "
                        "VALUES (?, ?, ?, ?, ?)", CLOCKS)
        assert "WITHOUT ROWID" not in _cell_clock_sql(raw)
    engine.dispose()

    with Database.open_with_key(paths, key) as db, db.engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert migrate.current_revision(db.engine) == migrate.head_revision()
        assert "WITHOUT ROWID" in _cell_clock_sql(raw)
        assert _clocks(raw) == sorted(CLOCKS)
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        with pytest.raises(sqlcipher3.IntegrityError):  # the key still holds
            raw.execute("INSERT INTO cell_clock (table_name, row_id, field, hlc, site_id) "
                        "VALUES (?, ?, ?, ?, ?)", CLOCKS[0])
        # The trigger fills a change's base from the clock it overwrites.
        raw.execute("INSERT INTO change_log (scope, table_name, row_id, field, value_json, "
                    "hlc, site_id, op) VALUES ('network', 'service', ?, 'name', '\"x\"', "
                    "'0001764000000001-000000', 'site-a', 'update')", (SERVICE,))
        assert raw.execute("SELECT base_hlc, base_site FROM change_log").fetchall() == [
            ("0001764000000000-000000", "site-a")]

    engine = make_engine(paths.database, key)
    try:
        with engine.begin() as conn:
            cfg = migrate.alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0008")
            raw = conn.connection.driver_connection
            assert "WITHOUT ROWID" not in _cell_clock_sql(raw)
            assert _clocks(raw) == sorted(CLOCKS)
            names = {r[0] for r in raw.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()}
            assert "change_log_base" in names
    finally:
        engine.dispose()
