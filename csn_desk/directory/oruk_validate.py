"""Checking a parsed ORUK file record by record and turning it into directory entries.

Each service and organisation becomes an ``Entry``: its values (with our ids), the fields the
file actually gave (a field the file does not carry is left as it is in the directory), and
every problem found, with the record and field it is in. Errors keep a record out; warnings
are reported and the record goes in.

Ids: a UUID from the file is used as it is; any other id is turned into a UUID the same way
at every site (so two sites importing the same feed hold the same entries, and sync sees one
entry, not two) and kept as the entry's ``external_id``."""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from csn_desk.directory.field_reader import Fields
from csn_desk.directory.import_report import Problems, record_label
from csn_desk.directory.index import NEED_VOCABULARY
from csn_desk.directory.inputs import (
    ATTENDING_ACCESS,
    ATTENDING_TYPES,
    DELIVERABLE_TYPES,
    MAX_AGE,
    MAX_LONG_TEXT,
    MAX_NAME,
    STATUSES,
    ClosureInput,
    CostInput,
    LocationInput,
    OrganisationInput,
    ScheduleInput,
    ServiceInput,
    TermInput,
)
from csn_desk.directory.oruk_parse import ParsedFile
from csn_desk.errors import InvalidInput
from csn_desk.postcodes import district, normalise
from csn_desk.vocab import vocab

ID_NAMESPACE = uuid.UUID("8d0c5f3e-4b7a-5e21-9c6d-2f1a7b3e9d40")
EXTENSION = "csn_desk"  # our own fields, where the standard has no place for them
DAYS = {"MO": 1, "TU": 2, "WE": 3, "TH": 4, "FR": 5, "SA": 6, "SU": 7}
DAY_NAMES = {name.casefold(): i for i, name in enumerate(
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), start=1)}
DAY_NAMES |= {name[:3]: i for name, i in list(DAY_NAMES.items())}
UK = {"gb", "uk", "united kingdom", "great britain", "england", "wales", "scotland",
      "northern ireland", "gbr"}
CHARITY_SCHEMES = {"GB-CHC", "GB-SC", "GB-NIC"}
COMPANY_SCHEMES = {"GB-COH"}
DERIVED = ("csv:", "csv-name:")  # ids a CSV import made up from names: not kept

SERVICE_KEYS = {
    "id", "organization_id", "organization", "name", "description", "url", "email",
    "status", "fees", "fees_description", "application_process", "deliverable_type",
    "attending_type", "attending_access", "minimum_age", "maximum_age",
    "eligibility_description", "eligibilitys", "required_documents", "assured_date", "alert",
    "regular_schedules", "schedules", "holiday_schedules", "cost_options", "service_areas",
    "service_at_locations", "attributes", "service_taxonomys", "phones", EXTENSION,
    "last_modified", "assurer_email", "_label"}
ORGANISATION_KEYS = {"id", "name", "description", "email", "url", "website", "phones",
                     "organization_identifiers", "assured_date", EXTENSION, "services",
                     "tax_id", "_label"}

T = TypeVar("T")


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def our_id(kind: str, source_id: str) -> tuple[str, str | None]:
    """(our id, the file's id if it differs) for a record of ``kind``."""
    if _CANONICAL_UUID.fullmatch(source_id):  # the usual case, without parsing it
        return source_id, None
    try:
        if str(uuid.UUID(source_id)) == source_id.lower():
            return source_id.lower(), None
    except ValueError:
        pass
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}/{source_id}")), source_id


def child_uuid(*parts: object) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(str(p) for p in parts)))


@dataclass(frozen=True)
class Entry(Generic[T]):
    key: str  # the record's key in the problems
    label: str  # how the report names it
    source_id: str | None
    value: T
    given: frozenset[str]  # fields the file gave; the rest stay as they are stored
    organisation_key: str | None = None  # services: their organisation's entry
    # Organisations: listed in their own right (not only as the organisation of services),
    # so imported even if none of their services is.
    standalone: bool = False


