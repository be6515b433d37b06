"""Exports of the tallies: the XLSX is structured as promised (a sheet per table, a
definitions sheet, frozen headers, numbers as numbers), the CSV is safe to open (formula
injection neutralised), the PDF is clear print in Atkinson Hyperlegible at 12 pt or more,
nothing personal is in any of them, each is written whole and logged (audit event; the PDF
also in the documents log), and the command line makes the same files."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from sqlalchemy import select

from csn_desk.cli.main import main
from csn_desk.demo import DEMO_PASSPHRASE
from csn_desk.demo.generate import DemoSummary, create_demo
from csn_desk.directory.export import export_directory
from csn_desk.documents.log import save_pdf
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.errors import InvalidInput
from csn_desk.referrals import ReferralDraft
from csn_desk.reports.export_csv import csv_bytes, safe
from csn_desk.reports.export_xlsx import sheet_name
from csn_desk.reports.exports import export_tallies
from csn_desk.reports.periods import date_range, month, month_of, uk_today
from csn_desk.reports.tallies import Tallies, compute_tallies
from csn_desk.store.models import AuditEvent, Document, Organisation, Service, TallySnapshot
from csn_desk.workspace import Workspace
from tests.documents.pdfcheck import ALLOWED_FONTS, base_font, chars, visible

ANCHOR = date(2026, 11, 25)
OCTOBER = month("2026-10")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, DemoSummary]]:
    from tests.conftest import FAST_KDF

    ws, summary = create_demo(tmp_path_factory.mktemp("exports") / "demo", enquiries=900,
                              seed=9, anchor=ANCHOR, kdf=FAST_KDF)
    yield ws, summary
    ws.close()


@pytest.fixture(scope="module")
def tallies(demo: tuple[Workspace, DemoSummary]) -> dict[str, Tallies]:
    ws, _summary = demo
    return {"exact": compute_tallies(ws, OCTOBER, "organisation"),
            "hidden": compute_tallies(ws, OCTOBER, "organisation", suppress_small=True),
            "network": compute_tallies(ws, OCTOBER, "network")}


# -- XLSX -----------------------------------------------------------------------------------
def test_xlsx_sheets_headers_numbers_and_definitions(demo: tuple[Workspace, DemoSummary],
                                                     tallies: dict[str, Tallies],
                                                     tmp_path: Path) -> None:
    ws, _summary = demo
    t = tallies["hidden"]
    saved = export_tallies(ws, t, "xlsx", tmp_path / "tallies.xlsx")
    book = openpyxl.load_workbook(saved.path)
    names = book.sheetnames
    assert names[0] == "About" and names[-1] == "Definitions" and "Needs by month" in names
    taken = {"about"}
    sheet_of = {table.key: sheet_name(table.title, taken) for table in t.all_tables}
    assert list(sheet_of.values()) == names[1:1 + len(t.all_tables)]
    assert sheet_of["need_outcomes"] == "Were the needs met"  # "?" is not allowed
    definitions = book["Definitions"]
    terms = [definitions.cell(r, 1).value for r in range(2, definitions.max_row + 1)]
    assert "<5" in terms and "*" in terms and "Needs" in terms
    numbers = hidden = 0
    for table in t.all_tables:
        sheet = book[sheet_of[table.key]]
        assert sheet.freeze_panes == "B2"  # header row and row labels stay in view
        assert [sheet.cell(1, c).value for c in range(2, 5)] == list(t.columns)
        for r, row in enumerate(table.rows, start=2):
            assert sheet.cell(r, 1).value == row.label
            for c, cell in enumerate(row.cells, start=2):
                got = sheet.cell(r, c)
                if cell.mark in ("<5", "*"):
                    assert got.value == cell.mark and got.data_type == "s"
                    hidden += 1
                elif cell.value is not None:
                    assert got.data_type == "n" and isinstance(got.value, int | float)
                    assert got.value == pytest.approx(cell.value)
                    numbers += 1
    assert numbers > 100 and hidden > 5
    about = book["About"]
    text = " ".join(str(about.cell(r, 2).value) for r in range(1, about.max_row + 1))
    assert "October 2026" in text and "suppression applied" in text


def test_xlsx_text_is_never_a_formula(ws: Workspace, tmp_path: Path) -> None:
    service = _hostile_service(ws)
    save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("other"),),
                                  received_at=_october()),
                 [ReferralDraft("signposted", service_id=service)])
    t = compute_tallies(ws, OCTOBER, "organisation")
    saved = export_tallies(ws, t, "xlsx", tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(saved.path)
    labels = [c for row in book["Referrals by service"].iter_rows() for c in row
              if isinstance(c.value, str) and c.value.startswith("=")]
    assert labels and all(c.data_type == "s" for c in labels)
    with zipfile.ZipFile(saved.path) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if "worksheets/" in n)
    assert "<f>" not in sheets  # no formula anywhere in the workbook


def test_hours_and_averages_keep_their_decimal_place(ws: Workspace, tmp_path: Path) -> None:
    """A whole number of hours or minutes reads "1.0" and "30.0" beside "29.7" (on screen,
    in the CSV and as the spreadsheet's number format), not "1" and "30"."""
    for minutes in (20, 40):
        save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("other"),),
                                      received_at=_october(), time_spent_minutes=minutes), [])
    t = compute_tallies(ws, OCTOBER, "organisation")
    summary = {row.key: row.cells[0] for row in t.summary.rows}
    assert (summary["time:hours"].text, summary["time:average"].text) == ("1.0", "30.0")
    assert summary["enquiries"].text == "2"  # counts stay whole
    text = csv_bytes(t).decode("utf-8-sig")
    assert "Time spent (hours),1.0," in text and "Average minutes per enquiry,30.0," in text
    book = openpyxl.load_workbook(export_tallies(ws, t, "xlsx", tmp_path / "t.xlsx").path)
    sheet = next(book[n] for n in book.sheetnames if n.startswith("Summary"))
    found = {sheet.cell(r, 1).value: sheet.cell(r, 2) for r in range(2, sheet.max_row + 1)}
    average = found["Average minutes per enquiry"]
    assert average.value == 30 and average.number_format == "#,##0.0"
    assert found["Enquiries"].number_format == "#,##0"


