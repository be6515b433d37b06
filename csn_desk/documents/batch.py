"""Batch printing: "the follow-up letters for everything due by <date>" as one PDF.

Each letter is laid out on its own, in its own person's format (LP-15), then the letters are
joined with pypdf, so page numbers restart per letter and a 24 pt letter sits beside a clear
print one. Follow-ups that cannot get a letter are listed with a plain reason (ids only, no
names). Progress is reported per letter and the batch can be cancelled between letters; the
documents log is written once, at the end, in one unit of work: all the letters or none."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from pypdf import PdfReader, PdfWriter

from csn_desk.consents import uk_today
from csn_desk.documents.address import NoPostalAddress
from csn_desk.documents.letters import (
    FOLLOWUP,
    LetterContent,
    LetterRefused,
    followup_content,
    render_letter,
)
from csn_desk.documents.log import log_document
from csn_desk.documents.settings import load_print_settings
from csn_desk.documents.templates import MissingValues, get_template
from csn_desk.errors import Cancelled, CsnError
from csn_desk.protection.roles import require
from csn_desk.referrals import count_follow_ups_due, follow_ups_due
from csn_desk.sites import site_details
from csn_desk.workspace import Workspace

Progress = Callable[[int, int], None]
Stop = Callable[[], bool]


@dataclass(frozen=True)
class SkippedLetter:
    referral_id: str
    client_id: str | None
    code: str  # anonymous, no_address, no_consent, no_contact, prefers_phone, ...
    reason: str  # a plain sentence, no personal data


@dataclass(frozen=True)
class BatchLetter:
    referral_id: str
    client_id: str
    fmt: str
    pages: int
    document_id: str


@dataclass(frozen=True)
class BatchResult:
    pdf: bytes | None  # None when no follow-up could get a letter
    letters: tuple[BatchLetter, ...]
    skipped: tuple[SkippedLetter, ...]
    warnings: tuple[tuple[str, str], ...] = ()  # (referral id, what to check before posting)

    @property
    def pages(self) -> int:
        return sum(letter.pages for letter in self.letters)


def skip_code(exc: CsnError) -> str:
    """A short code for why a follow-up got no letter (for counts on the command line)."""
    if isinstance(exc, LetterRefused):
        return exc.code
    if isinstance(exc, NoPostalAddress):
        return "no_address"
    if isinstance(exc, MissingValues):
        return "missing_value"
    return "other"


def letters_due(ws: Workspace, due_by: date, *, progress: Progress | None = None,
                cancelled: Stop | None = None, day: date | None = None) -> BatchResult:
    """Follow-up letters for every open follow-up due by ``due_by`` whose person can get one.
    Raises ``Cancelled`` (nothing logged) when ``cancelled()`` turns true between letters."""
    require(ws, "letters.print")
    day = day or uk_today()
    due = follow_ups_due(ws, due_by, limit=max(1, count_follow_ups_due(ws, due_by)))
    total = len(due)
    site = site_details(ws)
    settings = load_print_settings(ws)
    view = get_template(ws, FOLLOWUP)
    template = (view.subject, view.body)
    made: list[tuple[LetterContent, bytes, int]] = []
    skipped: list[SkippedLetter] = []
    warnings: list[tuple[str, str]] = []
    for done, row in enumerate(due, start=1):
        if cancelled is not None and cancelled():
            raise Cancelled()
        try:
            content = followup_content(ws, row.referral_id, day=day, site=site,
                                       template=template, letters_only=True)
        except CsnError as exc:
            skipped.append(SkippedLetter(row.referral_id, row.client_id, skip_code(exc),
                                         str(exc)))
        else:
            rendered = render_letter(content, settings=settings)
            made.append((content, rendered.pdf, rendered.pages))
            warnings += [(row.referral_id, w) for w in rendered.warnings]
        if progress is not None:
            progress(done, total)
    if cancelled is not None and cancelled():
        raise Cancelled()
    if not made:
        return BatchResult(None, (), tuple(skipped), tuple(warnings))
    pdf = join_pdfs([pdf for _, pdf, _ in made])
    letters = []
    with ws.db.write(ws.actor) as w:
        for content, _, pages in made:
            doc_id = log_document(w, FOLLOWUP, fmt=content.fmt.code, pages=pages,
                                  client_id=content.client_id, enquiry_id=content.enquiry_id,
                                  referral_id=content.referral_id)
            letters.append(BatchLetter(content.referral_id, content.client_id,
                                       content.fmt.code, pages, doc_id))
    return BatchResult(pdf, tuple(letters), tuple(skipped), tuple(warnings))


def join_pdfs(pdfs: list[bytes]) -> bytes:
    """One PDF of all the pages, in order (in memory: no temporary files)."""
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Title": "Follow-up letters", "/Creator": "csn-desk"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
