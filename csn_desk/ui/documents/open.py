"""One call per document for the pages: open its preview, produced in the background.

    from csn_desk.ui.documents.open import preview_slip
    preview_slip(self, self.runner, self.ws, enquiry_id)

Each returns the (already shown, non-blocking) preview dialog. The document is produced on
the database thread (the service logs it); a refusal ("no postal address", "no consent")
shows in the dialog as its plain sentence."""

from __future__ import annotations

from collections import Counter
from datetime import date

from PySide6.QtWidgets import QWidget

from csn_desk.documents.batch import BatchResult, letters_due
from csn_desk.documents.formats import PRINTABLE
from csn_desk.documents.letters import make_followup_letter, make_referral_letter
from csn_desk.documents.log import ProducedDocument
from csn_desk.documents.slip import make_slip
from csn_desk.errors import Cancelled as BatchCancelled
from csn_desk.errors import InvalidInput
from csn_desk.timefmt import long_date
from csn_desk.ui.documents.preview import Prepared, PreviewDialog, open_preview
from csn_desk.ui.tasks import Cancelled, TaskRunner, TaskState
from csn_desk.workspace import Workspace


def prepared(doc: ProducedDocument) -> Prepared:
    return Prepared(pdf=doc.pdf, pages=doc.pages, fmt=doc.fmt,
                    note=" ".join(doc.warnings))


def preview_slip(parent: QWidget | None, runner: TaskRunner, ws: Workspace,
                 enquiry_id: str) -> PreviewDialog:
    """The referral slip for an enquiry, in the person's recorded format (changeable)."""

    def produce(_state: TaskState, code: str | None) -> Prepared:
        return prepared(make_slip(ws, enquiry_id, format_code=code))

    return open_preview(parent, runner, "Referral slip", produce, formats=PRINTABLE,
                        file_stem="referral-slip")


def preview_followup_letter(parent: QWidget | None, runner: TaskRunner, ws: Workspace,
                            referral_id: str) -> PreviewDialog:
    """The follow-up letter to the person for one referral, in their format (changeable)."""

    def produce(_state: TaskState, code: str | None) -> Prepared:
        return prepared(make_followup_letter(ws, referral_id, format_code=code))

    return open_preview(parent, runner, "Follow-up letter", produce, formats=PRINTABLE,
                        file_stem="follow-up-letter")


def preview_referral_letter(parent: QWidget | None, runner: TaskRunner, ws: Workspace,
                            referral_id: str) -> PreviewDialog:
    """The referral letter to the receiving service (clear print; only with consent)."""

    def produce(_state: TaskState, _code: str | None) -> Prepared:
        return prepared(make_referral_letter(ws, referral_id))

    return open_preview(parent, runner, "Referral letter", produce, formats=(),
                        file_stem="referral-letter")


def _grouped(lines: list[str]) -> str:
    """Reasons with how many follow-ups each applies to ("2 follow-ups: ...")."""
    out = []
    for reason, count in Counter(lines).most_common():
        out.append(f"• {count} follow-up{'s' if count != 1 else ''}: {reason}")
    return "\n".join(out)


def batch_summary(result: BatchResult, due_by: date) -> str:
    """What the batch made and what it could not, without naming anyone."""
    made = len(result.letters)
    parts = [f"{made} letter{'s' if made != 1 else ''} for follow-ups due by "
             f"{long_date(due_by)}."]
    if result.skipped:
        parts.append(f"{len(result.skipped)} got no letter:\n"
                     + _grouped([s.reason for s in result.skipped]))
    if result.warnings:
        parts.append("Check before posting:\n" + _grouped([w for _rid, w in result.warnings]))
    return "\n".join(parts)


def batch_letters(parent: QWidget | None, runner: TaskRunner, ws: Workspace,
                  due_by: date) -> PreviewDialog:
    """The follow-up letters for everything due by ``due_by``, as one document: made on the
    database thread with a progress window that can stop it (nothing is logged then), then
    previewed, printed or saved like any other document."""

    def produce(state: TaskState, _code: str | None) -> Prepared:
        def progress(done: int, total: int) -> None:
            state.progress(done, total, f"Letter {done} of {total}")

        try:
            result = letters_due(ws, due_by, progress=progress,
                                 cancelled=lambda: state.cancelled)
        except BatchCancelled:
            raise Cancelled from None
        if result.pdf is None:
            if not result.skipped:
                raise InvalidInput(f"No follow-ups are due by {long_date(due_by)}, so there "
                                   "are no letters to print.")
            raise InvalidInput("None of the follow-ups due can get a letter:\n"
                               + _grouped([s.reason for s in result.skipped]))
        return Prepared(pdf=result.pdf, pages=result.pages, fmt=None,
                        note=batch_summary(result, due_by))

    title = f"Follow-up letters due by {long_date(due_by)}"
    return open_preview(parent, runner, title, produce, formats=(),
                        file_stem=f"follow-up-letters-{due_by.isoformat()}",
                        progress_title="Making the follow-up letters…")
