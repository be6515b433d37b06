"""Saving tallies as XLSX, CSV or a PDF report: the file whole or not at all, and an audit
event for every export (what, which period, which scope; never a figure or a name). The PDF
report is also a document, so it is logged in the documents log as a tallies report.

No personal data can be in an export: the figures are counts, and the only names in them
are of sites, organisations, services and the vocabularies' categories."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csn_desk.documents.log import log_document
from csn_desk.errors import InvalidInput
from csn_desk.reports.export_csv import csv_bytes
from csn_desk.reports.export_xlsx import workbook_bytes
from csn_desk.reports.report_pdf import render_report
from csn_desk.reports.tallies import Tallies, check_access
from csn_desk.save_paths import check_save_path, replacing
from csn_desk.sites import site_details
from csn_desk.workspace import Workspace

FORMATS = ("xlsx", "csv", "pdf")
KIND = "tallies_report"


@dataclass(frozen=True)
class Exported:
    path: Path
    format: str
    size: int  # bytes
    pages: int | None = None  # the PDF's
    document_id: str | None = None  # the documents-log row of a PDF report


def export_bytes(ws: Workspace, tallies: Tallies, fmt: str) -> tuple[bytes, int | None]:
    if fmt == "xlsx":
        return workbook_bytes(tallies), None
    if fmt == "csv":
        return csv_bytes(tallies), None
    if fmt == "pdf":
        rendered = render_report(tallies, site_details(ws).contact_line)
        return rendered.pdf, rendered.pages
    raise InvalidInput(f"'{fmt}' is not an export format; choose xlsx, csv or pdf.")


def export_tallies(ws: Workspace, tallies: Tallies, fmt: str, out: Path) -> Exported:
    """Save ``tallies`` to ``out`` in ``fmt`` and log the export, both or neither."""
    check_access(ws, tallies.scope)
    fmt = fmt.lower().lstrip(".")
    out = check_save_path(out, f"tallies.{fmt}", data_dir=ws.db.paths.root)
    data, pages = export_bytes(ws, tallies, fmt)
    detail = (f"format={fmt};scope={tallies.scope};period={tallies.period.start.isoformat()}"
              f"..{tallies.period.end.isoformat()};suppressed={int(tallies.suppressed)}")
    document_id = None
    with ws.db.write(ws.actor) as w:
        if fmt == "pdf":
            document_id = log_document(w, KIND, fmt="standard", pages=pages or 0)
        w.event("export:tallies", entity="document" if document_id else None,
                entity_id=document_id, detail=detail)
        with replacing(out) as f:  # inside the unit of work: no file without its log entry
            f.write(data)
    return Exported(out, fmt, len(data), pages, document_id)

