"""The growing wait after repeated failed sign-ins (a fake clock, a real file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from csn_desk.errors import CsnError
from csn_desk.login_throttle import (
    FILE_NAME,
    FREE_ATTEMPTS,
    MAX_DELAY,
    WINDOW,
    LoginThrottle,
    TooManyAttempts,
    throttled_sign_in,
    throttled_unlock,
    wait_message,
)
from csn_desk.store.models.audit import AuditEvent
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE


class Clock:
    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def __call__(self) -> float:
        return self.t


def test_ten_failures_are_free_then_the_wait_doubles_to_a_cap(tmp_path: Path) -> None:
    clock = Clock()
    throttle = LoginThrottle(tmp_path, now=clock)
    for _ in range(FREE_ATTEMPTS - 1):
        assert throttle.record_failure() == 0
        clock.t += 1
    assert throttle.record_failure() == 2.0  # the 10th failure: wait 2 s
    clock.t += 1.5
    assert throttle.wait_seconds() == 0.5
    clock.t += 0.5
    assert throttle.wait_seconds() == 0
    assert throttle.record_failure() == 4.0
    waits = []
    for _ in range(10):
        clock.t += 1
        waits.append(throttle.record_failure())
    assert waits[:3] == [8.0, 16.0, 32.0]
    assert max(waits) == MAX_DELAY and waits[-1] == MAX_DELAY


def test_failures_older_than_the_window_are_forgotten(tmp_path: Path) -> None:
    clock = Clock()
    throttle = LoginThrottle(tmp_path, now=clock)
    for _ in range(FREE_ATTEMPTS + 2):
        throttle.record_failure()
    assert throttle.wait_seconds() > 0
    clock.t += WINDOW + 1
    assert throttle.failures() == []
    assert throttle.wait_seconds() == 0
    assert throttle.record_failure() == 0


def test_the_count_survives_a_restart_and_success_clears_it(tmp_path: Path) -> None:
    clock = Clock()
    for _ in range(FREE_ATTEMPTS):
        LoginThrottle(tmp_path, now=clock).record_failure()
    again = LoginThrottle(tmp_path, now=clock)  # a new app start reads the file
    assert again.wait_seconds() == 2.0
    assert again.record_success() == FREE_ATTEMPTS
    assert not (tmp_path / FILE_NAME).exists()
    assert again.wait_seconds() == 0


def test_the_file_holds_only_times(tmp_path: Path) -> None:
    throttle = LoginThrottle(tmp_path, now=Clock())
    throttle.record_failure()
    body = json.loads((tmp_path / FILE_NAME).read_text())
    assert list(body) == ["failures"]
    assert all(isinstance(t, float) for t in body["failures"])


def test_a_damaged_file_does_not_lock_anyone_out(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text("{not json")
    throttle = LoginThrottle(tmp_path, now=Clock())
    assert throttle.wait_seconds() == 0
    assert throttle.record_failure() == 0
    assert len(throttle.failures()) == 1


def test_no_data_folder_means_nothing_is_written(tmp_path: Path) -> None:
    throttle = LoginThrottle(tmp_path / "missing", now=Clock())
    assert throttle.record_failure() == 0
    assert not (tmp_path / "missing").exists()


def test_wait_message_rounds_up() -> None:
    assert wait_message(0.2) == "Too many attempts; wait 1 second."
    assert wait_message(3.01) == "Too many attempts; wait 4 seconds."


def test_sign_in_behind_the_throttle_counts_and_audits(ws: Workspace, data_dir: Path) -> None:
    clock = Clock()
    for attempt in range(FREE_ATTEMPTS):
        with pytest.raises(CsnError) as wrong:
            throttled_sign_in(data_dir, "admin", "wrong passphrase here", now=clock)
        assert "passphrase is not right" in str(wrong.value)
        assert ("Too many attempts" in str(wrong.value)) == (attempt == FREE_ATTEMPTS - 1)
    with pytest.raises(TooManyAttempts, match="wait 2 seconds"):
        throttled_sign_in(data_dir, "admin", PASSPHRASE, now=clock)  # even the right one
    clock.t += 2
    signed_in = throttled_sign_in(data_dir, "admin", PASSPHRASE, now=clock)
    try:
        with signed_in.db.read() as s:
            details = s.execute(select(AuditEvent.detail).where(
                AuditEvent.action == "auth:failed_attempts")).scalars().all()
        assert details == [f"{FREE_ATTEMPTS} failed sign-in attempts on this computer "
                           "before this one"]
    finally:
        signed_in.close()
    assert LoginThrottle(data_dir, now=clock).failures() == []
    # An unknown user counts as a failure too (so guessing names is slowed the same way).
    with pytest.raises(CsnError):
        throttled_sign_in(data_dir, "nobody", PASSPHRASE, now=clock)
    assert len(LoginThrottle(data_dir, now=clock).failures()) == 1


def test_unlock_at_the_idle_lock_shares_the_throttle_and_is_audited(ws: Workspace,
                                                                    data_dir: Path) -> None:
    clock = Clock()
    for _ in range(FREE_ATTEMPTS):
        with pytest.raises(CsnError, match="passphrase is not right"):
            throttled_unlock(ws, "wrong passphrase here", now=clock)
    with pytest.raises(TooManyAttempts):
        throttled_unlock(ws, PASSPHRASE, now=clock)  # the wait applies to the lock too
    clock.t += 2
    throttled_unlock(ws, PASSPHRASE, now=clock)
    with ws.db.read() as s:
        details = s.execute(select(AuditEvent.detail).where(
            AuditEvent.action == "auth:unlock")).scalars().all()
    assert details == [f"{FREE_ATTEMPTS} failed attempts before"]
    assert LoginThrottle(data_dir, now=clock).failures() == []
