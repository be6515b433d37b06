"""``run_checks`` and ``csn-desk check``: all OK on a sound database, and each check fails
on the damage it exists to find. Also: the pragmas are in force on every pooled connection."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from csn_desk.cli import check_cmd
from csn_desk.cli.common import PASSPHRASE_ENV
from csn_desk.enquiries import save_enquiry
from csn_desk.errors import DatabaseUnreadable
from csn_desk.health import all_ok, run_checks
from csn_desk.store.database import Database
from csn_desk.store.engine import BUSY_TIMEOUT_MS
from csn_desk.store.paths import DataPaths
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.store.storekit import draft, raw

NAMES = ["cipher integrity (page HMACs)", "SQLite integrity", "foreign keys", "audit chain",
         "schema version"]


def _failed(ws: Workspace) -> dict[str, str]:
    return {r.name: r.detail for r in run_checks(ws.db) if not r.ok}


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    check_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["check", *argv])
    return int(args.func(args))


def test_sound_database_passes_every_check(ws: Workspace) -> None:
    save_enquiry(ws, draft("fine"))
    results = run_checks(ws.db)
    assert [r.name for r in results] == NAMES
    assert all_ok(results), [r.line() for r in results]
    assert all(r.line().startswith("OK   ") for r in results)


def test_broken_reference_fails_foreign_keys(ws: Workspace) -> None:
    with raw(ws.db) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("UPDATE enquiry_need SET enquiry_id = 'nowhere'")
        conn.execute("INSERT INTO site (id, name, organisation_id, created_at) "
                     "VALUES ('s2', 'Ghost', 'no-such-org', '2025-01-01 00:00:00.000000')")
        conn.execute("PRAGMA foreign_keys = ON")
    assert set(_failed(ws)) == {"foreign keys"}
    assert "site -> organisation (1)" in _failed(ws)["foreign keys"]


def test_tampered_audit_log_fails_audit_chain(ws: Workspace) -> None:
    with raw(ws.db) as conn:
        conn.execute("UPDATE audit_event SET action = 'nothing' WHERE seq = 1")
    failed = _failed(ws)
    assert set(failed) == {"audit chain"} and "entry 1 has been changed" in failed["audit chain"]


def test_old_schema_stamp_fails_schema_version(ws: Workspace) -> None:
    with raw(ws.db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    failed = _failed(ws)
    assert set(failed) == {"schema version"} and "at revision 0001" in failed["schema version"]


def test_structural_damage_fails_sqlite_integrity(ws: Workspace) -> None:
    """Declare a column NOT NULL behind SQLite's back while rows hold NULL in it."""
    with raw(ws.db) as conn:
        conn.execute("PRAGMA writable_schema = ON")
        changed = conn.execute(
            "UPDATE sqlite_master SET sql = replace(sql, 'detail VARCHAR,', "
            "'detail VARCHAR NOT NULL,') WHERE name = 'audit_event'"
            " AND sql LIKE '%detail VARCHAR,%'").rowcount
        conn.execute("PRAGMA writable_schema = OFF")
    assert changed == 1
    ws.db.engine.dispose()  # new connections read the changed schema
    failed = _failed(ws)
    assert "SQLite integrity" in failed and "NULL value" in failed["SQLite integrity"]


def test_damaged_page_fails_cipher_integrity(new_workspace: tuple[Workspace, str],
                                             data_dir: Path) -> None:
    ws = new_workspace[0]
    for i in range(20):
        save_enquiry(ws, draft(f"filler {i} " * 20))
    key = ws.db.key
    ws.close()
    paths = DataPaths(data_dir)
    data = bytearray(paths.database.read_bytes())
    pages = len(data) // 4096
    # Flip one bit in the middle of each page in turn until the database still opens (a
    # damaged schema or free-list page makes it unopenable, which is its own clean error).
    for page in range(pages - 1, 2, -1):
        damaged = bytearray(data)
        damaged[page * 4096 + 1500] ^= 0x10
        paths.database.write_bytes(bytes(damaged))
        try:
            db = Database.open_with_key(paths, key)
        except DatabaseUnreadable:
            continue
        with db:
            results = {r.name: r for r in run_checks(db)}
        assert not results["cipher integrity (page HMACs)"].ok
        assert f"page {page + 1}" in results["cipher integrity (page HMACs)"].detail
        assert not all_ok(list(results.values()))
        return
    pytest.fail("no page could be damaged with the database still opening")


def test_pragmas_on_every_pooled_connection(ws: Workspace) -> None:
    pool = ws.db.engine.pool
    held = [ws.db.engine.raw_connection() for _ in range(pool.size() + 4)]  # pool + overflow
    try:
        assert len({id(c.driver_connection) for c in held}) == len(held)
        for c in held:
            conn = c.driver_connection
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
            assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
            assert conn.execute("PRAGMA cipher_version").fetchone()[0]  # really SQLCipher
    finally:
        for c in held:
            c.close()
    # A session (what services use) sees the same settings.
    with ws.db.read() as s:
        assert s.connection().exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert s.connection().exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1


def test_check_command_ok_then_fail(new_workspace: tuple[Workspace, str], data_dir: Path,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    ws = new_workspace[0]
    save_enquiry(ws, draft("checked"))
    ws.close()
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    assert _cli(["--data-dir", str(data_dir), "--user", "admin"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line[:4] for line in lines] == ["OK  "] * 5 and len(lines) == 5

    with Database.open(data_dir, "admin", PASSPHRASE) as db, raw(db) as conn:
        conn.execute("DELETE FROM audit_event WHERE seq = 2")
    assert _cli(["--data-dir", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "FAIL audit chain: entry 2 is missing" in out
    assert out.count("OK  ") == 4
