"""The columns of the directory CSV: their names (the header our export writes), what each
holds, and the other names people give them in spreadsheets, for guessing a mapping."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str  # our header
    label: str  # what the mapping step shows
    aliases: tuple[str, ...] = ()
    group: str = "Service"


COLUMNS: tuple[Column, ...] = (
    Column("service_id", "Service id", ("id", "service id", "service ref", "reference")),
    Column("service_name", "Service name", ("name", "service", "service name", "title",
                                            "activity", "service title")),
    Column("service_description", "Description", ("description", "details", "about",
                                                  "summary", "service description")),
    Column("status", "Status", ("status", "service status")),
    Column("service_url", "Web address", ("website", "web", "url", "web address", "link",
                                          "service website")),
    Column("service_email", "Email", ("email", "e-mail", "email address", "service email")),
    Column("service_phone", "Phone", ("phone", "telephone", "tel", "phone number",
                                      "contact number", "service phone")),
    Column("application_process", "How to get it", ("how to access", "how to apply",
                                                     "application process", "referral route",
                                                     "how to get it")),
    Column("fees", "Fees (text)", ("fees", "fees text", "charges")),
    Column("deliverable_type", "What it gives (ORUK)", ("deliverable type",)),
    Column("attending_type", "How people attend", ("attending type", "delivery",
                                                   "how delivered")),
    Column("attending_access", "Access", ("attending access", "access", "drop in")),
    Column("minimum_age", "Minimum age", ("minimum age", "min age", "age from")),
    Column("maximum_age", "Maximum age", ("maximum age", "max age", "age to")),
    Column("eligibility", "Who it is for", ("eligibility", "who it is for", "who for",
                                            "criteria")),
    Column("what_to_take", "What to take", ("what to take", "what to bring",
                                            "required documents")),
    Column("assured_date", "Last checked", ("last checked", "checked on", "assured date",
                                            "date checked", "verified")),
    Column("assured_by", "Checked by", ("checked by", "assured by", "verified by")),
    Column("alert", "Alert", ("alert", "notice", "temporary message")),
    Column("alert_until", "Alert until", ("alert until", "alert end", "alert expires")),
    Column("categories", "Categories", ("categories", "category", "needs", "need",
                                        "need categories", "type of help")),
    Column("other_categories", "Other categories (list|code|name)",
           ("other categories", "taxonomy", "service types")),
    Column("areas", "Postcode districts served", ("areas", "area", "areas served",
                                                  "postcode districts", "coverage")),
    Column("area_notes", "Other areas served", ("area notes", "other areas")),
    Column("opening_times", "Opening times", ("opening times", "opening hours", "hours",
                                              "when", "times", "schedule")),
    Column("holiday_closures", "Holiday closures", ("holiday closures", "closures",
                                                    "closed dates", "holidays")),
    Column("costs", "Costs", ("costs", "cost", "price", "prices")),
    Column("service_external_id", "Service's id elsewhere", ("external id",)),
    Column("merged_into", "Merged into", ()),
    Column("location_id", "Place id", ("location id", "venue id"), "Place"),
    Column("location_name", "Place name", ("location", "venue", "location name",
                                           "venue name", "place"), "Place"),
    Column("address_1", "Address line 1", ("address", "address 1", "address line 1",
                                           "street"), "Place"),
    Column("address_2", "Address line 2", ("address 2", "address line 2"), "Place"),
    Column("city", "Town", ("town", "city", "post town"), "Place"),
    Column("postcode", "Postcode", ("postcode", "post code", "postal code", "zip"), "Place"),
    Column("accessibility", "Access notes", ("accessibility", "access notes",
                                            "disabled access", "wheelchair access"), "Place"),
    Column("latitude", "Latitude", ("latitude", "lat"), "Place"),
    Column("longitude", "Longitude", ("longitude", "lon", "lng", "long"), "Place"),
    Column("location_external_id", "Place's id elsewhere", (), "Place"),
    Column("more_places", "More places", ("more places", "other locations"), "Place"),
    Column("organisation_id", "Organisation id", ("organisation id", "organization id",
                                                  "provider id"), "Organisation"),
    Column("organisation_name", "Organisation", ("organisation", "organization", "provider",
                                                 "organisation name", "organization name",
                                                 "run by", "charity"), "Organisation"),
    Column("organisation_description", "Organisation description",
           ("organisation description", "organization description"), "Organisation"),
    Column("organisation_email", "Organisation email", ("organisation email",
                                                        "organization email"),
           "Organisation"),
    Column("organisation_url", "Organisation web address", ("organisation website",
                                                            "organization website"),
           "Organisation"),
    Column("organisation_phone", "Organisation phone", ("organisation phone",
                                                        "organization phone"),
           "Organisation"),
    Column("charity_number", "Charity number", ("charity number", "charity no",
                                                "registered charity", "charity reg"),
           "Organisation"),
    Column("company_number", "Company number", ("company number", "company no"),
           "Organisation"),
    Column("organisation_is_member", "Network member", ("member", "network member"),
           "Organisation"),
    Column("organisation_assured_date", "Organisation last checked", (), "Organisation"),
    Column("organisation_external_id", "Organisation's id elsewhere", (), "Organisation"),
    Column("organisation_merged_into", "Organisation merged into", (), "Organisation"),
)
BY_NAME = {c.name: c for c in COLUMNS}
HEADER = tuple(c.name for c in COLUMNS)


def fold(header: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", header.casefold().replace("_", " ")))


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Our column name -> the file's header, for the headers we recognise. Exact names
    first, then the other names people use; each header is used once."""
    folded = {fold(h): h for h in reversed(headers)}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for column in COLUMNS:
        header = folded.get(fold(column.name))
        if header is not None and header not in used:
            mapping[column.name] = header
            used.add(header)
    for column in COLUMNS:
        if column.name in mapping:
            continue
        for alias in column.aliases:
            header = folded.get(fold(alias))
            if header is not None and header not in used:
                mapping[column.name] = header
                used.add(header)
                break
    return mapping
