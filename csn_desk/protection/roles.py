"""Who may do what: one table, held as data in ``resources/permissions.json``, checked at the
start of every service function so the app and the command line obey the same rules (DP-15).

A refusal is audited ("auth:denied", the action name as detail: no personal data), so an
administrator can see who tried what. ``can`` only asks (the UI uses it to hide what a role
cannot use) and writes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import NoReturn

from csn_desk.errors import NotAllowed
from csn_desk.vocab import resources_dir, vocab
from csn_desk.workspace import Workspace

DENIED = "auth:denied"


@dataclass(frozen=True)
class Permission:
    action: str
    roles: frozenset[str]
    who: str   # "coordinators and administrators"
    does: str  # "change the directory"

    @property
    def refusal(self) -> str:
        """The one sentence a refused user reads."""
        return f"Only {self.who} can {self.does}; ask one of them to do this."


@cache
def _table() -> tuple[dict[str, Permission], dict[str, str | None]]:
    raw = json.loads((resources_dir() / "permissions.json").read_text(encoding="utf-8"))
    known = set(vocab("roles").codes)
    table: dict[str, Permission] = {}
    for action, row in raw["actions"].items():
        roles = frozenset(row["roles"])
        if not roles <= known:
            raise ValueError(f"permissions.json: {action} names an unknown role")
        table[action] = Permission(action, roles, row["who"], row["does"])
    pages = {key: value for key, value in raw.get("pages", {}).items()}
    for page, action in pages.items():
        if action is not None and action not in table:
            raise ValueError(f"permissions.json: page {page} needs unknown action {action}")
    return table, pages


def permissions() -> dict[str, Permission]:
    """Every action the services check, by name."""
    return _table()[0]


def permission(action: str) -> Permission:
    try:
        return permissions()[action]
    except KeyError:
        # A programming error (a typo in a service), never something a user caused.
        raise KeyError(f"no permission called {action!r} in permissions.json") from None


def role_can(role: str, action: str) -> bool:
    return role in permission(action).roles


def can(ws: Workspace, action: str) -> bool:
    """May the signed-in user do this? (Asks only; nothing is logged.)"""
    return role_can(ws.user.role, action)


def deny(ws: Workspace, action: str, message: str | None = None) -> NoReturn:
    """Audit the refusal, then raise NotAllowed with a sentence naming who can."""
    with ws.db.write(ws.actor) as w:
        w.event(DENIED, entity="user", entity_id=ws.user.id, detail=action)
    raise NotAllowed(message or permission(action).refusal)


def require(ws: Workspace, action: str, message: str | None = None) -> None:
    """Raise NotAllowed (and audit it) unless the signed-in user may do ``action``."""
    if not can(ws, action):
        deny(ws, action, message)


def page_allowed(role: str, page: str) -> bool:
    """Does this role see this page of the main window? (Unknown pages are hidden.)"""
    pages = _table()[1]
    if page not in pages:
        return False
    action = pages[page]
    return action is None or role_can(role, action)
