"""The referral slip, read back from the PDF: sizes, fonts, margins, nothing split, blocks
kept whole, the client's format by default, and every slip logged."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pdfplumber
import pypdfium2
import pytest
import zxingcpp
from sqlmodel import select

from csn_desk.cli.main import main
from csn_desk.client_history import client_history
from csn_desk.clients import ClientInput, add_client, update_client
from csn_desk.demo.sample_documents import SAMPLE_DAY, add_sample_enquiry, add_sample_services
from csn_desk.documents.settings import PrintSettings, save_print_settings
from csn_desk.documents.slip import make_slip, slip_content
from csn_desk.documents.typeset import SAFE_MARGIN
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.errors import InvalidInput, NotFound
from csn_desk.referrals import ReferralDraft
from csn_desk.sites import update_site_details
from csn_desk.store.models import AuditEvent, Client, Document
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE

FONTS = {"AtkinsonHyperlegible-Regular", "AtkinsonHyperlegible-Bold"}  # embedded names


@pytest.fixture
def services(ws: Workspace) -> list[str]:
    update_site_details(ws, name="Demo Counter (fictional)", phone="01632 960000",
                        address_line1="1 Example Street", post_town="Darlington",
                        postcode="dl1 1aa")
    return add_sample_services(ws)


def pages(pdf: bytes) -> Iterator[pdfplumber.page.Page]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        yield from doc.pages


def lines(pdf: bytes) -> list[tuple[int, str]]:
    """(page number, text line) for every line, with no-break spaces read as spaces."""
    out = []
    for n, page in enumerate(pages(pdf), 1):
        for line in (page.extract_text() or "").splitlines():
            out.append((n, line.replace("\u00a0", " ")))
    return out


def all_chars(pdf: bytes) -> list[dict]:  # type: ignore[type-arg]
    return [c for page in pages(pdf) for c in page.chars if c["text"].strip()]


def base_font(name: str) -> str:
    return name.split("+", 1)[-1]  # subset prefix "ABCDEF+Name"


def slip(ws: Workspace, enquiry: str, fmt: str | None = None) -> bytes:
    return make_slip(ws, enquiry, format_code=fmt, day=SAMPLE_DAY).pdf


def test_large_print_slip_is_all_atkinson_at_18pt_inside_the_margins(
        ws: Workspace, services: list[str]) -> None:
    enquiry = add_sample_enquiry(ws, services, preferred_format="large18")
    pdf = slip(ws, enquiry)
    chars = all_chars(pdf)
    assert chars
    assert min(c["size"] for c in chars) >= 18 - 0.01
    assert {base_font(c["fontname"]) for c in chars} <= FONTS
    assert not any("italic" in c["fontname"].lower() or "oblique" in c["fontname"].lower()
                   for c in chars)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            assert (round(page.width), round(page.height)) == (595, 842)  # A4
            for c in page.chars:
                assert c["x0"] >= SAFE_MARGIN - 0.5 and c["x1"] <= page.width - SAFE_MARGIN
                assert c["top"] >= SAFE_MARGIN - 0.5
                assert c["bottom"] <= page.height - SAFE_MARGIN + 0.5


@pytest.mark.parametrize("fmt", ["standard", "large16", "large18", "large24"])
def test_phones_postcodes_times_and_dates_are_never_split(ws: Workspace, services: list[str],
                                                         fmt: str) -> None:
    enquiry = add_sample_enquiry(ws, services)
    text = [line for _, line in lines(slip(ws, enquiry, fmt))]
    joined = "\n".join(text)
    for piece in ("01632 960123", "01632 960456", "01632 960789", "01632 960000", "DL1 1AA",
                  "DL3 7AB", "11:30am to 2pm", "9am to 5pm", "9am to 12:30pm",
                  "24 December 2026", "2 January 2027", "21 December 2026", "£3.50 per meal",
                  "£10 an hour"):
        assert any(piece in line for line in text), (fmt, piece, joined)


def test_each_service_block_stays_on_one_page(ws: Workspace, services: list[str]) -> None:
    """At 14 and 18 pt every block is whole on one page. At 24 pt a block taller than a page
    starts on a fresh page and says so at every break: "continues on the next page" at the
    foot, "(continued)" at the top of the next."""
    enquiry = add_sample_enquiry(ws, services)
    starts = ("Warm Welcome Lunch Club", "Benefits Check Helpline", "Handy Person Small",
              "If you need help")
    for fmt in ("standard", "large18", "large24"):
        found = lines(slip(ws, enquiry, fmt))
        heads = [next(i for i, (_, line) in enumerate(found) if line.startswith(start))
                 for start in starts]
        assert heads == sorted(heads)
        for first, after in zip(heads, heads[1:], strict=False):
            block = found[first:after]
            block_pages = sorted({page for page, _ in block})
            if fmt != "large24":
                assert len(block_pages) == 1, (fmt, found[first][1], block_pages)
                continue
            assert found[first - 1][0] < block[0][0] or first == 0 or (
                found[first - 1][1].startswith("We suggested"))
            for page in block_pages[1:]:
                on_page = [line for p, line in block if p == page]
                before = [line for p, line in block if p == page - 1]
                assert "(continued)" in " ".join(on_page[:3]), (page, on_page[:3])
                assert any("continues on the next page" in line for line in before[-2:])


def test_large_print_is_laid_out_again_not_scaled(ws: Workspace, services: list[str]) -> None:
    enquiry = add_sample_enquiry(ws, services)
    clear, large = slip(ws, enquiry, "standard"), slip(ws, enquiry, "large24")
    clear_pages, large_pages = list(pages(clear)), list(pages(large))
    assert (clear_pages[0].width, clear_pages[0].height) == (large_pages[0].width,
                                                             large_pages[0].height)
    assert len(large_pages) > len(clear_pages)
    assert min(c["size"] for c in all_chars(clear)) >= 14 - 0.01
    assert min(c["size"] for c in all_chars(large)) >= 24 - 0.01
    assert len(lines(large)) > len(lines(clear))  # re-wrapped at the larger size


def test_opening_times_show_closures_bank_holidays_and_alerts(
        ws: Workspace, services: list[str]) -> None:
    enquiry = add_sample_enquiry(ws, services)
    text = " ".join(line for _, line in lines(slip(ws, enquiry, "standard")))
    assert "Open today, 11:30am to 2pm" in text  # the lunch club on Monday 21 December
    assert "Monday, Wednesday and Friday: 11:30am to 2pm" in text
    assert "Monday to Friday: 9am to 5pm" in text
    assert "Closed 24 December 2026 to 2 January 2027 (Christmas break)" in text
    assert "Closed Friday 25 December 2026 (Christmas Day)" in text  # the helpline
    assert "From 5 January the club meets in the church hall" in text
    later = make_slip(ws, enquiry, format_code="standard", day=date(2027, 3, 1)).pdf
    later_text = " ".join(line for _, line in lines(later))
    assert "Christmas" not in later_text and "church hall" not in later_text


def test_the_default_format_follows_the_client_and_their_age(ws: Workspace,
                                                             services: list[str]) -> None:
    enquiry = add_sample_enquiry(ws, services, preferred_format="large24")
    assert make_slip(ws, enquiry, day=SAMPLE_DAY).fmt == "large24"
    assert min(c["size"] for c in all_chars(slip(ws, enquiry))) >= 24 - 0.01
    older = add_sample_enquiry(ws, services, preferred_format="not_asked")  # aged 80+
    assert slip_content(ws, older, day=SAMPLE_DAY).fmt.code == "large18"
    young = add_client(ws, ClientInput(given_name="Sam", family_name="Example",
                                       age_band="35_49"))
    eid = save_enquiry(ws, EnquiryDraft(channel="walk_in", enquirer_type="self",
                                        needs=(NeedInput(code="clubs_groups"),),
                                        client_id=young),
                       [ReferralDraft(kind="signposted", service_id=services[0])])
    assert slip_content(ws, eid, day=SAMPLE_DAY).fmt.code == "standard"
    update_client(ws, young, disability="Macular degeneration",
                  article9_condition="explicit_consent")
    assert slip_content(ws, eid, day=SAMPLE_DAY).fmt.code == "large18"


def test_accented_first_names_print_as_text(ws: Workspace, services: list[str]) -> None:
    for name in ("Zoë", "Siobhán"):
        enquiry = add_sample_enquiry(ws, services[:1], given_name=name,
                                     family_name="Ó Súilleabháin (fictional)")
        text = " ".join(line for _, line in lines(slip(ws, enquiry, "large18")))
        assert f"For: {name}" in text


def test_anonymous_slip_has_no_name_and_hostile_text_is_printed_literally(
        ws: Workspace, services: list[str]) -> None:
    eid = save_enquiry(ws, EnquiryDraft(channel="walk_in", enquirer_type="self",
                                        needs=(NeedInput(code="other"),), age_band="65_79"),
                       [ReferralDraft(kind="signposted",
                                      external_service="<b>Bold & Co</b> " + "x" * 120)])
    pdf = slip(ws, eid)
    text = " ".join(line for _, line in lines(pdf))
    assert "For:" not in text
    assert "<b>Bold & Co</b>" in text
    with pdfplumber.open(io.BytesIO(pdf)) as doc:  # the long word is wrapped, not cut off
        for page in doc.pages:
            assert all(c["x1"] <= page.width - SAFE_MARGIN for c in page.chars)


def test_every_slip_is_logged_with_an_audit_event(ws: Workspace, services: list[str]) -> None:
    enquiry = add_sample_enquiry(ws, services)
    doc = make_slip(ws, enquiry, format_code="large16", day=SAMPLE_DAY)
    with ws.db.read() as s:
        row = s.get(Document, doc.document_id)
        assert row is not None
        assert (row.kind, row.format, row.enquiry_id, row.pages, row.user_id) == (
            "referral_slip", "large16", enquiry, doc.pages, ws.user.id)
        events = s.exec(select(AuditEvent).where(AuditEvent.entity_id == doc.document_id)).all()
        assert [e.action for e in events] == ["print:referral_slip"]
    assert row.client_id is not None
    history = client_history(ws, row.client_id)
    assert [d.id for d in history.documents] == [doc.document_id]


def test_nothing_to_print_or_not_allowed_is_refused_and_not_logged(
        ws: Workspace, services: list[str]) -> None:
    bare = save_enquiry(ws, EnquiryDraft(channel="walk_in", enquirer_type="self",
                                         needs=(NeedInput(code="other"),)))
    with pytest.raises(InvalidInput, match="no services"):
        make_slip(ws, bare)
    with pytest.raises(NotFound):
        make_slip(ws, "not-an-enquiry")
    enquiry = add_sample_enquiry(ws, services)
    client = slip_content(ws, enquiry).client_id
    assert client is not None
    with ws.db.write(ws.actor) as w:  # restriction itself is the data-protection issue's
        row = w.session.get(Client, client)
        assert row is not None
        w.update(row, restricted=True)
    with pytest.raises(InvalidInput, match="restricted"):
        make_slip(ws, enquiry)
    with ws.db.read() as s:
        assert s.exec(select(Document)).all() == []


def test_qr_code_sits_beside_the_written_address_and_can_be_turned_off(
        ws: Workspace, services: list[str]) -> None:
    enquiry = add_sample_enquiry(ws, services[:1])
    with_qr = " ".join(line for _, line in lines(slip(ws, enquiry, "standard")))
    assert "https://example.org/lunch-club" in with_qr and "Scan for the web" in with_qr
    document = pypdfium2.PdfDocument(slip(ws, enquiry, "large18"))
    decoded = [r.text for page in document
               for r in zxingcpp.read_barcodes(page.render(scale=3).to_pil())]
    assert decoded == ["https://example.org/lunch-club"]
    save_print_settings(ws, PrintSettings(slip_qr=False, slip_paper="A5"))
    pdf = slip(ws, enquiry, "standard")
    text = " ".join(line for _, line in lines(pdf))
    assert "https://example.org/lunch-club" in text and "Scan for" not in text
    first = next(pages(pdf))
    assert (round(first.width), round(first.height)) == (420, 595)  # A5 for clear print
    large = next(pages(slip(ws, enquiry, "large18")))
    assert (round(large.width), round(large.height)) == (595, 842)  # large print stays A4


def test_cli_print_slip_writes_the_pdf(ws: Workspace, services: list[str], data_dir: Path,
                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    enquiry = add_sample_enquiry(ws, services, preferred_format="large16")
    ws.close()
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "slip.pdf"
    args = ["print", "slip", "--data-dir", str(data_dir), "--user", "admin",
            "--enquiry", enquiry, "--out", str(out)]
    assert main(args) == 0
    assert min(c["size"] for c in all_chars(out.read_bytes())) >= 16 - 0.01
    assert main([*args, "--format", "large24"]) == 0
    assert min(c["size"] for c in all_chars(out.read_bytes())) >= 24 - 0.01
    assert main([*args[:-4], "--enquiry", "nope", "--out", str(tmp_path / "x.pdf")]) == 1
    assert not (tmp_path / "x.pdf").exists()


def test_follow_up_due_date_does_not_matter_to_the_slip(ws: Workspace,
                                                        services: list[str]) -> None:
    """The slip prints whatever is due; a later day moves "Open today" with it."""
    enquiry = add_sample_enquiry(ws, services[:1])
    tuesday = SAMPLE_DAY + timedelta(days=1)
    text = " ".join(line for _, line in lines(
        make_slip(ws, enquiry, format_code="standard", day=tuesday).pdf))
    assert "Closed today" in text
