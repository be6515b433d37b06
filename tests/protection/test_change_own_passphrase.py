"""A signed-in user changes their own passphrase (File > Change my passphrase): the current
one is proven first, behind the sign-in throttle; a wrong, weak or unchanged one changes
nothing; the new one signs in and the old one no longer does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from csn_desk.accounts import add_user, change_own_passphrase, sign_in
from csn_desk.errors import InvalidInput, WeakPassphrase, WrongPassphrase
from csn_desk.login_throttle import FREE_ATTEMPTS, LoginThrottle, TooManyAttempts
from csn_desk.store.models import AuditEvent
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE

NEW = "granite-puffin-sunrise-58"


def _actions(ws: Workspace) -> list[str]:
    with ws.db.read() as s:
        return list(s.execute(select(AuditEvent.action).order_by(col(AuditEvent.seq))).scalars())


def test_the_new_passphrase_signs_in_and_the_old_one_does_not(ws: Workspace,
                                                              data_dir: Path) -> None:
    change_own_passphrase(ws, PASSPHRASE, NEW)
    assert _actions(ws)[-1] == "auth:passphrase_changed"
    sign_in(data_dir, "admin", NEW).close()
    with pytest.raises(WrongPassphrase):
        sign_in(data_dir, "admin", PASSPHRASE)


def test_a_counter_user_changes_only_their_own(ws: Workspace, data_dir: Path) -> None:
    add_user(ws, "j.smith", "Jo Smith", "counter", "walnut-ferry-copper-30")
    mine = sign_in(data_dir, "j.smith", "walnut-ferry-copper-30")
    try:
        change_own_passphrase(mine, "walnut-ferry-copper-30", NEW)
    finally:
        mine.close()
    sign_in(data_dir, "j.smith", NEW).close()
    sign_in(data_dir, "admin", PASSPHRASE).close()  # nobody else's slot moved


def test_wrong_current_passphrase_changes_nothing_and_counts_as_a_failure(
        ws: Workspace, data_dir: Path) -> None:
    before = ws.db.paths.key_file.read_bytes()
    with pytest.raises(InvalidInput, match="Current passphrase"):
        change_own_passphrase(ws, "not-my-passphrase-at-all", NEW)
    assert ws.db.paths.key_file.read_bytes() == before
    assert len(LoginThrottle(data_dir).failures()) == 1
    sign_in(data_dir, "admin", PASSPHRASE).close()


def test_the_throttle_applies(ws: Workspace, data_dir: Path) -> None:
    throttle = LoginThrottle(data_dir)
    for _ in range(FREE_ATTEMPTS):
        throttle.record_failure()
    with pytest.raises(TooManyAttempts):
        change_own_passphrase(ws, PASSPHRASE, NEW)
    sign_in(data_dir, "admin", PASSPHRASE).close()


def test_weak_or_unchanged_new_passphrase_is_refused(ws: Workspace, data_dir: Path) -> None:
    before = ws.db.paths.key_file.read_bytes()
    with pytest.raises(WeakPassphrase):
        change_own_passphrase(ws, PASSPHRASE, "password1234")
    with pytest.raises(InvalidInput, match="same as your current one"):
        change_own_passphrase(ws, PASSPHRASE, PASSPHRASE)
    assert ws.db.paths.key_file.read_bytes() == before
