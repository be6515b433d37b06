"""The recipient address block: UK layout (PA-03, PA-04) and placed inside the envelope window
in every format and for a moved window (PA-05), shrinking only itself when it must."""

from __future__ import annotations

from dataclasses import replace

import pytest
from reportlab.lib.units import mm

from csn_desk.documents.address import (
    MIN_SIZE,
    NoPostalAddress,
    Rect,
    block_extent,
    layout_address,
    postal_lines,
)
from csn_desk.documents.formats import print_format
from csn_desk.documents.letters import LetterContent, followup_content, render_letter
from csn_desk.documents.settings import PrintSettings
from csn_desk.workspace import Workspace
from tests.documents import pdfcheck
from tests.documents.letterkit import (
    DAY,
    add_example_service,
    add_person,
    add_referral,
    setup_site,
)

WHOSE = {"whose": "This person's record", "fix": "their record"}
MOVED = PrintSettings(window_left_mm=100.0, window_top_mm=55.0, window_width_mm=90.0,
                      window_height_mm=45.0)  # a right-hand window, lower down


def test_uk_layout_capitals_own_lines_and_no_end_punctuation() -> None:
    lines = postal_lines(["Zoë O'Neill"], ["12  Example Street,", "Hurworth."],
                         " Darlington ", " dl3 6aa ", **WHOSE)
    assert lines == ("Zoë O'Neill", "12 Example Street", "Hurworth", "DARLINGTON", "DL3 6AA")


def test_never_more_than_five_lines_and_nothing_lost_from_the_street() -> None:
    lines = postal_lines(["Siobhán Ó Súilleabháin"], ["Flat 2", "12 Example Street", "Hurworth"],
                         "Darlington", "DL3 6AA", **WHOSE)
    assert lines == ("Siobhán Ó Súilleabháin", "Flat 2, 12 Example Street", "Hurworth",
                     "DARLINGTON", "DL3 6AA")
    # Extra names (a building, then the organisation) go first when there is no room.
    service = postal_lines(["Benefits Advice", "Example Advice Trust", "Example House"],
                           ["20 Example Road", "Hurworth"], "Darlington", "DL3 7AA", **WHOSE)
    assert service == ("Benefits Advice", "20 Example Road", "Hurworth", "DARLINGTON",
                       "DL3 7AA")


def test_locality_repeating_the_town_is_left_out() -> None:
    lines = postal_lines(["A Person"], ["1 Example Street", "Darlington"], "Darlington",
                         "DL1 1AA", **WHOSE)
    assert lines == ("A Person", "1 Example Street", "DARLINGTON", "DL1 1AA")


@pytest.mark.parametrize(("street", "town", "postcode", "says"), [
    ([None, "  "], "Darlington", "DL1 1AA", "first line of address"),
    (["1 Example Street"], None, "DL1 1AA", "post town"),
    (["1 Example Street"], "Darlington", None, "no postcode"),
    (["1 Example Street"], "Darlington", "QQ99 ZZZ", "not a UK postcode"),
])
def test_no_usable_address_says_what_to_add_without_the_data(
        street: list[str | None], town: str | None, postcode: str | None, says: str) -> None:
    with pytest.raises(NoPostalAddress) as err:
        postal_lines(["Zoë O'Neill"], street, town, postcode, **WHOSE)
    message = str(err.value)
    assert says in message and "their record" in message
    assert "Zoë" not in message and "QQ99" not in message and "Example" not in message


def test_block_keeps_body_size_when_it_fits_and_shrinks_only_as_needed() -> None:
    window = Rect.window(PrintSettings())
    four = ("Zoë O'Neill", "12 Example Street", "DARLINGTON", "DL3 6AA")
    assert layout_address(four, window, 14.0).size == 14.0
    assert layout_address(four, window, 18.0).size == 18.0
    big = layout_address(four, window, 24.0)
    assert MIN_SIZE <= big.size < 24.0 and big.fits
    width, height = block_extent(four, big.size, big.leading / big.size)
    assert width <= window.width and height <= window.height


def test_an_address_too_long_even_at_12_pt_warns() -> None:
    lines = ("Siobhán Ó Súilleabháin-Fitzgerald-Montgomery of Example",
             "Flat 22, The Very Long Example Building Name", "1234 Example Boulevard",
             "DARLINGTON", "DL3 6AA")
    layout = layout_address(lines, Rect.window(PrintSettings()), 18.0)
    assert layout.size == MIN_SIZE and not layout.fits
    assert layout.warning is not None and "12 pt" in layout.warning
    assert "Siobhán" not in layout.warning


