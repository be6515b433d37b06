"""Benchmark databases: generated fictional data (deterministic seed) in a temp folder, plus a
plaintext SQLite copy of the same file for the baselines."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlcipher3

from csn_desk.workspace import Workspace

PASSPHRASE = "bench-only-fictional-data"


@dataclass(frozen=True)
class Sizes:
    services: int
    clients: int
    enquiries: int

    @classmethod
    def full(cls) -> Sizes:
        return cls(services=20_000, clients=200_000, enquiries=100_000)

    @classmethod
    def quick(cls) -> Sizes:
        return cls(services=2_000, clients=20_000, enquiries=5_000)


def build_sized(folder: Path, sizes: Sizes, seed: int = 7, *,
                bulk_tallies: bool = False) -> Workspace:
    """The generated data set. With ``bulk_tallies`` the monthly tallies are not kept row by
    row while loading: the tally triggers are dropped, the records loaded, then the tallies
    built in one pass by the migration's own backfill (the rebuild that an upgrade runs; a
    test checks it equals what the triggers keep) and the triggers put back. The records are
    the same, and so are the monthly tallies (only rows the triggers leave at zero, which no
    reader counts, are not there); the loading skips the triggers' work for every row
    (100,000 enquiries: 87 s instead of 125 s on a shared machine).
    """
    from csn_desk.accounts import initialise
    from csn_desk.demo.generate import generate

    ws, _ = initialise(folder / "data", site_name="Bench site (fictional)",
                       organisation_name="Bench organisation (fictional)", admin_username="bench",
                       passphrase=PASSPHRASE, demo=True, check_strength=False)
    if not bulk_tallies:
        generate(ws, enquiries=sizes.enquiries, services=sizes.services, clients=sizes.clients,
                 seed=seed)
        return ws
    migration = tallies_migration()
    _run(ws, [f"DROP TRIGGER IF EXISTS {name}" for name in migration.TRIGGERS])
    generate(ws, enquiries=sizes.enquiries, services=sizes.services, clients=sizes.clients,
             seed=seed)
    _run(ws, ["DELETE FROM tally_month", "DELETE FROM tally_client_month",
              *migration._backfill(), *migration.TRIGGERS.values()])
    raw = ws.db.engine.raw_connection()
    try:  # fresh statistics, as generate() leaves them after a load with the triggers
        con: Any = raw.driver_connection
        con.execute("PRAGMA analysis_limit = 1000")
        con.execute("ANALYZE")
    finally:
        raw.close()
    return ws


def tallies_migration() -> ModuleType:
    """Migration 0006 (the tally triggers and their backfill), loaded from its file."""
    from csn_desk.store import migrate

    path = migrate.MIGRATIONS / "versions" / "0006_tallies.py"
    spec = importlib.util.spec_from_file_location("csn_bench_tallies_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(ws: Workspace, statements: list[str]) -> None:
    """Statements in one transaction, straight on the driver connection."""
    raw = ws.db.engine.raw_connection()
    try:
        con: Any = raw.driver_connection
        con.execute("BEGIN IMMEDIATE")
        try:
            for sql in statements:
                con.execute(sql)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        raw.close()


def plain_copy(ws: Workspace, target: Path) -> Path:
    """The same database decrypted into a plain SQLite file (schema, FTS and data)."""
    target.unlink(missing_ok=True)
    raw = ws.db.engine.raw_connection()
    try:
        con: Any = raw.driver_connection
        con.execute("ATTACH DATABASE ? AS plaintext KEY ''", (str(target),))
        con.execute("SELECT sqlcipher_export('plaintext')")
        con.execute("DETACH DATABASE plaintext")
    finally:
        raw.close()
    return target


def connect_plain(path: Path) -> Any:
    """A connection to the plain copy with the same pragmas the app uses, minus the key."""
    con = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    for pragma in ("PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
                   "PRAGMA foreign_keys = ON", "PRAGMA secure_delete = ON",
                   "PRAGMA temp_store = MEMORY"):
        con.execute(pragma)
    return con
