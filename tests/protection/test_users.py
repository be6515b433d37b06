"""User management on a real SQLCipher data folder: add, list, disable, enable, change role,
reset with the recovery key; the last active administrator is kept; all audited, ids only."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from csn_desk.accounts import (
    add_user,
    change_role,
    disable_user,
    enable_user,
    list_users,
    reset_passphrase,
    sign_in,
    usernames,
)
from csn_desk.errors import (
    InvalidInput,
    NotAllowed,
    UnknownUser,
    WeakPassphrase,
    WrongPassphrase,
)
from csn_desk.store.models import AuditEvent
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE

NEW = "silver-harbour-lantern-77"


def _actions(ws: Workspace) -> list[tuple[str, str | None, str | None]]:
    with ws.db.read() as s:
        rows = s.execute(select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.detail)
                         .order_by(col(AuditEvent.seq))).all()
    return [(a, e, d) for a, e, d in rows]


def test_add_list_and_change_role(ws: Workspace) -> None:
    added = add_user(ws, "Cal.C", " Cal Counter ", "counter", PASSPHRASE, check_strength=False)
    rows = {r.username: r for r in list_users(ws)}
    assert set(rows) == {"admin", "cal.c"}
    assert rows["cal.c"].display_name == "Cal Counter"
    assert rows["cal.c"].role_label == "Counter staff or volunteer"
    assert rows["cal.c"].active
    changed = change_role(ws, "cal.c", "manager")
    assert changed.role == "manager" and changed.role_label == "Manager"
    with pytest.raises(InvalidInput, match="not a valid role"):
        change_role(ws, "cal.c", "boss")
    events = _actions(ws)
    assert ("users:role", added.id, "manager") in events
    # ids and codes only: no display name anywhere in the audit log
    assert not any("Cal" in str(part) for event in events for part in event)


def test_disabled_user_cannot_sign_in_until_enabled_with_a_new_passphrase(
        ws: Workspace, data_dir: Path) -> None:
    add_user(ws, "cal.c", "Cal Counter", "counter", PASSPHRASE, check_strength=False)
    sign_in(data_dir, "cal.c", PASSPHRASE).close()
    row = disable_user(ws, "cal.c")
    assert not row.active and not row.has_passphrase
    assert "cal.c" not in usernames(data_dir)  # the key slot is gone, not just a flag
    with pytest.raises(UnknownUser):  # no key slot: the passphrase opens nothing
        sign_in(data_dir, "cal.c", PASSPHRASE)
    assert enable_user(ws, "cal.c", NEW, check_strength=False).can_sign_in
    with pytest.raises(WrongPassphrase):
        sign_in(data_dir, "cal.c", PASSPHRASE)
    back = sign_in(data_dir, "cal.c", NEW)
    assert back.user.role == "counter"
    back.close()
    assert [a for a, _e, _d in _actions(ws) if a.startswith("users:")] == [
        "users:disable", "users:enable"]


def test_disabled_flag_alone_refuses_sign_in(ws: Workspace, data_dir: Path) -> None:
    """Even if a key slot were put back by hand, an inactive account is refused."""
    add_user(ws, "cal.c", "Cal Counter", "counter", PASSPHRASE, check_strength=False)
    disable_user(ws, "cal.c")
    ws.db.key_file().set_passphrase("cal.c", PASSPHRASE, ws.db.key)
    with pytest.raises(NotAllowed, match="disabled"):
        sign_in(data_dir, "cal.c", PASSPHRASE)


def test_last_active_admin_is_kept(ws: Workspace, data_dir: Path) -> None:
    with pytest.raises(NotAllowed, match="last active administrator"):
        change_role(ws, "admin", "manager")
    with pytest.raises(NotAllowed, match="signed in with"):
        disable_user(ws, "admin")
    add_user(ws, "ada.a", "Ada Admin", "admin", PASSPHRASE, check_strength=False)
    ada = sign_in(data_dir, "ada.a", PASSPHRASE)
    try:
        disable_user(ada, "admin")  # another admin exists, so this is fine
        with pytest.raises(NotAllowed, match="last active administrator"):
            change_role(ada, "ada.a", "counter")
        enable_user(ada, "admin", PASSPHRASE, check_strength=False)
        change_role(ada, "ada.a", "counter")  # now "admin" is active again
        assert {r.username: r.role for r in list_users(ws)}["ada.a"] == "counter"
    finally:
        ada.close()


def test_reset_needs_the_recovery_key(new_workspace: tuple[Workspace, str],
                                      data_dir: Path) -> None:
    ws, recovery = new_workspace
    try:
        add_user(ws, "cal.c", "Cal Counter", "counter", PASSPHRASE, check_strength=False)
        wrong = "".join("A" if c.isalnum() else c for c in recovery)
        with pytest.raises(InvalidInput, match="recovery key"):
            reset_passphrase(ws, "cal.c", wrong, NEW, check_strength=False)
        sign_in(data_dir, "cal.c", PASSPHRASE).close()  # unchanged after a refusal
        reset_passphrase(ws, "cal.c", recovery, NEW, check_strength=False)
        with pytest.raises(WrongPassphrase):
            sign_in(data_dir, "cal.c", PASSPHRASE)
        sign_in(data_dir, "cal.c", NEW).close()
        assert "users:passphrase_reset" in [a for a, _e, _d in _actions(ws)]
    finally:
        ws.close()


def test_only_administrators_manage_users(ws: Workspace, data_dir: Path) -> None:
    add_user(ws, "mo.m", "Mo Manager", "manager", PASSPHRASE, check_strength=False)
    mo = sign_in(data_dir, "mo.m", PASSPHRASE)
    try:
        for call in (lambda: list_users(mo), lambda: change_role(mo, "mo.m", "admin"),
                     lambda: add_user(mo, "x.y", "X Y", "admin", PASSPHRASE,
                                      check_strength=False),
                     lambda: disable_user(mo, "admin")):
            with pytest.raises(NotAllowed, match="Only administrators can manage user"):
                call()
    finally:
        mo.close()
    denied = [(a, d) for a, _e, d in _actions(ws) if a == "auth:denied"]
    assert denied == [("auth:denied", "users.manage")] * 4


def test_weak_passphrase_refused_for_a_new_user(ws: Workspace) -> None:
    with pytest.raises(WeakPassphrase, match="common password"):
        add_user(ws, "cal.c", "Cal Counter", "counter", "password1234")
    assert [r.username for r in list_users(ws)] == ["admin"]
