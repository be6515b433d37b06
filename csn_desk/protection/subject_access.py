"""Subject access (DP-08, DP-09): one action gives a person their whole record, as a readable
PDF in their own print format and as JSON with the same data, plus the supporting
information (purposes, lawful basis, source, recipients, retention, rights, complaint to the
ICO; the wording is data in ``resources/templates/subject_access.json``).

The pack covers every table that refers to the client: the record itself, consents,
enquiries (with needs, notes, referrals and their events), documents produced, requests the
person made, and the audit trail's record of who did what to it (actions and dates only).
The request is logged with its ICO due date. The files are the only plaintext the app
writes, because the user asked for them; the caller tells the user so."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.platypus import Flowable, Spacer
from sqlalchemy import select
from sqlmodel import Session, col

from csn_desk.consents import uk_today
from csn_desk.documents.formats import format_for_client
from csn_desk.documents.log import log_document, save_pdf
from csn_desk.documents.typeset import Styles, render
from csn_desk.errors import InvalidInput, NotFound
from csn_desk.protection.roles import require
from csn_desk.protection.subject_requests import complete_request, due_date, log_request
from csn_desk.sites import site_details
from csn_desk.store.atomic import write_atomic
from csn_desk.store.models import (
    AuditEvent,
    Client,
    Consent,
    Document,
    Enquiry,
    EnquiryNeed,
    Organisation,
    Referral,
    ReferralEvent,
    Service,
    Site,
    SubjectRequest,
)
from csn_desk.timefmt import long_date, uk_datetime
from csn_desk.vocab import resources_dir, vocab
from csn_desk.workspace import Workspace

SUBJECT_ACCESS = "rights.subject_access"
KIND = "subject_access"
FORMAT_VERSION = 1
# Client fields in the order the pack lists them, with the words a person reads.
DETAIL_LABELS = (
    ("given_name", "First name"), ("family_name", "Family name"),
    ("date_of_birth", "Date of birth"), ("age_band", "Age group"),
    ("address_line1", "Address"), ("address_line2", "Address"), ("address_line3", "Address"),
    ("post_town", "Town"), ("postcode", "Postcode"), ("phone", "Phone"), ("email", "Email"),
    ("preferred_contact", "How you like to be contacted"),
    ("preferred_format", "How you like things printed"), ("language", "Language"),
    ("interpreter", "Interpreter"), ("disability", "Disability"),
    ("long_term_condition", "Long-term condition"), ("carer_status", "Carer"),
    ("lawful_basis", "Lawful basis"), ("article9_condition", "Article 9 condition"),
    ("restricted", "Use restricted"), ("created_at", "Record made"),
    ("last_contact_at", "Last contact"),
)
VOCAB_OF = {"age_band": "age_bands", "preferred_contact": "contact_methods",
            "preferred_format": "formats", "carer_status": "carer_statuses",
            "lawful_basis": "lawful_bases", "article9_condition": "article9_conditions"}


@dataclass(frozen=True)
class SubjectAccessPack:
    pdf_path: Path
    json_path: Path
    pages: int
    request_id: str
    received: date
    due: date


@cache
def supporting_text() -> dict[str, Any]:
    path = resources_dir() / "templates" / "subject_access.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.name: _value(getattr(obj, c.name)) for c in obj.__table__.columns
            if c.name not in skip}


def _scalars(s: Session, query: Any) -> list[Any]:
    return list(s.execute(query).scalars().all())


def gather_record(ws: Workspace, client_id: str) -> dict[str, Any]:
    """Everything held about one person, as plain JSON-ready data (codes and values). Staff
    are shown by role words only: their names are other people's data."""
    with ws.db.read() as s:
        client = s.get(Client, client_id)
        if client is None or client.organisation_id != ws.organisation_id or client.erased_at:
            raise NotFound("That client record was not found; search for them again.")
        details = _row(client, skip=("organisation_id", "family_key", "given_key",
                                     "erased_at"))
        consents = [_row(c, skip=("client_id", "taken_by_user_id")) for c in _scalars(
            s, select(Consent).where(col(Consent.client_id) == client_id)
            .order_by(col(Consent.recorded_at), col(Consent.id)))]
        sites = dict(s.execute(select(col(Site.id), col(Site.name))).all())
        enquiries = []
        recipients: dict[str, str] = {}
        for e in _scalars(s, select(Enquiry).where(col(Enquiry.client_id) == client_id)
                          .order_by(col(Enquiry.received_at), col(Enquiry.id))):
            row = _row(e, skip=("organisation_id", "user_id", "client_id"))
            row["site"] = sites.get(e.site_id, "")
            row["needs"] = [_row(n, skip=("enquiry_id",)) for n in _scalars(
                s, select(EnquiryNeed).where(col(EnquiryNeed.enquiry_id) == e.id)
                .order_by(col(EnquiryNeed.need_code)))]
            row["referrals"] = []
            for r in _scalars(s, select(Referral).where(col(Referral.enquiry_id) == e.id)
                              .order_by(col(Referral.created_at), col(Referral.id))):
                ref = _row(r, skip=("enquiry_id",))
                service = s.get(Service, r.service_id) if r.service_id else None
                org = s.get(Organisation, service.organisation_id) if service else None
                ref["service_name"] = service.name if service else (r.external_service or "")
                ref["service_organisation"] = org.name if org else ""
                ref["events"] = [_row(ev, skip=("referral_id", "user_id", "site_id"))
                                 for ev in _scalars(
                    s, select(ReferralEvent).where(col(ReferralEvent.referral_id) == r.id)
                    .order_by(col(ReferralEvent.at), col(ReferralEvent.id)))]
                if r.kind == "referred" and r.consent_to_share:
                    recipients[r.id] = ref["service_name"]
                row["referrals"].append(ref)
            enquiries.append(row)
        documents = [_row(d, skip=("client_id", "user_id", "site_id")) for d in _scalars(
            s, select(Document).where(col(Document.client_id) == client_id)
            .order_by(col(Document.created_at), col(Document.id)))]
        for d in documents:
            if d["kind"] == "referral_letter" and d.get("referral_id") in recipients:
                d["sent_to"] = recipients[d["referral_id"]]
        requests = [_row(r, skip=("client_id", "user_id")) for r in _scalars(
            s, select(SubjectRequest).where(col(SubjectRequest.client_id) == client_id)
            .order_by(col(SubjectRequest.received), col(SubjectRequest.recorded_at)))]
        audit = [{"at": _value(a.at), "action": a.action} for a in _scalars(
            s, select(AuditEvent).where(col(AuditEvent.entity_id) == client_id)
            .order_by(col(AuditEvent.seq)))]
    return {"details": details, "consents": consents, "enquiries": enquiries,
            "documents": documents, "shared_with": sorted(set(recipients.values())),
            "requests": requests, "audit": audit}


