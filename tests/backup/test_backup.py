"""Backup and restore with real data folders: round trips, refusals left whole, and a restored
site that syncs without reusing a seq."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from csn_desk.accounts import add_user, sign_in, sign_in_with_recovery
from csn_desk.backup import (
    BadBackup,
    backup_due,
    backup_reminder,
    last_backup,
    make_backup,
    restore_backup,
)
from csn_desk.clients import ClientInput, add_client
from csn_desk.directory.editing import update_organisation
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.errors import InvalidInput, NotAllowed, WrongPassphrase
from csn_desk.ids import utcnow
from csn_desk.store.database import Database
from csn_desk.store.models import Organisation
from csn_desk.sync import sync_once
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.sync.conftest import _template
from tests.sync.kit import Net, own_segments, scalar

NAME, POSTCODE = "Philomena Quartermaine", "DL3 7XQ"


def _fill(ws: Workspace) -> None:
    given, family = NAME.split()
    cid = add_client(ws, ClientInput(given, family, postcode=POSTCODE))
    save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("transport"),), client_id=cid,
                                  notes="needs a lift to the surgery"))


def canonical(data_dir: Path, key: bytes) -> dict[str, list[Any]]:
    """Every table's rows, sorted: what must come back from a restore."""
    with Database.open_with_key(Database._existing(data_dir), key) as db:
        raw = db.engine.raw_connection()
        try:
            con: Any = raw.driver_connection
            names = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                "'sqlite_%' ORDER BY name")]
            return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
                    for n in names}
        finally:
            raw.close()


