"""Health checks for one open database, as plain functions (``csn-desk check`` prints them).

Each check answers one question an administrator needs before trusting the data: are the
encrypted pages intact, is SQLite's structure sound, do references point somewhere, is the
audit log untampered, and is the schema the one this code expects. A check never raises:
a damaged database is reported as a failed check, and the details name tables, pages and
counts only, never values from the rows (they may be personal data).
"""

from __future__ import annotations

from collections.abc import Callable
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


@contextlib.contextmanager
def _dbapi(db: Database) -> Iterator[Any]:
    """A raw pooled SQLCipher connection, thrown away (not pooled again) after any error:
    SQLCipher keeps a failed page decryption as a sticky error on that connection."""
    raw = db.engine.raw_connection()
    try:
        yield raw.driver_connection
    except BaseException:
        raw.invalidate()
        raise
    finally:
        raw.close()


def _pragma_rows(db: Database, sql: str) -> list[tuple[Any, ...]]:
    """Run a PRAGMA on a raw connection (these are not SQL SQLAlchemy should parse)."""
    with _dbapi(db) as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


def _summary(rows: list[str]) -> tuple[int, str]:
    """How many problems, and the first few on one line (SQLite may pack several in a row)."""
    lines = [line.strip() for row in rows for line in row.splitlines()
             if line.strip() and not line.startswith("*** in database")]
    shown = "; ".join(lines[:MAX_DETAIL_ROWS])
    more = len(lines) - MAX_DETAIL_ROWS
    return len(lines), shown + (f" (and {more} more)" if more > 0 else "")


def check_cipher_integrity(db: Database) -> CheckResult:
    """SQLCipher's page HMACs: detects tampering or damage of the encrypted file.

    ``cipher_integrity_check`` reads the main database file only, so committed pages still
    in the WAL are first copied into it by a passive checkpoint (which never blocks another
    process and changes no data, only where it is stored)."""
    name = "cipher integrity (page HMACs)"
    with _dbapi(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        problems = [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check")]
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        if problems:
            raise _Found(problems)  # also discards this connection
    return CheckResult(name, True, f"all {pages} pages verified")


class _Found(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("problems found")
        self.problems = problems


def check_sqlite_integrity(db: Database) -> CheckResult:
    name = "SQLite integrity"
    rows = [str(r[0]) for r in _pragma_rows(db, "PRAGMA integrity_check")]
    if rows == ["ok"]:
        return CheckResult(name, True, "ok")
    return CheckResult(name, False, f"{len(rows)} problem(s): {_summary(rows)}")


def check_foreign_keys(db: Database) -> CheckResult:
    """Rows whose reference points nowhere (``foreign_key_check`` returns only those)."""
    name = "foreign keys"
    rows = _pragma_rows(db, "PRAGMA foreign_key_check")
    if not rows:
        return CheckResult(name, True, "every reference resolves")
    by_table: dict[str, int] = {}
    for table, _rowid, parent, _fk in rows:
        key = f"{table} -> {parent}"
        by_table[key] = by_table.get(key, 0) + 1
    parts = [f"{k} ({n})" for k, n in sorted(by_table.items())]
    return CheckResult(name, False, f"{len(rows)} broken reference(s): {_summary(parts)}")


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
    return CheckResult(name, False, f"at revision {current}, this version of csn-desk "
                                    f"expects {head}")


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
        except Exception as exc:  # report, never crash: the message could carry row data
            results.append(CheckResult(name, False, f"could not run ({type(exc).__name__})"))
    return results


def all_ok(results: list[CheckResult]) -> bool:
    return bool(results) and all(r.ok for r in results)
