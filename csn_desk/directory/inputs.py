"""What a directory entry is made of, as plain frozen values, and the rules it must meet.

The same values travel everywhere: the editing dialogs build them, imports parse files into
them, exports write them out and the review list reads them. ``validate_*`` raises the first
problem as one plain sentence; imports collect every problem with its field instead (see
``oruk_validate``), then call these as the final word.

Limits on text length keep a hostile file from filling the database and the screen."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Any, TypeVar

from csn_desk.directory.index import NEED_VOCABULARY
from csn_desk.errors import InvalidInput
from csn_desk.postcodes import district, normalise
from csn_desk.vocab import vocab

STATUSES = ("active", "inactive", "defunct", "temporarily closed")
ATTENDING_TYPES = ("venue", "phone", "online", "home visit")
ATTENDING_ACCESS = ("drop-in", "appointment", "referral", "membership")
# ORUK v1 service.deliverable_type.
DELIVERABLE_TYPES = ("Advice", "Assessment", "Counselling", "Equipment", "Financial Support",
                     "Information", "Permission", "Training")

MAX_NAME = 300
MAX_TEXT = 2_000
MAX_LONG_TEXT = 20_000
MAX_AGE = 120
MAX_AMOUNT = 1_000_000.0
MAX_CHILDREN = 200  # schedules, costs, closures, areas, terms or places of one service
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class OrganisationInput:
    name: str
    description: str = ""
    email: str | None = None
    url: str | None = None
    phone: str | None = None
    charity_number: str | None = None
    company_number: str | None = None
    is_member: bool = False
    assured_date: date | None = None
    id: str | None = None  # a stable id (e.g. the starter directory); minted when None
    external_id: str | None = None  # its id in the file it was imported from
    merged_into: str | None = None


@dataclass(frozen=True)
class ScheduleInput:
    weekday: int  # 1 = Monday ... 7 = Sunday
    opens_at: time | None = None
    closes_at: time | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    description: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class ClosureInput:
    start_date: date
    end_date: date
    closed: bool = True  # False: open on these days (e.g. on a bank holiday)
    opens_at: time | None = None
    closes_at: time | None = None
    note: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class CostInput:
    amount: float  # GBP; free is 0, never blank
    option: str | None = None  # e.g. "per session"
    amount_description: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    id: str | None = None


@dataclass(frozen=True)
class LocationInput:
    name: str = ""
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    postcode: str | None = None
    accessibility: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    id: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class TermInput:
    """A term from another vocabulary (an LGA service type, say), kept as it came."""

    vocabulary: str
    code: str
    label: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class ServiceInput:
    organisation_id: str
    name: str
    description: str = ""
    categories: tuple[str, ...] = ()  # need category codes from resources/vocab/needs.json
    status: str = "active"
    url: str | None = None
    email: str | None = None
    phone: str | None = None
    application_process: str | None = None
    fees_text: str | None = None
    attending_type: str | None = None
    attending_access: str | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    eligibility: str | None = None
    what_to_take: str | None = None
    assured_date: date | None = None
    assured_by: str | None = None
    alert: str | None = None
    alert_until: date | None = None
    schedules: tuple[ScheduleInput, ...] = ()
    closures: tuple[ClosureInput, ...] = ()
    costs: tuple[CostInput, ...] = ()
    areas: tuple[str, ...] = ()  # postcode districts; none = any area
    location: LocationInput | None = None  # shorthand for one place; see ``places``
    id: str | None = None
    deliverable_type: str | None = None
    area_notes: tuple[str, ...] = ()  # areas served that are not postcode districts
    locations: tuple[LocationInput, ...] = ()  # more places (after ``location``)
    terms: tuple[TermInput, ...] = ()
    external_id: str | None = None
    merged_into: str | None = None

    @property
    def places(self) -> tuple[LocationInput, ...]:
        """Every place the service is delivered at, ``location`` first."""
        return ((self.location,) if self.location is not None else ()) + self.locations


# -- normal forms ------------------------------------------------------------------------------
def blank(value: str | None) -> str | None:
    """Trimmed text, or None for nothing at all."""
    return value.strip() or None if value is not None else None


def _key(value: Any) -> tuple[bool, Any]:
    return (value is None, "" if value is None else value)


def _sort_key(item: Any, fields: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(_key(getattr(item, f)) for f in fields)


S = TypeVar("S")


def _sorted(items: tuple[S, ...], fields: tuple[str, ...]) -> tuple[S, ...]:
    return tuple(sorted(items, key=lambda i: _sort_key(i, fields)))


def canonical_service(s: ServiceInput) -> ServiceInput:
    """The same service with its lists in one fixed order (and one place list), so two
    descriptions of the same entry compare equal whatever order a file listed things in."""
    return replace(
        s, location=None, locations=_sorted(s.places, ("id", "name", "postcode", "address_1")),
        categories=tuple(sorted(s.categories)), areas=tuple(sorted(set(s.areas))),
        area_notes=tuple(sorted(s.area_notes)),
        schedules=_sorted(s.schedules, ("weekday", "opens_at", "closes_at", "valid_from",
                                        "valid_to", "description", "id")),
        closures=_sorted(s.closures, ("start_date", "end_date", "closed", "opens_at",
                                      "closes_at", "note", "id")),
        costs=_sorted(s.costs, ("amount", "option", "amount_description", "valid_from",
                                "valid_to", "id")),
        terms=_sorted(s.terms, ("vocabulary", "code", "label", "id")))


def without_child_ids(s: ServiceInput) -> ServiceInput:
    """The service with the ids of its schedules, closures, costs and terms dropped (a CSV
    does not carry them; places keep theirs)."""
    return canonical_service(replace(
        s, schedules=tuple(replace(x, id=None) for x in s.schedules),
        closures=tuple(replace(x, id=None) for x in s.closures),
        costs=tuple(replace(x, id=None) for x in s.costs),
        terms=tuple(replace(x, id=None) for x in s.terms)))


# -- checks ------------------------------------------------------------------------------------
def check_text(value: str | None, what: str, limit: int = MAX_TEXT) -> None:
    """Text must be storable (valid Unicode, no control characters) and not absurdly long."""
    if value is None:
        return
    if not isinstance(value, str):
        raise InvalidInput(f"The {what} must be text.")
    if len(value) > limit:
        raise InvalidInput(f"The {what} is too long ({len(value):,} characters; at most "
                           f"{limit:,}). Shorten it.")
    # (ASCII always encodes, and a printable string holds no control character: most text
    # passes both checks without the encoding or the search, an import checks ~450,000)
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(f"The {what} holds characters that are not valid text; "
                               "retype it.") from None
    if not value.isprintable() and _CONTROL.search(value):
        raise InvalidInput(f"The {what} holds invisible control characters; retype it.")


def check_contacts(email: str | None, url: str | None) -> None:
    if email and ("@" not in email or " " in email.strip()):
        raise InvalidInput("The email address does not look right; it needs an @.")
    if url and " " in url.strip():
        raise InvalidInput("The web address cannot contain spaces.")


def check_age(age: int | None) -> None:
    if age is None:
        return
    if isinstance(age, bool) or not isinstance(age, int):
        raise InvalidInput("Ages must be whole numbers of years.")
    if not 0 <= age <= MAX_AGE:
        raise InvalidInput(f"Ages must be between 0 and {MAX_AGE}.")


def validate_organisation(data: OrganisationInput) -> None:
    if not isinstance(data.name, str) or not data.name.strip():
        raise InvalidInput("Give the organisation a name.")
    check_text(data.name, "organisation name", MAX_NAME)
    check_text(data.description, "organisation description", MAX_LONG_TEXT)
    for value, what in ((data.email, "organisation email"), (data.url, "organisation web "
                        "address"), (data.phone, "organisation phone"), (data.charity_number,
                        "charity number"), (data.company_number, "company number")):
        check_text(value, what)
    check_contacts(data.email, data.url)


def _validate_place(loc: LocationInput) -> None:
    for text, what in ((loc.name, "place name"), (loc.address_1, "address"),
                       (loc.address_2, "address"), (loc.city, "town"),
                       (loc.accessibility, "access notes")):
        check_text(text, what)
    if loc.postcode:
        normalise(loc.postcode)
    for number, bound, what in ((loc.latitude, 90.0, "latitude"),
                                (loc.longitude, 180.0, "longitude")):
        value: Any = number
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)
                                  or not math.isfinite(value) or abs(value) > bound):
            raise InvalidInput(f"The {what} must be a number between -{bound:g} and "
                               f"{bound:g}.")


def _is_district(text: str) -> bool:
    try:
        district(text)
    except InvalidInput:
        return False
    return True


def _validate_children(data: ServiceInput) -> None:
    for s in data.schedules:
        if isinstance(s.weekday, bool) or not isinstance(s.weekday, int) \
                or not 1 <= s.weekday <= 7:
            raise InvalidInput("A weekday must be 1 (Monday) to 7 (Sunday).")
        if s.opens_at and s.closes_at and s.opens_at >= s.closes_at:
            raise InvalidInput("An opening time must be before its closing time.")
        if s.valid_from and s.valid_to and s.valid_from > s.valid_to:
            raise InvalidInput("A schedule's start date is after its end date.")
        check_text(s.description, "opening times note")
    for c in data.closures:
        if c.start_date > c.end_date:
            raise InvalidInput("A closure's first day is after its last day.")
        if c.opens_at and c.closes_at and c.opens_at >= c.closes_at:
            raise InvalidInput("An opening time must be before its closing time.")
        check_text(c.note, "closure note")
    for cost in data.costs:
        if (cost.amount is None or isinstance(cost.amount, bool)
                or not isinstance(cost.amount, int | float) or not math.isfinite(cost.amount)
                or cost.amount < 0):
            raise InvalidInput("A cost must be an amount of 0 or more; free is 0.")
        if cost.amount > MAX_AMOUNT:
            raise InvalidInput("A cost that large cannot be right; check the amount.")
        if cost.valid_from and cost.valid_to and cost.valid_from > cost.valid_to:
            raise InvalidInput("A cost's start date is after its end date.")
        check_text(cost.option, "cost option")
        check_text(cost.amount_description, "cost description")
    for area in data.areas:
        district(area)  # raises a plain message for something that is not a district
    for note in data.area_notes:
        if not note.strip():
            raise InvalidInput("An area served cannot be blank.")
        check_text(note, "area served")
        if _is_district(note):
            raise InvalidInput(f"'{note.strip()}' is a postcode area; list it with the "
                               "postcode districts served.")
    seen_terms = set()
    for term in data.terms:
        if not term.vocabulary.strip() or not term.code.strip():
            raise InvalidInput("A category from another list needs both its list and its "
                               "code.")
        if term.vocabulary == NEED_VOCABULARY:
            raise InvalidInput("Our own need categories go in the categories, not with the "
                               "other lists.")
        for value, what in ((term.vocabulary, "category list"), (term.code, "category code"),
                            (term.label, "category name")):
            check_text(value, what, MAX_NAME)
        if (term.vocabulary, term.code) in seen_terms:
            raise InvalidInput("The same category is listed twice; remove one.")
        seen_terms.add((term.vocabulary, term.code))
    places = data.places
    ids = [p.id for p in places if p.id]
    if len(set(ids)) != len(ids):
        raise InvalidInput("The same place is listed twice; remove one.")
    for loc in places:
        _validate_place(loc)
    for items in (data.schedules, data.closures, data.costs, data.areas, data.area_notes,
                  data.terms, places, data.categories):
        if len(items) > MAX_CHILDREN:
            raise InvalidInput(f"A service can have at most {MAX_CHILDREN} of each kind of "
                               "detail; this one has more.")


def validate_service(data: ServiceInput) -> None:
    """Raise InvalidInput with a plain sentence for the first problem found."""
    if not isinstance(data.name, str) or not data.name.strip():
        raise InvalidInput("Give the service a name.")
    check_text(data.name, "service name", MAX_NAME)
    check_text(data.description, "service description", MAX_LONG_TEXT)
    for value, what in ((data.url, "web address"), (data.email, "email address"),
                        (data.phone, "phone number"), (data.application_process,
                        "how to get it"), (data.fees_text, "fees"), (data.eligibility,
                        "who it is for"), (data.what_to_take, "what to take"),
                        (data.assured_by, "checked by"), (data.alert, "alert")):
        check_text(value, what)
    if data.status not in STATUSES:
        raise InvalidInput(f"Status must be one of: {', '.join(STATUSES)}.")
    if data.attending_type is not None and data.attending_type not in ATTENDING_TYPES:
        raise InvalidInput(f"How people attend must be one of: {', '.join(ATTENDING_TYPES)}.")
    if data.attending_access is not None and data.attending_access not in ATTENDING_ACCESS:
        raise InvalidInput(f"Access must be one of: {', '.join(ATTENDING_ACCESS)}.")
    if data.deliverable_type is not None and data.deliverable_type not in DELIVERABLE_TYPES:
        raise InvalidInput(f"What it gives must be one of: {', '.join(DELIVERABLE_TYPES)}.")
    check_age(data.minimum_age)
    check_age(data.maximum_age)
    if (data.minimum_age is not None and data.maximum_age is not None
            and data.minimum_age > data.maximum_age):
        raise InvalidInput("The minimum age is above the maximum age; swap them.")
    if len(set(data.categories)) != len(data.categories):
        raise InvalidInput("The same category is listed twice; remove one.")
    for code in data.categories:
        vocab("needs").check(code, "need category")
    if data.alert_until is not None and not (data.alert or "").strip():
        raise InvalidInput("An alert end date needs the alert text too.")
    check_contacts(data.email, data.url)
    _validate_children(data)


__all__ = [
    "ATTENDING_ACCESS", "ATTENDING_TYPES", "DELIVERABLE_TYPES", "MAX_LONG_TEXT", "MAX_NAME",
    "MAX_TEXT", "NEED_VOCABULARY", "STATUSES", "ClosureInput", "CostInput", "LocationInput",
    "OrganisationInput", "ScheduleInput", "ServiceInput", "TermInput", "blank",
    "canonical_service", "check_text", "validate_organisation", "validate_service",
    "without_child_ids",
]