def _restored_matches(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> None:
    audit_before, audit_after = before.pop("audit_event"), after.pop("audit_event")
    assert after == before
    assert sorted(audit_after, key=lambda r: r[0])[:len(audit_before)] == \
        sorted(audit_before, key=lambda r: r[0])
    assert [r[4] for r in audit_after if r not in audit_before] == ["backup:restored"]


@pytest.fixture
def made(ws: Workspace, tmp_path: Path) -> tuple[Path, dict[str, list[Any]]]:
    _fill(ws)
    before = canonical(ws.db.paths.root, ws.db.key)
    stick = tmp_path / "usb"
    stick.mkdir()
    result = make_backup(ws, stick)
    assert result.verified and result.path.parent == stick
    assert result.path.name.startswith("csn-desk-backup-test-counter-")
    assert result.path.suffix == ".csnbak"
    before.pop("local_setting")  # the backup time is recorded after the copy is taken
    return result.path, before


def test_round_trip_with_passphrase_and_with_recovery_key(
        made: tuple[Path, dict[str, list[Any]]], new_workspace: tuple[Workspace, str],
        tmp_path: Path) -> None:
    file, before = made
    recovery = new_workspace[1]
    for name, secret in (("by-pass", PASSPHRASE), ("by-recovery", recovery)):
        target = tmp_path / name
        result = restore_backup(file, target, secret)
        assert result.with_recovery_key == (secret == recovery)
        key = Database.key_file_at(target).unlock("admin", PASSPHRASE)
        after = canonical(target, key)
        after.pop("local_setting")
        _restored_matches(dict(before), after)
    with sign_in(tmp_path / "by-pass", "admin", PASSPHRASE) as ws:
        assert ws.site_name == "Test Counter"
    with sign_in_with_recovery(tmp_path / "by-recovery", recovery, "admin") as ws:
        assert ws.user.role == "admin"


def test_backup_file_holds_no_plaintext(made: tuple[Path, dict[str, list[Any]]]) -> None:
    data = made[0].read_bytes()
    for secret in (NAME.split()[1], POSTCODE, "surgery", PASSPHRASE):
        assert secret.encode() not in data
    with zipfile.ZipFile(made[0]) as z:
        assert sorted(z.namelist()) == ["csn-desk.db", "csn-desk.keys", "manifest.json"]


def _damaged(file: Path, tmp_path: Path, kind: str) -> Path:
    data = bytearray(file.read_bytes())
    out = tmp_path / f"{kind}.csnbak"
    if kind == "truncated":
        data = data[:len(data) * 2 // 3]
    elif kind == "flipped-db":
        with zipfile.ZipFile(file) as z:
            info = z.getinfo("csn-desk.db")
        data[info.header_offset + 30 + len("csn-desk.db") + info.file_size // 2] ^= 0x10
    elif kind == "flipped-end":
        data[-30] ^= 0xFF
    elif kind == "foreign":
        data = bytearray(b"%PDF-1.7\n" + bytes(5000))
    elif kind == "other-zip":
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("manifest.json", "{}")
            z.writestr("../evil.txt", "x")
        return out
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("kind", ["truncated", "flipped-db", "flipped-end", "foreign",
                                  "other-zip"])
def test_damaged_files_are_refused_whole(made: tuple[Path, dict[str, list[Any]]],
                                         tmp_path: Path, kind: str) -> None:
    bad = _damaged(made[0], tmp_path, kind)
    target = tmp_path / "restore-here"
    target.mkdir()
    with pytest.raises(BadBackup, match="Nothing has been changed"):
        restore_backup(bad, target, PASSPHRASE)
    assert list(target.iterdir()) == []
    assert not list(tmp_path.glob(".restore-here.restoring-*"))
    assert not (tmp_path / "evil.txt").exists()


def test_wrong_secret_and_non_empty_target_are_refused(
        made: tuple[Path, dict[str, list[Any]]], tmp_path: Path) -> None:
    target = tmp_path / "new"
    with pytest.raises(WrongPassphrase):
        restore_backup(made[0], target, "not-the-passphrase-at-all")
    with pytest.raises(InvalidInput, match="recovery key does not open"):
        restore_backup(made[0], target, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF")
    assert not target.exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("keep me")
    with pytest.raises(InvalidInput, match="not empty"):
        restore_backup(made[0], busy, PASSPHRASE)
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]


def test_only_administrators_back_up_or_restore(ws: Workspace, tmp_path: Path) -> None:
    add_user(ws, "counter1", "Counter One", "counter", PASSPHRASE, check_strength=False)
    with sign_in(ws.db.paths.root, "counter1", PASSPHRASE) as counter:
        with pytest.raises(NotAllowed):
            make_backup(counter, tmp_path)
        assert backup_reminder(counter, utcnow().date()) == ""
    file = make_backup(ws, tmp_path).path
    with pytest.raises(NotAllowed):
        restore_backup(file, tmp_path / "x", PASSPHRASE, username="counter1")
    assert not (tmp_path / "x").exists()
    with pytest.raises(InvalidInput, match="several users"):
        restore_backup(file, tmp_path / "x", PASSPHRASE)


def test_backup_reminder_is_due_until_a_backup_and_again_after_a_week(
        ws: Workspace, tmp_path: Path) -> None:
    today = utcnow().date()
    assert backup_due(ws, today) and "never been backed up" in backup_reminder(ws, today)
    make_backup(ws, tmp_path)
    assert last_backup(ws) is not None
    assert not backup_due(ws, today) and backup_reminder(ws, today) == ""
    assert backup_due(ws, today + timedelta(days=7))
    assert "7 days ago" in backup_reminder(ws, today + timedelta(days=7))


@pytest.fixture
def trio(tmp_path: Path) -> Net:
    net = _template("trio", [("hub", "CSN Hub"), ("a", "Age UK"), ("b", "Age UK")])
    return net.copy_to(tmp_path / "net")


def _phone(ws: Workspace) -> str | None:
    with ws.db.read() as s:
        org = s.get(Organisation, ws.organisation_id)
        return None if org is None else org.phone


def test_restored_site_continues_after_its_highest_seq_in_the_drop(trio: Net,
                                                                   tmp_path: Path) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    with trio.open("a") as (a,):
        file = make_backup(a, stick).path
        for phone in ("01325 000101", "01325 000102"):
            update_organisation(a, a.organisation_id, phone=phone)
            assert sync_once(a).exported_segments == 1
        site_id = a.site_id
    published = own_segments(trio.drop, site_id)
    restored = tmp_path / "a-restored"  # the old computer is gone; a new folder
    restore_backup(file, restored, PASSPHRASE)
    with sign_in(restored, "admin", PASSPHRASE) as a, trio.open("b") as (b,):
        assert _phone(a) != "01325 000102"  # the backup is older than the drop
        update_organisation(a, a.organisation_id, email="counter@example.org")
        report = sync_once(a)
        assert report.imported_segments == 2 and not report.alerts
        assert _phone(a) == "01325 000102"  # nothing lost
        mine = own_segments(trio.drop, site_id)
        assert mine[:len(published)] == published and len(mine) == len(published) + 1
        report = sync_once(b)
        assert report.quarantined == 0 and not report.alerts
        assert scalar(b, "SELECT count(*) FROM sync_bad_file") == 0


def test_cli_backup_then_restore_reading_the_recovery_key_from_stdin(
        new_workspace: tuple[Workspace, str], data_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from csn_desk.cli.main import main

    ws, recovery = new_workspace
    _fill(ws)
    ws.close()
    stick = tmp_path / "usb"
    stick.mkdir()
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    assert main(["backup", "--data-dir", str(data_dir), "--to", str(stick)]) == 0
    assert "written and checked" in capsys.readouterr().out
    (file,) = stick.glob("*.csnbak")
    monkeypatch.delenv("CSN_DESK_PASSPHRASE")
    monkeypatch.setattr("sys.stdin", io.StringIO(recovery + "\n"))
    target = tmp_path / "restored"
    assert main(["restore", "--from", str(file), "--data-dir", str(target)]) == 0
    out = capsys.readouterr().out
    assert "unlocked with the recovery key" in out and NAME not in out
    monkeypatch.setattr("sys.stdin", io.StringIO(recovery + "\n"))
    assert main(["restore", "--from", str(file), "--data-dir", str(target)]) == 1
    assert "not empty" in capsys.readouterr().err
