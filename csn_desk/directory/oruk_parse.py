"""Recognising an Open Referral UK JSON file and laying it out one way.

Two shapes are read, and told apart by what the top of the file holds:

- the ORUK / HSDS 3 API service shape: one service object, a list of them, or a page
  (``{"contents": [...]}``) of full services, each with its organization, schedules,
  service_at_locations (with their location and addresses), cost_options, service_areas and
  attributes (taxonomy terms) nested inside. The ORUK v1 API's nested service
  (``regular_schedules``, ``holiday_schedules``, ``eligibilitys``, ``service_taxonomys``,
  ``physical_addresses``) is the same idea with older names and is read the same way;
- the ORUK v1 data package: one table per kind of record (organization, service, location,
  service_at_location, regular_schedule, holiday_schedule, eligibility, cost_option,
  service_area, service_taxonomy, taxonomy, physical_address,
  accessibility_for_disabilities...), either as a Frictionless ``datapackage.json`` with
  the rows inline (``resources[].data``) or as an object of table name to rows. Its tables
  are joined here into the nested shape above, so one validator reads both.

The result is a list of nested service objects plus the organisations (including those
with no services), still unchecked: ``oruk_validate`` turns them into entries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from csn_desk.directory.safe_read import FileRefused

SHAPE_V3 = "Open Referral UK 3 services"
SHAPE_V1_PACKAGE = "Open Referral UK v1 data package"
SHAPE_CSV = "CSV"

# The tables of the ORUK v1 data package (singular names; plurals are accepted too).
V1_TABLES = ("organization", "service", "location", "service_at_location",
             "regular_schedule", "holiday_schedule", "eligibility", "cost_option",
             "service_area", "service_taxonomy", "taxonomy", "physical_address",
             "postal_address", "accessibility_for_disabilities", "required_document",
             "phone", "contact", "language", "funding", "review", "link_taxonomy",
             "payment_accepted", "program", "metadata", "meta_table_description",
             "organization_identifier", "identifier", "link_eligibility")
KEPT_V1_TABLES = {"organization", "service", "location", "service_at_location",
                  "regular_schedule", "holiday_schedule", "eligibility", "cost_option",
                  "service_area", "service_taxonomy", "taxonomy", "physical_address",
                  "accessibility_for_disabilities", "required_document", "phone",
                  "organization_identifier", "identifier", "postal_address"}
MAX_RECORDS = 200_000  # rows in any one table


@dataclass
class ParsedFile:
    shape: str
    services: list[dict[str, Any]] = field(default_factory=list)
    organisations: list[dict[str, Any]] = field(default_factory=list)  # top-level ones
    not_kept: set[str] = field(default_factory=set)


def _plural(name: str) -> tuple[str, ...]:
    return (name, name + "s", name.removesuffix("y") + "ies" if name.endswith("y") else "")


def _table_key(key: str) -> str | None:
    for name in V1_TABLES:
        if key in _plural(name) and key:
            return name
    return None


def _rows(value: Any, name: str) -> list[dict[str, Any]]:
    """A table's rows as objects (Frictionless inline data may be a header row then
    arrays)."""
    if not isinstance(value, list):
        raise FileRefused(f"The '{name}' table in the file is not a list of rows. Export the "
                          "file again from the system it came from.")
    if len(value) > MAX_RECORDS:
        raise FileRefused(f"The '{name}' table has more than {MAX_RECORDS:,} rows; split the "
                          "file and import each part.")
    if value and isinstance(value[0], list):
        header = [str(h) for h in value[0]]
        return [dict(zip(header, row, strict=False)) for row in value[1:]
                if isinstance(row, list)]
    return [r for r in value if isinstance(r, dict)]


def _tables(top: dict[str, Any]) -> tuple[dict[str, list[dict[str, Any]]], set[str]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    unknown: set[str] = set()
    if isinstance(top.get("resources"), list):
        for resource in top["resources"]:
            if not isinstance(resource, dict):
                continue
            raw_name = str(resource.get("name") or resource.get("path") or "")
            raw_name = raw_name.removesuffix(".csv").removesuffix(".json")
            name = _table_key(raw_name)
            if name is None:
                unknown.add(raw_name[:40])
            elif "data" in resource:
                tables.setdefault(name, []).extend(_rows(resource["data"], raw_name))
    else:
        for key, value in top.items():
            name = _table_key(key)
            if name is not None:
                tables.setdefault(name, []).extend(_rows(value, key))
    return tables, unknown


def detect(top: Any) -> str:
    """Which shape a parsed JSON file is; FileRefused if it is neither."""
    if isinstance(top, list):
        if not top or all(isinstance(s, dict) for s in top[:50]):
            return SHAPE_V3
    elif isinstance(top, dict):
        if isinstance(top.get("contents"), list):
            return SHAPE_V3
        if isinstance(top.get("resources"), list) or any(
                _table_key(k) in ("service", "organization") and isinstance(v, list)
                for k, v in top.items()):
            return SHAPE_V1_PACKAGE
        if "id" in top and "name" in top:
            return SHAPE_V3
    raise FileRefused("This file is JSON but not an Open Referral UK directory: it has no "
                      "services. Check that it is the right file, exported as ORUK JSON.")


def parse(top: Any) -> ParsedFile:
    shape = detect(top)
    if shape == SHAPE_V1_PACKAGE:
        return _from_package(top)
    if isinstance(top, dict) and "contents" in top:
        services = top["contents"]
        listed = top.get("organizations")
        orgs: list[Any] = listed if isinstance(listed, list) else []
    else:
        services = top if isinstance(top, list) else [top]
        orgs = []
    if len(services) > MAX_RECORDS:
        raise FileRefused(f"The file has more than {MAX_RECORDS:,} services; split it and "
                          "import each part.")
    parsed = ParsedFile(SHAPE_V3, [s if isinstance(s, dict) else {"_not_object": s}
                                   for s in services],
                        [o for o in orgs if isinstance(o, dict)])
    if isinstance(top, dict):
        parsed.not_kept |= {k for k in top if k not in PAGE_KEYS}
    return parsed


PAGE_KEYS = {"contents", "organizations", "total_items", "total_pages", "page_number",
             "size", "first_page", "last_page", "empty", "totalElements", "totalPages",
             "number", "first", "last", "id", "name", "csn_desk"}


def _group(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        ref = r.get(key)
        if isinstance(ref, str | int):
            out[str(ref)].append(r)
    return out


def _from_package(top: dict[str, Any]) -> ParsedFile:
    """Join the v1 tables into nested services, as the v1 API would have served them."""
    tables, unknown = _tables(top)
    parsed = ParsedFile(SHAPE_V1_PACKAGE)
    parsed.not_kept |= {t for t in tables if t not in KEPT_V1_TABLES} | unknown
    t = defaultdict(list, tables)
    if not t["service"] and not t["organization"]:
        raise FileRefused("This data package has no organization or service table. Check "
                          "that it is the right file.")
    by_service = {name: _group(t[name], "service_id") for name in
                  ("regular_schedule", "holiday_schedule", "eligibility", "cost_option",
                   "service_area", "service_taxonomy", "required_document", "phone")}
    by_location = {name: _group(t[name], "location_id") for name in
                   ("physical_address", "postal_address", "accessibility_for_disabilities")}
    org_phones = _group(t["phone"], "organization_id")
    org_ids = _group(t["organization_identifier"] + t["identifier"], "organization_id")
    taxonomies = {str(r.get("id")): r for r in t["taxonomy"]}
    locations = {str(r.get("id")): r for r in t["location"]}
    links = _group(t["service_at_location"], "service_id")
    # Schedules given for a service at a location belong to that service.
    link_service = {str(r.get("id")): str(r.get("service_id")) for r in t["service_at_location"]}
    for name in ("regular_schedule", "holiday_schedule"):
        for row in t[name]:
            sal = row.get("service_at_location_id")
            if not row.get("service_id") and isinstance(sal, str | int) \
                    and str(sal) in link_service:
                by_service[name][link_service[str(sal)]].append(row)

    def location(location_id: str) -> dict[str, Any] | None:
        loc = locations.get(location_id)
        if loc is None:
            return None
        return {**loc, "physical_addresses": by_location["physical_address"][location_id]
                or by_location["postal_address"][location_id],
                "accessibility_for_disabilities":
                    by_location["accessibility_for_disabilities"][location_id]}

    for org in t["organization"]:
        oid = str(org.get("id"))
        parsed.organisations.append({
            **org, "phones": org_phones.get(oid, []),
            "organization_identifiers": org_ids.get(oid, [])})
    for service in t["service"]:
        sid = str(service.get("id"))
        nested = dict(service)
        for name, key in (("regular_schedule", "regular_schedules"),
                          ("holiday_schedule", "holiday_schedules"),
                          ("eligibility", "eligibilitys"), ("cost_option", "cost_options"),
                          ("service_area", "service_areas"),
                          ("required_document", "required_documents"),
                          ("phone", "phones")):
            nested[key] = by_service[name].get(sid, [])
        nested["service_taxonomys"] = [
            {**st, "taxonomy": taxonomies.get(str(st.get("taxonomy_id")),
                                              {"id": st.get("taxonomy_id")})}
            for st in by_service["service_taxonomy"].get(sid, [])]
        nested["service_at_locations"] = [
            {**link, "location": location(str(link.get("location_id")))
             or {"id": link.get("location_id"), "_missing": True}}
            for link in links.get(sid, [])]
        parsed.services.append(nested)
    return parsed
