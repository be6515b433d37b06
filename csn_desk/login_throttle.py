"""A growing wait after repeated failed sign-ins (and unlocks), per data folder.

Why a file and why per folder: an in-memory count would reset whenever the app is restarted,
which takes seconds, so it would slow no one down. The count is per data folder, not per
user, so the file needs no username at all: it holds only the times of recent failures
(``sign-in-attempts.json`` beside the database), nothing about who typed what. The price is
that someone guessing at one account makes everyone at that computer wait too; the wait is
capped (``MAX_DELAY``) so the counter is never locked out for long.

The real protection against guessing is Argon2id on the key file (someone with the files
can skip this app entirely); this throttle is the deterrent at the counter itself.

Policy: failures older than ``WINDOW`` are forgotten. Up to ``FREE_ATTEMPTS`` failures in the
window cost nothing; from then on each new attempt must wait ``FIRST_DELAY`` seconds after
the latest failure, doubling with every further failure, up to ``MAX_DELAY``. A successful
sign-in clears the file.

What is logged where: failures are only counted in the file (the database is still locked
when they happen, so they cannot go to the audit log then). The next successful sign-in
writes one audit event, "auth:failed_attempts", with the count in its detail; the idle lock's
"auth:unlock" event carries its count the same way. No Qt here: the login window and the idle
lock both use it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from csn_desk.accounts import sign_in
from csn_desk.errors import CsnError, UnknownUser, WrongPassphrase
from csn_desk.store.atomic import write_atomic
from csn_desk.workspace import Workspace

T = TypeVar("T")

FILE_NAME = "sign-in-attempts.json"
WINDOW = 5 * 60.0
FREE_ATTEMPTS = 10
FIRST_DELAY = 2.0
MAX_DELAY = 120.0
MAX_KEPT = 64  # bounds the file whatever happens


def wait_message(seconds: float) -> str:
    """The plain sentence the user reads while they must wait."""
    n = max(1, math.ceil(seconds))
    return f"Too many attempts; wait {n} second{'s' if n != 1 else ''}."


class LoginThrottle:
    """Failure times for one data folder; ``now`` is injectable for tests."""

    def __init__(self, data_dir: Path, now: Callable[[], float] = time.time) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self.now = now

    # -- reading ----------------------------------------------------------------------------
    def failures(self) -> list[float]:
        """Failure times (seconds since the epoch) within the window, oldest first."""
        try:
            raw = json.loads(self.path.read_bytes())
            times = [float(t) for t in raw.get("failures", [])]
        except (OSError, ValueError, TypeError, AttributeError):
            return []  # missing or damaged: start again rather than lock anyone out
        cutoff = self.now() - WINDOW
        return sorted(t for t in times if t >= cutoff)

    def delay_for(self, count: int) -> float:
        """How long after the latest failure the next attempt must wait, given ``count``."""
        if count < FREE_ATTEMPTS:
            return 0.0
        return min(MAX_DELAY, FIRST_DELAY * 2 ** (count - FREE_ATTEMPTS))

    def wait_seconds(self) -> float:
        """Seconds to wait before the next attempt is allowed (0 = go ahead)."""
        times = self.failures()
        if not times:
            return 0.0
        ready = times[-1] + self.delay_for(len(times))
        return max(0.0, ready - self.now())

    # -- writing ----------------------------------------------------------------------------
    def record_failure(self) -> float:
        """Note a failed attempt; returns the wait now needed before the next one."""
        times = [*self.failures(), self.now()][-MAX_KEPT:]
        self._save(times)
        return self.wait_seconds()

    def record_success(self) -> int:
        """Forget the failures; returns how many there were (for the audit log)."""
        count = len(self.failures())
        if self.path.exists():
            self.path.unlink(missing_ok=True)
        return count

    def _save(self, times: list[float]) -> None:
        if not self.path.parent.is_dir():
            return  # no data folder (yet): nothing to sign in to, nothing to count
        write_atomic(self.path, json.dumps({"failures": [round(t, 3) for t in times]}).encode())


class TooManyAttempts(CsnError):
    def __init__(self, seconds: float) -> None:
        super().__init__(wait_message(seconds))


def _attempt(throttle: LoginThrottle, check: Callable[[], T]) -> tuple[T, int]:
    """Run a passphrase check behind the throttle: refuse while a wait is due, count a wrong
    passphrase or unknown user. Returns the check's result and the failures it clears."""
    if (wait := throttle.wait_seconds()) > 0:
        raise TooManyAttempts(wait)
    try:
        result = check()
    except (WrongPassphrase, UnknownUser) as exc:
        wait = throttle.record_failure()
        if wait > 0:
            raise CsnError(f"{exc} {wait_message(wait)}") from None
        raise
    return result, throttle.record_success()


def throttled_sign_in(data_dir: Path, username: str, passphrase: str, *,
                      now: Callable[[], float] = time.time) -> Workspace:
    """``accounts.sign_in`` behind the throttle; the count of failures before a success is
    audited with it."""
    ws, failed = _attempt(LoginThrottle(data_dir, now),
                          lambda: sign_in(data_dir, username, passphrase))
    if failed:
        with ws.db.write(ws.actor) as w:
            w.event("auth:failed_attempts", entity="user", entity_id=ws.user.id,
                    detail=f"{failed} failed sign-in attempts on this computer before this one")
    return ws


def throttled_unlock(ws: Workspace, passphrase: str, *,
                     now: Callable[[], float] = time.time) -> None:
    """The passphrase typed at the idle lock, checked against the signed-in user's key slot
    behind the same throttle as sign-in, and audited as ``auth:unlock``."""
    _key, failed = _attempt(LoginThrottle(ws.db.paths.root, now),
                            lambda: ws.db.key_file().unlock(ws.user.username, passphrase))
    with ws.db.write(ws.actor) as w:
        w.event("auth:unlock", entity="user", entity_id=ws.user.id,
                detail=f"{failed} failed attempts before" if failed else None)
