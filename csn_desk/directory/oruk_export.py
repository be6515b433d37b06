"""The directory as Open Referral UK JSON: a page of full services in the ORUK 3 / HSDS 3 API
shape (``contents``), each with its organization, schedules, service_at_locations (location
and address), cost_options, service_areas and attributes (taxonomy terms) nested inside.

Where ORUK 3 has no field for something the directory keeps, the ORUK v1 field is used at
the service level (``attending_type``, ``attending_access``, ``deliverable_type``,
``holiday_schedules``); what neither has (an alert's end date, who last checked an entry,
network membership, merged duplicates, source ids) goes in a ``csn_desk`` object, which
other systems ignore. Organisations with no services are listed in ``organizations``. So
importing our own export gives back exactly what was exported."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, time
from pathlib import Path
from typing import Any

from csn_desk.directory.index import NEED_VOCABULARY
from csn_desk.directory.inputs import OrganisationInput, ServiceInput
from csn_desk.directory.oruk_validate import EXTENSION, child_uuid
from csn_desk.directory.records import Directory
from csn_desk.save_paths import replacing
from csn_desk.vocab import vocab

CODES = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}
Progress = Callable[[int, int, str], None]


def _d(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _t(value: time | None) -> str | None:
    return value.isoformat() if value is not None else None


def charity_scheme(number: str) -> str:
    """The org-id.guide register a charity number belongs to (Scotland's start 'SC')."""
    upper = number.upper()
    if upper.startswith("SC"):
        return "GB-SC"
    if upper.startswith("NI"):
        return "GB-NIC"
    return "GB-CHC"


def organisation_json(o: OrganisationInput) -> dict[str, Any]:
    identifiers = []
    if o.charity_number:
        identifiers.append({"identifier_scheme": charity_scheme(o.charity_number),
                            "identifier_type": "Charity number",
                            "identifier": o.charity_number})
    if o.company_number:
        identifiers.append({"identifier_scheme": "GB-COH", "identifier_type": "Company number",
                            "identifier": o.company_number})
    return {
        "id": o.id, "name": o.name, "description": o.description, "email": o.email,
        "website": o.url, "url": o.url,
        "phones": [{"number": o.phone}] if o.phone else [],
        "organization_identifiers": identifiers, "assured_date": _d(o.assured_date),
        EXTENSION: {"is_member": o.is_member, "merged_into": o.merged_into,
                    "external_id": o.external_id},
    }


def service_json(s: ServiceInput, org: OrganisationInput | None) -> dict[str, Any]:
    sid = s.id or ""
    needs = vocab("needs")
    attributes = [{"id": child_uuid("attribute", sid, NEED_VOCABULARY, code),
                   "link_type": "service",
                   "taxonomy_term": {"id": child_uuid("term", NEED_VOCABULARY, code),
                                     "code": code, "name": needs.label(code),
                                     "taxonomy": NEED_VOCABULARY}}
                  for code in s.categories]
    attributes += [{"id": child_uuid("attribute", sid, t.vocabulary, t.code),
                    "link_type": "service",
                    "taxonomy_term": {"id": t.id, "code": t.code, "name": t.label,
                                      "taxonomy": t.vocabulary}}
                   for t in s.terms]
    return {
        "id": sid, "name": s.name, "description": s.description, "url": s.url,
        "email": s.email, "status": s.status, "application_process": s.application_process,
        "fees_description": s.fees_text, "eligibility_description": s.eligibility,
        "minimum_age": s.minimum_age, "maximum_age": s.maximum_age,
        "assured_date": _d(s.assured_date), "alert": s.alert,
        "deliverable_type": s.deliverable_type, "attending_type": s.attending_type,
        "attending_access": s.attending_access,
        "organization": organisation_json(org) if org else {"id": s.organisation_id},
        "phones": [{"number": s.phone}] if s.phone else [],
        "required_documents": [{"document": s.what_to_take}] if s.what_to_take else [],
        "schedules": [{"id": r.id, "freq": "WEEKLY", "byday": CODES[r.weekday],
                       "opens_at": _t(r.opens_at), "closes_at": _t(r.closes_at),
                       "valid_from": _d(r.valid_from), "valid_to": _d(r.valid_to),
                       "description": r.description} for r in s.schedules],
        "holiday_schedules": [{"id": c.id, "closed": c.closed,
                               "start_date": _d(c.start_date), "end_date": _d(c.end_date),
                               "opens_at": _t(c.opens_at), "closes_at": _t(c.closes_at),
                               "description": c.note} for c in s.closures],
        "cost_options": [{"id": c.id, "amount": c.amount, "currency": "GBP",
                          "option": c.option, "amount_description": c.amount_description,
                          "valid_from": _d(c.valid_from), "valid_to": _d(c.valid_to)}
                         for c in s.costs],
        "service_areas": [{"id": child_uuid("area", sid, a), "name": a, "service_area": a,
                           "extent_type": "text"} for a in s.areas]
        + [{"id": child_uuid("area-note", sid, n), "name": n, "service_area": n,
            "extent_type": "text"} for n in s.area_notes],
        "service_at_locations": [{
            "id": child_uuid("service_at_location", sid, p.id),
            "location": {
                "id": p.id, "name": p.name, "latitude": p.latitude, "longitude": p.longitude,
                "addresses": [{"address_1": p.address_1, "address_2": p.address_2,
                               "city": p.city, "postal_code": p.postcode, "country": "GB",
                               "address_type": "physical"}],
                "accessibility": ([{"description": p.accessibility}] if p.accessibility
                                  else []),
                EXTENSION: {"external_id": p.external_id}}}
            for p in s.places],
        "attributes": attributes,
        EXTENSION: {"alert_until": _d(s.alert_until), "assured_by": s.assured_by,
                    "merged_into": s.merged_into, "external_id": s.external_id},
    }


def directory_json(d: Directory, progress: Progress | None = None) -> dict[str, Any]:
    orgs = {o.id: o for o in d.organisations}
    used = {s.organisation_id for s in d.services}
    contents = []
    for i, s in enumerate(d.services):
        contents.append(service_json(s, orgs.get(s.organisation_id)))
        if progress and i % 500 == 0:
            progress(i, len(d.services), "Writing services")
    n = len(contents)
    return {"total_items": n, "total_pages": 1, "page_number": 1, "size": n,
            "first_page": True, "last_page": True, "empty": n == 0, "contents": contents,
            "organizations": [organisation_json(o) for o in d.organisations
                              if o.id not in used]}


def write_json(d: Directory, out: Path, progress: Progress | None = None) -> int:
    """Write the directory to ``out`` (via a temporary file, so a failure leaves no half
    file); returns the number of services."""
    data = directory_json(d, progress)
    with replacing(out, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
    return int(data["total_items"])
