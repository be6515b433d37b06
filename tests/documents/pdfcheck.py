"""Read a produced PDF back and check it the way documents.md asks: every character's font and
size, where it sits on the page, and whether a phone number or postcode stayed on one line.

Shared by the slip, letter and batch tests. Positions are in points with the origin at the
top-left of the page (pdfplumber's ``top``/``bottom``), as the window setting is measured."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import pdfplumber
from reportlab.lib.units import mm

from csn_desk.documents.typeset import SAFE_MARGIN

ALLOWED_FONTS = frozenset({"AtkinsonHyperlegible-Regular", "AtkinsonHyperlegible-Bold"})
NBSP = "\u00a0"
TOLERANCE = 0.01  # points: rounding in the PDF's numbers

Char = dict[str, Any]
Box = tuple[float, float, float, float]  # left, top, right, bottom in points, from top-left


def _open(pdf: bytes) -> Any:
    return pdfplumber.open(io.BytesIO(pdf))


def base_font(name: str) -> str:
    """``"AAAAAA+AtkinsonHyperlegible-Bold"`` -> ``"AtkinsonHyperlegible-Bold"``."""
    return name.split("+", 1)[1] if "+" in name else name


def chars(pdf: bytes) -> list[Char]:
    """Every character on every page, each with ``page_number``, ``page_width`` and
    ``page_height`` added. Spaces drawn by the layout are included."""
    found: list[Char] = []
    with _open(pdf) as doc:
        for page in doc.pages:
            for c in page.chars:
                found.append({**c, "page_width": float(page.width),
                              "page_height": float(page.height)})
    return found


def visible(cs: Iterable[Char]) -> list[Char]:
    """Characters that put ink on paper (not spaces)."""
    return [c for c in cs if c["text"].strip() and c["text"] != NBSP]


def page_count(pdf: bytes) -> int:
    with _open(pdf) as doc:
        return len(doc.pages)


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    with _open(pdf) as doc:
        return [(float(p.width), float(p.height)) for p in doc.pages]


def assert_fonts_ok(pdf: bytes) -> None:
    """Atkinson Hyperlegible regular or bold only: no italic or oblique, no other face, and
    no rotated text (LP-04, LP-05, LP-10)."""
    cs = chars(pdf)
    assert cs, "the PDF has no text"
    fonts = {base_font(c["fontname"]) for c in cs}
    assert fonts <= ALLOWED_FONTS, f"unexpected fonts: {sorted(fonts - ALLOWED_FONTS)}"
    assert not any("italic" in f.lower() or "oblique" in f.lower() for f in fonts)
    tilted = [c["text"] for c in cs if not c["upright"]]
    assert not tilted, f"text set at an angle: {''.join(tilted[:20])!r}"


def assert_min_size(pdf: bytes, pt: float, *, outside: Box | None = None,
                    pages: Sequence[int] | None = None) -> None:
    """Every character is at least ``pt`` points (optionally ignoring those inside the
    ``outside`` box on page 1, e.g. an address block allowed to shrink)."""
    small = []
    for c in visible(chars(pdf)):
        if pages is not None and c["page_number"] not in pages:
            continue
        if outside is not None and c["page_number"] == 1 and inside(c, outside):
            continue
        if c["size"] < pt - TOLERANCE:
            small.append((c["text"], round(c["size"], 2)))
    assert not small, f"{len(small)} characters smaller than {pt} pt, e.g. {small[:10]}"


def sizes(pdf: bytes) -> set[float]:
    return {round(c["size"], 2) for c in visible(chars(pdf))}


def assert_inside_margins(pdf: bytes, margin: float = SAFE_MARGIN) -> None:
    """No ink nearer than ``margin`` points to any edge of its page."""
    outside = [c["text"] for c in visible(chars(pdf))
               if c["x0"] < margin - TOLERANCE or c["top"] < margin - TOLERANCE
               or c["x1"] > c["page_width"] - margin + TOLERANCE
               or c["bottom"] > c["page_height"] - margin + TOLERANCE]
    assert not outside, f"text inside the {margin / mm:.0f} mm margin: {''.join(outside[:40])!r}"


def inside(c: Char, box: Box) -> bool:
    left, top, right, bottom = box
    return (c["x0"] >= left - TOLERANCE and c["x1"] <= right + TOLERANCE
            and c["top"] >= top - TOLERANCE and c["bottom"] <= bottom + TOLERANCE)


def overlaps(c: Char, box: Box) -> bool:
    left, top, right, bottom = box
    return c["x0"] < right and c["x1"] > left and c["top"] < bottom and c["bottom"] > top


def mm_box(left_mm: float, top_mm: float, width_mm: float, height_mm: float) -> Box:
    return (left_mm * mm, top_mm * mm, (left_mm + width_mm) * mm, (top_mm + height_mm) * mm)


def _norm(text: str) -> str:
    return " ".join(text.replace(NBSP, " ").split())


def text_lines(pdf: bytes, *, page: int | None = None, box: Box | None = None) -> list[str]:
    """The text as lines (no-break spaces read as spaces), page by page in reading order;
    only page ``page`` (1-based) and only characters wholly inside ``box`` when given."""
    lines: list[str] = []
    with _open(pdf) as doc:
        for number, p in enumerate(doc.pages, start=1):
            if page is not None and number != page:
                continue
            region = p
            if box is not None:
                region = p.filter(lambda o: o.get("object_type") != "char"
                                  or inside(o, box))
            lines += [_norm(line["text"]) for line in region.extract_text_lines()]
    return [line for line in lines if line]


def all_text(pdf: bytes) -> str:
    return "\n".join(text_lines(pdf))


def words_on_one_line(pdf: bytes, text: str) -> bool:
    """Whether ``text`` (e.g. "01632 960000" or "DL1 1AA") appears whole on one line
    somewhere, so it was not split across two (LP-11)."""
    wanted = _norm(text)
    return any(wanted in line for line in text_lines(pdf))


def box_of(cs: Sequence[Char]) -> Box:
    return (min(c["x0"] for c in cs), min(c["top"] for c in cs),
            max(c["x1"] for c in cs), max(c["bottom"] for c in cs))


def chars_in(pdf: bytes, box: Box, page: int = 1) -> list[Char]:
    """The visible characters wholly inside ``box`` on ``page``."""
    return [c for c in visible(chars(pdf)) if c["page_number"] == page and inside(c, box)]


def chars_touching(pdf: bytes, box: Box, page: int = 1) -> list[Char]:
    """The visible characters that overlap ``box`` at all on ``page``."""
    return [c for c in visible(chars(pdf)) if c["page_number"] == page and overlaps(c, box)]


def assert_no_overlaps(pdf: bytes) -> None:
    """No two words touch each other's box on any page: nothing drawn over anything else
    (the letterhead over the body, the body over the address window)."""
    with _open(pdf) as doc:
        for number, page in enumerate(doc.pages, start=1):
            words = page.extract_words(keep_blank_chars=False, use_text_flow=True)
            boxes = sorted(((w["x0"], w["top"], w["x1"], w["bottom"]) for w in words),
                           key=lambda b: b[1])
            for i, a in enumerate(boxes):
                for b in boxes[i + 1:]:
                    if b[1] >= a[3] - TOLERANCE:
                        break  # sorted by top: nothing further down can reach a
                    clash = (a[0] < b[2] - TOLERANCE and b[0] < a[2] - TOLERANCE)
                    assert not clash, f"page {number}: two pieces of text overlap at {a}, {b}"
