"""The directory as a CSV for spreadsheets: one row per service, then one row for each
organisation that has no services. The header is ``csv_columns.HEADER``; list cells use the
formats in ``csv_format``; every cell is made safe to open in a spreadsheet. Importing the
file again gives back exactly what was exported (the ids of schedules, costs and the like
aside, which a spreadsheet has no column for)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, time
from pathlib import Path

from csn_desk.directory.csv_columns import HEADER
from csn_desk.directory.csv_format import escape_formula, join_items, number_text
from csn_desk.directory.inputs import LocationInput, OrganisationInput, ServiceInput
from csn_desk.directory.records import Directory
from csn_desk.save_paths import replacing

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
Progress = Callable[[int, int, str], None]


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def _t(value: time | None) -> str:
    if value is None:
        return ""
    return value.strftime("%H:%M") if not value.second and not value.microsecond \
        else value.isoformat()


def _s(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return number_text(value)
    return str(value)


def _place_parts(p: LocationInput) -> list[str]:
    return [_s(x) for x in (p.id, p.name, p.address_1, p.address_2, p.city, p.postcode,
                            p.accessibility, p.latitude, p.longitude, p.external_id)]


def _organisation_cells(o: OrganisationInput | None) -> dict[str, str]:
    if o is None:
        return {}
    return {
        "organisation_id": _s(o.id), "organisation_name": o.name,
        "organisation_description": o.description, "organisation_email": _s(o.email),
        "organisation_url": _s(o.url), "organisation_phone": _s(o.phone),
        "charity_number": _s(o.charity_number), "company_number": _s(o.company_number),
        "organisation_is_member": _s(o.is_member),
        "organisation_assured_date": _d(o.assured_date),
        "organisation_external_id": _s(o.external_id),
        "organisation_merged_into": _s(o.merged_into),
    }


def service_cells(s: ServiceInput, org: OrganisationInput | None) -> dict[str, str]:
    places = s.places
    first = _place_parts(places[0]) if places else [""] * 10
    cells = {
        "service_id": _s(s.id), "service_name": s.name, "service_description": s.description,
        "status": s.status, "service_url": _s(s.url), "service_email": _s(s.email),
        "service_phone": _s(s.phone), "application_process": _s(s.application_process),
        "fees": _s(s.fees_text), "deliverable_type": _s(s.deliverable_type),
        "attending_type": _s(s.attending_type), "attending_access": _s(s.attending_access),
        "minimum_age": _s(s.minimum_age), "maximum_age": _s(s.maximum_age),
        "eligibility": _s(s.eligibility), "what_to_take": _s(s.what_to_take),
        "assured_date": _d(s.assured_date), "assured_by": _s(s.assured_by),
        "alert": _s(s.alert), "alert_until": _d(s.alert_until),
        "categories": join_items([c] for c in s.categories),
        "other_categories": join_items([t.vocabulary, t.code, _s(t.label)] for t in s.terms),
        "areas": join_items([a] for a in s.areas),
        "area_notes": join_items([n] for n in s.area_notes),
        "opening_times": join_items(
            [DAY_NAMES[r.weekday - 1], _t(r.opens_at), _t(r.closes_at), _d(r.valid_from),
             _d(r.valid_to), _s(r.description)] for r in s.schedules),
        "holiday_closures": join_items(
            [_d(c.start_date), _d(c.end_date), "closed" if c.closed else "open",
             _t(c.opens_at), _t(c.closes_at), _s(c.note)] for c in s.closures),
        "costs": join_items([number_text(c.amount), _s(c.option), _s(c.amount_description),
                             _d(c.valid_from), _d(c.valid_to)] for c in s.costs),
        "service_external_id": _s(s.external_id), "merged_into": _s(s.merged_into),
        "location_id": first[0], "location_name": first[1], "address_1": first[2],
        "address_2": first[3], "city": first[4], "postcode": first[5],
        "accessibility": first[6], "latitude": first[7], "longitude": first[8],
        "location_external_id": first[9],
        "more_places": join_items(_place_parts(p) for p in places[1:]),
    }
    return cells | _organisation_cells(org)


def directory_rows(d: Directory, progress: Progress | None = None) -> list[list[str]]:
    """The header then every row, each cell safe for a spreadsheet."""
    orgs = {o.id: o for o in d.organisations}
    used = {s.organisation_id for s in d.services}
    rows = [list(HEADER)]
    for i, s in enumerate(d.services):
        cells = service_cells(s, orgs.get(s.organisation_id))
        rows.append([escape_formula(cells.get(h, "")) for h in HEADER])
        if progress and i % 500 == 0:
            progress(i, len(d.services), "Writing services")
    for o in d.organisations:
        if o.id not in used:
            cells = _organisation_cells(o)
            rows.append([escape_formula(cells.get(h, "")) for h in HEADER])
    return rows


def write_csv(d: Directory, out: Path, progress: Progress | None = None) -> int:
    """Write the CSV (UTF-8 with a byte-order mark, so Excel reads the £ sign right), via a
    temporary file; returns the number of services."""
    rows = directory_rows(d, progress)
    with replacing(out, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return len(d.services)