@dataclass
class Entries:
    shape: str
    organisations: list[Entry[OrganisationInput]] = field(default_factory=list)
    services: list[Entry[ServiceInput]] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    not_kept: set[str] = field(default_factory=set)
    tallies: Counter[str] = field(default_factory=Counter)
    # Every organisation a service names, by entry key, including bare references to
    # organisations the file does not describe (perhaps already in the directory).
    lookup: dict[str, Entry[OrganisationInput]] = field(default_factory=dict)
    # The object each organisation in ``lookup`` was read from: a service that nests the very
    # same object again needs no second reading to know it does not differ.
    raw_organisations: dict[str, Any] = field(default_factory=dict, repr=False,
                                              compare=False)


def _usable_email(f: Fields, name: str) -> str | None:
    value = f.text(name)
    if value and ("@" not in value or " " in value):
        f.warning(name, "This does not look like an email address; it was left out.")
        return None
    return value


def _usable_url(f: Fields, name: str) -> str | None:
    value = f.text(name)
    if value and " " in value:
        f.warning(name, "A web address cannot contain spaces; it was left out.")
        return None
    return value


def _first_phone(f: Fields, entries: Entries) -> str | None:
    phones = [p for p in f.items("phones") if p.get("number") not in (None, "")]
    if len(phones) > 1:
        entries.tallies["Only the first phone number of a record is kept."] += 1
    if not phones:
        return None
    g = f.child(phones[0], "phones[0]")
    number = phones[0]["number"]
    if isinstance(number, int | float) and not isinstance(number, bool):
        whole = isinstance(number, int) or (math.isfinite(number) and number.is_integer())
        if not whole or not 0 < number < 10**15:
            g.error("number", "This is not a phone number; write it as text, like "
                              "\"01632 960000\".")
            return None
        g.warning("number", "The phone number is written as a number, not as text, so a "
                            "leading 0 may have been lost; check it.")
        return str(int(number))
    return g.text("number", limit=100, numbers_ok=True)


def _identifiers(f: Fields) -> tuple[str | None, str | None]:
    charity = company = None
    for i, item in f.indexed("organization_identifiers"):
        g = f.child(item, f"organization_identifiers[{i}]")
        number = g.text("identifier", limit=100, numbers_ok=True)
        words = " ".join(str(item.get(k) or "") for k in (
            "identifier_type", "identification_body", "register")).casefold()
        scheme = str(item.get("identifier_scheme") or "").upper()
        if not number:
            continue
        if scheme in CHARITY_SCHEMES or "charit" in words:
            charity = charity or number
        elif scheme in COMPANY_SCHEMES or "compan" in words:
            company = company or number
    if charity is None and f.has("tax_id"):
        charity = f.text("tax_id", limit=100, numbers_ok=True)
    return charity, company


def read_organisation(raw: dict[str, Any], entries: Entries, *, ids_required: bool,
                      fallback_id: str) -> Entry[OrganisationInput]:
    p = entries.problems
    source = raw.get("id") if isinstance(raw.get("id"), str | int) else None
    key = f"organisation:{source if source is not None else fallback_id}"
    f = Fields(raw, p, key, _label(raw, "organisation", source))
    source_id = f.ident("id", required=ids_required) or fallback_id
    name = f.text("name", required=True, limit=MAX_NAME) or ""
    if not f.has("description") and ids_required:
        entries.tallies["An organisation has no description (Open Referral UK asks for "
                        "one)."] += 1
    ext = f.obj(EXTENSION) or {}
    e = f.child(ext, EXTENSION)
    charity, company = _identifiers(f)
    oid, external = our_id("organisation", source_id)
    if source_id.startswith(DERIVED):
        external = None
    if e.has("external_id"):
        external = e.ident("external_id")
    value = OrganisationInput(
        id=oid, external_id=external, name=name,
        description=f.text("description", limit=MAX_LONG_TEXT) or "",
        email=_usable_email(f, "email"),
        url=_usable_url(f, "url") if f.has("url") else _usable_url(f, "website"),
        phone=_first_phone(f, entries), charity_number=charity, company_number=company,
        is_member=bool(e.flag("is_member")), assured_date=f.day("assured_date"),
        merged_into=_ref("organisation", e.ident("merged_into")))
    given = {k for k, names in (
        ("name", ("name",)), ("description", ("description",)), ("email", ("email",)),
        ("url", ("url", "website")), ("phone", ("phones",)),
        ("charity_number", ("organization_identifiers", "tax_id")),
        ("company_number", ("organization_identifiers",)),
        ("assured_date", ("assured_date",))) if any(f.has(n) for n in names)}
    given |= {k for k in ("is_member", "merged_into") if e.has(k)} | {"external_id"}
    entries.not_kept |= {k[:40] for k in raw if k not in ORGANISATION_KEYS}
    return Entry(key, f.record, source_id, value, frozenset(given))


