"""The recipient address block of a letter, laid out the UK way and placed to show through a
window envelope.

UK layout (PA-03, PA-04): up to five left-aligned lines (name; house and street; locality;
POST TOWN in capitals; postcode in capitals on its own line), no commas or full stops at the
ends of lines. The block sits in the envelope window (a print setting, mm from the top-left
of the sheet: PA-05) with a small inset, so it stays visible when the letter moves in the
envelope. It is set at the letter's body size when it fits; otherwise only the address block
shrinks, never below 12 pt, and a warning says when even that does not fit (documents.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from csn_desk.documents.fonts import REGULAR, register_fonts
from csn_desk.documents.settings import PrintSettings
from csn_desk.errors import InvalidInput
from csn_desk.postcodes import normalise

MAX_LINES = 5
MIN_SIZE = 12.0  # the address never goes below this, even to fit the window
STEP = 0.5
# Address lines are a list: tighter than body text. The tighter spacing is tried before a
# smaller size, so a five-line address in large print can usually stay at 16 pt or more.
LEADINGS = (1.2, 1.1)
INSET_X = 4 * mm  # room for the letter to move in the envelope
INSET_Y = 3 * mm
TOO_BIG = ("The address is too long for the envelope window even at 12 pt; check that it "
           "shows through the window before posting, or use a plain envelope.")


class NoPostalAddress(InvalidInput):
    """There is no usable postal address to print (what to add is in the message)."""


def _line(text: str | None) -> str | None:
    """One address line: single spaces, no comma or full stop at the end."""
    if text is None:
        return None
    cleaned = " ".join(text.split()).rstrip(" ,.;")
    return cleaned or None


def postal_lines(names: Sequence[str | None], street: Sequence[str | None],
                 post_town: str | None, postcode: str | None, *, whose: str,
                 fix: str) -> tuple[str, ...]:
    """The address as at most five lines: ``names[0]`` is the addressee, later names are
    dropped first when there is no room; then street lines are joined (the first two on one
    line) rather than lose any of them. ``whose`` ("This person's record") and ``fix``
    ("their record") make the refusal say what to add, without repeating the data."""
    street_lines = [x for x in (_line(s) for s in street) if x]
    town = (_line(post_town) or "").upper()
    if not street_lines:
        raise NoPostalAddress(f"{whose} has no first line of address (house and street); add "
                              f"the postal address to {fix} first.")
    if not town:
        raise NoPostalAddress(f"{whose} has no post town; add the town (like DARLINGTON) to "
                              f"{fix} first.")
    if not (postcode or "").strip():
        raise NoPostalAddress(f"{whose} has no postcode; add it to {fix} first.")
    try:
        code = normalise(postcode or "")
    except InvalidInput:
        raise NoPostalAddress(f"{whose} has a postcode that is not a UK postcode; correct it "
                              f"on {fix} (it should look like DL1 1AA).") from None
    if street_lines and street_lines[-1].upper() == town:
        street_lines.pop()  # the locality repeated as the town
    people = [x for x in (_line(n) for n in names) if x]
    while len(people) + len(street_lines) + 2 > MAX_LINES and len(people) > 1:
        people.pop()
    while len(people) + len(street_lines) + 2 > MAX_LINES and len(street_lines) > 1:
        street_lines[0:2] = [f"{street_lines[0]}, {street_lines[1]}"]
    return (*people, *street_lines, town, code)


@dataclass(frozen=True)
class Rect:
    """A rectangle in points, measured from the top-left corner of the page."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @classmethod
    def window(cls, settings: PrintSettings) -> Rect:
        return cls(settings.window_left_mm * mm, settings.window_top_mm * mm,
                   settings.window_width_mm * mm, settings.window_height_mm * mm)


@dataclass(frozen=True)
class AddressLayout:
    lines: tuple[str, ...]
    size: float
    leading: float
    left: float  # points from the left edge
    first_baseline: float  # points from the top edge
    fits: bool

    @property
    def warning(self) -> str | None:
        return None if self.fits else TOO_BIG


def block_extent(lines: Sequence[str], size: float, leading: float = LEADINGS[0]
                 ) -> tuple[float, float]:
    """(width, height) in points of the lines set at ``size`` with line spacing ``leading``
    (a factor of the size), from the top of the tallest accent to the bottom of the deepest
    descender."""
    register_fonts()
    ascent, descent = pdfmetrics.getAscentDescent(REGULAR, size)
    width = max((pdfmetrics.stringWidth(line, REGULAR, size) for line in lines), default=0.0)
    height = (len(lines) - 1) * size * leading + ascent - descent
    return width, height


def _fitting(lines: Sequence[str], room_w: float, room_h: float, body_size: float
             ) -> tuple[float, float, float, bool]:
    """(size, leading factor, height, fits): the largest size from the body size down to
    12 pt at which the block fits; 12 pt and not fitting when none does."""
    size = max(body_size, MIN_SIZE)
    while True:
        for leading in LEADINGS:
            width, height = block_extent(lines, size, leading)
            if width <= room_w and height <= room_h:
                return size, leading, height, True
        if size <= MIN_SIZE:
            return size, LEADINGS[-1], height, False
        size = max(MIN_SIZE, size - STEP)


def layout_address(lines: Sequence[str], window: Rect, body_size: float) -> AddressLayout:
    """The block at the largest size that fits inside the window less the inset, centred
    vertically in it, left-aligned."""
    register_fonts()
    room_w, room_h = window.width - 2 * INSET_X, window.height - 2 * INSET_Y
    size, leading, height, fits = _fitting(lines, room_w, room_h, body_size)
    ascent = pdfmetrics.getAscentDescent(REGULAR, size)[0]
    # Centred when it fits (the most room for the letter to move either way); when it does
    # not, it starts at the top of the window so the name and street show.
    top = window.top + INSET_Y + (max(0.0, room_h - height) / 2 if fits else 0.0)
    return AddressLayout(tuple(lines), size, size * leading, window.left + INSET_X,
                         top + ascent, fits)


def draw_address(canvas: Canvas, layout: AddressLayout) -> None:
    """Draw the block on the first page (canvas origin bottom-left, as ReportLab's)."""
    page_height = canvas._pagesize[1]
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(REGULAR, layout.size, leading=layout.leading)
    for i, line in enumerate(layout.lines):
        canvas.drawString(layout.left, page_height - layout.first_baseline - i * layout.leading,
                          line)
    canvas.restoreState()
