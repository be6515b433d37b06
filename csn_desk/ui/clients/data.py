"""What the Clients page shows and checks, as plain functions (no Qt).

``search`` and ``open_client`` run on the database thread. ``check_edit`` runs on the GUI
thread (no database): it finds which field an error belongs to, so the message can sit next
to that field, by validating the record with one change at a time."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from csn_desk.client_history import ClientHistory, client_flags, client_history
from csn_desk.clients import ClientDetail, ClientInput, ClientMatch, find_clients, get_client
from csn_desk.errors import InvalidInput
from csn_desk.workspace import Workspace

INPUT_FIELDS = tuple(f.name for f in dataclasses.fields(ClientInput))
# The fields the page edits, in form order. Health and disability details need an Article 9
# condition chosen with them; they are left to a later, fuller form.
EDITABLE = ("given_name", "family_name", "date_of_birth", "postcode", "address_line1",
            "address_line2", "post_town", "phone", "email", "preferred_contact",
            "preferred_format", "language", "interpreter")
_DOB = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass(frozen=True)
class ClientRow:
    match: ClientMatch
    flags: tuple[str, ...]


@dataclass(frozen=True)
class ClientView:
    detail: ClientDetail
    history: ClientHistory


def search(ws: Workspace, text: str, limit: int = 50) -> tuple[ClientRow, ...]:
    """Matches for what was typed, each with its communication flags."""
    matches = find_clients(ws, text, limit=limit)
    flags = client_flags(ws, [m.id for m in matches])
    return tuple(ClientRow(m, flags.get(m.id, ())) for m in matches)


def open_client(ws: Workspace, client_id: str) -> ClientView:
    """The record (audited once, as "view:client") and its history."""
    return ClientView(get_client(ws, client_id), client_history(ws, client_id))


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy -> date; blank -> None; anything else raises InvalidInput."""
    text = text.strip()
    if not text:
        return None
    m = _DOB.match(text)
    try:
        if m is None:
            raise ValueError
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        raise InvalidInput("The date of birth should be a real date written like "
                           "25/11/1948.") from None


def check_edit(detail: ClientDetail, values: dict[str, Any]
               ) -> tuple[ClientInput | None, dict[str, str]]:
    """Validate edited ``values`` (field -> typed value) against the stored record.

    Returns the tidied record and no errors, or None and {field: message}. Each changed
    field is first checked alone; an error that only shows with several changes together
    (preferred contact phone with the phone number removed) goes to the last field that
    completes it."""
    base = {f: getattr(detail, f) for f in INPUT_FIELDS}
    changed = {f: v for f, v in values.items() if v != base.get(f)}
    errors: dict[str, str] = {}
    for name, value in changed.items():
        try:
            ClientInput(**(base | {name: value}))
        except InvalidInput as exc:
            errors[name] = str(exc)
    if errors:
        return None, errors
    so_far = dict(base)
    for name in EDITABLE:
        if name not in changed:
            continue
        so_far[name] = changed[name]
        try:
            ClientInput(**so_far)
        except InvalidInput as exc:
            return None, {name: str(exc)}
    try:
        return ClientInput(**so_far), {}
    except InvalidInput as exc:  # the stored record itself does not pass today's checks
        return None, {"": str(exc)}


def changes_from(detail: ClientDetail, tidy: ClientInput) -> dict[str, Any]:
    """Only the fields that really differ (so the change log and audit stay small)."""
    return {f: getattr(tidy, f) for f in INPUT_FIELDS if getattr(tidy, f) != getattr(detail, f)}