def _retention_words(ws: Workspace) -> str:
    try:
        from csn_desk.protection.retention import load_schedule
        years = next(r.years for r in load_schedule(ws) if r.key == "client_details")
    except (ImportError, StopIteration):  # the schedule is not on this build
        years = 6
    return f"{years} year{'s' if years != 1 else ''}"


def _label(name: str, value: Any) -> str:
    if value is None or value == "":
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name in VOCAB_OF:
        return vocab(VOCAB_OF[name]).label(str(value))
    return _when(value) if name.endswith(("_at", "date_of_birth")) else str(value)


def _when(value: Any) -> str:
    if not value:
        return "not recorded"
    text = str(value)
    if len(text) == 10:
        return long_date(date.fromisoformat(text))
    return uk_datetime(datetime.fromisoformat(text))


def _supporting(ws: Workspace, record: dict[str, Any], day: date) -> dict[str, str]:
    details = record["details"]
    return {"organisation": ws.organisation_name or "us", "date": long_date(day),
            "lawful_basis": _label("lawful_basis", details.get("lawful_basis")),
            "article9_condition": _label("article9_condition",
                                         details.get("article9_condition")),
            "retention": _retention_words(ws)}


def _flowables(ws: Workspace, record: dict[str, Any], styles: Styles, day: date
               ) -> list[Flowable]:
    text = supporting_text()
    values = _supporting(ws, record, day)
    st = styles
    out: list[Flowable] = [st.p(text["title"].format(**values), st.title),
                           st.p(text["intro"].format(**values)),
                           st.p(text["plaintext_note"], st.bold),
                           st.p("Part 1: about your information", st.heading)]
    for section in text["sections"]:
        out += [st.p(section["heading"], st.bold), st.p(section["text"].format(**values))]
    out.append(st.p("Part 2: your record", st.heading))
    out.append(st.p("Your details", st.bold))
    for name, label in DETAIL_LABELS:
        value = record["details"].get(name)
        if name in ("address_line2", "address_line3") and not value:
            continue
        out.append(st.labelled(label, _label(name, value), st.tight))
    gap = Spacer(1, styles.fmt.leading)
    out += [gap, st.p("Your consents", st.bold)]
    purposes = vocab("consent_purposes")
    for c in record["consents"] or [{"purpose": None}]:
        if c["purpose"] is None:
            out.append(st.p("None recorded."))
            break
        said = "agreed" if c["given"] else "did not agree"
        line = (f"{purposes.label(c['purpose'])}: you {said} on {_when(c['recorded_at'])} "
                f"({vocab('consent_methods').label(c['method']).lower()}).")
        if c.get("renewal_due"):
            line += f" To be asked again by {_when(c['renewal_due'])}."
        if c.get("withdrawn_at"):
            line += f" You withdrew it on {_when(c['withdrawn_at'])}."
        out.append(st.p(line))
    out.append(st.p("Your enquiries", st.bold))
    if not record["enquiries"]:
        out.append(st.p("None recorded."))
    for e in record["enquiries"]:
        out.append(st.p(f"{_when(e['received_at'])} at {e['site'] or 'one of our sites'} "
                        f"({vocab('channels').label(e['channel']).lower()})", st.tight_bold))
        for n in e["needs"]:
            out.append(st.p(f"Need: {vocab('needs').label(n['need_code'])}; outcome: "
                            f"{vocab('need_outcomes').label(n['outcome']).lower()}", st.tight))
        if e.get("notes"):
            out.append(st.labelled("Notes", e["notes"], st.tight))
        for r in e["referrals"]:
            out.append(st.p(f"{vocab('referral_kinds').label(r['kind'])}: {r['service_name']}"
                            + (" (your details were shared with your agreement)"
                               if r["kind"] == "referred" and r["consent_to_share"] else ""),
                            st.tight))
            for ev in r["events"]:
                note = f": {ev['note']}" if ev.get("note") else ""
                out.append(st.p(f"    {_when(ev['at'])}: "
                                f"{vocab('referral_statuses').label(ev['status'])}{note}",
                                st.tight))
        out.append(gap)
    out.append(st.p("Who we shared your details with", st.bold))
    out.append(st.p("; ".join(record["shared_with"]) or "No one."))
    out.append(st.p("Letters and slips we printed for you", st.bold))
    kinds = vocab("document_kinds")
    for d in record["documents"] or [{}]:
        if not d:
            out.append(st.p("None."))
            break
        sent = f", sent to {d['sent_to']}" if d.get("sent_to") else ""
        out.append(st.p(f"{_when(d['created_at'])}: {kinds.label(d['kind'])} "
                        f"({vocab('formats').label(d['format']).lower()}{sent})", st.tight))
    out += [gap, st.p("Requests you made about your information", st.bold)]
    rkinds = vocab("subject_request_kinds")
    for r in record["requests"]:
        done = f"; done {_when(r['completed'])}" if r.get("completed") else ""
        out.append(st.p(f"{rkinds.label(r['kind'])}: received {_when(r['received'])}, due by "
                        f"{_when(r['due'])}{done}", st.tight))
    n = len(record["audit"])
    out += [gap, st.p("When your record was opened or changed", st.bold),
            st.p(f"Our records show {n} occasion{'s' if n != 1 else ''} when staff opened, "
                 "changed or printed your record. The JSON copy lists each one with its "
                 "date.")]
    site = site_details(ws)
    out.append(st.p("Contact us", st.bold))
    out.append(st.p(", ".join((*site.address_lines, site.contact_line))))
    return out