def _label(raw: dict[str, Any], kind: str, source: object) -> str:
    """How the report names a record: a CSV row by its number, others by id."""
    if isinstance(raw.get("_label"), str):
        name = raw.get("name")
        return raw["_label"] + (f" ({str(name).strip()[:40]})"
                                if isinstance(name, str) and name.strip() else "")
    return record_label(kind, source, raw.get("name"))


def _ref(kind: str, source_id: str | None) -> str | None:
    return our_id(kind, source_id)[0] if source_id else None


def _weekdays(g: Fields, item: dict[str, Any]) -> list[int] | None:
    """The weekdays a schedule entry covers; None when it is not a weekly pattern."""
    days: list[int] = []
    weekday = item.get("weekday")
    if weekday not in (None, ""):
        if isinstance(weekday, int) and not isinstance(weekday, bool) and 1 <= weekday <= 7:
            days.append(weekday)
        elif isinstance(weekday, str) and weekday.strip().casefold() in DAY_NAMES:
            days.append(DAY_NAMES[weekday.strip().casefold()])
        elif isinstance(weekday, str) and weekday.strip().upper() in DAYS:
            days.append(DAYS[weekday.strip().upper()])
        else:
            g.error("weekday", "A weekday must be 1 (Monday) to 7 (Sunday) or a day name.")
            return []
    byday = item.get("byday")
    if isinstance(byday, str) and byday.strip():
        for code in byday.upper().replace(" ", "").split(","):
            if code in DAYS:
                days.append(DAYS[code])
            elif code.lstrip("+-").lstrip("0123456789") in DAYS:
                return None  # "2MO": the second Monday of a month
            else:
                g.error("byday", "Days must be written MO, TU, WE, TH, FR, SA or SU.")
                return []
    return sorted(set(days))


def _schedules(f: Fields, service_id: str, entries: Entries
               ) -> tuple[tuple[ScheduleInput, ...], bool]:
    """The weekly opening times, and whether every entry could be read: when one was left
    out, the opening times the directory holds are kept (else an entry we cannot read would
    delete them)."""
    out = []
    complete = True
    for name in ("regular_schedules", "schedules"):
        for i, item in f.indexed(name):
            g = f.child(item, f"{name}[{i}]")
            freq = str(item.get("freq") or "WEEKLY").upper()
            interval = item.get("interval")
            before = len(entries.problems.issues)
            days = _weekdays(g, item)
            if days is None or freq != "WEEKLY" or interval not in (None, "", 1, "1"):
                g.warning("freq", "Only weekly opening times are kept; this one (monthly or "
                                  "every few weeks) was left out. So that none is lost, the "
                                  "service keeps the opening times already held, and the "
                                  "file's others for it are not used (a new service gets "
                                  "the file's weekly ones). Add this one to the description.")
                complete = False
                continue
            if not days:
                if len(entries.problems.issues) == before:
                    g.warning("byday", "No day is given, so this opening time was left out. "
                                       "So that none is lost, the service keeps the opening "
                                       "times already held, and the file's others for it are "
                                       "not used (a new service gets the file's readable "
                                       "ones).")
                complete = False
                continue
            opens, closes = g.clock("opens_at"), g.clock("closes_at")
            if opens and closes and opens >= closes:
                g.error("closes_at", "The closing time is not after the opening time; fix "
                                     "the times.")
            start, end = g.day("valid_from"), g.day("valid_to")
            if start and end and start > end:
                g.error("valid_to", "The last valid date is before the first; fix the "
                                    "dates.")
            note = g.text("description") or g.text("notes")
            given_id = g.ident("id")
            for day in days:
                sid = (our_id("schedule", given_id)[0] if given_id and len(days) == 1
                       else child_uuid("schedule", service_id, given_id or i, day))
                out.append(ScheduleInput(weekday=day, opens_at=opens, closes_at=closes,
                                         valid_from=start, valid_to=end, description=note,
                                         id=sid))
    return tuple(out), complete


