"""No name, note text or postcode appears in any file the app wrote: database, WAL, shared
memory, key file or backups, while the database is open and after it is closed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from csn_desk.enquiries import save_enquiry
from csn_desk.store import migrate
from csn_desk.store.engine import connect
from csn_desk.store.models import Client
from csn_desk.workspace import Workspace
from tests.store.storekit import draft, find_markers, raw

# Distinctive, clearly fictional values; the accented one exercises non-ASCII bytes.
NAME = "Quillingham-Foxworth"
GIVEN = "Perpetua Zoë"
POSTCODE = "DL3 9ZQ"
NOTE = "worried about the Zanzibar-blue boiler and her hearing aid batteries"
PHONE = "01325 480 917"
MARKERS = [NAME, GIVEN, POSTCODE, NOTE, PHONE, "Zanzibar-blue"]


def _write_personal_data(ws: Workspace) -> str:
    with ws.db.write(ws.actor) as w:
        client = w.create(Client(organisation_id=ws.organisation_id, given_name=GIVEN,
                                 family_name=NAME, postcode=POSTCODE, phone=PHONE,
                                 family_key=NAME.lower(), given_key=GIVEN.lower()))
    for i in range(3):
        save_enquiry(ws, draft(f"{NOTE} (visit {i})", client_id=client.id,
                               postcode_district=POSTCODE))
    return client.id


def _plain_copy(key: bytes, source: Path, target: Path) -> None:
    """Decrypt a copy with sqlcipher_export, to prove the markers really are in the data."""
    conn = connect(source, key)
    try:
        conn.execute(f"ATTACH DATABASE '{target}' AS plain KEY ''")
        conn.execute("PRAGMA plain.synchronous = OFF")  # a scratch copy: skip the fsyncs
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()


def test_no_personal_data_in_any_file(ws: Workspace, data_dir: Path, tmp_path: Path) -> None:
    _write_personal_data(ws)
    # An encrypted backup lives in the data folder too (the one made before an upgrade).
    backup = migrate.backup_before_upgrade(ws.db.engine, ws.db.key, ws.db.paths.backups)
    assert backup is not None and backup.exists()
    wal = ws.db.paths.database.with_name("csn-desk.db-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the live WAL holds the new pages
    files = {p.name for p in data_dir.rglob("*") if p.is_file()}
    assert {"csn-desk.db", "csn-desk.db-wal", "csn-desk.db-shm", "csn-desk.keys"} <= files

    assert find_markers(data_dir, MARKERS) == []

    # The search can fail: the same data decrypted (outside the data folder) shows them all.
    plain_live, plain_backup = tmp_path / "plain-live.db", tmp_path / "plain-backup.db"
    with raw(ws.db) as conn:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    _plain_copy(ws.db.key, ws.db.paths.database, plain_live)
    _plain_copy(ws.db.key, backup, plain_backup)
    for plain in (plain_live, plain_backup):
        found = {m for f, m, _enc in find_markers(plain.parent, MARKERS) if f == plain.name}
        assert found == set(MARKERS)

    ws.close()
    assert find_markers(data_dir, MARKERS) == []


def test_search_finds_utf16_and_plain_files(data_dir: Path) -> None:
    """The finder itself: markers in a plain UTF-16 SQLite file and a text file are found."""
    data_dir.mkdir(parents=True)
    conn = sqlite3.connect(data_dir / "plain16.db")
    conn.execute("PRAGMA encoding = 'UTF-16le'")
    conn.execute("CREATE TABLE t (v TEXT)")
    conn.execute("INSERT INTO t VALUES (?)", (NAME,))
    conn.commit()
    conn.close()
    (data_dir / "notes.txt").write_text(NOTE, encoding="utf-8")
    hits = find_markers(data_dir, MARKERS)
    assert ("plain16.db", NAME, "utf-16-le") in hits
    assert ("notes.txt", NOTE, "utf-8") in hits
