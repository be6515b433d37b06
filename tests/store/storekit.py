"""Helpers shared by the store tests: hashing a data directory, searching its bytes, a
standard enquiry draft, and raw access to the encrypted connection."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from csn_desk.enquiries import EnquiryDraft, NeedInput
from csn_desk.store.database import Database

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
WRITER_LOOP = HERE / "store_writer_loop.py"


def hash_tree(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (key file, db, -wal, -shm, backups, anything)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def encodings(marker: str) -> list[bytes]:
    """The forms a text could take on disk: SQLite stores UTF-8 or UTF-16 (either order)."""
    return [marker.encode("utf-8"), marker.encode("utf-16-le"), marker.encode("utf-16-be")]


def find_markers(root: Path, markers: list[str]) -> list[tuple[str, str, str]]:
    """Every (file, marker, encoding) where a marker's bytes occur in a file under ``root``."""
    hits = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for marker in markers:
            for enc, form in zip(("utf-8", "utf-16-le", "utf-16-be"), encodings(marker),
                                 strict=True):
                if form in data:
                    hits.append((str(path.relative_to(root)), marker, enc))
    return hits


def draft(notes: str = "", **kw: Any) -> EnquiryDraft:
    return EnquiryDraft(channel="walk_in", enquirer_type=kw.pop("enquirer_type", "self"),
                        needs=(NeedInput("information"),), notes=notes, **kw)


@contextlib.contextmanager
def raw(db: Database) -> Iterator[Any]:
    """The SQLCipher DB-API connection behind one pooled connection, autocommit mode."""
    conn = db.engine.raw_connection()
    try:
        yield conn.driver_connection
    finally:
        conn.close()