def subject_access_pack(ws: Workspace, client_id: str, out_dir: Path, *,
                        received: date | None = None, today: date | None = None
                        ) -> SubjectAccessPack:
    """Write the person's whole record to ``out_dir`` as a PDF in their format and as JSON
    (each written whole or not at all), log the request with its due date, the document and
    an export audit event. File names hold the record id, never a name."""
    require(ws, SUBJECT_ACCESS)
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise InvalidInput(f"The folder {out_dir} does not exist; choose another folder.")
    today = today or uk_today()
    received = received or today
    if received > today:
        raise InvalidInput("The date the request came in is in the future; check it.")
    record = gather_record(ws, client_id)
    record["requests"].append({"kind": "sar", "received": received.isoformat(),
                               "due": due_date(received).isoformat(),
                               "completed": today.isoformat()})  # this one, logged below
    d = record["details"]
    fmt = format_for_client(d["preferred_format"], age_band=d.get("age_band"),
                            born=date.fromisoformat(d["date_of_birth"])
                            if d.get("date_of_birth") else None,
                            disability=d.get("disability"),
                            condition=d.get("long_term_condition"), today=today)
    styles = Styles.for_format(fmt)
    title = "Your record"
    rendered = render(_flowables(ws, record, styles, today), styles, A4, title=title,
                      footer=ws.organisation_name or "csn-desk")
    stem = f"subject-access-{client_id}-{today.isoformat()}"
    pdf_path, json_path = out_dir / f"{stem}.pdf", out_dir / f"{stem}.json"
    payload = {"format": "csn-desk-subject-access", "version": FORMAT_VERSION,
               "produced": today.isoformat(), "client_id": client_id,
               "supporting_information": _supporting_json(ws, record, today), **record}
    with ws.db.write(ws.actor) as w:
        request_id = log_request(w, client_id, "sar", received)
        complete_request(w, request_id, today)
        log_document(w, KIND, fmt=fmt.code, pages=rendered.pages, client_id=client_id)
        w.event("export:subject_access", entity="client", entity_id=client_id,
                detail=f"pages={rendered.pages}")
        # The files are written inside the unit of work: if either cannot be written,
        # nothing is logged.
        save_pdf(rendered.pdf, pdf_path, data_dir=ws.db.paths.root)
        write_atomic(json_path, json.dumps(payload, indent=1, ensure_ascii=False)
                     .encode("utf-8"))
    return SubjectAccessPack(pdf_path, json_path, rendered.pages, request_id, received,
                             due_date(received))


def _supporting_json(ws: Workspace, record: dict[str, Any], day: date) -> dict[str, str]:
    text = supporting_text()
    values = _supporting(ws, record, day)
    return {s["heading"]: s["text"].format(**values) for s in text["sections"]}
