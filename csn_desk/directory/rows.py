"""How an entry's input values become table columns, and how stored rows become input values
again. Adding, updating, importing and exporting all go through these, so what is saved is
exactly what is read back."""

from __future__ import annotations

from typing import Any

from csn_desk.directory.index import NEED_VOCABULARY
from csn_desk.directory.inputs import (
    ClosureInput,
    CostInput,
    LocationInput,
    OrganisationInput,
    ScheduleInput,
    ServiceInput,
    TermInput,
    blank,
    canonical_service,
)
from csn_desk.postcodes import normalise
from csn_desk.store.models import (
    CostOption,
    HolidayClosure,
    Location,
    Organisation,
    RegularSchedule,
    Service,
    ServiceArea,
    ServiceTaxonomy,
)

# Columns an edit or import may set, besides the id.
ORGANISATION_COLUMNS = ("name", "description", "email", "url", "phone", "charity_number",
                        "company_number", "is_member", "assured_date", "needs_checking",
                        "external_id", "merged_into")
SERVICE_COLUMNS = ("organisation_id", "name", "description", "status", "url", "email",
                   "phone", "application_process", "fees_text", "deliverable_type",
                   "attending_type", "attending_access", "minimum_age", "maximum_age",
                   "eligibility", "what_to_take", "assured_date", "assured_by", "needs_checking",
                   "alert", "alert_until", "external_id", "merged_into")
LOCATION_COLUMNS = ("organisation_id", "name", "address_1", "address_2", "city", "postcode",
                    "accessibility", "latitude", "longitude", "external_id")


def organisation_values(d: OrganisationInput) -> dict[str, Any]:
    return {
        "name": d.name.strip(), "description": d.description.strip(),
        "email": blank(d.email), "url": blank(d.url), "phone": blank(d.phone),
        "charity_number": blank(d.charity_number), "company_number": blank(d.company_number),
        "is_member": bool(d.is_member), "assured_date": d.assured_date,
        "needs_checking": d.assured_date is None, "external_id": d.external_id,
        "merged_into": d.merged_into,
    }


def service_values(d: ServiceInput) -> dict[str, Any]:
    return {
        "organisation_id": d.organisation_id, "name": d.name.strip(),
        "description": d.description.strip(), "status": d.status,
        "url": blank(d.url), "email": blank(d.email), "phone": blank(d.phone),
        "application_process": blank(d.application_process), "fees_text": blank(d.fees_text),
        "deliverable_type": d.deliverable_type, "attending_type": d.attending_type,
        "attending_access": d.attending_access, "minimum_age": d.minimum_age,
        "maximum_age": d.maximum_age, "eligibility": blank(d.eligibility),
        "what_to_take": blank(d.what_to_take), "assured_date": d.assured_date,
        "assured_by": blank(d.assured_by), "needs_checking": d.assured_date is None,
        "alert": blank(d.alert), "alert_until": d.alert_until, "external_id": d.external_id,
        "merged_into": d.merged_into,
    }


def location_values(organisation_id: str | None, loc: LocationInput) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id, "name": loc.name.strip(),
        "address_1": blank(loc.address_1), "address_2": blank(loc.address_2),
        "city": blank(loc.city), "postcode": normalise(loc.postcode) if loc.postcode else None,
        "accessibility": blank(loc.accessibility),
        "latitude": float(loc.latitude) if loc.latitude is not None else None,
        "longitude": float(loc.longitude) if loc.longitude is not None else None,
        "external_id": loc.external_id,
    }


def schedule_values(service_id: str, s: ScheduleInput) -> dict[str, Any]:
    return {"service_id": service_id, "weekday": s.weekday, "opens_at": s.opens_at,
            "closes_at": s.closes_at, "valid_from": s.valid_from, "valid_to": s.valid_to,
            "description": blank(s.description)}


def closure_values(service_id: str, c: ClosureInput) -> dict[str, Any]:
    return {"service_id": service_id, "start_date": c.start_date, "end_date": c.end_date,
            "closed": bool(c.closed), "opens_at": c.opens_at, "closes_at": c.closes_at,
            "note": blank(c.note)}