def _closures(f: Fields, entries: Entries) -> tuple[ClosureInput, ...]:
    out = []
    for i, item in f.indexed("holiday_schedules"):
        g = f.child(item, f"holiday_schedules[{i}]")
        start, end = g.day("start_date"), g.day("end_date")
        if start is None or end is None:
            g.error("start_date" if start is None else "end_date",
                    "A holiday closure needs its first and last day (start_date, end_date).")
            continue
        if start > end:
            g.error("end_date", "The last day is before the first day; fix the dates.")
            continue
        closed = g.flag("closed")
        if closed is None:
            entries.tallies["A holiday closure does not say whether it is closed; taken as "
                            "closed."] += 1
        opens, closes = g.clock("opens_at"), g.clock("closes_at")
        if opens and closes and opens >= closes:
            g.error("closes_at", "The closing time is not after the opening time; fix the "
                                 "times.")
        given_id = g.ident("id")
        out.append(ClosureInput(start_date=start, end_date=end,
                                closed=True if closed is None else closed, opens_at=opens,
                                closes_at=closes, note=g.text("description") or g.text("note"),
                                id=our_id("closure", given_id)[0] if given_id else None))
    return tuple(out)


def _costs(f: Fields, entries: Entries) -> tuple[CostInput, ...]:
    out = []
    for i, item in f.indexed("cost_options"):
        g = f.child(item, f"cost_options[{i}]")
        currency = g.text("currency", limit=10)
        if currency and currency.upper() != "GBP":
            g.error("currency", f"Costs must be in pounds (GBP), not {currency[:10]}.")
            continue
        amount = g.number("amount", what="amount")
        if amount is None:
            if not g.has("amount") or g.raw("amount") in (None, ""):
                entries.tallies["A cost with no amount was left out (free is an amount of "
                                "0)."] += 1
            continue
        if amount < 0:
            g.error("amount", "A cost cannot be below 0 (free is 0); fix the amount.")
            continue
        start, end = g.day("valid_from"), g.day("valid_to")
        if start and end and start > end:
            g.error("valid_to", "The last valid date is before the first; fix the dates.")
        given_id = g.ident("id")
        out.append(CostInput(amount=amount, option=g.text("option"),
                             amount_description=g.text("amount_description"),
                             valid_from=start, valid_to=end,
                             id=our_id("cost", given_id)[0] if given_id else None))
    return tuple(out)


def _areas(f: Fields) -> tuple[tuple[str, ...], tuple[str, ...]]:
    districts: list[str] = []
    notes: list[str] = []
    for i, item in f.indexed("service_areas"):
        g = f.child(item, f"service_areas[{i}]")
        text = g.text("service_area") or g.text("name") or g.text("description")
        if not text:
            continue
        try:
            districts.append(district(text))
        except InvalidInput:
            notes.append(text)
    return tuple(dict.fromkeys(districts)), tuple(notes)


def _accessibility(g: Fields, location: dict[str, Any]) -> str | None:
    value = location.get("accessibility")
    if isinstance(value, str):
        return g.text("accessibility")
    parts = []
    for name in ("accessibility", "accessibility_for_disabilities"):
        for j, item in enumerate(g.items(name) if not isinstance(value, str) else []):
            a = g.child(item, f"{name}[{j}]")
            words = [w for w in (a.text("description") or a.text("accessibility"),
                                 a.text("details")) if w]
            if words:
                parts.append(" - ".join(words))
    return "; ".join(parts) or None


def _address(g: Fields) -> dict[str, Any]:
    addresses = g.items("addresses") + g.items("physical_addresses")
    physical = [a for a in addresses if str(a.get("address_type") or "physical") == "physical"]
    return (physical or addresses or [{}])[0]


