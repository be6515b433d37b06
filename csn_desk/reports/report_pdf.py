"""The tallies report as a clear-print PDF (documents.md "Reports"): A4 portrait, Atkinson
Hyperlegible, body 14 pt, tables and chart labels 12 pt (the bottom of clear print), headings
larger; the period and the place on top, the suppression rule when applied, tables with
clear headings and totals, and bar charts where a manager would rather look than read.

Charts never rely on colour: one dark colour, every bar labelled with its number, and each
chart followed by a table of the same numbers. A hidden count is not drawn as a bar; its
label says "<5" or "*". The long lists (organisations, services) show the 20 largest shown
counts and say how many more the spreadsheet export lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer, Table
from reportlab.platypus import TableStyle as RLTableStyle

from csn_desk.documents.fonts import BOLD, REGULAR, register_fonts
from csn_desk.documents.formats import print_format
from csn_desk.documents.typeset import Rendered, Styles, frame_size, render
from csn_desk.reports.tables import Cell, Row
from csn_desk.reports.tables import Table as TallyTable
from csn_desk.reports.tallies import Tallies
from csn_desk.timefmt import long_date, to_uk

SMALL_PT = 12.0  # tables and chart labels: clear print's smallest size (LP-02)
BAR = colors.HexColor("#1f3d7a")  # dark blue on white; the numbers carry the meaning
LONG_LISTS = ("referral_orgs", "referral_services")
TOP = 20
CHARTED = ("needs", "need_outcomes", "unmet", "referral_outcomes")


def _styles() -> tuple[Styles, Styles]:
    body = print_format("standard")
    small = replace(body, body=SMALL_PT)
    return Styles.for_format(body), Styles.for_format(small)


class _Numbers:
    def __init__(self, st: Styles) -> None:
        self.right = st.tight.clone("right", alignment=2)
        self.right_bold = st.tight_bold.clone("right_bold", alignment=2)


def _table(st: Styles, headings: Sequence[str], rows: Sequence[Row], width: float
           ) -> Table:
    nums = _Numbers(st)
    label_width = width * 0.42
    number_width = (width - label_width) / max(1, len(headings) - 1)
    data: list[list[Paragraph]] = [[Paragraph(escape(headings[0]), st.tight_bold)] + [
        Paragraph(escape(h), nums.right_bold) for h in headings[1:]]]
    for row in rows:
        label_style = st.tight_bold if row.total else st.tight
        value_style = nums.right_bold if row.total else nums.right
        data.append([Paragraph(escape(row.label), label_style)]
                    + [Paragraph(escape(c.text), value_style) for c in row.cells])
    table = Table(data, colWidths=[label_width] + [number_width] * (len(headings) - 1),
                  repeatRows=1, hAlign="LEFT")
    table.setStyle(RLTableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 1.2, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, colors.black),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def bar_chart(labels: Sequence[str], cells: Sequence[Cell], width: float, title: str
              ) -> Drawing:
    """Horizontal bars, one per label, each with its number (or its "<5"/"*") beside it."""
    register_fonts()
    from reportlab.pdfbase.pdfmetrics import stringWidth

    row_h = SMALL_PT * 1.9
    label_w = min(width * 0.5, max(stringWidth(t, REGULAR, SMALL_PT) for t in labels) + 8)
    values = [float(c.value) if c.mark is None and c.value is not None else 0.0
              for c in cells]
    texts = [c.text for c in cells]
    number_w = max(stringWidth(t, REGULAR, SMALL_PT) for t in texts) + 8
    bar_room = max(20.0, width - label_w - number_w)
    top = max(values) if values and max(values) > 0 else 1.0
    height = row_h * len(labels) + 4
    d = Drawing(width, height)
    d.setProperties({"title": title})
    x0 = label_w
    d.add(Line(x0, 0, x0, height, strokeColor=colors.black, strokeWidth=0.8))
    for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        y = height - (i + 1) * row_h
        d.add(String(x0 - 6, y + row_h * 0.3, label, fontName=REGULAR, fontSize=SMALL_PT,
                     textAnchor="end"))
        length = bar_room * value / top
        if length > 0:
            d.add(Rect(x0, y + row_h * 0.15, length, row_h * 0.7, fillColor=BAR,
                       strokeColor=BAR, strokeWidth=0))
        d.add(String(x0 + length + 4, y + row_h * 0.3, text, fontName=BOLD,
                     fontSize=SMALL_PT, textAnchor="start"))
    return d


def _section(st: Styles, heading: str, parts: list[Flowable]) -> list[Flowable]:
    """A heading kept with what follows it."""
    return [CondPageBreak(st.fmt.heading * 5), KeepTogether([st.p(heading, st.heading),
                                                            *parts[:1]]), *parts[1:],
            Spacer(1, st.fmt.leading * 0.6)]


def _long_list(table: TallyTable, suppressed: bool) -> tuple[list[Row], int]:
    """The TOP rows with the largest shown counts (hidden ones are never ranked), then the
    total row; and how many rows were left out."""
    items = [r for r in table.rows if not r.total]
    totals = [r for r in table.rows if r.total]
    shown = [r for r in items if r.cells[0].mark is None and r.cells[0].value]
    ranked = sorted(shown, key=lambda r: (-(r.cells[0].value or 0), r.label.lower()))
    if not suppressed:
        ranked = sorted(items, key=lambda r: (-(r.cells[0].value or 0), r.label.lower()))
    kept = ranked[:TOP]
    return kept + totals, len(items) - len(kept)


def report_story(tallies: Tallies, contact: str) -> list[Flowable]:
    st, small = _styles()
    width = frame_size(A4, st.fmt)[0]
    produced = to_uk(tallies.produced_at)
    story: list[Flowable] = [
        st.p(f"Tallies for {tallies.period.label}", st.title),
        st.labelled("Place", tallies.place, st.tight)]
    if tallies.scope == "site":
        story.append(st.labelled("Organisation", tallies.organisation, st.tight))
    story += [
        st.labelled("Compared with", f"{tallies.comparisons[1].label} (the period before) "
                                     f"and {tallies.comparisons[2].label} (a year earlier)",
                    st.tight),
        st.labelled("Produced", f"{long_date(produced.date())} at {tallies.produced_by}",
                    st.body),
    ]
    for note in tallies.notes:
        story.append(st.p(note, st.bold if note is tallies.notes[0] else st.body))
    columns = tallies.short_columns
    story += _section(st, "Summary", [
        _table(small, ["Figure", *columns], tallies.summary.rows, width)])

    trend_rows = [Row(f"month:{m.period.short_label}", m.period.label,
                      (m.enquiries, m.needs)) for m in tallies.trend]
    chart = bar_chart([m.period.short_label for m in tallies.trend],
                      [m.needs for m in tallies.trend], width, "Needs recorded by month")
    story += _section(st, "Needs recorded by month", [
        chart, Spacer(1, 6), _table(small, ["Month", "Enquiries", "Needs recorded"],
                                    trend_rows, width)])
    for table in tallies.tables:
        rows = list(table.rows)
        # What the table counts comes first, kept with its heading (after a long table it
        # could be left alone at the top of the next page).
        parts: list[Flowable] = [small.p(table.definition, small.body)]
        left_out = 0
        if table.key in LONG_LISTS:
            rows, left_out = _long_list(table, tallies.suppressed)
        if table.key in CHARTED:
            items = [r for r in table.rows if not r.total]
            parts += [bar_chart([r.label for r in items], [r.cells[0] for r in items], width,
                                f"{table.title}, {tallies.period.label}"), Spacer(1, 6)]
        parts.append(_table(small, [table.title, *columns], rows, width))
        if left_out:
            parts.append(small.p(f"And {left_out:,} more, listed in the spreadsheet (XLSX or "
                                 "CSV) export of this report.", small.body))
        if table.note:
            parts.append(small.p(table.note, small.body))
        story += _section(st, table.title, parts)
    story.append(CondPageBreak(st.fmt.heading * 6))
    story.append(st.p("What the figures mean", st.heading))
    for term, meaning in tallies.definitions:
        story.append(small.labelled(term, meaning, small.body))
    story.append(st.p(f"Produced by {contact}.", st.body))
    return story


def render_report(tallies: Tallies, contact: str) -> Rendered:
    st, _small = _styles()
    return render(report_story(tallies, contact), st, A4,
                  title=f"Tallies for {tallies.period.label}", footer=contact)
