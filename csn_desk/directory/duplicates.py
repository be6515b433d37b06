"""Possible duplicate entries: organisations with the same charity or company number, and
services (or organisations) with a similar name at the same postcode.

Flagged, never refused: two lunch clubs at one community centre are real. A coordinator
decides, and merges if they are the same (see ``merge``)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz
from sqlmodel import Session

from csn_desk.directory.inputs import OrganisationInput, ServiceInput
from csn_desk.directory.records import read_directory
from csn_desk.postcodes import normalise
from csn_desk.workspace import Workspace

BUCKET_LIMIT = 200
SIMILAR = 88  # rapidfuzz token-sort ratio (0-100) from which two names are "similar"
_FILLER = {"the", "ltd", "limited", "cic", "uk", "and", "of", "a", "service", "services"}


@dataclass(frozen=True)
class PossibleDuplicate:
    kind: str  # "service" or "organisation"
    id: str
    name: str
    other_id: str
    other_name: str
    reason: str  # a sentence: why they look the same

    def sentence(self) -> str:
        return f"Possible duplicate of the {self.kind} '{self.other_name}': {self.reason}"


_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65_536)
def name_key(name: str) -> str:
    """A name folded for comparison: case, punctuation, and filler words ignored."""
    words = _WORD.findall(name.casefold())
    kept = [w for w in words if w not in _FILLER]
    return " ".join(kept or words)


def similar(a: str, b: str) -> bool:
    """Near-identical names, or one name inside the other when the shorter has two or more
    words ("Tablet help" and "Tablet help sessions"; not "Advice" and "Debt advice")."""
    ka, kb = name_key(a), name_key(b)
    if ka == kb or fuzz.token_sort_ratio(ka, kb) >= SIMILAR:
        return True
    shorter = min(ka, kb, key=len)
    return shorter.count(" ") >= 1 and fuzz.token_set_ratio(ka, kb) >= SIMILAR


def number_key(number: str | None) -> str | None:
    """A charity or company number without spaces, case or leading zeros."""
    if not number:
        return None
    compact = re.sub(r"[\s\-./]", "", number).upper().lstrip("0")
    return compact or None


def _postcode(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return normalise(text)
    except Exception:  # noqa: BLE001 - a stored postcode should be valid; never fail here
        return None


@dataclass(frozen=True)
class Candidate:
    """What duplicate checks compare: an entry's id, name and postcodes."""

    id: str
    name: str
    postcodes: frozenset[str]


def service_candidate(s: ServiceInput) -> Candidate:
    return Candidate(s.id or "", s.name,
                     frozenset(p for p in (_postcode(x.postcode) for x in s.places) if p))


@dataclass
class _Bucket:
    """The entries at one postcode. A postcode rarely has more than a few dozen; past
    ``BUCKET_LIMIT`` (a generated file, a misused postcode) a name is compared only with
    names that start with the same word, so thousands at one postcode stay quick."""

    everyone: list[Candidate] = field(default_factory=list)
    by_first_word: dict[str, list[Candidate]] = field(default_factory=dict)

    def append(self, c: Candidate) -> None:
        self.everyone.append(c)
        self.by_first_word.setdefault(_first_word(c.name), []).append(c)

    def near(self, name: str) -> list[Candidate]:
        if len(self.everyone) <= BUCKET_LIMIT:
            return self.everyone
        return self.by_first_word.get(_first_word(name), [])[-BUCKET_LIMIT:]


def _first_word(name: str) -> str:
    return name_key(name).split(" ", 1)[0]