def _place(f: Fields, link: dict[str, Any], i: int) -> LocationInput | None:
    raw = link.get("location")
    if not isinstance(raw, dict) or raw.get("_missing"):
        f.warning(f"service_at_locations[{i}]", "The place this points to is not in the "
                                                "file, so it was left out.")
        return None
    g = f.child(raw, f"service_at_locations[{i}].location")
    address = _address(g)
    a = g.child(address, g.where("address"))
    postcode = a.text("postal_code", limit=20)
    if postcode:
        try:
            postcode = normalise(postcode)
        except InvalidInput:
            a.error("postal_code", "This is not a UK postcode (one looks like 'DL1 1AA'); "
                                   "fix it at the source and import again.")
            postcode = None
    country = a.text("country", limit=60)
    if country and country.casefold() not in UK:
        a.warning("country", "This place is not in the UK.")
    extra = [a.text(n) for n in ("address_2", "address_3", "address_4")]
    latitude, longitude = g.number("latitude", what="latitude"), g.number("longitude",
                                                                        what="longitude")
    if latitude is not None and abs(latitude) > 90:
        g.error("latitude", "A latitude must be between -90 and 90; fix it.")
    if longitude is not None and abs(longitude) > 180:
        g.error("longitude", "A longitude must be between -180 and 180; fix it.")
    source = g.ident("id")
    lid, external = our_id("location", source) if source else (None, None)
    ext = g.obj(EXTENSION)
    if ext is not None and "external_id" in ext:
        external = g.child(ext, g.where(EXTENSION)).ident("external_id")
    return LocationInput(
        id=lid, external_id=external, name=g.text("name") or "",
        address_1=a.text("address_1"), address_2=", ".join(x for x in extra if x) or None,
        city=a.text("city"), postcode=postcode, accessibility=_accessibility(g, raw),
        latitude=latitude, longitude=longitude)


def _taxonomy(f: Fields) -> tuple[tuple[str, ...], tuple[TermInput, ...], bool]:
    """(our categories, other terms, whether the file used our category list)."""
    found: list[tuple[str, str, str | None, str | None]] = []
    for i, item in f.indexed("attributes"):
        g = f.child(item, f"attributes[{i}]")
        term = g.obj("taxonomy_term") or {}
        t = g.child(term, g.where("taxonomy_term"))
        vocabulary = t.text("taxonomy", limit=MAX_NAME) or t.text("taxonomy_id", limit=MAX_NAME)
        code = t.text("code", limit=MAX_NAME) or t.ident("id")
        found.append((vocabulary or "unknown", code or "", t.text("name", limit=MAX_NAME)
                      or t.text("term", limit=MAX_NAME), t.ident("id")))
    for i, item in f.indexed("service_taxonomys"):
        g = f.child(item, f"service_taxonomys[{i}]")
        term = g.obj("taxonomy") or {}
        t = g.child(term, g.where("taxonomy"))
        found.append((t.text("vocabulary", limit=MAX_NAME) or "unknown",
                      t.ident("id") or "", t.text("name", limit=MAX_NAME), None))
    needs = vocab("needs")
    categories: list[str] = []
    terms: dict[tuple[str, str], TermInput] = {}
    for vocabulary, code, label, term_id in found:
        if not code:
            f.warning("attributes", "A category without a code or id was left out.")
        elif vocabulary == NEED_VOCABULARY:
            if code in needs.codes:
                categories.append(code)
            else:
                f.error("attributes", f"'{code[:40]}' is not one of csn-desk's need "
                                      f"categories; use one of: {', '.join(needs.codes)}.")
        else:
            terms.setdefault((vocabulary, code), TermInput(
                vocabulary=vocabulary, code=code, label=label,
                id=our_id("term", term_id)[0] if term_id else None))
    ours = any(v == NEED_VOCABULARY for v, *_ in found)
    return tuple(dict.fromkeys(categories)), tuple(terms.values()), ours


def _ages_and_eligibility(f: Fields) -> tuple[int | None, int | None, str | None]:
    low = f.integer("minimum_age", low=0, high=MAX_AGE, what="minimum age")
    high = f.integer("maximum_age", low=0, high=MAX_AGE, what="maximum age")
    words = []
    for i, item in f.indexed("eligibilitys"):
        g = f.child(item, f"eligibilitys[{i}]")
        lo = g.integer("minimum_age", low=0, high=MAX_AGE, what="minimum age")
        hi = g.integer("maximum_age", low=0, high=MAX_AGE, what="maximum age")
        low = lo if low is None else (min(low, lo) if lo is not None else low)
        high = hi if high is None else (max(high, hi) if hi is not None else high)
        word = g.text("eligibility", limit=200)
        if word:
            words.append(word)
    text = f.text("eligibility_description") or (", ".join(words) or None)
    if low is not None and high is not None and low > high:
        f.error("maximum_age", "The maximum age is below the minimum age; fix one of them "
                               "and import again.")
    return low, high, text


