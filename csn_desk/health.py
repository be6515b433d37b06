"""Health checks for one open database, as plain functions (``csn-desk check`` prints them).

Each check answers one question an administrator needs before trusting the data: are the
encrypted pages intact, is SQLite's structure sound, do references point somewhere, is the
audit log untampered, and is the schema the one this code expects. A check never raises:
a damaged database is reported as a failed check, and the details name tables, pages and
counts only, never values from the rows (they may be personal data).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from csn_desk.store import migrate
from csn_desk.store.audit_chain import verify_chain
from csn_desk.store.database import Database

MAX_DETAIL_ROWS = 3


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        """The one line ``csn-desk check`` prints for this check."""
        return f"{'OK  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


class _Raw:
    """A raw pooled SQLCipher connection that can be marked for discarding."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.discard = False

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.execute(sql).fetchall()]


@contextlib.contextmanager
def _raw(db: Database) -> Iterator[_Raw]:
    """PRAGMAs run on the DB-API connection (not SQL for SQLAlchemy to parse). SQLCipher
    keeps a failed page decryption as a sticky error on its connection, so after any error
    or damage found, the connection is thrown away rather than pooled for the next check."""
    pooled = db.engine.raw_connection()
    handle = _Raw(pooled.driver_connection)
    try:
        yield handle
    except BaseException:
        handle.discard = True
        raise
    finally:
        if handle.discard:
            pooled.invalidate()
        pooled.close()


def _summary(rows: list[str]) -> tuple[int, str]:
    """How many problems, and the first few on one line (SQLite may pack several in a row)."""
    lines = [line.strip() for row in rows for line in row.splitlines()
             if line.strip() and not line.startswith("*** in database")]
    shown = "; ".join(lines[:MAX_DETAIL_ROWS])
    more = len(lines) - MAX_DETAIL_ROWS
    return len(lines), shown + (f" (and {more} more)" if more > 0 else "")


def check_cipher_integrity(db: Database) -> CheckResult:
    """SQLCipher's page HMACs: detects tampering with, or damage to, the encrypted file.

    ``cipher_integrity_check`` reads the main database file only, so committed pages still
    in the WAL are first copied into it by a passive checkpoint (it never waits for another
    process and changes no data, only where it is kept)."""
    name = "cipher integrity (page HMACs)"
    with _raw(db) as raw:
        raw.rows("PRAGMA wal_checkpoint(PASSIVE)")
        problems = [str(r[0]) for r in raw.rows("PRAGMA cipher_integrity_check")]
        if problems:
            raw.discard = True
            count, shown = _summary(problems)
            return CheckResult(name, False, f"{count} damaged page(s): {shown}")
        pages = int(raw.rows("PRAGMA page_count")[0][0])
    return CheckResult(name, True, f"all {pages} pages verified")


def check_sqlite_integrity(db: Database) -> CheckResult:
    name = "SQLite integrity"
    with _raw(db) as raw:
        rows = [str(r[0]) for r in raw.rows("PRAGMA integrity_check")]
        if rows == ["ok"]:
            return CheckResult(name, True, "ok")
        raw.discard = True
    count, shown = _summary(rows)
    return CheckResult(name, False, f"{count} problem(s): {shown}")


def check_foreign_keys(db: Database) -> CheckResult:
    """Rows whose reference points nowhere (``foreign_key_check`` lists only those)."""
    name = "foreign keys"
    with _raw(db) as raw:
        rows = raw.rows("PRAGMA foreign_key_check")
    if not rows:
        return CheckResult(name, True, "every reference resolves")
    by_link: dict[str, int] = {}
    for table, _rowid, parent, _fk in rows:
        link = f"{table} -> {parent}"
        by_link[link] = by_link.get(link, 0) + 1
    _count, shown = _summary([f"{link} ({n})" for link, n in sorted(by_link.items())])
    return CheckResult(name, False, f"{len(rows)} broken reference(s): {shown}")


def check_audit_chain(db: Database) -> CheckResult:
    name = "audit chain"
    with db.read() as session:
        report = verify_chain(session)
    if report.ok:
        return CheckResult(name, True, f"{report.entries} entries, chain intact")
    return CheckResult(name, False, f"{report.problem} (checked {report.entries} entries)")


def check_schema(db: Database) -> CheckResult:
    name = "schema version"
    current, head = migrate.current_revision(db.engine), migrate.head_revision()
    if current == head:
        return CheckResult(name, True, f"at the latest revision ({head})")
    return CheckResult(name, False,
                       f"at revision {current}; this version of csn-desk expects {head}")


CHECKS: list[tuple[str, Callable[[Database], CheckResult]]] = [
    ("cipher integrity (page HMACs)", check_cipher_integrity),
    ("SQLite integrity", check_sqlite_integrity),
    ("foreign keys", check_foreign_keys),
    ("audit chain", check_audit_chain),
    ("schema version", check_schema),
]


def run_checks(db: Database) -> list[CheckResult]:
    """Every check, in order; one that cannot even run (the file is too damaged) fails."""
    results = []
    for name, check in CHECKS:
        try:
            results.append(check(db))
        except Exception as exc:  # report, never crash; the message could quote row data
            results.append(CheckResult(name, False, f"could not run ({type(exc).__name__})"))
    return results


def all_ok(results: list[CheckResult]) -> bool:
    return bool(results) and all(r.ok for r in results)
