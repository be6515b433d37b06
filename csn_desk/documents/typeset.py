"""Type styles and page furniture shared by slips and letters, and the rule that keeps a phone
number, postcode, date, time range or price on one line (LP-11).

ReportLab breaks lines only at ordinary spaces, so those pieces get no-break spaces (U+00A0)
between their parts; the font has that glyph."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from csn_desk.documents.fonts import BOLD, REGULAR, register_fonts
from csn_desk.documents.formats import PrintFormat

NBSP = "\u00a0"
MARGIN = 20 * mm  # left, right and top; no text is ever nearer the edge than SAFE_MARGIN
SAFE_MARGIN = 15 * mm
MEASURE_EMS = 31  # Atkinson Hyperlegible averages ~0.46 em a character: 31 em is ~68 characters

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December")
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_CLOCK = r"(?:\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm)|\d{1,2}:\d{2}|midday|midnight|noon)"
KEEP_TOGETHER = [re.compile(p, re.IGNORECASE) for p in (
    # time ranges: "9am to 5pm", "09:00 to 17:00", "10:00-16:00", "9:30am – midday"
    rf"\b{_CLOCK}\s*(?:to|until|till|-|\u2013|\u2014)\s*{_CLOCK}",
    # dates: "Monday 25 November 2026", "25 November", "25 Nov 2026"
    rf"\b(?:(?:{_DAYS})\s+)?\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?\b",
    # UK postcodes: "DL1 1AA", "EC1A 1BB"
    r"\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\b",
    # phone numbers: "01325 123456", "0800 123 4567", "+44 1325 123456", "(01325) 123 456"
    r"(?:\+44\s?\(?0?\)?\s?|\(?0)\d[\d\s()]{6,14}\d",
    # prices with their unit: "£2.50 per session", "£10 a week"
    r"£\s?\d[\d,]*(?:\.\d{2})?(?:\s+(?:per|a|an|each)\s+\w+)?",
)]


def keep_together(text: str) -> str:
    """``text`` with no-break spaces inside every phone number, postcode, date, time range
    and price, so none of them can be split across two lines."""
    for pattern in KEEP_TOGETHER:
        text = pattern.sub(lambda m: re.sub(r"\s+", NBSP, m.group(0)), text)
    return text


def markup(text: str) -> str:
    """Plain text made safe for a ReportLab paragraph: kept-together pieces, XML escaped."""
    return escape(keep_together(text)).replace("\n", "<br/>")


@dataclass(frozen=True)
class Styles:
    """Every style is the body size or larger (LP-03); emphasis is bold (LP-06); left
    aligned, no hyphenation (LP-09, LP-11); a blank line between paragraphs (LP-08)."""

    fmt: PrintFormat
    body: ParagraphStyle
    bold: ParagraphStyle
    heading: ParagraphStyle
    title: ParagraphStyle
    tight: ParagraphStyle  # body size without the paragraph gap (address lines, lists)
    tight_bold: ParagraphStyle

    @classmethod
    def for_format(cls, fmt: PrintFormat) -> Styles:
        register_fonts()
        base: dict[str, Any] = {"fontName": REGULAR, "fontSize": fmt.body,
                                "leading": fmt.leading, "alignment": TA_LEFT,
                                "spaceBefore": 0, "spaceAfter": fmt.leading,
                                "allowWidows": 0, "allowOrphans": 0,
                                # only a word wider than the whole line is split (LP-11)
                                "splitLongWords": 1,
                                "hyphenationLang": None}
        body = ParagraphStyle("body", **base)
        bold = ParagraphStyle("bold", parent=body, fontName=BOLD)
        heading = ParagraphStyle("heading", parent=bold, fontSize=fmt.heading,
                                 leading=round(fmt.heading * 1.25, 1),
                                 spaceAfter=round(fmt.body * 0.5, 1))
        title = ParagraphStyle("title", parent=bold, fontSize=fmt.title,
                               leading=round(fmt.title * 1.25, 1), spaceAfter=fmt.leading)
        tight = ParagraphStyle("tight", parent=body, spaceAfter=0)
        tight_bold = ParagraphStyle("tight_bold", parent=bold, spaceAfter=0)
        return cls(fmt, body, bold, heading, title, tight, tight_bold)

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(markup(text), style or self.body)

    def labelled(self, label: str, text: str, style: ParagraphStyle | None = None
                 ) -> Paragraph:
        """"<b>Label:</b> text" as one paragraph."""
        return Paragraph(f"<b>{escape(label)}:</b> {markup(text)}", style or self.body)


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int


def footer_height(fmt: PrintFormat) -> float:
    return fmt.leading * 1.5


def frame_size(page: tuple[float, float], fmt: PrintFormat) -> tuple[float, float]:
    """The (width, height) the text may fill on a page of this size in this format. The
    width is capped at about 68 characters of the body size (LP-19: 60 to 70 a line)."""
    width, height = page
    return (min(width - 2 * MARGIN, fmt.body * MEASURE_EMS),
            height - MARGIN - SAFE_MARGIN - footer_height(fmt))


def render(flowables: Sequence[Flowable], styles: Styles, page: tuple[float, float], *,
           title: str, footer: str,
           first_page: Callable[[Canvas, BaseDocTemplate], None] | None = None) -> Rendered:
    """Lay the flowables out on pages with the same footer in the same place on every page
    ("<footer>   Page 1 of 2", at body size: LP-03, LP-20) and return the PDF bytes."""
    buffer = io.BytesIO()
    width, height = page
    bottom = SAFE_MARGIN + footer_height(styles.fmt)
    doc = BaseDocTemplate(buffer, pagesize=page, title=title, author=footer, subject=title,
                          creator="csn-desk", leftMargin=MARGIN, rightMargin=MARGIN,
                          topMargin=MARGIN, bottomMargin=bottom, invariant=1)
    frame = Frame(MARGIN, bottom, frame_size(page, styles.fmt)[0], height - MARGIN - bottom,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")

    def on_first(canvas: Canvas, d: BaseDocTemplate) -> None:
        if first_page is not None:
            first_page(canvas, d)

    doc.addPageTemplates([PageTemplate("first", [frame], onPage=on_first,
                                       autoNextPageTemplate="later"),
                          PageTemplate("later", [frame])])
    canvas_class = _footer_canvas(footer, styles.fmt)
    doc.build(list(flowables), canvasmaker=canvas_class)
    return Rendered(pdf=buffer.getvalue(), pages=canvas_class.last_pages)


class _FooterCanvas(Canvas):
    """Draws "Page N of M" once the page count is known (ReportLab's two-step pattern)."""

    footer_text = ""
    body = 14.0
    last_pages = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved)
        type(self).last_pages = total
        for state in self._saved:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        width = self._pagesize[0]
        y = SAFE_MARGIN + self.body * 0.3
        self.setFont(REGULAR, self.body)
        self.setFillColorRGB(0, 0, 0)
        page_text = f"Page {self._pageNumber} of {total}"
        page_width = self.stringWidth(page_text, REGULAR, self.body)
        self.drawString(width - MARGIN - page_width, y, page_text)
        room = width - 2 * MARGIN - page_width - 6 * mm
        # The footer names the access point when it fits at body size; it is never shrunk
        # (LP-03) and the body always ends with the full contact details anyway.
        if self.stringWidth(self.footer_text, REGULAR, self.body) <= room:
            self.drawString(MARGIN, y, self.footer_text)


def _footer_canvas(footer: str, fmt: PrintFormat) -> type[_FooterCanvas]:
    return type("FooterCanvas", (_FooterCanvas,), {"footer_text": footer, "body": fmt.body})
