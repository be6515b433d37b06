"""Everything a person needs to get to one service (contact, where, when, cost, last checked),
read in one call. The search itself is ``csn_desk.directory.search.search_services``. It only
reads the shared directory (no personal data), so nothing is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select
from sqlmodel import col

from csn_desk.directory.index import NEED_VOCABULARY
from csn_desk.errors import NotFound
from csn_desk.protection.roles import require
from csn_desk.store.models.directory import (
    CostOption,
    DirectoryReview,
    HolidayClosure,
    Location,
    Organisation,
    RegularSchedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomy,
)
from csn_desk.timefmt import long_date
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class ServiceDetails:
    """Everything the details pane shows, as plain text lines grouped under headings."""

    id: str
    name: str
    organisation: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (heading, lines)


def _hm(t: time | None) -> str:
    return f"{t:%H:%M}" if t is not None else ""


def _schedule_line(r: RegularSchedule) -> str:
    day = WEEKDAYS[(r.weekday - 1) % 7]
    hours = f"{_hm(r.opens_at)} to {_hm(r.closes_at)}" if r.opens_at and r.closes_at else ""
    text = " ".join(p for p in (day, hours) if p)
    if r.description:
        text += f" ({r.description})"
    return text


def _cost_line(c: CostOption) -> str:
    if c.amount is None:
        money = c.amount_description or "Cost not known"
    elif c.amount == 0:
        money = "Free"
    else:
        money = f"£{c.amount:.2f}" if c.currency == "GBP" else f"{c.amount:.2f} {c.currency}"
    return " ".join(p for p in (money, c.option or "") if p)


def _closure_line(h: HolidayClosure, today: date) -> str | None:
    if h.end_date < today:
        return None
    span = (long_date(h.start_date) if h.start_date == h.end_date
            else f"{long_date(h.start_date)} to {long_date(h.end_date)}")
    what = "Closed" if h.closed else f"Special hours {_hm(h.opens_at)} to {_hm(h.closes_at)}"
    return f"{what} {span}" + (f" ({h.note})" if h.note else "")


def service_details(ws: Workspace, service_id: str, today: date | None = None
                    ) -> ServiceDetails:
    """The service, its organisation, where, when, cost, who it is for and when last checked."""
    require(ws, "directory.search")
    day = today or date.today()
    with ws.db.read() as s:
        service = s.get(Service, service_id)
        if service is None:
            raise NotFound("That service is no longer in the directory; search again.")
        org = s.get(Organisation, service.organisation_id)
        locations = s.execute(select(Location).join(
            ServiceAtLocation, col(ServiceAtLocation.location_id) == col(Location.id))
            .where(col(ServiceAtLocation.service_id) == service_id)).scalars().all()
        schedule = s.execute(select(RegularSchedule).where(
            col(RegularSchedule.service_id) == service_id)
            .order_by(col(RegularSchedule.weekday))).scalars().all()
        closures = s.execute(select(HolidayClosure).where(
            col(HolidayClosure.service_id) == service_id)
            .order_by(col(HolidayClosure.start_date))).scalars().all()
        costs = s.execute(select(CostOption).where(
            col(CostOption.service_id) == service_id)).scalars().all()
        areas = s.execute(select(col(ServiceArea.postcode_district)).where(
            col(ServiceArea.service_id) == service_id)).scalars().all()
        terms = s.execute(select(ServiceTaxonomy).where(
            col(ServiceTaxonomy.service_id) == service_id)).scalars().all()
        codes = [t.term_code for t in terms if t.vocabulary == NEED_VOCABULARY]
        others = sorted(t.label or t.term_code for t in terms
                        if t.vocabulary != NEED_VOCABULARY)
        review = s.execute(select(col(DirectoryReview.checked_on)).where(
            col(DirectoryReview.service_id) == service_id)
            .order_by(col(DirectoryReview.checked_on).desc()).limit(1)).scalar_one_or_none()
        org_name = org.name if org else ""
        contact = [f"Phone: {p}" for p in (service.phone or (org.phone if org else None),) if p]
        contact += [f"Email: {e}" for e in (service.email or (org.email if org else None),) if e]
        contact += [f"Web: {u}" for u in (service.url or (org.url if org else None),) if u]
        if service.application_process:
            contact.append(f"How to get it: {service.application_process}")
        where = []
        for loc in locations:
            parts = [loc.name, loc.address_1, loc.address_2, loc.city, loc.postcode]
            where.append(", ".join(p for p in parts if p))
            if loc.accessibility:
                where.append(f"Access: {loc.accessibility}")
        if service.attending_type:
            where.append(f"How it is delivered: {service.attending_type}")
        if service.attending_access:
            where.append(f"Access: {service.attending_access}")
        when = [_schedule_line(r) for r in schedule]
        when += [line for h in closures if (line := _closure_line(h, day))]
        if service.status != "active":
            when.insert(0, f"Status: {service.status}")
        if service.alert and (service.alert_until is None or service.alert_until >= day):
            until = f" (until {long_date(service.alert_until)})" if service.alert_until else ""
            when.insert(0, f"Alert: {service.alert}{until}")
        cost = [_cost_line(c) for c in costs]
        if service.fees_text:
            cost.append(service.fees_text)
        who = []
        if service.minimum_age is not None or service.maximum_age is not None:
            low, high = service.minimum_age, service.maximum_age
            who.append(f"Ages {low if low is not None else 0} to {high}" if high is not None
                       else f"Age {low} and over")
        if service.eligibility:
            who.append(service.eligibility)
        served = sorted(a for a in areas if a)
        who.append("Areas served: " + (", ".join(served) if served else
                                       ("anywhere" if areas else "not recorded")))
        needs = vocab("needs")
        who.append("Helps with: " + (", ".join(needs.label(c) for c in sorted(codes))
                                     or "not recorded"))
        if others:
            who.append("Also listed as: " + ", ".join(others))
        if service.what_to_take:
            who.append(f"What to take: {service.what_to_take}")
        checked = review or service.assured_date
        by = f" by {service.assured_by}" if service.assured_by and checked else ""
        checked_line = (f"Last checked {long_date(checked)}{by}" if checked
                        else "Never checked: confirm the details before relying on them")
        if service.merged_into:
            survivor = s.get(Service, service.merged_into)
            when.insert(0, "Merged into '" + (survivor.name if survivor else "another entry")
                        + "': use that entry.")
    sections = (
        ("About", tuple(p for p in (org_name and f"Run by {org_name}",
                                    service.description) if p)),
        ("Contact", tuple(contact) or ("No contact details recorded",)),
        ("Where", tuple(where) or ("No address recorded",)),
        ("When", tuple(when) or ("Opening times not recorded",)),
        ("Cost", tuple(cost) or ("Cost not recorded",)),
        ("Who it is for", tuple(who)),
        ("Checked", (checked_line,)),
    )
    return ServiceDetails(id=service.id, name=service.name, organisation=org_name,
                          sections=sections)
