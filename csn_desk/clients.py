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

from sqlalchemy import ColumnElement, Date, Select, bindparam, select, union_all
from sqlmodel import Session, col

from csn_desk.errors import InvalidInput, NotFound
from csn_desk.names import (
    NameParts,
    birth_date_variants,
    make_client_keys,
    name_parts,
    parts_from_key,
    plain,
    score_person,
)
from csn_desk.postcodes import normalise as normalise_postcode
from csn_desk.protection.roles import require
from csn_desk.store.models import Client
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

# UK GDPR Article 6 lawful bases and Article 9 conditions (codes stored on the client; the
# names staff see are in resources/vocab, as is carer status).
LAWFUL_BASES = tuple(vocab("lawful_bases").codes)
ARTICLE9_CONDITIONS = tuple(vocab("article9_conditions").codes)
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
    preferred_format: str = "not_asked"
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
    if c.carer_status is not None and c.carer_status not in vocab("carer_statuses").codes:
        # Not echoed: free text here could describe the person's situation.
        raise InvalidInput("The carer status is not one of the listed choices; choose one "
                           "from the list or leave it blank.")
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
    restricted_reason: str | None = None  # a restriction_reasons code while restricted

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
    require(ws, "clients.edit")
    family_key, given_key = make_client_keys(data.given_name, data.family_name)
    client = Client(organisation_id=ws.organisation_id, family_key=family_key,
                    given_key=given_key, **{f: getattr(data, f) for f in _INPUT_FIELDS})
    with ws.db.write(ws.actor) as w:
        w.create(client)
    return client.id


def _live_client(session: Session, ws: Workspace, client_id: str) -> Client:
    client = session.get(Client, client_id)
    if client is None or client.organisation_id != ws.organisation_id or client.erased_at:
        raise NotFound("That client record was not found; search for them again.")
    return client


def update_client(ws: Workspace, client_id: str, **changes: Any) -> None:
    """Change some fields; the whole record is re-validated and the search keys recomputed.
    Only fields that really change reach the change log and the audit detail."""
    require(ws, "clients.edit")
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
    require(ws, "clients.view")
    with ws.db.write(ws.actor) as w:
        client = _live_client(w.session, ws, client_id)
        w.event("view:client", entity="client", entity_id=client.id)
        return ClientDetail(**{f: getattr(client, f) for f in _DETAIL_FIELDS})


# -- lookups ---------------------------------------------------------------------------------
_MATCH_COLUMNS = (col(Client.id), col(Client.given_name), col(Client.family_name),
                  col(Client.date_of_birth), col(Client.postcode), col(Client.restricted))
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_POSTCODE_START = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?( [0-9][A-Z]{0,2})?$")


def scoped(query: Select[*tuple[Any, ...]], ws: Workspace) -> Select[*tuple[Any, ...]]:
    """Limit to this organisation's live clients. ``|| ''`` stops SQLite choosing the
    organisation index (every row of a one-organisation copy) over the selective one."""
    org = (col(Client.organisation_id) + "") == ws.organisation_id
    return query.where(org, col(Client.erased_at).is_(None))


