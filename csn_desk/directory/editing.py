"""Adding and changing directory entries, always through the one write path.

Each ``add_*`` has a ``*_with(writer, ...)`` twin that works inside an already-open writer, so
a bulk load (the demo generator, an import) adds thousands of services in one transaction.
Child rows (categories, schedules, costs, areas, location) are written without their own
audit events: the service's create event covers them, and the change log still has every
field for sync."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from csn_desk.directory.index import NEED_VOCABULARY
from csn_desk.errors import InvalidInput, NotFound
from csn_desk.postcodes import district, normalise
from csn_desk.store.models import (
    CostOption,
    DirectoryReview,
    HolidayClosure,
    Location,
    Organisation,
    Referral,
    RegularSchedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomy,
)
from csn_desk.store.writes import Writer
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

STATUSES = ("active", "inactive", "defunct", "temporarily closed")
ATTENDING_TYPES = ("venue", "phone", "online", "home visit")
ATTENDING_ACCESS = ("drop-in", "appointment", "referral", "membership")


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


@dataclass(frozen=True)
class ScheduleInput:
    weekday: int  # 1 = Monday ... 7 = Sunday
    opens_at: time | None = None
    closes_at: time | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    description: str | None = None


@dataclass(frozen=True)
class ClosureInput:
    start_date: date
    end_date: date
    closed: bool = True  # False: open on these days (e.g. on a bank holiday)
    opens_at: time | None = None
    closes_at: time | None = None
    note: str | None = None


@dataclass(frozen=True)
class CostInput:
    amount: float  # GBP; free is 0, never blank
    option: str | None = None  # e.g. "per session"
    amount_description: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None


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
    location: LocationInput | None = None
    id: str | None = None


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _check_contacts(email: str | None, url: str | None) -> None:
    if email and ("@" not in email or " " in email.strip()):
        raise InvalidInput("The email address does not look right; it needs an @.")
    if url and " " in url.strip():
        raise InvalidInput("The web address cannot contain spaces.")


def validate_organisation(data: OrganisationInput) -> None:
    if not data.name.strip():
        raise InvalidInput("Give the organisation a name.")
    _check_contacts(data.email, data.url)


def validate_service(data: ServiceInput) -> None:
    """Raise InvalidInput with a plain sentence for the first problem found."""
    if not data.name.strip():
        raise InvalidInput("Give the service a name.")
    if data.status not in STATUSES:
        raise InvalidInput(f"Status must be one of: {', '.join(STATUSES)}.")
    if data.attending_type is not None and data.attending_type not in ATTENDING_TYPES:
        raise InvalidInput(f"How people attend must be one of: {', '.join(ATTENDING_TYPES)}.")
    if data.attending_access is not None and data.attending_access not in ATTENDING_ACCESS:
        raise InvalidInput(f"Access must be one of: {', '.join(ATTENDING_ACCESS)}.")
    for age in (data.minimum_age, data.maximum_age):
        if age is not None and not 0 <= age <= 120:
            raise InvalidInput("Ages must be between 0 and 120.")
    if (data.minimum_age is not None and data.maximum_age is not None
            and data.minimum_age > data.maximum_age):
        raise InvalidInput("The minimum age is above the maximum age; swap them.")
    if len(set(data.categories)) != len(data.categories):
        raise InvalidInput("The same category is listed twice; remove one.")
    for code in data.categories:
        vocab("needs").check(code, "need category")
    if data.alert_until is not None and not (data.alert or "").strip():
        raise InvalidInput("An alert end date needs the alert text too.")
    _check_contacts(data.email, data.url)
    for s in data.schedules:
        if not 1 <= s.weekday <= 7:
            raise InvalidInput("A weekday must be 1 (Monday) to 7 (Sunday).")
        if s.opens_at and s.closes_at and s.opens_at >= s.closes_at:
            raise InvalidInput("An opening time must be before its closing time.")
        if s.valid_from and s.valid_to and s.valid_from > s.valid_to:
            raise InvalidInput("A schedule's start date is after its end date.")
    for c in data.closures:
        if c.start_date > c.end_date:
            raise InvalidInput("A closure's first day is after its last day.")
    for cost in data.costs:
        if cost.amount is None or cost.amount < 0:
            raise InvalidInput("A cost must be an amount of 0 or more; free is 0.")
    for area in data.areas:
        district(area)  # raises a plain message for something that is not a district


def add_organisation_with(w: Writer, data: OrganisationInput) -> str:
    validate_organisation(data)
    fields: dict[str, Any] = {
        "name": data.name.strip(), "description": data.description.strip(),
        "email": _blank(data.email), "url": _blank(data.url), "phone": _blank(data.phone),
        "charity_number": _blank(data.charity_number),
        "company_number": _blank(data.company_number), "is_member": data.is_member,
        "assured_date": data.assured_date, "needs_checking": data.assured_date is None,
    }
    if data.id:
        fields["id"] = data.id
    org = w.create(Organisation(**fields))
    return org.id


def add_organisation(ws: Workspace, data: OrganisationInput) -> str:
    with ws.db.write(ws.actor) as w:
        return add_organisation_with(w, data)


def add_service_with(w: Writer, data: ServiceInput, *, check_organisation: bool = True,
                     id_for: Callable[[str], str] | None = None) -> str:
    """Add a service and its child rows inside ``w``; returns the service id.

    ``id_for`` gives child rows stable ids from a key such as ``"cost/0"`` or
    ``"category/carers"`` (the starter directory: every site must mint the same rows, or sync
    would double them); without it, child ids are new."""
    validate_service(data)
    if check_organisation and w.session.get(Organisation, data.organisation_id) is None:
        raise NotFound("That organisation is not in the directory; add it first.")
    fields: dict[str, Any] = {
        "organisation_id": data.organisation_id, "name": data.name.strip(),
        "description": data.description.strip(), "status": data.status,
        "url": _blank(data.url), "email": _blank(data.email), "phone": _blank(data.phone),
        "application_process": _blank(data.application_process),
        "fees_text": _blank(data.fees_text), "attending_type": data.attending_type,
        "attending_access": data.attending_access, "minimum_age": data.minimum_age,
        "maximum_age": data.maximum_age, "eligibility": _blank(data.eligibility),
        "what_to_take": _blank(data.what_to_take),
        "assured_date": data.assured_date, "assured_by": _blank(data.assured_by),
        "needs_checking": data.assured_date is None, "alert": _blank(data.alert),
        "alert_until": data.alert_until,
    }
    if data.id:
        fields["id"] = data.id
    sid = w.create(Service(**fields)).id

    def child(key: str) -> dict[str, str]:
        return {"id": id_for(key)} if id_for is not None else {}

    for code in data.categories:
        w.create(ServiceTaxonomy(service_id=sid, vocabulary=NEED_VOCABULARY, term_code=code,
                                 **child(f"category/{code}")), audit=False)
    for i, s in enumerate(data.schedules):
        w.create(RegularSchedule(service_id=sid, weekday=s.weekday, opens_at=s.opens_at,
                                 closes_at=s.closes_at, valid_from=s.valid_from,
                                 valid_to=s.valid_to, description=s.description,
                                 **child(f"schedule/{i}")), audit=False)
    for i, c in enumerate(data.closures):
        w.create(HolidayClosure(service_id=sid, start_date=c.start_date, end_date=c.end_date,
                                closed=c.closed, opens_at=c.opens_at, closes_at=c.closes_at,
                                note=c.note, **child(f"closure/{i}")), audit=False)
    for i, cost in enumerate(data.costs):
        w.create(CostOption(service_id=sid, amount=float(cost.amount), option=cost.option,
                            amount_description=cost.amount_description,
                            valid_from=cost.valid_from, valid_to=cost.valid_to,
                            **child(f"cost/{i}")), audit=False)
    for area in dict.fromkeys(district(a) for a in data.areas):
        w.create(ServiceArea(service_id=sid, postcode_district=area, **child(f"area/{area}")),
                 audit=False)
    if data.location is not None:
        loc = data.location
        postcode = normalise(loc.postcode) if loc.postcode else None
        location = w.create(Location(
            organisation_id=data.organisation_id, name=loc.name.strip(),
            address_1=_blank(loc.address_1), address_2=_blank(loc.address_2),
            city=_blank(loc.city), postcode=postcode, accessibility=_blank(loc.accessibility),
            latitude=loc.latitude, longitude=loc.longitude, **child("location")), audit=False)
        w.create(ServiceAtLocation(service_id=sid, location_id=location.id,
                                   **child("service_at_location")), audit=False)
    return sid


def add_service(ws: Workspace, data: ServiceInput) -> str:
    with ws.db.write(ws.actor) as w:
        return add_service_with(w, data)


_SERVICE_EDITABLE = {
    "name", "description", "status", "url", "email", "phone", "application_process",
    "fees_text", "attending_type", "attending_access", "minimum_age", "maximum_age",
    "eligibility", "what_to_take", "assured_date", "assured_by", "alert", "alert_until",
    "organisation_id",
}


def update_service_with(w: Writer, service_id: str, **changes: Any) -> None:
    """Change plain fields of a service (categories and schedules have their own rows)."""
    unknown = set(changes) - _SERVICE_EDITABLE
    if unknown:
        raise InvalidInput(f"These service fields cannot be changed here: "
                           f"{', '.join(sorted(unknown))}.")
    service = w.session.get(Service, service_id)
    if service is None:
        raise NotFound("That service is no longer in the directory; search again.")
    current = {f: getattr(service, f) for f in _SERVICE_EDITABLE}
    merged = ServiceInput(**{**current, **changes})
    validate_service(merged)
    if "assured_date" in changes:
        changes["needs_checking"] = changes["assured_date"] is None
    w.update(service, **changes)


def update_service(ws: Workspace, service_id: str, **changes: Any) -> None:
    with ws.db.write(ws.actor) as w:
        update_service_with(w, service_id, **changes)


def set_service_categories_with(w: Writer, service_id: str, codes: tuple[str, ...]) -> None:
    for code in codes:
        vocab("needs").check(code, "need category")
    rows = w.session.execute(select(ServiceTaxonomy).where(
        col(ServiceTaxonomy.service_id) == service_id,
        col(ServiceTaxonomy.vocabulary) == NEED_VOCABULARY)).scalars().all()
    have = {r.term_code: r for r in rows}
    for code, row in have.items():
        if code not in codes:
            w.delete(row)
    for code in codes:
        if code not in have:
            w.create(ServiceTaxonomy(service_id=service_id, vocabulary=NEED_VOCABULARY,
                                     term_code=code))


def update_organisation(ws: Workspace, organisation_id: str, **changes: Any) -> None:
    with ws.db.write(ws.actor) as w:
        org = w.session.get(Organisation, organisation_id)
        if org is None:
            raise NotFound("That organisation is no longer in the directory; search again.")
        if "name" in changes and not str(changes["name"]).strip():
            raise InvalidInput("Give the organisation a name.")
        w.update(org, **changes)


def delete_service(ws: Workspace, service_id: str) -> None:
    """Remove a service that was added by mistake. One that referrals point at is kept: mark
    it defunct instead, so past referrals still say where people were sent."""
    with ws.db.write(ws.actor) as w:
        s = w.session
        service = s.get(Service, service_id)
        if service is None:
            raise NotFound("That service is no longer in the directory; search again.")
        used = s.execute(select(col(Referral.id))
                         .where(col(Referral.service_id) == service_id)).first()
        if used is not None:
            raise InvalidInput("Referrals point at this service, so it cannot be deleted; "
                               "set its status to defunct instead.")
        children: list[type[Any]] = [ServiceTaxonomy, RegularSchedule, HolidayClosure,
                                     CostOption, ServiceArea, ServiceAtLocation,
                                     DirectoryReview]
        for model in children:
            for row in s.execute(select(model).where(model.service_id == service_id)).scalars():
                w.delete(row)
        w.delete(service)


__all__ = [
    "ATTENDING_ACCESS", "ATTENDING_TYPES", "STATUSES", "ClosureInput", "CostInput",
    "LocationInput", "OrganisationInput", "ScheduleInput", "ServiceInput", "add_organisation",
    "add_organisation_with", "add_service", "add_service_with",
    "delete_service", "set_service_categories_with", "update_organisation", "update_service",
    "update_service_with", "validate_service",
]