def _letter(ws: Workspace, **person: object) -> tuple[LetterContent, tuple[str, ...]]:
    setup_site(ws)
    service = add_example_service(ws)
    cid = add_person(ws, **person)  # type: ignore[arg-type]
    content = followup_content(ws, add_referral(ws, cid, service), day=DAY)
    return content, content.recipient


@pytest.mark.parametrize("settings", [PrintSettings(), MOVED], ids=["default", "moved"])
@pytest.mark.parametrize("fmt", ["standard", "large16", "large18", "large24"])
def test_address_block_wholly_inside_the_window_in_every_format(
        ws: Workspace, fmt: str, settings: PrintSettings) -> None:
    content, recipient = _letter(ws, given="Siobhán", family="Ó Súilleabháin",
                                 line1="Flat 2", line2="12 Example Street", line3="Hurworth")
    rendered = render_letter(content, print_format(fmt), settings)
    window = pdfcheck.mm_box(settings.window_left_mm, settings.window_top_mm,
                             settings.window_width_mm, settings.window_height_mm)
    # Exactly the address, line for line, inside the window: town and postcode in
    # capitals, each on its own line, the postcode last.
    assert pdfcheck.text_lines(rendered.pdf, page=1, box=window) == list(recipient)
    assert recipient[-2:] == ("DARLINGTON", "DL3 6AA")
    touching = pdfcheck.chars_touching(rendered.pdf, window)
    inside = pdfcheck.chars_in(rendered.pdf, window)
    assert touching == inside, "text from the letter runs into the window"
    assert len(inside) == sum(len(line.replace(" ", "")) for line in recipient)
    # A few mm clear of the window's edges, so it still shows if the letter moves.
    left, top, right, bottom = pdfcheck.box_of(inside)
    assert left - window[0] >= 3 * mm and window[2] - right >= 3 * mm
    assert top - window[1] >= 2 * mm and window[3] - bottom >= 2 * mm
    # Only the address block may be smaller than the body, and never below 12 pt; in large
    # print a five-line address still stays at 16 pt or more.
    body = print_format(fmt).body
    assert min(c["size"] for c in inside) >= (16.0 if body >= 16 else MIN_SIZE)
    pdfcheck.assert_min_size(rendered.pdf, body, outside=window)
    assert rendered.warnings == ()


def test_moving_the_window_moves_the_address(ws: Workspace) -> None:
    content, _ = _letter(ws)
    default = render_letter(content, settings=PrintSettings())
    moved = render_letter(content, settings=MOVED)

    def block(pdf: bytes, s: PrintSettings) -> tuple[float, float, float, float]:
        window = pdfcheck.mm_box(s.window_left_mm, s.window_top_mm, s.window_width_mm,
                                 s.window_height_mm)
        return pdfcheck.box_of(pdfcheck.chars_in(pdf, window))

    before, after = block(default.pdf, PrintSettings()), block(moved.pdf, MOVED)
    assert after[0] - before[0] == pytest.approx(80 * mm, abs=1)  # 20 mm -> 100 mm
    assert after[1] > before[1]
    # The letterhead moves to the free side: left of a right-hand window.
    head = [c for c in pdfcheck.chars(moved.pdf) if c["page_number"] == 1
            and c["fontname"].endswith("Bold") and c["top"] < 30 * mm]
    assert head and max(c["x1"] for c in head) < MOVED.window_left_mm * mm


def test_letter_warns_when_the_address_cannot_fit(ws: Workspace) -> None:
    content, _ = _letter(ws, given="Siobhán-Bernadette-Philomena",
                         family="Ó Súilleabháin-Fitzgerald-Montgomery",
                         line1="Flat 22, The Very Long Example Building Name",
                         line2="1234 Example Boulevard")
    narrow = replace(PrintSettings(), window_width_mm=60.0)
    rendered = render_letter(content, settings=narrow)
    assert len(rendered.warnings) == 1 and "12 pt" in rendered.warnings[0]
    assert pdfcheck.sizes(rendered.pdf) >= {MIN_SIZE, print_format("large18").body}
