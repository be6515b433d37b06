"""Key operations on real SQLCipher files: a new recovery key (the old one stops working) and
a full rekey after a suspected compromise (every table unchanged, the old key no longer opens
the file, the new one does; the admin's passphrase and the new recovery key sign in)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from csn_desk.accounts import add_user, enable_user, list_users, sign_in, sign_in_with_recovery
from csn_desk.cli import users_cmd
from csn_desk.cli.main import main
from csn_desk.errors import (
    DatabaseBusy,
    DatabaseUnreadable,
    InvalidInput,
    NotAllowed,
    UnknownUser,
    WrongPassphrase,
)
from csn_desk.protection import keys_admin
from csn_desk.protection.keys_admin import DatabaseInUse, new_recovery, rekey
from csn_desk.store import engine as engine_module
from csn_desk.store.engine import connect
from csn_desk.store.keys import KeyFile
from csn_desk.store.models import AuditEvent
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.protection.rightskit import MARKERS, make_person

OTHER_PASS = "violet-harbour-lantern-77"


def _dump(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    raw = ws.db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
                for n in names}
    finally:
        raw.close()


def _actions(ws: Workspace) -> list[tuple[str, str | None]]:
    with ws.db.read() as s:
        return [(a, d) for a, d in s.execute(select(AuditEvent.action, AuditEvent.detail)
                                             .order_by(col(AuditEvent.seq)))]


def test_new_recovery_key_replaces_the_old_one(new_workspace: tuple[Workspace, str],
                                              data_dir: Path) -> None:
    ws, old_recovery = new_workspace
    with ws:
        fresh = new_recovery(ws)
        assert fresh != old_recovery
        events = _actions(ws)
    assert events[-1] == ("keys:new_recovery", None)
    assert fresh not in repr(events) and old_recovery not in repr(events)
    with pytest.raises(InvalidInput):
        sign_in_with_recovery(data_dir, old_recovery, "admin")
    with sign_in_with_recovery(data_dir, fresh, "admin") as again:
        assert again.user.username == "admin"
    with sign_in(data_dir, "admin", PASSPHRASE):
        pass


def test_only_administrators_manage_keys(ws: Workspace, data_dir: Path) -> None:
    add_user(ws, "c.worker", "Casey Worker", "counter", OTHER_PASS)
    with sign_in(data_dir, "c.worker", OTHER_PASS) as counter:
        with pytest.raises(NotAllowed):
            new_recovery(counter)
        with pytest.raises(NotAllowed):
            rekey(counter, OTHER_PASS)
        assert _actions(counter)[-2:] == [("auth:denied", "keys.manage")] * 2


def test_rekey_keeps_every_row_and_changes_the_key(new_workspace: tuple[Workspace, str],
                                                   data_dir: Path) -> None:
    ws, old_recovery = new_workspace
    make_person(ws)
    add_user(ws, "c.worker", "Casey Worker", "counter", OTHER_PASS)
    old_key = ws.db.key
    before = _dump(ws)
    with pytest.raises(WrongPassphrase):
        rekey(ws, "not-the-passphrase-at-all")
    result = rekey(ws, PASSPHRASE)
    assert result.removed_users == ("c.worker",)
    assert ws.db.key != old_key
    after = _dump(ws)  # the same workspace keeps working on the new file
    audit = "audit_event"
    assert {k: v for k, v in before.items() if k != audit} == \
        {k: v for k, v in after.items() if k != audit}
    assert set(before[audit]) < set(after[audit])
    assert _actions(ws)[-1] == ("keys:rekey", "slots removed: 1")
    # The Users list says who cannot sign in until given a new passphrase.
    rows = {r.username: r for r in list_users(ws)}
    assert rows["admin"].can_sign_in and rows["admin"].has_passphrase
    assert rows["c.worker"].active and not rows["c.worker"].has_passphrase
    assert not rows["c.worker"].can_sign_in
    assert "csn-desk users reset c.worker" in users_cmd._line(rows["c.worker"])
    assert "reset" not in users_cmd._line(rows["admin"])
    ws.close()

    db_file = data_dir / "csn-desk.db"
    with pytest.raises(DatabaseUnreadable):
        connect(db_file, old_key)
    assert not list(data_dir.glob("*.rekey*"))
    kf = KeyFile.load(data_dir / "csn-desk.keys")
    assert kf.usernames() == ["admin"]
    with pytest.raises(InvalidInput):
        sign_in_with_recovery(data_dir, old_recovery, "admin")
    with pytest.raises(UnknownUser):
        sign_in(data_dir, "c.worker", OTHER_PASS)
    with sign_in_with_recovery(data_dir, result.recovery_key, "admin") as rec:
        assert rec.db.key == kf.unlock("admin", PASSPHRASE)
    with sign_in(data_dir, "admin", PASSPHRASE) as again:
        assert _dump(again)["client"] == before["client"]
        assert MARKERS["family_name"] in repr(before["client"])
        enable_user(again, "c.worker", "copper-meadow-thistle-19")  # given a new passphrase
        assert {r.username: r.can_sign_in for r in list_users(again)}["c.worker"]
    with sign_in(data_dir, "c.worker", "copper-meadow-thistle-19") as worker:
        assert worker.user.role == "counter"
    conn = connect(db_file, kf.unlock("admin", PASSPHRASE))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_key_commands(new_workspace: tuple[Workspace, str], data_dir: Path,
                      capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    ws, old_recovery = new_workspace
    ws.close()
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    common = ["--data-dir", os.fspath(data_dir), "--user", "admin"]
    assert main(["keys", "new-recovery", *common]) == 0
    out = capsys.readouterr().out
    first = next(w for w in out.split() if w.count("-") == 5)
    assert "write it down" in out.lower()
    assert main(["keys", "rekey", *common]) == 0
    out = capsys.readouterr().out
    second = next(w for w in out.split() if w.count("-") == 5)
    assert first != second
    with pytest.raises(InvalidInput):
        sign_in_with_recovery(data_dir, first, "admin")
    with sign_in_with_recovery(data_dir, second, "admin"):
        pass


def test_users_passphrase_command_changes_the_passphrase(
        new_workspace: tuple[Workspace, str], data_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ws, _ = new_workspace
    ws.close()
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr("sys.stdin", io.StringIO("copper-meadow-thistle-19\n"))
    assert main(["users", "passphrase", "--data-dir", os.fspath(data_dir),
                 "--user", "admin"]) == 0
    with pytest.raises(WrongPassphrase):
        sign_in(data_dir, "admin", PASSPHRASE)
    with sign_in(data_dir, "admin", "copper-meadow-thistle-19"):
        pass


def test_a_rekey_cut_off_between_the_two_renames_is_finished_at_next_open(
        new_workspace: tuple[Workspace, str], data_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ws, _ = new_workspace
    make_person(ws)
    before = _dump(ws)

    def power_cut(paths: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr("csn_desk.protection.keys_admin.finish_interrupted_rekey", power_cut)
    with pytest.raises(RuntimeError):
        rekey(ws, PASSPHRASE)
    ws.close()
    assert (data_dir / "csn-desk.keys.rekey").exists()  # the new database is in place
    with sign_in(data_dir, "admin", PASSPHRASE) as again:
        after = _dump(again)
    assert not (data_dir / "csn-desk.keys.rekey").exists()
    assert after["client"] == before["client"]
    assert after["enquiry"] == before["enquiry"]


_HOLDER = """
import sys
from pathlib import Path
from csn_desk.store import engine as engine_module
from csn_desk.store.engine import connect
conn = connect(Path(sys.argv[1]), bytes.fromhex(sys.stdin.readline().strip()))
conn.execute("SELECT count(*) FROM user").fetchone()
print("open", flush=True)
sys.stdin.readline()  # holds the database open until told
conn.close()
"""


def test_rekey_is_refused_while_another_program_has_the_database_open(
        new_workspace: tuple[Workspace, str], data_dir: Path) -> None:
    """Writes another process made during the copy would be lost: the rekey refuses, and
    changes nothing, until that program has closed the database."""
    ws, _recovery = new_workspace
    make_person(ws)
    old_key, before = ws.db.key, _dump(ws)
    keys_before = (data_dir / "csn-desk.keys").read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(ws.db.paths.database)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.write(old_key.hex() + "\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(DatabaseInUse, match="Another program has the data open"):
            rekey(ws, PASSPHRASE)
        assert ws.db.key == old_key and _dump(ws) == before  # nothing changed...
        assert (data_dir / "csn-desk.keys").read_bytes() == keys_before
        assert not list(data_dir.glob("*.rekey*"))
        make_person(ws)  # ...and the workspace still reads and writes
        holder.stdin.write("close\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
    result = rekey(ws, PASSPHRASE)  # alone now: it goes ahead
    assert ws.db.key != old_key and result.removed_users == ()
    ws.close()
    with sign_in(data_dir, "admin", PASSPHRASE) as again:
        assert len(_dump(again)["client"]) == 2 * len(before["client"])  # both make_person


def test_a_rekey_stopped_at_the_swap_leaves_the_old_key_working(
        new_workspace: tuple[Workspace, str], data_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The swap is refused (Windows: the file is open elsewhere) and the pending key file
    cannot be removed just then (a virus scanner has it). A pending key file alone would be
    taken for a finished swap at the next open and replace the working key file: the new
    database must stay beside it, and the next open must change nothing."""
    ws, _recovery = new_workspace
    make_person(ws)
    real_replace, real_unlink = os.replace, Path.unlink

    def replace(src: Any, dst: Any) -> None:
        if str(src).endswith(".db.rekey"):
            raise PermissionError("in use")
        real_replace(src, dst)

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if self.name.endswith(".keys.rekey"):
            raise PermissionError("in use")
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(keys_admin.os, "replace", replace)
    monkeypatch.setattr(Path, "unlink", unlink)
    with pytest.raises(DatabaseInUse):  # the refusal the user needs, not the clean-up's
        rekey(ws, PASSPHRASE)
    monkeypatch.undo()
    left = sorted(p.name for p in data_dir.iterdir() if "rekey" in p.name)
    assert left == ["csn-desk.db.rekey", "csn-desk.keys.rekey"]  # both, never the key alone
    make_person(ws)  # the workspace still writes
    ws.close()
    with sign_in(data_dir, "admin", PASSPHRASE) as again:  # the old key still opens it
        assert len(_dump(again)["client"]) == 4
    with sign_in(data_dir, "admin", PASSPHRASE) as again:  # and a rekey clears the leftovers
        rekey(again, PASSPHRASE)
    assert not [p for p in data_dir.iterdir() if "rekey" in p.name]
    sign_in(data_dir, "admin", PASSPHRASE).close()


def test_opening_while_a_rekey_holds_the_database_says_busy_not_damaged(
        new_workspace: tuple[Workspace, str], monkeypatch: pytest.MonkeyPatch) -> None:
    ws, _recovery = new_workspace
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    alone = keys_admin._hold_alone(ws)
    try:
        with pytest.raises(DatabaseBusy, match="in use by another program"):
            connect(ws.db.paths.database, ws.db.key)
    finally:
        alone.close()
    connect(ws.db.paths.database, ws.db.key).close()  # free again
    ws.close()