def read_service(raw: dict[str, Any], index: int, entries: Entries, *, ids_required: bool,
                 organisations: dict[str, Entry[OrganisationInput]]
                 ) -> Entry[ServiceInput] | None:
    p = entries.problems
    source = raw.get("id") if isinstance(raw.get("id"), str | int) else None
    key = f"service:{source if source is not None else f'#{index}'}"
    label = _label(raw, "service", source if source is not None else f"#{index + 1}")
    f = Fields(raw, p, key, label)
    if "_not_object" in raw:
        f.error("", "This entry is not a service object.")
        return None
    source_id = f.ident("id", required=ids_required) or f"#{index}"
    sid, external = our_id("service", source_id)
    if source_id.startswith(DERIVED):
        external = None
    name = f.text("name", required=True, limit=MAX_NAME) or ""
    org_key = _organisation_of(f, raw, entries, organisations, ids_required, index)
    ext = f.obj(EXTENSION) or {}
    e = f.child(ext, EXTENSION)
    if e.has("external_id"):
        external = e.ident("external_id")
    status = f.choice("status", STATUSES, what="status") if f.has("status") else None
    if not f.has("status"):
        entries.tallies["A service has no status; new ones are taken as active."] += 1
    deliverable = f.text("deliverable_type", limit=100)
    if deliverable:
        match = {d.casefold(): d for d in DELIVERABLE_TYPES}.get(deliverable.casefold())
        if match is None:
            f.warning("deliverable_type", f"'{deliverable[:40]}' is not an ORUK deliverable "
                                          "type; it was left out.")
        deliverable = match
    low, high, eligibility = _ages_and_eligibility(f)
    categories, terms, ours = _taxonomy(f)
    areas, notes = _areas(f)
    places = [pl for i, link in f.indexed("service_at_locations")
              if (pl := _place(f, link, i)) is not None]
    documents = [f.child(d, f"required_documents[{i}]").text("document")
                 for i, d in f.indexed("required_documents")]
    organisation = organisations.get(org_key or "")
    schedules, all_read = _schedules(f, sid, entries)
    value = ServiceInput(
        id=sid, external_id=external, name=name,
        organisation_id=organisation.value.id or "" if organisation else "",
        description=f.text("description", limit=MAX_LONG_TEXT) or "",
        status=status or "active", url=_usable_url(f, "url"), email=_usable_email(f, "email"),
        phone=_first_phone(f, entries),
        application_process=f.text("application_process"),
        fees_text=f.text("fees_description") or f.text("fees"), deliverable_type=deliverable,
        attending_type=f.choice("attending_type", ATTENDING_TYPES, what="way of attending"),
        attending_access=f.choice("attending_access", ATTENDING_ACCESS, what="access"),
        minimum_age=low, maximum_age=high, eligibility=eligibility,
        what_to_take="\n".join(d for d in documents if d) or None,
        assured_date=f.day("assured_date"), assured_by=e.text("assured_by"),
        alert=f.text("alert"), alert_until=e.day("alert_until"),
        merged_into=_ref("service", e.ident("merged_into")),
        schedules=schedules, closures=_closures(f, entries),
        costs=_costs(f, entries), areas=areas, area_notes=notes, categories=categories,
        terms=terms, locations=tuple(places))
    if value.alert_until and not value.alert:
        e.error("alert_until", "An alert end date needs the alert text too.")
    given = _service_given(f, e, ours and bool(ext.get("categories_given", True)))
    if not all_read:
        given -= {"schedules"}
    entries.not_kept |= {k[:40] for k in raw if k not in SERVICE_KEYS}
    return Entry(key, label, source_id, value, given, org_key)


# Our service fields, each with the ORUK fields that give it.
_SERVICE_GIVEN = (
    ("name", ("name",)), ("description", ("description",)), ("status", ("status",)),
    ("url", ("url",)), ("email", ("email",)), ("phone", ("phones",)),
    ("application_process", ("application_process",)),
    ("fees_text", ("fees_description", "fees")), ("deliverable_type", ("deliverable_type",)),
    ("attending_type", ("attending_type",)), ("attending_access", ("attending_access",)),
    ("minimum_age", ("minimum_age", "eligibilitys")),
    ("maximum_age", ("maximum_age", "eligibilitys")),
    ("eligibility", ("eligibility_description", "eligibilitys")),
    ("what_to_take", ("required_documents",)), ("assured_date", ("assured_date",)),
    ("alert", ("alert",)), ("schedules", ("regular_schedules", "schedules")),
    ("closures", ("holiday_schedules",)), ("costs", ("cost_options",)),
    ("areas", ("service_areas",)), ("area_notes", ("service_areas",)),
    ("locations", ("service_at_locations",)), ("terms", ("attributes", "service_taxonomys")))