def key_range(prefix: str) -> ColumnElement[bool]:
    """``family_key`` starts with ``prefix``, as an index range ("s:" -> ["s:", "s;"))."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return (col(Client.family_key) >= prefix) & (col(Client.family_key) < upper)


def find_clients(ws: Workspace, text: str, limit: int = 20) -> list[ClientMatch]:
    """Look a client up as staff type: a date of birth (dd/mm/yyyy), a postcode (or its
    start, "DL1 1"), or names ("smi", "john smi", "smith j"). Not audited: the list shows
    no more than is needed to pick the person; opening the record is audited."""
    require(ws, "clients.find")
    text = " ".join(text.split())
    limit = max(1, min(limit, 200))
    if not text:
        return []
    query = _date_query(text)
    if query is None:
        query = _postcode_query(text)
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
                                     col(Client.family_key).op("GLOB")(pattern)), ws)
                       .limit(limit * 3 if len(rest) > 1 else limit))
    found = _matches(ws, queries, None)
    if len(tokens) > 2:
        found = [m for m in found if _all_words_start(m, tokens)]
    return sorted(found, key=lambda m: (plain(m.family_name), plain(m.given_name)))[:limit]


def _date_query(text: str) -> Select[*tuple[Any, ...]] | None:
    m = _DATE.match(text)
    if not m:
        return None
    try:
        born = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        born = date.min  # not a real date: matches no one (no error while typing)
    return select(*_MATCH_COLUMNS).where(col(Client.date_of_birth) == born)


def _postcode_query(text: str) -> Select[*tuple[Any, ...]] | None:
    upper = text.upper()
    try:
        return select(*_MATCH_COLUMNS).where(col(Client.postcode) == normalise_postcode(upper))
    except InvalidInput:
        pass
    if not _POSTCODE_START.match(upper):
        return None
    start = upper if " " in upper else upper + " "  # "DL1" must not also match "DL10 ..."
    return select(*_MATCH_COLUMNS).where(col(Client.postcode) >= start,
                                         col(Client.postcode) < start + "\uffff")


def _matches(ws: Workspace, queries: list[Select[*tuple[Any, ...]]],
             limit: int | None) -> list[ClientMatch]:
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


# -- possible duplicates ---------------------------------------------------------------------
@dataclass(frozen=True)
class DuplicateSuggestion:
    """Someone already on record who may be the person being added; best first."""

    id: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    postcode: str | None
    score: float  # 0..1
    reasons: tuple[str, ...]  # plain words: "same date of birth", "similar name", ...

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


_DUP_COLUMNS = (col(Client.id), col(Client.given_name), col(Client.family_name),
                col(Client.date_of_birth), col(Client.postcode), col(Client.family_key))
_NOTHING = ("", "")  # an empty key range: a block that does not apply finds no one


def _block(condition: ColumnElement[bool], cap: int) -> Select[*tuple[Any, ...]]:
    org = (col(Client.organisation_id) + "") == bindparam("org")  # see scoped()
    return (select(*_DUP_COLUMNS).where(condition, org, col(Client.erased_at).is_(None))
            .limit(cap).subquery().select())


def _key_between(name: str) -> ColumnElement[bool]:
    return ((col(Client.family_key) >= bindparam(f"{name}_lo"))
            & (col(Client.family_key) < bindparam(f"{name}_hi")))


def _dob_is(name: str) -> ColumnElement[bool]:
    return col(Client.date_of_birth) == bindparam(name, type_=Date)


# Built once: every check runs the same statement with new parameters, so SQLAlchemy compiles
# it once and SQLite gets one round trip (building seven selects per keystroke cost ~20 ms).
_CANDIDATES = union_all(
    _block(_key_between("same"), 100),  # same plain names (given may go on: "mary" -> "mary ann")
    _block(_key_between("tight"), 60),  # family and given names sound alike
    _block(_key_between("initial"), 40),  # family alike, given starts alike (Jon / J.)
    _block(_key_between("family"), 40),  # family name alike
    _block(_key_between("swapped"), 20),  # names typed in the other boxes
    _block(_dob_is("born"), 100),
    _block(_dob_is("born_swapped"), 100),  # day and month the other way round
    _block(col(Client.postcode) == bindparam("postcode"), 60),
)


def _span(prefix: str) -> tuple[str, str]:
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def possible_duplicates(ws: Workspace, given_name: str, family_name: str,
                        date_of_birth: date | None = None, postcode: str | None = None,
                        *, limit: int = 5, exclude_id: str | None = None
                        ) -> list[DuplicateSuggestion]:
    """People on record who may be this person, scored and explained.

    Candidates come from a handful of index lookups, each capped (same or transposed date of
    birth, same postcode, names that sound alike, names typed the wrong way round), so the
    cost does not grow with the number of clients; they are then scored here with
    :func:`csn_desk.names.name_similarity`. ``exclude_id`` leaves out the record being edited.
    """
    require(ws, "clients.find")
    query = name_parts(given_name, family_name)
    if not query.family and not query.given:
        return []
    try:
        pc = normalise_postcode(postcode) if postcode and postcode.strip() else None
    except InvalidInput:
        pc = None  # a half-typed postcode just does not help the search
    born = birth_date_variants(date_of_birth) + [None, None]
    spans = dict.fromkeys(("same", "tight", "initial", "family", "swapped"), _NOTHING)
    if query.family:
        spans["same"] = _span(f"{query.block}{query.family}:{query.given}")
        spans["tight"] = _span(query.block)
        spans["family"] = _span(query.family_block)
        if query.given_sound:
            spans["initial"] = _span(query.family_block + query.given_sound[0])
    if query.given:
        spans["swapped"] = _span(name_parts(family_name, given_name).block)
    params: dict[str, Any] = {"org": ws.organisation_id, "born": born[0],
                              "born_swapped": born[1], "postcode": pc}
    for name, (lo, hi) in spans.items():
        params[f"{name}_lo"], params[f"{name}_hi"] = lo, hi
    with ws.db.read() as s:
        rows = {row[0]: row for row in s.execute(_CANDIDATES, params)}
    rows.pop(exclude_id or "", None)
    found = [_score(row, query, date_of_birth, pc) for row in rows.values()]
    ranked = sorted((f for f in found if f is not None),
                    key=lambda d: (-d.score, d.family_name.lower(), d.given_name.lower()))
    return ranked[:max(1, limit)]


def _score(row: Any, query: NameParts, born: date | None,
           pc: str | None) -> DuplicateSuggestion | None:
    cid, c_given, c_family, c_born, c_pc, c_key = row
    other = parts_from_key(c_key) or name_parts(c_given, c_family)
    verdict = score_person(query, other, born=born, other_born=c_born,
                           postcode=pc, other_postcode=c_pc)
    if verdict is None:
        return None
    return DuplicateSuggestion(cid, c_given, c_family, c_born, c_pc, *verdict)
