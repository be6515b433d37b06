"""Benchmark databases: generated fictional data (deterministic seed) in a temp folder, plus a
plaintext SQLite copy of the same file for the baselines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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


def build_sized(folder: Path, sizes: Sizes, seed: int = 7) -> Workspace:
    from csn_desk.accounts import initialise
    from csn_desk.demo.generate import generate

    ws, _ = initialise(folder / "data", site_name="Bench site (fictional)",
                       organisation_name="Bench organisation (fictional)", admin_username="bench",
                       passphrase=PASSPHRASE, demo=True, check_strength=False)
    generate(ws, enquiries=sizes.enquiries, services=sizes.services, clients=sizes.clients,
             seed=seed)
    return ws


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
