"""Service calls the Admin page combines (no Qt, no SQL): a sample letter from a template
being edited, filled with the placeholders' fictional examples and laid out exactly as a
real letter would be (this site's letterhead and print settings). Nothing is logged: it is
for nobody."""

from __future__ import annotations

from csn_desk.consents import uk_today
from csn_desk.documents.formats import print_format
from csn_desk.documents.letters import LetterContent, render_letter
from csn_desk.documents.settings import load_print_settings
from csn_desk.documents.templates import example_values, fill
from csn_desk.sites import site_details
from csn_desk.workspace import Workspace

# Fictional addressees (the placeholders' examples are fictional too).
SAMPLE_RECIPIENT = {
    "followup_letter": ("Zoë O'Neill", "12 Example Street", "Hurworth", "DARLINGTON",
                        "DL1 1AA"),
    "referral_letter": ("Benefits Advice Service", "Example Advice Trust", "1 Example Road",
                        "DARLINGTON", "DL3 7AA"),
}


def sample_letter(ws: Workspace, kind: str, subject: str, body: str,
                  format_code: str | None = None) -> tuple[bytes, int, str, tuple[str, ...]]:
    """(pdf, pages, format code, warnings) of ``kind`` with this subject and body, filled
    with example values. Raises the template's own error when it cannot print."""
    filled = fill(kind, subject, body, example_values(kind))
    fmt = print_format(format_code or "standard")
    content = LetterContent(kind=kind, referral_id="", enquiry_id="", client_id="",
                            day=uk_today(), fmt=fmt, site=site_details(ws),
                            recipient=SAMPLE_RECIPIENT.get(kind, SAMPLE_RECIPIENT[
                                "followup_letter"]), subject=filled.subject,
                            paragraphs=filled.paragraphs)
    rendered = render_letter(content, fmt, load_print_settings(ws))
    return rendered.pdf, rendered.pages, fmt.code, rendered.warnings