# -- CSV ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"), ("+44 1632", "'+44 1632"), ("-2+3", "'-2+3"),
    ("@cmd", "'@cmd"), ("\tTab", "'\tTab"), ("\rReturn", "'\rReturn"),
    ("<5", "<5"), ("Lunch club", "Lunch club"), ("12", "12"), ("", ""),
])
def test_csv_cells_that_would_run_as_formulas_are_neutralised(text: str, expected: str) -> None:
    assert safe(text) == expected


def test_csv_export_neutralises_hostile_directory_names(ws: Workspace, tmp_path: Path) -> None:
    service = _hostile_service(ws)
    save_enquiry(ws, EnquiryDraft("walk_in", "self", (NeedInput("other"),),
                                  received_at=_october()),
                 [ReferralDraft("signposted", service_id=service)])
    saved = export_tallies(ws, compute_tallies(ws, OCTOBER, "organisation"), "csv",
                           tmp_path / "t.csv")
    data = saved.path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["table", "row"] and len(rows[0]) == 5
    cells = [c for row in rows for c in row]
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert any(c.startswith("'@") for c in cells)
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []
    counts = [row for row in rows if row[0] == "How the enquiry came in"]
    assert counts and all(v.isdigit() or v in ("<5", "*") for row in counts for v in row[2:])


# -- PDF ------------------------------------------------------------------------------------
def test_pdf_report_is_clear_print_atkinson_and_logged(demo: tuple[Workspace, DemoSummary],
                                                       tallies: dict[str, Tallies],
                                                       tmp_path: Path) -> None:
    ws, _summary = demo
    saved = export_tallies(ws, tallies["hidden"], "pdf", tmp_path / "report.pdf")
    pdf = saved.path.read_bytes()
    assert pdf.startswith(b"%PDF") and saved.pages and saved.pages >= 3
    ink = visible(chars(pdf))
    assert {base_font(c["fontname"]) for c in ink} <= ALLOWED_FONTS
    assert min(c["size"] for c in ink) >= 12 - 0.01
    assert not [c for c in ink if "Italic" in c["fontname"] or "Oblique" in c["fontname"]]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "\n".join(page.extract_text() or "" for page in doc.pages)
    assert "Tallies for October 2026" in text
    assert "Small numbers are hidden" in text  # the rule is stated when applied
    assert "Needs recorded by month" in text and "Referral outcomes" in text
    with ws.db.read() as s:
        doc_row = s.get(Document, saved.document_id)
        events = list(s.execute(select(AuditEvent).where(
            AuditEvent.action == "export:tallies")).scalars())
    assert doc_row is not None and doc_row.kind == "tallies_report" and doc_row.pages == saved.pages
    assert events and all("format=" in (e.detail or "") for e in events)


