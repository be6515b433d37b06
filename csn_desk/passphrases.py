"""Passphrase rules: at least 12 characters and not easy to guess (zxcvbn), no forced expiry."""

from __future__ import annotations

from dataclasses import dataclass

from zxcvbn import zxcvbn

from csn_desk.errors import WeakPassphrase

MIN_LENGTH = 12
MIN_SCORE = 3  # zxcvbn 0-4: 3 = "safely unguessable" for offline-slow hashing


@dataclass(frozen=True)
class Strength:
    score: int  # 0..4
    label: str
    problem: str | None  # why it is refused, in plain English; None when acceptable


LABELS = ["Very weak", "Weak", "Fair", "Strong", "Very strong"]


def strength(passphrase: str, user_inputs: list[str] | None = None) -> Strength:
    if not passphrase:  # zxcvbn cannot score an empty string
        return Strength(0, LABELS[0], f"Use at least {MIN_LENGTH} characters; "
                                      "a few ordinary words work well.")
    result = zxcvbn(passphrase[:100], user_inputs=user_inputs or [])
    score = int(result["score"])
    problem: str | None = None
    if len(passphrase) < MIN_LENGTH:
        problem = f"Use at least {MIN_LENGTH} characters; a few ordinary words work well."
    elif score < MIN_SCORE:
        warning = result["feedback"].get("warning") or "It would be easy to guess."
        problem = f"{warning.rstrip('.')}. Add another word or two that are not about you."
    return Strength(score, LABELS[score], problem)


def require_strong(passphrase: str, user_inputs: list[str] | None = None) -> None:
    s = strength(passphrase, user_inputs)
    if s.problem:
        raise WeakPassphrase(s.problem)