# The same, turned round: each ORUK field with the service fields it gives.
_GIVEN_BY: dict[str, tuple[str, ...]] = {
    oruk: tuple(k for k, names in _SERVICE_GIVEN if oruk in names)
    for _k, names in _SERVICE_GIVEN for oruk in names}


def _service_given(f: Fields, e: Fields, ours: bool) -> frozenset[str]:
    given = {k for name in f.data if name in _GIVEN_BY for k in _GIVEN_BY[name]}
    given |= {k for k in ("assured_by", "alert_until", "merged_into") if e.has(k)}
    given |= {"organisation_id", "external_id"}
    if ours or (f.has(EXTENSION) and e.raw("categories_given") in (None, True)):
        given.add("categories")
    return frozenset(given)


def _organisation_of(f: Fields, raw: dict[str, Any], entries: Entries,
                     organisations: dict[str, Entry[OrganisationInput]], ids_required: bool,
                     index: int) -> str | None:
    nested = raw.get("organization")
    if isinstance(nested, dict):
        source = nested.get("id")
        key = f"organisation:{source}" if isinstance(source, str | int) else None
        if key is None or key not in organisations or not organisations[key].given:
            org = read_organisation(nested, entries, ids_required=ids_required,
                                    fallback_id=f"#service{index}")
            if key is None:
                key = org.key
            organisations[key] = org
            entries.raw_organisations[key] = nested
            entries.organisations.append(org)
        elif nested != entries.raw_organisations.get(key) and _differs(
                organisations[key], nested, entries):
            f.warning("organization", "This organisation appears more than once with "
                                      "different details; the first was used.")
        return key
    ref = f.ident("organization_id")
    if ref:
        key = f"organisation:{ref}"
        if key not in organisations:  # perhaps already in the directory: checked later
            oid, _ = our_id("organisation", ref)
            organisations[key] = Entry(key, record_label("organisation", ref), ref,
                                       OrganisationInput(id=oid, name=""), frozenset())
        return key
    if nested is not None:
        f.error("organization", "This must be an object with the organisation's id and "
                                "name.")
    else:
        f.error("organization", "Every service needs the organisation that runs it; add "
                                "its organization (or organization_id).")
    return None


def _differs(first: Entry[OrganisationInput], raw: dict[str, Any], entries: Entries) -> bool:
    again = read_organisation(raw, Entries(entries.shape), ids_required=False,
                              fallback_id=first.source_id or "")
    return replace(again.value, id=first.value.id) != first.value


def read_entries(parsed: ParsedFile, *, ids_required: bool = True) -> Entries:
    """Every organisation and service in the file, checked."""
    entries = Entries(parsed.shape, not_kept=set(parsed.not_kept))
    organisations = entries.lookup
    for i, raw in enumerate(parsed.organisations):
        org = replace(read_organisation(raw, entries, ids_required=ids_required,
                                        fallback_id=f"#org{i}"), standalone=True)
        if org.key in organisations:
            entries.problems.error(org.key, org.label, "id",
                                   "Two organisations in the file have this id; give each "
                                   "its own.")
            continue
        organisations[org.key] = org
        entries.raw_organisations[org.key] = raw
        entries.organisations.append(org)
    seen: set[str] = set()
    for i, raw in enumerate(parsed.services):
        service = read_service(raw, i, entries, ids_required=ids_required,
                               organisations=organisations)
        if service is None:
            continue
        if service.key in seen:
            given = isinstance(raw, dict) and not str(raw.get("id") or "csv:").startswith(
                "csv:")  # (a CSV row without an id has one made from its names)
            entries.problems.error(service.key + f"#{i}", service.label, "id", (
                "Two services in the file have this id; give each its own. The second was "
                "left out." if given or ids_required else
                "Two rows in the file are for a service of this name at the same "
                "organisation, so they would be one service. Put them in one row, or give "
                "each its own name (or the file an id column). The second was left out."))
            continue
        seen.add(service.key)
        entries.services.append(service)
    entries.not_kept.discard("")
    return entries
