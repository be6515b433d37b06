"""What the Clients page shows and checks, as plain functions (no Qt).

``search`` and ``open_client`` run on the database thread. ``check_edit`` runs on the GUI
thread (no database): it finds which field an error belongs to, so the message can sit next
to that field. ``consent_text`` and ``renewal_prompts`` put a client's consents into words."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from csn_desk.client_history import ClientHistory, client_flags, client_history
from csn_desk.clients import ClientDetail, ClientInput, ClientMatch, find_clients, get_client
from csn_desk.consents import ConsentState
from csn_desk.errors import InvalidInput
from csn_desk.timefmt import to_uk
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

INPUT_FIELDS = tuple(f.name for f in dataclasses.fields(ClientInput))
# The fields the page edits, in form order. Health and disability details need an Article 9
# condition chosen with them (the service checks; the message shows by the field).
EDITABLE = ("given_name", "family_name", "date_of_birth", "postcode", "address_line1",
            "address_line2", "address_line3", "post_town", "phone", "email",
            "preferred_contact", "preferred_format", "language", "interpreter",
            "carer_status", "disability", "long_term_condition", "article9_condition",
            "lawful_basis")
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


def _passes(values: dict[str, Any]) -> bool:
    try:
        ClientInput(**values)
    except InvalidInput:
        return False
    return True


def check_edit(detail: ClientDetail, values: dict[str, Any]
               ) -> tuple[ClientInput | None, dict[str, str]]:
    """Validate edited ``values`` (field -> typed value) against the stored record.

    Returns the tidied record and no errors, or None and {field: message}. When the edited
    record as a whole fails, each changed field is checked with the stored record plus the
    other changes that are fine on their own, so changes made together count together
    (a disability typed with its Article 9 condition chosen; preferred contact phone with
    the number added) and each bad field gets its own message. An error that only shows with
    several changes together goes to the field, in form order, that completes it."""
    base = {f: getattr(detail, f) for f in INPUT_FIELDS}
    changed = {f: v for f, v in values.items() if v != base.get(f)}
    try:
        return ClientInput(**(base | changed)), {}
    except InvalidInput:
        pass
    fine = {f: v for f, v in changed.items() if _passes(base | {f: v})}
    errors: dict[str, str] = {}
    for name, value in changed.items():
        if name in fine:
            continue
        try:
            ClientInput(**(base | fine | {name: value}))
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


# -- consents in words --------------------------------------------------------------------
def _day(when: Any) -> str:
    return f"{to_uk(when):%d/%m/%Y}"


def taken_by(state: ConsentState) -> str:
    """Who took it: their name, or where they were when this computer does not know them."""
    if state.taken_by_name:
        return state.taken_by_name
    return "staff at another site" if state.taken_by_user_id else "not recorded"


def consent_text(state: ConsentState | None) -> str:
    """One purpose's consent in words: where it stands, then date, method and who took it."""
    states = vocab("consent_states")
    if state is None:
        return states.label("not_asked") + "."
    method = vocab("consent_methods").label(state.method).lower()
    how = f"on {_day(state.recorded_at)} ({method}), taken by {taken_by(state)}."
    text = f"{states.label(state.state)}. Recorded {how}"
    if state.state == "withdrawn" and state.withdrawn_at is not None:
        text = f"{states.label('withdrawn')} on {_day(state.withdrawn_at)}. Given {how}"
    elif state.state == "expired" and state.renewal_due is not None:
        text += f" The renewal date was {state.renewal_due:%d/%m/%Y}."
    elif state.given and state.renewal_due is not None:
        text += f" Renew by {state.renewal_due:%d/%m/%Y}."
    return text


def renewal_prompts(consents: tuple[ConsentState, ...]) -> list[str]:
    """Purposes whose consent needs asking again (renewal soon or past), in vocabulary
    order, as "Purpose (renew by dd/mm/yyyy)" or "Purpose (renewal date passed ...)"."""
    purposes = vocab("consent_purposes")
    by_purpose = {c.purpose: c for c in consents}
    prompts = []
    for code in purposes.codes:
        c = by_purpose.get(code)
        if c is None or c.renewal_due is None or c.state not in ("renewal_due", "expired"):
            continue
        when = (f"renewal date passed on {c.renewal_due:%d/%m/%Y}" if c.state == "expired"
                else f"renew by {c.renewal_due:%d/%m/%Y}")
        prompts.append(f"{purposes.label(code)} ({when})")
    return prompts
