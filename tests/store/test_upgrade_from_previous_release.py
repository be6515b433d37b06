"""Upgrade from the previous release: a committed data directory made by the older schema
(tests/fixtures/previous-release/, written by scripts/make_previous_release_fixture.py) signs in,
is migrated to whatever head is now, keeps every record, and leaves an encrypted backup of the
database as it was."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from csn_desk.accounts import sign_in
from csn_desk.store import migrate
from csn_desk.store.engine import connect
from csn_desk.store.paths import DataPaths
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "previous-release"
sys.path.insert(0, str(ROOT / "scripts"))
import make_previous_release_fixture as maker  # noqa: E402

sys.path.remove(str(ROOT / "scripts"))


@pytest.fixture
def old_data(tmp_path: Path) -> Path:
    """A copy of the committed fixture: the test never changes the repository's files."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    return target


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
            for t in maker.EXPECTED_COUNTS}


def test_fixture_is_small_and_at_the_older_revision() -> None:
    paths = DataPaths(FIXTURE)
    assert paths.exists()
    assert sum(f.stat().st_size for f in FIXTURE.iterdir()) < 1_000_000
    assert migrate.head_revision() != maker.PREVIOUS
    assert maker.PASSPHRASE == PASSPHRASE


def test_previous_release_upgrades_keeping_every_record(old_data: Path) -> None:
    backups = DataPaths(old_data).backups
    assert not backups.exists()

    ws = sign_in(old_data, maker.USERNAME, PASSPHRASE)
    try:
        db = ws.db
        assert migrate.current_revision(db.engine) == migrate.head_revision()
        assert db.backup_made is not None and db.backup_made.parent == backups
        assert ws.site_name == "Example Street Counter"
        assert ws.organisation_name == "Fictional Community Support Network"
        with db.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert _counts(raw) == maker.EXPECTED_COUNTS
            rows = conn.execute(text(
                "SELECT given_name, family_name, preferred_format, carer_status FROM client "
                "ORDER BY family_name")).all()
            assert [tuple(r) for r in rows] == [
                ("Cordelia", "Marchbanks", "easy_read", None),
                ("Bertram", "Quillfeather", "standard", "unpaid_carer"),
                ("Ada", "Thistlewood", "large18", None)]
            notes = conn.execute(text("SELECT notes FROM enquiry WHERE id = :id"),
                                 {"id": maker.ENQUIRIES[1]}).scalar_one()
            assert notes == "Needs a lift to hospital appointments"
            # The trigger-kept follow-up state survived: the first referral has started.
            status = conn.execute(text(
                "SELECT status FROM referral_state WHERE referral_id = :id"),
                {"id": maker.REFERRALS[0]}).scalar_one()
            assert status == "started"
            # The older release's directory rows are searchable after the upgrade.
            hits = conn.execute(text(
                "SELECT count(*) FROM service_search WHERE service_search MATCH 'lunch'"
            )).scalar_one()
            assert hits == 1
    finally:
        ws.close()

    # Signing in again does not upgrade (or back up) a second time.
    ws = sign_in(old_data, maker.USERNAME, PASSPHRASE)
    assert ws.db.backup_made is None
    key = ws.db.key
    ws.close()
    assert len(list(backups.iterdir())) == 1

    # The backup is the old database as it was: encrypted, older revision, every row.
    backup = next(backups.iterdir())
    assert maker.PREVIOUS in backup.name
    assert not backup.read_bytes().startswith(b"SQLite format 3")
    conn = connect(backup, key)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (maker.PREVIOUS,)]
        assert _counts(conn) == maker.EXPECTED_COUNTS
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def test_the_committed_fixture_is_never_modified(old_data: Path) -> None:
    """The test works on a copy; the fixture stays at the older revision for the next run."""
    before = (FIXTURE / "csn-desk.db").read_bytes()
    sign_in(old_data, maker.USERNAME, PASSPHRASE).close()
    assert (FIXTURE / "csn-desk.db").read_bytes() == before
    assert not DataPaths(FIXTURE).backups.exists()