class DuplicateIndex:
    """Entries by postcode and by number, for quick look-ups while many are added."""

    def __init__(self) -> None:
        self.services: dict[str, _Bucket] = defaultdict(_Bucket)
        self.organisations: dict[str, _Bucket] = defaultdict(_Bucket)
        self.charity: dict[str, list[Candidate]] = defaultdict(list)
        self.company: dict[str, list[Candidate]] = defaultdict(list)

    def add_service(self, c: Candidate) -> None:
        for pc in c.postcodes:
            self.services[pc].append(c)

    def add_organisation(self, o: OrganisationInput, postcodes: Iterable[str] = ()) -> None:
        c = Candidate(o.id or "", o.name, frozenset(postcodes))
        for pc in c.postcodes:
            self.organisations[pc].append(c)
        if (key := number_key(o.charity_number)) is not None:
            self.charity[key].append(c)
        if (key := number_key(o.company_number)) is not None:
            self.company[key].append(c)

    def service_matches(self, c: Candidate) -> list[PossibleDuplicate]:
        out: dict[str, PossibleDuplicate] = {}
        for pc in sorted(c.postcodes):
            for other in self.services[pc].near(c.name) if pc in self.services else ():
                if other.id != c.id and other.id not in out and similar(c.name, other.name):
                    out[other.id] = PossibleDuplicate(
                        "service", c.id, c.name, other.id, other.name,
                        f"a similar name at the same postcode ({pc}).")
        return list(out.values())

    def organisation_matches(self, o: OrganisationInput,
                             postcodes: Iterable[str] = ()) -> list[PossibleDuplicate]:
        out: dict[str, PossibleDuplicate] = {}
        oid = o.id or ""
        for number, index, what in ((o.charity_number, self.charity, "charity"),
                                    (o.company_number, self.company, "company")):
            key = number_key(number)
            for other in index.get(key or "", ()) if key else ():
                if other.id != oid and other.id not in out:
                    out[other.id] = PossibleDuplicate(
                        "organisation", oid, o.name, other.id, other.name,
                        f"the same {what} number ({number}).")
        for pc in sorted(set(postcodes)):
            for other in (self.organisations[pc].near(o.name) if pc in self.organisations
                          else ()):
                if other.id != oid and other.id not in out and similar(o.name, other.name):
                    out[other.id] = PossibleDuplicate(
                        "organisation", oid, o.name, other.id, other.name,
                        f"a similar name at the same postcode ({pc}).")
        return list(out.values())


def organisation_postcodes(services: Iterable[ServiceInput]) -> dict[str, set[str]]:
    """Each organisation's postcodes: those of its services' places."""
    out: dict[str, set[str]] = defaultdict(set)
    for s in services:
        out[s.organisation_id] |= service_candidate(s).postcodes
    return out


def index_directory(organisations: Iterable[OrganisationInput],
                    services: Iterable[ServiceInput]) -> DuplicateIndex:
    """An index of entries that are not merged away."""
    services = [s for s in services if s.merged_into is None]
    places = organisation_postcodes(services)
    index = DuplicateIndex()
    for s in services:
        index.add_service(service_candidate(s))
    for o in organisations:
        if o.merged_into is None:
            index.add_organisation(o, places.get(o.id or "", ()))
    return index


def _index(session: Session) -> DuplicateIndex:
    d = read_directory(session)
    return index_directory(d.organisations, d.services)


def possible_duplicates_of_service(ws: Workspace, data: ServiceInput) -> list[PossibleDuplicate]:
    """Entries that may be this service (asked before adding one)."""
    with ws.db.read() as s:
        return _index(s).service_matches(service_candidate(data))


def possible_duplicates_of_organisation(ws: Workspace, data: OrganisationInput,
                                        postcodes: Iterable[str] = ()
                                        ) -> list[PossibleDuplicate]:
    with ws.db.read() as s:
        return _index(s).organisation_matches(data, postcodes)


def all_possible_duplicates(organisations: Iterable[OrganisationInput],
                            services: Iterable[ServiceInput]) -> list[PossibleDuplicate]:
    """Every pair in the directory that looks the same, each pair once."""
    organisations, services = list(organisations), list(services)
    index = index_directory(organisations, services)
    places = organisation_postcodes(services)
    seen: set[frozenset[str]] = set()
    out = []
    found = [m for s in services if s.merged_into is None
             for m in index.service_matches(service_candidate(s))]
    found += [m for o in organisations if o.merged_into is None
              for m in index.organisation_matches(o, places.get(o.id or "", ()))]
    for m in found:
        pair = frozenset((m.id, m.other_id))
        if pair not in seen:
            seen.add(pair)
            out.append(m)
    return out
