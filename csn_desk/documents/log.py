"""Every slip and letter produced is logged: a row in the documents table (what, for whom,
when, by whom, which format) and an audit event, in the same unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csn_desk.save_paths import check_save_path, replacing
from csn_desk.store.models import Document
from csn_desk.store.writes import Writer
from csn_desk.vocab import vocab


@dataclass(frozen=True)
class ProducedDocument:
    """A finished, logged document: the PDF bytes (kept in memory, never in a temp file)."""

    pdf: bytes
    pages: int
    fmt: str  # the format code used
    document_id: str
    # Things the user should check before posting (e.g. an address too long for the envelope
    # window); never personal data.
    warnings: tuple[str, ...] = ()


def save_pdf(pdf: bytes, out: Path, *, data_dir: Path | None = None) -> None:
    """Write a PDF the user asked for: whole or not at all (temporary name, then rename);
    never into csn-desk's own ``data_dir``."""
    out = check_save_path(out, data_dir=data_dir)
    with replacing(out) as f:
        f.write(pdf)


def log_document(w: Writer, kind: str, *, fmt: str, pages: int, client_id: str | None = None,
                 enquiry_id: str | None = None, referral_id: str | None = None) -> str:
    """Record one produced document; returns its id. ``kind`` is a document_kinds code."""
    vocab("document_kinds").check(kind, "document kind")
    doc = w.create(Document(kind=kind, client_id=client_id, enquiry_id=enquiry_id,
                            referral_id=referral_id, format=fmt, pages=pages,
                            user_id=w.actor.user_id, site_id=w.actor.site_id), audit=False)
    w.event(f"print:{kind}", entity="document", entity_id=doc.id,
            detail=f"format={fmt};pages={pages}")
    return doc.id
