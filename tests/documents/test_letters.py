"""Follow-up and referral letters, read back from the PDF: fonts, sizes, margins, the date,
names with accents and apostrophes, things kept on one line; and every refusal (no consent,
anonymous, restricted, no address, a missing value) stops before anything is printed or
logged, in words that name no one."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm
from sqlmodel import select

from csn_desk.consents import withdraw_consent
from csn_desk.documents.address import NoPostalAddress
from csn_desk.documents.letters import (
    LetterRefused,
    make_followup_letter,
    make_referral_letter,
)
from csn_desk.documents.settings import PrintSettings
from csn_desk.documents.templates import MissingValues, save_template
from csn_desk.documents.typeset import MARGIN
from csn_desk.errors import CsnError
from csn_desk.store.models import AuditEvent, Client, Document
from csn_desk.workspace import Workspace
from tests.documents import pdfcheck
from tests.documents.letterkit import (
    DAY,
    SERVICE_PHONE,
    SITE_PHONE,
    add_example_service,
    add_person,
    add_referral,
    consent,
    setup_site,
)

WINDOW = pdfcheck.mm_box(20, 45, 95, 40)  # the default DL/C5 left window


@pytest.fixture
def site(ws: Workspace) -> Workspace:
    setup_site(ws)
    return ws


def _documents(ws: Workspace) -> list[Document]:
    with ws.db.read() as s:
        return list(s.exec(select(Document)).all())


def _set(ws: Workspace, client_id: str, **changes: object) -> None:
    """Change a client row directly (restricted, erased, or data from an old import that the
    form would not accept)."""
    with ws.db.write(ws.actor) as w:
        client = w.session.get(Client, client_id)
        assert client is not None
        w.update(client, **changes)


# -- the follow-up letter --------------------------------------------------------------------
def test_large_print_follow_up_letter_reads_back_right(site: Workspace) -> None:
    ws = site
    cid = add_person(ws, "Zoë", "O'Neill", fmt="large18")
    rid = add_referral(ws, cid, add_example_service(ws))
    doc = make_followup_letter(ws, rid, day=DAY)
    pdf = doc.pdf
    assert doc.fmt == "large18" and doc.pages == pdfcheck.page_count(pdf) >= 1
    pdfcheck.assert_fonts_ok(pdf)
    pdfcheck.assert_min_size(pdf, 16)  # every character, the address block included
    pdfcheck.assert_min_size(pdf, 18, outside=WINDOW)  # the default large print size
    pdfcheck.assert_inside_margins(pdf)
    assert pdfcheck.page_sizes(pdf)[0] == pytest.approx((595.28, 841.89), abs=0.1)  # A4
    lines = pdfcheck.text_lines(pdf)
    assert "25 November 2026" in lines  # the date on a line of its own (PA-06)
    assert "Dear Zoë" in lines
    text = pdfcheck.all_text(pdf)
    assert "Zoë O'Neill" in text and "Benefits Advice Service" in text
    for piece in (SITE_PHONE, SERVICE_PHONE, "DL3 6AA", "DL1 1AA", "25 November 2026"):
        assert pdfcheck.words_on_one_line(pdf, piece), piece
    # The address shows through the window, town and postcode in capitals on their own lines.
    assert pdfcheck.text_lines(pdf, page=1, box=WINDOW) == [
        "Zoë O'Neill", "12 Example Street", "DARLINGTON", "DL3 6AA"]


def test_accented_and_apostrophised_names_print_as_text(site: Workspace) -> None:
    ws = site
    cid = add_person(ws, "Siobhán", "Ó Súilleabháin", fmt="standard", line1="Flat 2",
                     line2="12 Example Street", line3="Hurworth")
    rid = add_referral(ws, cid, add_example_service(ws))
    pdf = make_followup_letter(ws, rid, day=DAY).pdf
    window = pdfcheck.text_lines(pdf, page=1, box=WINDOW)
    assert window == ["Siobhán Ó Súilleabháin", "Flat 2, 12 Example Street", "Hurworth",
                      "DARLINGTON", "DL3 6AA"]
    assert "Dear Siobhán" in pdfcheck.text_lines(pdf)
    pdfcheck.assert_fonts_ok(pdf)


@pytest.mark.parametrize(("code", "body"), [("clear", 14.0), ("large16", 16.0),
                                            ("large18", 18.0), ("large24", 24.0)])
def test_every_format_is_laid_out_at_its_own_size(site: Workspace, code: str,
                                                  body: float) -> None:
    ws = site
    cid = add_person(ws, "Zoë", "O'Neill", fmt="not_asked")
    rid = add_referral(ws, cid, add_example_service(ws))
    doc = make_followup_letter(ws, rid, format_code=code, day=DAY)
    pdfcheck.assert_fonts_ok(doc.pdf)
    pdfcheck.assert_inside_margins(doc.pdf)
    pdfcheck.assert_min_size(doc.pdf, body, outside=WINDOW)
    pdfcheck.assert_min_size(doc.pdf, 16 if body >= 16 else 12)
    pdfcheck.assert_no_overlaps(doc.pdf)
    assert body in pdfcheck.sizes(doc.pdf)
    # Body text is left-aligned at the margin (LP-09): every line below the window starts
    # at the same place.
    starts = {round(line["x0"], 1) for line in _body_lines(doc.pdf)}
    assert starts == {round(MARGIN, 1)}
    # Never scaled: 24 pt takes more pages than clear print for the same letter (LP-14).
    if code == "large24":
        clear = make_followup_letter(ws, rid, format_code="clear", day=DAY)
        assert doc.pages > clear.pages


def _body_lines(pdf: bytes) -> list[dict[str, float]]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        lines = page.extract_text_lines()
        date_top = next(line["top"] for line in lines
                        if line["text"].replace("\xa0", " ") == "25 November 2026")
        # From the date down to above the footer: the letter's own text.
        return [line for line in lines
                if line["top"] >= date_top and line["bottom"] < page.height - 30 * mm]


def test_the_letter_is_logged_with_what_for_whom_and_format(site: Workspace) -> None:
    ws = site
    cid = add_person(ws, fmt="large24")
    rid = add_referral(ws, cid, add_example_service(ws))
    doc = make_followup_letter(ws, rid, day=DAY)
    [row] = _documents(ws)
    assert (row.id, row.kind, row.client_id, row.referral_id, row.format, row.pages,
            row.user_id, row.site_id) == (doc.document_id, "followup_letter", cid, rid,
                                          "large24", doc.pages, ws.user.id, ws.site_id)
    with ws.db.read() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "print:followup_letter")
                        ).all()
    assert [e.entity_id for e in events] == [doc.document_id]
    # The PDF's own properties name the kind of letter and the site, never the person.
    info = PdfReader(io.BytesIO(doc.pdf)).metadata
    assert info is not None and info.title == "Follow-up letter"
    assert "Zoë" not in str(dict(info)) and "O'Neill" not in str(dict(info))


def test_a_service_without_a_phone_leaves_that_paragraph_out(site: Workspace) -> None:
    ws = site
    cid = add_person(ws)
    rid = add_referral(ws, cid, add_example_service(ws, phone=None))
    text = pdfcheck.all_text(make_followup_letter(ws, rid, day=DAY).pdf)
    assert "Their phone number" not in text and "please call us on" in text


def test_a_required_value_that_is_missing_stops_before_printing(site: Workspace) -> None:
    ws = site
    save_template(ws, "followup_letter", "Follow-up",
                  "Dear {client_first_name}\n\nRing them on {service_phone}.")
    cid = add_person(ws)
    rid = add_referral(ws, cid, add_example_service(ws, phone=None))
    with pytest.raises(MissingValues, match=r"\{service_phone\}.*directory entry"):
        make_followup_letter(ws, rid, day=DAY)
    assert _documents(ws) == []


def test_an_edited_template_is_what_prints(site: Workspace) -> None:
    ws = site
    save_template(ws, "followup_letter", "A quick check",
                  "Hello {client_first_name}\n\nHow did you get on with {service_name}?\n\n"
                  "{site_name}")
    rid = add_referral(ws, add_person(ws), add_example_service(ws))
    lines = pdfcheck.text_lines(make_followup_letter(ws, rid, day=DAY).pdf)
    assert "A quick check" in lines and "Hello Zoë" in lines
    assert "How did you get on with Benefits Advice Service?" in lines


def test_a_service_outside_the_directory_is_named_from_the_referral(site: Workspace) -> None:
    ws = site
    rid = add_referral(ws, add_person(ws), None, external="Example Lunch Club")
    text = pdfcheck.all_text(make_followup_letter(ws, rid, day=DAY).pdf)
    assert "contact Example Lunch Club" in text and "Their phone number" not in text


# -- refusals --------------------------------------------------------------------------------
def _refused(ws: Workspace, rid: str, kind: type[CsnError], says: str) -> None:
    with pytest.raises(kind) as err:
        make_followup_letter(ws, rid, day=DAY)
    message = str(err.value)
    assert says in message
    for personal in ("Zoë", "O'Neill", "Example Street", "DL3"):
        assert personal not in message
    assert _documents(ws) == []


def test_anonymous_enquiry_gets_no_letter(site: Workspace) -> None:
    rid = add_referral(site, None, add_example_service(site))
    _refused(site, rid, LetterRefused, "anonymous")


def test_restricted_or_erased_person_gets_no_letter(site: Workspace) -> None:
    service = add_example_service(site)
    restricted = add_person(site)
    rid = add_referral(site, restricted, service)  # before: a restricted record takes none
    _set(site, restricted, restricted=True)
    _refused(site, rid, LetterRefused, "restricted")
    erased = add_person(site)
    rid = add_referral(site, erased, service)
    _set(site, erased, erased_at=datetime.now(UTC))
    _refused(site, rid, LetterRefused, "erased")


def test_withdrawn_or_refused_follow_up_consent_stops_the_letter(site: Workspace) -> None:
    service = add_example_service(site)
    withdrawn = add_person(site)
    withdraw_consent(site, consent(site, withdrawn, "contact_followup"))
    _refused(site, add_referral(site, withdrawn, service), LetterRefused,
             "has not agreed to be contacted")
    refused = add_person(site)
    consent(site, refused, "contact_followup", given=False)
    _refused(site, add_referral(site, refused, service), LetterRefused,
             "has not agreed to be contacted")
    # Never asked is not agreed (resources/consent_rules.json: followup_letter needs the
    # consent in force); given consent is fine.
    never_asked = add_person(site, followup_consent=False)
    _refused(site, add_referral(site, never_asked, service), LetterRefused,
             "has not agreed to be contacted")
    given = add_person(site)
    consent(site, given, "contact_followup")
    assert make_followup_letter(site, add_referral(site, given, service), day=DAY).pages


def test_do_not_contact_gets_no_letter(site: Workspace) -> None:
    cid = add_person(site, contact="none")
    _refused(site, add_referral(site, cid, add_example_service(site)), LetterRefused,
             "asked not to be contacted")


@pytest.mark.parametrize(("changes", "says"), [
    ({"address_line1": None}, "no first line of address"),
    ({"post_town": None}, "no post town"),
    ({"postcode": None}, "no postcode"),
    ({"postcode": "DL3"}, "not a UK postcode"),
])
def test_no_usable_postal_address_says_what_to_add(site: Workspace, changes: dict[str, object],
                                                   says: str) -> None:
    cid = add_person(site)
    rid = add_referral(site, cid, add_example_service(site))
    _set(site, cid, **changes)
    _refused(site, rid, NoPostalAddress, says)


# -- the referral letter to the service ------------------------------------------------------
def test_referral_letter_needs_consent_to_share(site: Workspace) -> None:
    ws = site
    service = add_example_service(ws)
    cid = add_person(ws)
    not_shared = add_referral(ws, cid, service)  # signposted, no consent on the referral
    shared = add_referral(ws, cid, service, share=True)
    for rid in (not_shared, shared):  # no share_referral consent recorded yet
        with pytest.raises(LetterRefused, match="has not agreed to share.*record their "
                                                "consent first"):
            make_referral_letter(ws, rid, day=DAY)
    consent_id = consent(ws, cid, "share_referral")
    with pytest.raises(LetterRefused):
        make_referral_letter(ws, not_shared, day=DAY)  # the referral itself says no
    assert make_referral_letter(ws, shared, day=DAY).pages == 1
    withdraw_consent(ws, consent_id)
    with pytest.raises(LetterRefused, match="has not agreed to share"):
        make_referral_letter(ws, shared, day=DAY)
    assert [d.kind for d in _documents(ws)] == ["referral_letter"]


def test_referral_letter_goes_to_the_service_in_clear_print(site: Workspace) -> None:
    ws = site
    cid = add_person(ws, "Siobhán", "O'Neill", fmt="large24", phone="01632 960456")
    consent(ws, cid, "share_referral")
    rid = add_referral(ws, cid, add_example_service(ws), share=True)
    doc = make_referral_letter(ws, rid, day=DAY)
    assert doc.fmt == "standard"
    pdfcheck.assert_fonts_ok(doc.pdf)
    pdfcheck.assert_inside_margins(doc.pdf)
    pdfcheck.assert_min_size(doc.pdf, 14, outside=WINDOW)
    pdfcheck.assert_min_size(doc.pdf, 12)
    # Five lines at most: the building's name gives way to the organisation's.
    assert pdfcheck.text_lines(doc.pdf, page=1, box=WINDOW) == [
        "Benefits Advice Service", "Example Advice Trust", "20 Example Road", "DARLINGTON",
        "DL3 7AA"]
    text = pdfcheck.all_text(doc.pdf)
    assert "refer Siobhán O'Neill to Benefits Advice Service" in text
    assert "12 Example Street, DARLINGTON, DL3 6AA" in text
    assert "large print 24 pt" in text and "money and benefits" in text
    assert pdfcheck.words_on_one_line(doc.pdf, "01632 960456")
    [row] = _documents(ws)
    assert (row.kind, row.format, row.referral_id) == ("referral_letter", "standard", rid)


def test_referral_letter_needs_a_directory_service_with_an_address(site: Workspace) -> None:
    ws = site
    cid = add_person(ws)
    consent(ws, cid, "share_referral")
    outside = add_referral(ws, cid, None, share=True, external="Example Lunch Club")
    with pytest.raises(LetterRefused, match="not in the directory"):
        make_referral_letter(ws, outside, day=DAY)
    no_address = add_referral(ws, cid, add_example_service(ws, address=False), share=True)
    with pytest.raises(NoPostalAddress, match="directory entry"):
        make_referral_letter(ws, no_address, day=DAY)
    assert _documents(ws) == []


def test_a_moved_window_setting_is_used(site: Workspace) -> None:
    from csn_desk.documents.settings import save_print_settings

    ws = site
    save_print_settings(ws, PrintSettings(window_left_mm=100, window_top_mm=50,
                                          window_width_mm=90, window_height_mm=40))
    rid = add_referral(ws, add_person(ws), add_example_service(ws))
    pdf = make_followup_letter(ws, rid, day=DAY).pdf
    assert pdfcheck.text_lines(pdf, page=1, box=pdfcheck.mm_box(100, 50, 90, 40)) == [
        "Zoë O'Neill", "12 Example Street", "DARLINGTON", "DL3 6AA"]