# -- no personal data -----------------------------------------------------------------------
def _texts(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if path.suffix == ".pdf":
        with pdfplumber.open(io.BytesIO(data)) as doc:
            return "\n".join(p.extract_text() or "" for p in doc.pages) + data.decode("latin-1")
    return data.decode("utf-8-sig")


def test_no_personal_data_in_any_export(demo: tuple[Workspace, DemoSummary],
                                        tallies: dict[str, Tallies], tmp_path: Path) -> None:
    ws, summary = demo
    site_phones = {"01632 960000", "01632 960001", "01632 960002"}  # the sites' own lines
    markers = (summary.samples["names"] + summary.samples["postcodes"]
               + [p for p in summary.samples["phones"] if p not in site_phones]
               + [n for n in summary.samples["notes"] if len(n) > 12])
    assert len(markers) > 100
    for kind, t in tallies.items():
        for fmt in ("xlsx", "csv", "pdf"):
            saved = export_tallies(ws, t, fmt, tmp_path / f"{kind}.{fmt}")
            body = _texts(saved.path)
            compact = body.replace(" ", "").replace("\u00a0", "").upper()
            found = [m for m in markers
                     if m.upper() in body.upper() or m.replace(" ", "").upper() in compact]
            assert found == [], (kind, fmt, found[:5])
    with ws.db.read() as s:
        details = [e.detail or "" for e in s.execute(select(AuditEvent).where(
            AuditEvent.action == "export:tallies")).scalars()]
    assert details and not [d for d in details for m in markers if m in d]


# -- writing and refusing ------------------------------------------------------------------
def test_a_failed_save_leaves_nothing_and_logs_nothing(demo: tuple[Workspace, DemoSummary],
                                                        tallies: dict[str, Tallies],
                                                        tmp_path: Path) -> None:
    ws, _summary = demo
    with ws.db.read() as s:
        before = len(list(s.execute(select(AuditEvent.seq).where(
            AuditEvent.action == "export:tallies")).scalars()))
    with pytest.raises(InvalidInput, match="does not exist"):
        export_tallies(ws, tallies["exact"], "csv", tmp_path / "missing" / "t.csv")
    with pytest.raises(InvalidInput, match="not an export format"):
        export_tallies(ws, tallies["exact"], "docx", tmp_path / "t.docx")
    assert list(tmp_path.iterdir()) == []  # no temporary or partial file left
    with ws.db.read() as s:
        after = len(list(s.execute(select(AuditEvent.seq).where(
            AuditEvent.action == "export:tallies")).scalars()))
    assert after == before


def test_places_a_file_cannot_be_saved_are_refused_in_plain_words(
        demo: tuple[Workspace, DemoSummary], tallies: dict[str, Tallies],
        tmp_path: Path) -> None:
    """Found by an audit: a folder, a device or an empty name as the file to save gave
    "something went wrong (IsADirectoryError)"; a device was even replaced by a file."""
    ws, _summary = demo
    folder = tmp_path / "reports"
    folder.mkdir()
    pipe = tmp_path / "pipe.csv"  # not an ordinary file (as a device is)
    os.mkfifo(pipe)
    cases = [(folder, "That is a folder. Give a file name inside it, for example "
                      "tallies.csv."),
             (pipe, "That is not an ordinary file"),
             (Path(""), "Give the name of the file to save"),
             (tmp_path / "missing" / "t.csv", "does not exist"),
             # an export named like the database would have replaced it
             (ws.db.paths.database, "csn-desk's own data folder"),
             (ws.db.paths.root / "t.csv", "csn-desk's own data folder")]
    for out, words in cases:
        with pytest.raises(InvalidInput) as refused:
            export_tallies(ws, tallies["exact"], "csv", out)
        assert words in str(refused.value)
    assert pipe.is_fifo() and list(folder.iterdir()) == []
    with pytest.raises(InvalidInput, match="is a folder"):  # a PDF the user prints to file
        save_pdf(b"%PDF-1.4", folder)
    with pytest.raises(InvalidInput, match="is a folder"):
        export_directory(ws, "csv", folder)
    key_file = ws.db.paths.key_file.read_bytes()
    with pytest.raises(InvalidInput, match="own data folder"):
        export_directory(ws, "oruk-json", ws.db.paths.key_file)
    with pytest.raises(InvalidInput, match="own data folder"):
        save_pdf(b"%PDF-1.4", ws.db.paths.database, data_dir=ws.db.paths.root)
    assert ws.db.paths.key_file.read_bytes() == key_file  # still the key file
    assert not (ws.db.paths.root / "t.csv").exists()
    if os.geteuid() != 0:  # (root may write anywhere)
        folder.chmod(0o500)
        try:
            with pytest.raises(InvalidInput, match="cannot save in"):
                export_tallies(ws, tallies["exact"], "csv", folder / "t.csv")
        finally:
            folder.chmod(0o700)


def test_months_not_begun_or_before_any_records_are_refused(ws: Workspace) -> None:
    """Found by an audit: 9999-12 made a report of noughts and published the network's
    snapshots of thirteen months to come; 0001-01 failed with an error's name."""
    with ws.db.read() as s:
        before = len(list(s.execute(select(TallySnapshot.id)).scalars()))
    ahead = month_of(uk_today().replace(day=28) + timedelta(days=7))  # next month
    with pytest.raises(InvalidInput, match="has not started yet"):
        compute_tallies(ws, ahead, "network")
    for text in ("9999-12", "0001-01", "1999-12"):
        with pytest.raises(InvalidInput, match="not a month csn-desk can count"):
            month(text)
    with pytest.raises(InvalidInput, match="no records from before 2000"):
        compute_tallies(ws, date_range(date(1999, 1, 1), date(2000, 2, 1)), "organisation")
    with ws.db.read() as s:
        assert len(list(s.execute(select(TallySnapshot.id)).scalars())) == before
    assert compute_tallies(ws, month_of(uk_today()), "network").period.start.day == 1


def test_hidden_small_numbers_only_for_whole_months(ws: Workspace) -> None:
    period = date_range(date(2026, 10, 1), date(2026, 10, 15))
    assert not compute_tallies(ws, period, "organisation").suppressed
    with pytest.raises(InvalidInput, match="one calendar month at a time"):
        compute_tallies(ws, period, "organisation", suppress_small=True)
    with pytest.raises(InvalidInput, match="one calendar month at a time"):
        compute_tallies(ws, period, "network")


def test_command_line_saves_each_format(demo: tuple[Workspace, DemoSummary], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ws, _summary = demo
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", DEMO_PASSPHRASE)
    folder = str(ws.db.paths.root)
    for scope, fmt in (("organisation", "xlsx"), ("site", "csv"), ("network", "pdf")):
        out = tmp_path / f"t-{scope}.{fmt}"
        code = main(["tallies", "--data-dir", folder, "--user", "demo", "--month", "2026-10",
                     "--scope", scope, "--format", fmt, "--out", str(out)])
        printed = capsys.readouterr()
        assert code == 0, printed.err
        assert out.exists() and out.stat().st_size > 1000
        assert "Saved the" in printed.out and "October 2026" in printed.out
    code = main(["tallies", "--data-dir", folder, "--user", "demo", "--month", "2026-13",
                 "--out", str(tmp_path / "x.csv")])
    assert code == 1 and "is not a month" in capsys.readouterr().err
    code = main(["tallies", "--data-dir", folder, "--user", "demo", "--month", "2026-10",
                 "--scope", "network", "--exact", "--out", str(tmp_path / "x.csv")])
    assert code == 1 and "always hide small numbers" in capsys.readouterr().err
    code = main(["tallies", "--data-dir", folder, "--user", "demo", "--from", "2026-10-01",
                 "--to", "2026-10-15", "--exact", "--out", str(tmp_path / "range.xlsx")])
    assert code == 0 and (tmp_path / "range.xlsx").exists()


# -- helpers ---------------------------------------------------------------------------------
def _october() -> object:
    from datetime import UTC, datetime

    return datetime(2026, 10, 14, 10, 0, tzinfo=UTC)


def _hostile_service(ws: Workspace) -> str:
    """A directory entry whose names would run as spreadsheet formulas."""
    with ws.db.write(ws.actor) as w:
        org = w.create(Organisation(name="@SUM(1+1)*cmd|' /C calc'!A0"))
        return w.create(Service(organisation_id=org.id,
                                name='=HYPERLINK("http://example.org","click")')).id


def test_csv_bytes_use_the_same_rows(tallies: dict[str, Tallies]) -> None:
    rows = list(csv.reader(io.StringIO(csv_bytes(tallies["exact"]).decode("utf-8-sig"))))
    summary = [r for r in rows if r[0] == "Summary"]
    assert summary[0][1] == "Enquiries" and summary[0][2].isdigit()
