"""Client records: add, change, view (audited), find as you type, and possible duplicates.

Most enquiries stay anonymous; a client record is made only when needed. Every lookup is
limited to the signed-in organisation and skips erased records. Name lookups go through the
search keys in :mod:`csn_desk.names`, so they are index ranges rather than table scans.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from csn_desk.errors import InvalidInput, NotFound
from csn_desk.ids import utcnow
from csn_desk.names import make_client_keys, plain
from csn_desk.postcodes import normalise as normalise_postcode
from csn_desk.store.models import Client
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

# UK GDPR Article 6 lawful bases and Article 9 conditions (codes stored on the client).
LAWFUL_BASES = ("consent", "contract", "legal_obligation", "vital_interests", "public_task",
                "legitimate_interests")
ARTICLE9_CONDITIONS = ("explicit_consent", "vital_interests", "not_for_profit_body",
                       "health_or_social_care", "substantial_public_interest", "legal_claims")
MAX_AGE_YEARS = 120
_TEXT_LIMITS = {"given_name": 100, "family_name": 100, "address_line1": 120,
                "address_line2": 120, "address_line3": 120, "post_town": 60, "phone": 30,
                "email": 254, "language": 60, "interpreter": 60, "disability": 500,
                "long_term_condition": 500, "carer_status": 200}
_LABELS = {"given_name": "first name", "family_name": "family name",
           "address_line1": "address line 1", "address_line2": "address line 2",
           "address_line3": "address line 3", "post_town": "town", "long_term_condition":
           "long-term condition", "carer_status": "carer status"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()-]+$")


@dataclass(frozen=True)
class ClientInput:
    """What staff entered for a client. Validated and tidied on creation: blank optional text
    becomes None and the postcode is normalised ("dl11aa" -> "DL1 1AA")."""

    given_name: str
    family_name: str
    date_of_birth: date | None = None
    age_band: str | None = None
    postcode: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    post_town: str | None = None
    phone: str | None = None
    email: str | None = None
    preferred_contact: str = "letter"
    preferred_format: str = "standard"
    language: str | None = None
    interpreter: str | None = None
    disability: str | None = None
    long_term_condition: str | None = None
    carer_status: str | None = None
    lawful_basis: str | None = "consent"
    article9_condition: str | None = None

    def __post_init__(self) -> None:
        for name, limit in _TEXT_LIMITS.items():
            value = getattr(self, name)
            if value is None:
                continue
            text = " ".join(str(value).split())
            if len(text) > limit:
                raise InvalidInput(f"The {_LABELS.get(name, name)} is too long; keep it under "
                                   f"{limit} characters.")
            if name not in ("given_name", "family_name"):
                text = text or None  # type: ignore[assignment]
            object.__setattr__(self, name, text)
        _validate(self)


def _validate(c: ClientInput) -> None:
    """Messages name the field, never the value typed: the value may be personal data."""
    if not plain(c.family_name):
        raise InvalidInput("Type the client's family name (letters, at least one).")
    if c.given_name and not plain(c.given_name):
        raise InvalidInput("The first name needs at least one letter.")
    if c.date_of_birth is not None:
        today = date.today()
        if c.date_of_birth > today:
            raise InvalidInput("The date of birth is in the future; check the year.")
        if c.date_of_birth < today.replace(year=today.year - MAX_AGE_YEARS, day=1):
            raise InvalidInput(f"The date of birth is over {MAX_AGE_YEARS} years ago; "
                               "check the year.")
    if c.age_band is not None:
        vocab("age_bands").check(c.age_band, "age band")
    if c.postcode is not None:
        try:
            object.__setattr__(c, "postcode", normalise_postcode(c.postcode))
        except InvalidInput:
            raise InvalidInput("The postcode is not a UK postcode; it should look like "
                               "'DL1 1AA'.") from None
    vocab("contact_methods").check(c.preferred_contact, "preferred contact")
    vocab("formats").check(c.preferred_format, "preferred format")
    if c.email is not None and not _EMAIL.match(c.email):
        raise InvalidInput("The email address is not complete; it should look like "
                           "name@example.org.")
    if c.phone is not None:
        digits = sum(ch.isdigit() for ch in c.phone)
        if not _PHONE.match(c.phone) or not 7 <= digits <= 15:
            raise InvalidInput("The phone number should be 7 to 15 digits (spaces and a "
                               "leading + are fine).")
    if c.preferred_contact == "phone" and c.phone is None:
        raise InvalidInput("Preferred contact is phone: add a phone number, or choose another.")
    if c.preferred_contact == "email" and c.email is None:
        raise InvalidInput("Preferred contact is email: add an email address, or choose "
                           "another.")
    if c.lawful_basis is not None and c.lawful_basis not in LAWFUL_BASES:
        raise InvalidInput(f"'{c.lawful_basis}' is not a lawful basis. Choose one of: "
                           f"{', '.join(LAWFUL_BASES)}.")
    if c.article9_condition is not None and c.article9_condition not in ARTICLE9_CONDITIONS:
        raise InvalidInput(f"'{c.article9_condition}' is not an Article 9 condition. Choose "
                           f"one of: {', '.join(ARTICLE9_CONDITIONS)}.")
    if (c.disability or c.long_term_condition) and c.article9_condition is None:
        raise InvalidInput("Health or disability details need an Article 9 condition (usually "
                           "explicit consent); choose one or leave those details out.")


@dataclass(frozen=True)
class ClientDetail:
    """The whole record, for the client screen. Reading it is audited ("view:client")."""

    id: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    age_band: str | None
    postcode: str | None
    address_line1: str | None
    address_line2: str | None
    address_line3: str | None
    post_town: str | None
    phone: str | None
    email: str | None
    preferred_contact: str
    preferred_format: str
    language: str | None
    interpreter: str | None
    disability: str | None
    long_term_condition: str | None
    carer_status: str | None
    lawful_basis: str | None
    article9_condition: str | None
    restricted: bool
    created_at: datetime
    last_contact_at: datetime | None

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


@dataclass(frozen=True)
class ClientMatch:
    """One row of a lookup list: enough to tell people apart, nothing sensitive."""

    id: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    postcode: str | None
    restricted: bool

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


_INPUT_FIELDS = tuple(f.name for f in dataclasses.fields(ClientInput))
_DETAIL_FIELDS = tuple(f.name for f in dataclasses.fields(ClientDetail))


def add_client(ws: Workspace, data: ClientInput) -> str:
    """Create a client record (with its search keys); returns its id."""
    family_key, given_key = make_client_keys(data.given_name, data.family_name)
    client = Client(organisation_id=ws.organisation_id, family_key=family_key,
                    given_key=given_key, **{f: getattr(data, f) for f in _INPUT_FIELDS})
    with ws.db.write(ws.actor) as w:
        w.create(client)
    return client.id


def _live_client(session: Any, ws: Workspace, client_id: str) -> Client:
    client = session.get(Client, client_id)
    if client is None or client.organisation_id != ws.organisation_id or client.erased_at:
        raise NotFound("That client record was not found; search for them again.")
    return client  # type: ignore[no-any-return]


def update_client(ws: Workspace, client_id: str, **changes: Any) -> None:
    """Change some fields; the whole record is re-validated and the search keys recomputed.
    Only fields that really change reach the change log and the audit detail."""
    unknown = set(changes) - set(_INPUT_FIELDS)
    if unknown:
        raise TypeError(f"update_client() got unknown fields: {', '.join(sorted(unknown))}")
    with ws.db.write(ws.actor) as w:
        client = _live_client(w.session, ws, client_id)
        current = ClientInput(**{f: getattr(client, f) for f in _INPUT_FIELDS}
                              | changes)  # validates
        family_key, given_key = make_client_keys(current.given_name, current.family_name)
        w.update(client, family_key=family_key, given_key=given_key,
                 **{f: getattr(current, f) for f in _INPUT_FIELDS})


def get_client(ws: Workspace, client_id: str) -> ClientDetail:
    """The whole record. Viewing personal data is logged in the audit trail (ids only)."""
    with ws.db.write(ws.actor) as w:
        client = _live_client(w.session, ws, client_id)
        w.event("view:client", entity="client", entity_id=client.id)
        return ClientDetail(**{f: getattr(client, f) for f in _DETAIL_FIELDS})


# -- lookups ---------------------------------------------------------------------------------
_MATCH_COLUMNS = (Client.id, Client.given_name, Client.family_name, Client.date_of_birth,
                  Client.postcode, Client.restricted)
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_POSTCODE_START = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?( [0-9][A-Z]{0,2})?$")


def scoped(query: Select[Any], ws: Workspace) -> Select[Any]:
    """Limit to this organisation's live clients. ``|| ''`` stops SQLite choosing the
    organisation index (every row of a one-organisation copy) over the selective one."""
    org: ColumnElement[bool] = (Client.organisation_id + "") == ws.organisation_id
    return query.where(org, Client.erased_at.is_(None))  # type: ignore[union-attr]


def key_range(prefix: str) -> ColumnElement[bool]:
    """``family_key`` starts with ``prefix`` (which ends in ':'), as an index range."""
    return (Client.family_key >= prefix) & (Client.family_key < prefix[:-1] + ";")


def find_clients(ws: Workspace, text: str, limit: int = 20) -> list[ClientMatch]:
    """Look a client up as staff type: a date of birth (dd/mm/yyyy), a postcode (or its
    start, "DL1 1"), or names ("smi", "john smi", "smith j"). Not audited: the list shows
    no more than is needed to pick the person; opening the record is audited."""
    text = " ".join(text.split())
    limit = max(1, min(limit, 200))
    if not text:
        return []
    query = _date_query(text) or _postcode_query(text)
    if query is not None:
        return _matches(ws, [scoped(query, ws).limit(limit)], limit)
    tokens = plain(text).split()[:4]
    if not tokens:
        return []
    queries = []
    # Each token in turn is taken as the family name (last first: "john smi" is typed
    # given-then-family); the next other token is the start of the first given name.
    for i in reversed(range(len(tokens))) if len(tokens) > 1 else [0]:
        family, rest = tokens[i], tokens[:i] + tokens[i + 1:]
        pattern = f"?:*:*:{family}*:{rest[0]}*" if rest else f"?:*:*:{family}*:*"
        queries.append(scoped(select(*_MATCH_COLUMNS)
                              .where(key_range(f"{family[0]}:"),
                                     Client.family_key.op("GLOB")(pattern)), ws)
                       .limit(limit * 3 if len(rest) > 1 else limit))
    found = _matches(ws, queries, None)
    if len(tokens) > 2:
        found = [m for m in found if _all_words_start(m, tokens)]
    return sorted(found, key=lambda m: (plain(m.family_name), plain(m.given_name)))[:limit]


def _date_query(text: str) -> Select[Any] | None:
    m = _DATE.match(text)
    if not m:
        return None
    try:
        born = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        born = date.min  # not a real date: matches no one (no error while typing)
    return select(*_MATCH_COLUMNS).where(Client.date_of_birth == born)


def _postcode_query(text: str) -> Select[Any] | None:
    upper = text.upper()
    try:
        return select(*_MATCH_COLUMNS).where(Client.postcode == normalise_postcode(upper))
    except InvalidInput:
        pass
    if not _POSTCODE_START.match(upper):
        return None
    start = upper if " " in upper else upper + " "  # "DL1" must not also match "DL10 ..."
    return select(*_MATCH_COLUMNS).where(Client.postcode >= start,
                                         Client.postcode < start + "\uffff")


def _matches(ws: Workspace, queries: list[Select[Any]], limit: int | None) -> list[ClientMatch]:
    seen: dict[str, ClientMatch] = {}
    with ws.db.read() as s:
        for q in queries:
            for row in s.execute(q):
                seen.setdefault(row[0], ClientMatch(*row))
    found = list(seen.values())
    return found if limit is None else found[:limit]


def _all_words_start(m: ClientMatch, tokens: list[str]) -> bool:
    words = plain(f"{m.given_name} {m.family_name}").split()
    return all(any(w.startswith(t) for w in words) for t in tokens)
