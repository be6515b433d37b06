"""Which consents an action needs (DP-01, DP-02), held as data in
``resources/consent_rules.json`` and checked by the services before the action: a referral
letter or a referral with shared details, a follow-up letter or call, adding to a named record.

A refusal names the consent, never the person: "This person has not agreed to ... or has
withdrawn; record their consent first." """

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache

from csn_desk.consents import ConsentState, current_consents, uk_today
from csn_desk.errors import NotAllowed
from csn_desk.vocab import resources_dir, vocab
from csn_desk.workspace import Workspace

IN_FORCE = "in_force"
NOT_REFUSED = "not_refused"


@dataclass(frozen=True)
class ConsentRule:
    action: str
    purposes: tuple[str, ...]
    needs: str  # IN_FORCE or NOT_REFUSED
    unless_basis: frozenset[str]
    does: str


class ConsentMissing(NotAllowed):
    """An action needs a consent that is missing, refused, withdrawn or lapsed. ``code`` is
    "no_consent" (for lists of skipped letters); ``purpose`` names the consent."""

    def __init__(self, purpose: str, message: str) -> None:
        super().__init__(message)
        self.code = "no_consent"
        self.purpose = purpose


@cache
def _load() -> tuple[dict[str, ConsentRule], dict[str, str]]:
    raw = json.loads((resources_dir() / "consent_rules.json").read_text(encoding="utf-8"))
    purposes = set(vocab("consent_purposes").codes)
    rules: dict[str, ConsentRule] = {}
    for action, row in raw["actions"].items():
        if not set(row["purposes"]) <= purposes or row["needs"] not in (IN_FORCE, NOT_REFUSED):
            raise ValueError(f"consent_rules.json: action {action} is not valid")
        rules[action] = ConsentRule(action, tuple(row["purposes"]), row["needs"],
                                    frozenset(row.get("unless_basis", ())), row["does"])
    return rules, dict(raw["purpose_words"])


def consent_rules() -> dict[str, ConsentRule]:
    return _load()[0]


def rule(action: str) -> ConsentRule:
    try:
        return consent_rules()[action]
    except KeyError:
        raise KeyError(f"no consent rule called {action!r}") from None  # a programming slip


def refusal_sentence(purpose: str) -> str:
    words = _load()[1].get(purpose, vocab("consent_purposes").label(purpose).lower())
    return (f"This person has not agreed to {words}, or has withdrawn; record their consent "
            "first.")


def _satisfied(state: ConsentState | None, needs: str) -> bool:
    if needs == IN_FORCE:
        return state is not None and state.in_force
    return state is None or state.state not in ("withdrawn", "refused")


def missing_consents(ws: Workspace, client_id: str, action: str, *,
                     lawful_basis: str | None = None, today: date | None = None
                     ) -> tuple[str, ...]:
    """The purposes ``action`` needs that this person's consents do not cover (empty: fine).
    ``lawful_basis`` is the client's Article 6 basis, for rules that do not rest on consent
    under some bases."""
    r = rule(action)
    if lawful_basis is not None and lawful_basis in r.unless_basis:
        return ()
    states = current_consents(ws, client_id, today=today or uk_today())
    return tuple(p for p in r.purposes if not _satisfied(states.get(p), r.needs))


def require_consent(ws: Workspace, client_id: str, action: str, *,
                    lawful_basis: str | None = None, today: date | None = None) -> None:
    """Raise ConsentMissing (a NotAllowed) unless the person's consents allow ``action``."""
    missing = missing_consents(ws, client_id, action, lawful_basis=lawful_basis, today=today)
    if missing:
        raise ConsentMissing(missing[0], refusal_sentence(missing[0]))


def renewals_due(ws: Workspace, client_id: str, *, today: date | None = None
                 ) -> list[ConsentState]:
    """Consents in force whose renewal date is within the warning window or past (lapsed):
    the ones to ask about again at this visit, soonest first."""
    states = current_consents(ws, client_id, today=today or uk_today())
    due = [s for s in states.values() if s.renewal_due_soon]
    return sorted(due, key=lambda s: (s.renewal_due or date.max, s.purpose))
