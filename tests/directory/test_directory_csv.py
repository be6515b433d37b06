"""Spreadsheets: the column-matching step (guess, preview, a mapping by hand), Excel's habits
(Windows-1252, a byte-order mark, semicolons, UK dates), formula-looking cells, and the
simpler ways people type opening times and costs."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from csn_desk.directory.csv_columns import guess_mapping
from csn_desk.directory.csv_mapping import preview
from csn_desk.directory.oruk_import import import_file
from csn_desk.directory.records import load_directory
from csn_desk.workspace import Workspace
from tests.directory.dirkit import table_counts

COUNCIL = (
    "Organisation,Service Name,Telephone,Post code,Opening hours,Cost,Category,Last checked\n"
    "Harbour Lane Trust,Chair Yoga,01632 960300,dl1 1aa,Mon 10:00-11:00; Thu 14:00-15:00,"
    "£3.50 per class,Health and wellbeing,01/03/2026\n"
    "Harbour Lane Trust,Memory Café,01632 960301,DL1 1AA,Wednesday|13:00|15:00,Free,"
    "clubs_groups,2026-02-01\n"
)


def _service(ws: Workspace, name: str):  # type: ignore[no-untyped-def]
    return next(s for s in load_directory(ws).services if s.name == name)


def test_guessed_mapping_and_preview(tmp_path: Path) -> None:
    p = preview(COUNCIL.encode())
    assert p.row_count == 2 and p.encoding == "UTF-8"
    assert p.guessed == {"service_name": "Service Name", "service_phone": "Telephone",
                         "postcode": "Post code", "opening_times": "Opening hours",
                         "costs": "Cost", "categories": "Category",
                         "assured_date": "Last checked", "organisation_name": "Organisation"}
    assert p.rows[0][1] == "Chair Yoga"


def test_a_council_sheet_imports_with_its_own_headers(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "council.csv"
    path.write_text(COUNCIL, encoding="utf-8")
    report = import_file(ws, path)
    assert report.errors == () and report.service_counts.created == 2, report.lines()
    yoga = _service(ws, "Chair Yoga")
    assert [(r.weekday, r.opens_at, r.closes_at) for r in yoga.schedules] == [
        (1, time(10), time(11)), (4, time(14), time(15))]
    assert [(c.amount, c.option) for c in yoga.costs] == [(3.5, "per class")]
    assert yoga.categories == ("health_wellbeing",)
    assert yoga.assured_date == date(2026, 3, 1)  # the UK way Excel shows dates
    assert yoga.places[0].postcode == "DL1 1AA" and yoga.phone == "01632 960300"
    cafe = _service(ws, "Memory Café")
    assert cafe.costs[0].amount == 0 and cafe.schedules[0].weekday == 3
    # Both rows name the same organisation: one entry.
    assert len({s.organisation_id for s in load_directory(ws).services}) == 1
    # No ids in the sheet: importing it again still changes nothing.
    before = table_counts(ws)
    assert import_file(ws, path).service_counts.unchanged == 2
    assert table_counts(ws) == before


def test_mapping_by_hand_and_unmapped_columns_left_alone(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "council.csv"
    path.write_text(COUNCIL, encoding="utf-8")
    import_file(ws, path)
    changed = COUNCIL.replace("01632 960300", "01632 969999").replace("Chair Yoga,",
                                                                      "Chair Yoga,")
    path.write_text(changed, encoding="utf-8")
    # Only the name, organisation and phone matched: costs and times stay as they are.
    mapping = {"service_name": "Service Name", "organisation_name": "Organisation",
               "service_phone": "Telephone"}
    report = import_file(ws, path, mapping=mapping)
    assert report.service_counts.updated == 1 and report.service_counts.unchanged == 1
    yoga = _service(ws, "Chair Yoga")
    assert yoga.phone == "01632 969999" and len(yoga.schedules) == 2 and yoga.costs


def test_excel_windows_1252_semicolons_and_bom(ws: Workspace, tmp_path: Path) -> None:
    sheet = ("Organisation;Service name;Cost\n"
             "Café Société;Lunch £2;£2.00 per meal\n")
    path = tmp_path / "excel.csv"
    path.write_bytes(sheet.encode("cp1252"))
    report = import_file(ws, path)
    assert report.written, report.lines()
    assert any("Windows-1252" in i.message for i in report.warnings)
    lunch = _service(ws, "Lunch £2")
    assert lunch.costs[0].amount == 2.0
    path.write_bytes(b"\xef\xbb\xbf" + sheet.replace("Lunch £2", "Tea").encode("utf-8"))
    assert import_file(ws, path).written
    assert _service(ws, "Tea")


def test_formula_looking_cells_are_plain_text_with_a_warning(ws: Workspace,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "formula.csv"
    path.write_text('Organisation,Service name,Description\n'
                    'Trust,"=HYPERLINK(""http://x"",""click"")","@SUM(A1)"\n'
                    "Trust,'=Plain,'+44 talk\n")
    report = import_file(ws, path)
    assert report.written and report.errors == ()
    assert len([i for i in report.warnings if "formula" in i.message]) == 2
    names = {s.name for s in load_directory(ws).services}
    assert names == {'=HYPERLINK("http://x","click")', "=Plain"}
    assert _service(ws, "=Plain").description == "+44 talk"


@pytest.mark.parametrize(("content", "expect"), [
    (b"Organisation,Service name\n\x00\x01\x02\x00binary", "binary"),
    (b"\x81\x8d\x8f\x90\x9d", "not text"),
    (b"Organisation,Service name\nTrust,\"never closed\n" + b"x" * 100_000, "quoting"),
    (",".join(f"c{i}" for i in range(400)).encode() + b"\n1\n", "columns"),
    (b"Organisation,Organisation\nA,B\n", "same name"),
    (b"\n\nOrganisation\n", "empty"),
    (b"Colour,Size\nred,big\n", "Service name"),
    (b"Service name,Phone\nYoga,1\n", "Organisation"),
])
def test_broken_sheets_are_refused_cleanly(ws: Workspace, tmp_path: Path, content: bytes,
                                           expect: str) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    before = table_counts(ws)
    report = import_file(ws, path)
    assert report.refused and expect in report.refused, report.lines()
    assert table_counts(ws) == before


def test_bad_cells_are_reported_by_row_and_column(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("Organisation,Service name,Opening times,Minimum age\n"
                    'Trust,Yoga,"Funday|09:00|10:00",12\n'
                    "Trust,Walks,Tuesday|10:00|11:00,eighty\n"
                    "Trust,Knit,Friday|10:00|11:00,60\n")
    report = import_file(ws, path)
    assert report.service_counts.created == 1
    rows = {(i.record.split(" (")[0], i.field.split(".")[-1]) for i in report.errors}
    assert rows == {("row 2", "weekday"), ("row 3", "minimum_age")}


def test_guess_prefers_exact_names() -> None:
    assert guess_mapping(["service_name", "name", "organisation_name"]) == {
        "service_name": "service_name", "organisation_name": "organisation_name"}
