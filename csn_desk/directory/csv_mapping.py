"""Reading a directory spreadsheet (CSV): a preview for the column-matching step, then each
row turned into the same nested shape an ORUK file has, so one validator checks both.

The file is decoded as UTF-8 (a byte-order mark is fine) or, failing that, as Windows-1252
(what Excel on a UK computer saves); commas, semicolons and tabs are all recognised as the
separator. Only the columns matched to ours are read: a column left unmatched leaves that
field of existing entries as it is. Rows without ids are matched by names, and given ids
that are the same every time the same row is imported, so a re-import changes nothing."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from csn_desk.directory.csv_columns import BY_NAME, guess_mapping
from csn_desk.directory.csv_format import (
    cost_parts,
    looks_like_formula,
    opening_parts,
    split_items,
    unescape_formula,
)
from csn_desk.directory.import_report import Problems
from csn_desk.directory.index import NEED_VOCABULARY
from csn_desk.directory.inputs import MAX_LONG_TEXT
from csn_desk.directory.oruk_parse import SHAPE_CSV, ParsedFile
from csn_desk.directory.oruk_validate import EXTENSION, Entries, read_entries
from csn_desk.directory.safe_read import FileRefused, decode_text
from csn_desk.vocab import vocab

CsvMapping = dict[str, str]  # our column name -> the file's header
MAX_ROWS = 200_000
MAX_COLUMNS = 300
PREVIEW_ROWS = 8
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class CsvTable:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    encoding: str
    delimiter: str


@dataclass(frozen=True)
class CsvPreview:
    """What the column-matching step shows."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # the first few rows
    row_count: int
    encoding: str
    guessed: dict[str, str]


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _Unclosed(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _read_rows(text: str, delimiter: str, *, strict: bool
               ) -> tuple[list[str], list[tuple[str, ...]]]:
    """The header row and the rows with anything in them. ``strict`` raises csv.Error for
    any broken quoting, and _Unclosed (with the line it opened on) for a quote never
    closed, which a lenient read would take as one cell running to the end."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)

    def next_row() -> list[str] | None:
        start = reader.line_num + 1
        try:
            return next(reader, None)
        except csv.Error as exc:
            if strict and "unexpected end of data" in str(exc):
                raise _Unclosed(start) from None
            raise

    headers = next_row()
    if not headers or not any(h.strip() for h in headers):
        raise FileRefused("The first row of the file should name its columns, but it is "
                          "empty. Add a header row and import again.")
    if len(headers) > MAX_COLUMNS:
        raise FileRefused(f"The file has {len(headers):,} columns; a directory sheet "
                          f"has at most {MAX_COLUMNS}. Check that it is the right file.")
    rows: list[tuple[str, ...]] = []
    while (row := next_row()) is not None:
        if len(rows) >= MAX_ROWS:
            raise FileRefused(f"The file has more than {MAX_ROWS:,} rows; split it and "
                              "import each part.")
        if any(cell.strip() for cell in row):
            rows.append(tuple(row))
    return headers, rows


def parse_table(data: bytes) -> CsvTable:
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise FileRefused("The file holds binary data, so it is not a CSV. Save the "
                          "spreadsheet as CSV and import that.")
    delimiter = _delimiter(text)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_LONG_TEXT * 4)
    try:
        try:
            headers, rows = _read_rows(text, delimiter, strict=True)
        except _Unclosed as unclosed:
            raise FileRefused(f"A quote opened on line {unclosed.line:,} of the file is never "
                              "closed, so the rest of the file would be one cell. Close it, "
                              "or save the file again from the spreadsheet as CSV.") from None
        except csv.Error as exc:
            if "field larger" in str(exc):
                raise FileRefused("A cell of the file is far too long (or its quoting is "
                                  "broken). Save it again from the spreadsheet as CSV."
                                  ) from None
            # Text just after a closing quote ("Room 1" upstairs): read as spreadsheets do.
            headers, rows = _read_rows(text, delimiter, strict=False)
    except csv.Error:
        raise FileRefused("The file's quoting is broken (a cell is too long or a quote is "
                          "never closed). Save it again from the spreadsheet as CSV.") from None
    finally:
        csv.field_size_limit(old_limit)
    headers = [h.strip() for h in headers]
    if len(set(headers)) != len(headers):
        raise FileRefused("Two columns in the first row have the same name; rename one and "
                          "import again.")
    return CsvTable(tuple(headers), tuple(rows), encoding, delimiter)


def preview(data: bytes) -> CsvPreview:
    table = parse_table(data)
    return CsvPreview(table.headers, table.rows[:PREVIEW_ROWS], len(table.rows),
                      table.encoding, guess_mapping(list(table.headers)))


def check_mapping(mapping: CsvMapping, headers: tuple[str, ...]) -> None:
    unknown = [c for c in mapping if c not in BY_NAME]
    missing = [h for h in mapping.values() if h not in headers]
    if unknown or missing:
        raise FileRefused("The column matching does not fit this file; match the columns "
                          "again.")
    if "service_name" not in mapping and "organisation_name" not in mapping:
        raise FileRefused("Match a column to 'Service name' (or at least to 'Organisation') "
                          "so csn-desk knows what each row is.")
    if "service_name" in mapping and not ({"organisation_name", "organisation_id"} & set(
            mapping)):
        raise FileRefused("Match a column to 'Organisation' (or 'Organisation id'): every "
                          "service needs the organisation that runs it.")


class _Row:
    """One spreadsheet row, read through the mapping."""

    def __init__(self, values: tuple[str, ...], index: dict[str, int], mapping: CsvMapping,
                 problems: Problems, number: int) -> None:
        self.values, self.index, self.mapping = values, index, mapping
        self.problems, self.number = problems, number
        self.key = f"row:{number}"
        self.label = f"row {number}"
        self.warned: set[str] = set()

    def mapped(self, column: str) -> bool:
        return column in self.mapping

    def get(self, column: str) -> str | None:
        header = self.mapping.get(column)
        if header is None:
            return None
        i = self.index[header]
        raw = self.values[i] if i < len(self.values) else ""
        value = unescape_formula(raw) if raw.startswith("'") else raw
        if looks_like_formula(raw) and column not in self.warned:
            self.warned.add(column)
            self.problems.warning(self.key, self.label, column,
                                  "This looks like a spreadsheet formula; it was imported as "
                                  "plain text. Check it.")
        return value

    def date(self, column: str) -> str | None:
        value = (self.get(column) or "").strip()
        if (m := _UK_DATE.match(value)) is not None:  # 25/12/2026, as Excel shows dates
            return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
        return value or None

    def items(self, column: str) -> list[list[str]]:
        text = self.get(column)
        if not text:
            return []
        try:
            return split_items(text)
        except ValueError:
            self.problems.error(self.key, self.label, column,
                                "A quote in this cell is not closed; fix the cell and import "
                                "again.")
            return []

    def put(self, target: dict[str, Any], key: str, column: str, *, date: bool = False) -> None:
        if self.mapped(column):
            target[key] = self.date(column) if date else self.get(column)


def _part(parts: list[str], i: int) -> str | None:
    return parts[i].strip() or None if i < len(parts) else None


def _category_code(text: str) -> str:
    needs = vocab("needs")
    folded = text.strip().casefold()
    for term in needs.terms:
        if folded in (term.code.casefold(), term.label.casefold()):
            return term.code
    return text.strip()


def _organisation(row: _Row) -> dict[str, Any]:
    name = row.get("organisation_name")
    org: dict[str, Any] = {}
    ident = (row.get("organisation_id") or "").strip()
    org["id"] = ident or ("csv-name:" + " ".join((name or "").casefold().split()))
    for key, column in (("name", "organisation_name"),
                        ("description", "organisation_description"),
                        ("email", "organisation_email"), ("url", "organisation_url")):
        row.put(org, key, column)
    if row.mapped("organisation_phone"):
        phone = row.get("organisation_phone")
        org["phones"] = [{"number": phone}] if phone else []
    if row.mapped("charity_number") or row.mapped("company_number"):
        ids = []
        if charity := row.get("charity_number"):
            ids.append({"identifier_scheme": "GB-CHC", "identifier": charity})
        if company := row.get("company_number"):
            ids.append({"identifier_scheme": "GB-COH", "identifier": company})
        org["organization_identifiers"] = ids
    row.put(org, "assured_date", "organisation_assured_date", date=True)
    ext: dict[str, Any] = {}
    row.put(ext, "is_member", "organisation_is_member")
    row.put(ext, "external_id", "organisation_external_id")
    row.put(ext, "merged_into", "organisation_merged_into")
    if ext:
        org[EXTENSION] = ext
    return org


def _place(parts: dict[str, str | None]) -> dict[str, Any] | None:
    if not any(parts.values()):
        return None
    place: dict[str, Any] = {
        "id": parts.get("id"), "name": parts.get("name"),
        "addresses": [{"address_1": parts.get("address_1"),
                       "address_2": parts.get("address_2"), "city": parts.get("city"),
                       "postal_code": parts.get("postcode")}],
        "accessibility": parts.get("accessibility"), "latitude": parts.get("latitude"),
        "longitude": parts.get("longitude"),
    }
    if parts.get("external_id"):
        place[EXTENSION] = {"external_id": parts["external_id"]}
    return {"location": place}


PLACE_COLUMNS = ("location_id", "location_name", "address_1", "address_2", "city", "postcode",
                 "accessibility", "latitude", "longitude", "location_external_id")
PLACE_PARTS = ("id", "name", "address_1", "address_2", "city", "postcode", "accessibility",
               "latitude", "longitude", "external_id")


def _places(row: _Row) -> list[dict[str, Any]] | None:
    if not any(row.mapped(c) for c in PLACE_COLUMNS + ("more_places",)):
        return None
    first = {part: (row.get(column) or "").strip() or None
             for part, column in zip(PLACE_PARTS, PLACE_COLUMNS, strict=True)}
    places = [p for p in [_place(first)] if p]
    for parts in row.items("more_places"):
        place = _place({name: _part(parts, i) for i, name in enumerate(PLACE_PARTS)})
        if place:
            places.append(place)
    return places


def _service(row: _Row, org: dict[str, Any]) -> dict[str, Any]:
    name = row.get("service_name") or ""
    ident = (row.get("service_id") or "").strip()
    s: dict[str, Any] = {
        "id": ident or f"csv:{org['id']}/{' '.join(name.casefold().split())}",
        "_label": row.label, "organization": org, "name": name}
    for key, column in (("description", "service_description"), ("status", "status"),
                        ("url", "service_url"), ("email", "service_email"),
                        ("application_process", "application_process"), ("fees", "fees"),
                        ("deliverable_type", "deliverable_type"),
                        ("attending_type", "attending_type"),
                        ("attending_access", "attending_access"),
                        ("minimum_age", "minimum_age"), ("maximum_age", "maximum_age"),
                        ("eligibility_description", "eligibility"), ("alert", "alert")):
        row.put(s, key, column)
    row.put(s, "assured_date", "assured_date", date=True)
    if row.mapped("service_phone"):
        phone = row.get("service_phone")
        s["phones"] = [{"number": phone}] if phone else []
    if row.mapped("what_to_take"):
        take = row.get("what_to_take")
        s["required_documents"] = [{"document": take}] if take else []
    ext: dict[str, Any] = {"categories_given": row.mapped("categories")}
    row.put(ext, "assured_by", "assured_by")
    row.put(ext, "alert_until", "alert_until", date=True)
    row.put(ext, "merged_into", "merged_into")
    row.put(ext, "external_id", "service_external_id")
    s[EXTENSION] = ext
    if row.mapped("categories") or row.mapped("other_categories"):
        s["attributes"] = [
            {"taxonomy_term": {"code": _category_code(p[0]), "taxonomy": NEED_VOCABULARY}}
            for p in row.items("categories") if p and p[0].strip()] + [
            {"taxonomy_term": {"taxonomy": _part(p, 0), "code": _part(p, 1),
                               "name": _part(p, 2)}}
            for p in row.items("other_categories")]
    if row.mapped("areas") or row.mapped("area_notes"):
        s["service_areas"] = [{"name": p[0]} for column in ("areas", "area_notes")
                              for p in row.items(column) if p and p[0].strip()]
    if row.mapped("opening_times"):
        s["regular_schedules"] = [_opening(opening_parts(p))
                                  for p in row.items("opening_times")]
    if row.mapped("holiday_closures"):
        s["holiday_schedules"] = [
            {"start_date": _part(p, 0), "end_date": _part(p, 1),
             "closed": (_part(p, 2) or "closed").casefold() != "open",
             "opens_at": _part(p, 3), "closes_at": _part(p, 4), "description": _part(p, 5)}
            for p in row.items("holiday_closures")]
    if row.mapped("costs"):
        s["cost_options"] = [
            {"amount": _part(c, 0), "option": _part(c, 1), "amount_description": _part(c, 2),
             "valid_from": _part(c, 3), "valid_to": _part(c, 4)}
            for c in (cost_parts(p) for p in row.items("costs"))]
    places = _places(row)
    if places is not None:
        s["service_at_locations"] = places
    return s


def _opening(parts: list[str]) -> dict[str, Any]:
    day = _part(parts, 0) or ""
    return {"weekday": int(day) if day.isdigit() else day, "opens_at": _part(parts, 1),
            "closes_at": _part(parts, 2), "valid_from": _part(parts, 3),
            "valid_to": _part(parts, 4), "description": _part(parts, 5)}


def read_csv_entries(data: bytes, mapping: CsvMapping | None = None) -> Entries:
    """Every row, checked. ``mapping`` defaults to the guessed one."""
    table = parse_table(data)
    mapping = dict(mapping) if mapping is not None else guess_mapping(list(table.headers))
    check_mapping(mapping, table.headers)
    index = {h: i for i, h in enumerate(table.headers)}
    problems = Problems()
    parsed = ParsedFile(SHAPE_CSV)
    for n, values in enumerate(table.rows, start=2):  # row 1 is the header
        row = _Row(values, index, mapping, problems, n)
        org = _organisation(row)
        org["_label"] = row.label
        if row.mapped("service_name") and (row.get("service_name") or "").strip():
            parsed.services.append(_service(row, org))
        else:
            parsed.organisations.append(org)
    entries = read_entries(parsed, ids_required=False)
    # Problems found while reading cells come first, row by row.
    entries.problems.issues[:0] = problems.issues
    by_row = {s["_label"]: f"service:{s['id']}" for s in parsed.services}
    entries.problems.failed |= {by_row.get(k.replace(":", " "), k) for k in problems.failed}
    if table.encoding != "UTF-8":
        entries.tallies[f"The file was read as {table.encoding} text; check that accented "
                        "letters and the £ sign look right."] += 1
    return entries