def cost_values(service_id: str, c: CostInput) -> dict[str, Any]:
    return {"service_id": service_id, "amount": float(c.amount), "currency": "GBP",
            "option": blank(c.option), "amount_description": blank(c.amount_description),
            "valid_from": c.valid_from, "valid_to": c.valid_to}


def area_values(service_id: str, area: str | None, note: str | None) -> dict[str, Any]:
    return {"service_id": service_id, "postcode_district": area, "description": blank(note)}


def term_values(service_id: str, vocabulary: str, code: str,
                label: str | None) -> dict[str, Any]:
    return {"service_id": service_id, "vocabulary": vocabulary, "term_code": code,
            "label": blank(label)}


# -- rows back to values -----------------------------------------------------------------------
def organisation_input(o: Organisation) -> OrganisationInput:
    return OrganisationInput(
        id=o.id, name=o.name, description=o.description or "", email=o.email, url=o.url,
        phone=o.phone, charity_number=o.charity_number, company_number=o.company_number,
        is_member=bool(o.is_member), assured_date=o.assured_date, external_id=o.external_id,
        merged_into=o.merged_into)


def location_input(loc: Location) -> LocationInput:
    return LocationInput(
        id=loc.id, name=loc.name or "", address_1=loc.address_1, address_2=loc.address_2,
        city=loc.city, postcode=loc.postcode, accessibility=loc.accessibility,
        latitude=loc.latitude, longitude=loc.longitude, external_id=loc.external_id)


def schedule_input(r: RegularSchedule) -> ScheduleInput:
    return ScheduleInput(weekday=r.weekday, opens_at=r.opens_at, closes_at=r.closes_at,
                         valid_from=r.valid_from, valid_to=r.valid_to,
                         description=r.description, id=r.id)


def closure_input(h: HolidayClosure) -> ClosureInput:
    return ClosureInput(start_date=h.start_date, end_date=h.end_date, closed=bool(h.closed),
                        opens_at=h.opens_at, closes_at=h.closes_at, note=h.note, id=h.id)


def cost_input(c: CostOption) -> CostInput:
    return CostInput(amount=c.amount if c.amount is not None else 0.0, option=c.option,
                     amount_description=c.amount_description, valid_from=c.valid_from,
                     valid_to=c.valid_to, id=c.id)


def service_input(s: Service, *, schedules: list[RegularSchedule],
                  closures: list[HolidayClosure], costs: list[CostOption],
                  areas: list[ServiceArea], taxonomy: list[ServiceTaxonomy],
                  places: list[Location]) -> ServiceInput:
    """A stored service and its rows as one ServiceInput, lists in canonical order."""
    return canonical_service(ServiceInput(
        id=s.id, organisation_id=s.organisation_id, name=s.name,
        description=s.description or "", status=s.status, url=s.url, email=s.email,
        phone=s.phone, application_process=s.application_process, fees_text=s.fees_text,
        deliverable_type=s.deliverable_type, attending_type=s.attending_type,
        attending_access=s.attending_access, minimum_age=s.minimum_age,
        maximum_age=s.maximum_age, eligibility=s.eligibility, what_to_take=s.what_to_take,
        assured_date=s.assured_date, assured_by=s.assured_by, alert=s.alert,
        alert_until=s.alert_until, external_id=s.external_id, merged_into=s.merged_into,
        categories=tuple(t.term_code for t in taxonomy if t.vocabulary == NEED_VOCABULARY),
        terms=tuple(TermInput(vocabulary=t.vocabulary, code=t.term_code, label=t.label,
                              id=t.id)
                    for t in taxonomy if t.vocabulary != NEED_VOCABULARY),
        schedules=tuple(schedule_input(r) for r in schedules),
        closures=tuple(closure_input(h) for h in closures),
        costs=tuple(cost_input(c) for c in costs),
        areas=tuple(a.postcode_district for a in areas if a.postcode_district),
        area_notes=tuple(a.description for a in areas
                         if not a.postcode_district and a.description),
        locations=tuple(location_input(loc) for loc in places)))
