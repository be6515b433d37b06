"""A client's history for the client screen, and their communication flags.

Read-only and not audited by itself: it is only ever shown next to the record opened with
:func:`csn_desk.clients.get_client`, which writes the "view:client" audit event. Everything
is returned as frozen dataclasses holding codes; widgets turn codes into vocabulary labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import col

from csn_desk.consents import ConsentState, current_consents
from csn_desk.protection.roles import require
from csn_desk.store.models import (
    Client,
    Document,
    Enquiry,
    EnquiryNeed,
    Organisation,
    Referral,
    ReferralEvent,
    Service,
    Site,
)
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

HISTORY_LIMIT = 50
_CHUNK = 500


@dataclass(frozen=True)
class NeedLine:
    code: str
    outcome: str
    unmet_reason: str | None


@dataclass(frozen=True)
class ReferralLine:
    id: str
    service_name: str
    organisation_name: str
    kind: str
    status: str  # the latest event's status code
    status_at: datetime | None
    follow_up_due: date | None


@dataclass(frozen=True)
class EnquiryLine:
    id: str
    received_at: datetime
    site_name: str
    channel: str
    route: str | None
    needs: tuple[NeedLine, ...]
    referrals: tuple[ReferralLine, ...]


@dataclass(frozen=True)
class DocumentLine:
    id: str
    kind: str
    format: str
    created_at: datetime


@dataclass(frozen=True)
class ClientHistory:
    client_id: str
    enquiries: tuple[EnquiryLine, ...]  # newest first
    enquiries_capped: bool  # True: older enquiries exist beyond the limit
    consents: tuple[ConsentState, ...]  # latest decision per purpose
    documents: tuple[DocumentLine, ...]  # newest first


def communication_flags(preferred_format: str, interpreter: str | None = None,
                        language: str | None = None) -> tuple[str, ...]:
    """Short texts staff must see wherever the person appears ("Large print 18 pt").
    Clear print, and a format nobody has asked about yet, need no flag."""
    flags = []
    if preferred_format and preferred_format not in ("standard", "not_asked"):
        flags.append(vocab("formats").label(preferred_format))
    if interpreter:
        flags.append(f"Interpreter: {interpreter}")
    if language and language.strip().lower() != "english":
        flags.append(f"Language: {language}")
    return tuple(flags)


def client_flags(ws: Workspace, client_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Communication flags for many clients at once (for lists and queues); clients with
    none are absent. Limited to this organisation."""
    require(ws, "clients.find")
    ids = list(dict.fromkeys(client_ids))
    found: dict[str, tuple[str, ...]] = {}
    with ws.db.read() as s:
        for start in range(0, len(ids), _CHUNK):
            rows = s.execute(select(col(Client.id), col(Client.preferred_format),
                                    col(Client.interpreter), col(Client.language))
                             .where(col(Client.id).in_(ids[start:start + _CHUNK]),
                                    col(Client.organisation_id) == ws.organisation_id))
            for cid, fmt, interpreter, language in rows:
                flags = communication_flags(fmt, interpreter, language)
                if flags:
                    found[cid] = flags
    return found


def latest_statuses(ws: Workspace,
                    referral_ids: Sequence[str]) -> dict[str, tuple[str, datetime]]:
    """Each referral's current status (its latest event) and when it was set."""
    require(ws, "enquiries.view")
    latest: dict[str, tuple[str, datetime, str]] = {}
    with ws.db.read() as s:
        for start in range(0, len(referral_ids), _CHUNK):
            chunk = list(referral_ids[start:start + _CHUNK])
            rows = s.execute(select(col(ReferralEvent.referral_id), col(ReferralEvent.status),
                                    col(ReferralEvent.at), col(ReferralEvent.id))
                             .where(col(ReferralEvent.referral_id).in_(chunk)))
            for rid, status, at, eid in rows:
                if rid not in latest or (at, eid) > (latest[rid][1], latest[rid][2]):
                    latest[rid] = (status, at, eid)
    return {rid: (status, at) for rid, (status, at, _eid) in latest.items()}


def client_history(ws: Workspace, client_id: str, *, limit: int = HISTORY_LIMIT,
                   today: date | None = None) -> ClientHistory:
    """Enquiries (with needs and referrals and their current status), consents (with renewal
    flags) and documents produced for one client. Raises NotFound for an unknown, erased or
    other organisation's client (via :func:`current_consents`)."""
    require(ws, "clients.view")
    consents = current_consents(ws, client_id, today=today)
    with ws.db.read() as s:
        rows = s.execute(select(col(Enquiry.id), col(Enquiry.received_at), col(Site.name),
                                col(Enquiry.channel), col(Enquiry.route))
                         .join(Site, col(Site.id) == col(Enquiry.site_id))
                         .where(col(Enquiry.client_id) == client_id,
                                col(Enquiry.organisation_id) == ws.organisation_id)
                         .order_by(col(Enquiry.received_at).desc())
                         .limit(max(1, limit) + 1)).all()
        capped = len(rows) > limit
        rows = rows[:limit]
        ids = [r[0] for r in rows]
        needs: dict[str, list[NeedLine]] = {}
        refs: list[tuple[str, str, str, str, str, date | None]] = []
        if ids:
            for eid, code, outcome, reason in s.execute(
                    select(col(EnquiryNeed.enquiry_id), col(EnquiryNeed.need_code),
                           col(EnquiryNeed.outcome), col(EnquiryNeed.unmet_reason))
                    .where(col(EnquiryNeed.enquiry_id).in_(ids))
                    .order_by(col(EnquiryNeed.need_code))):
                needs.setdefault(eid, []).append(NeedLine(code, outcome, reason))
            for rid, eid, sname, ext, oname, kind, due in s.execute(
                    select(col(Referral.id), col(Referral.enquiry_id), col(Service.name),
                           col(Referral.external_service), col(Organisation.name),
                           col(Referral.kind), col(Referral.follow_up_due))
                    .outerjoin(Service, col(Service.id) == col(Referral.service_id))
                    .outerjoin(Organisation,
                               col(Organisation.id) == col(Service.organisation_id))
                    .where(col(Referral.enquiry_id).in_(ids))
                    .order_by(col(Referral.created_at), col(Referral.id))):
                refs.append((rid, eid, sname or ext or "", oname or "", kind, due))
        docs = s.execute(select(col(Document.id), col(Document.kind), col(Document.format),
                                col(Document.created_at))
                         .where(col(Document.client_id) == client_id)
                         .order_by(col(Document.created_at).desc()).limit(100)).all()
    status = latest_statuses(ws, [r[0] for r in refs])
    by_enquiry: dict[str, list[ReferralLine]] = {}
    for rid, eid, name, org, kind, due in refs:
        code, at = status.get(rid, ("made", None))
        by_enquiry.setdefault(eid, []).append(ReferralLine(rid, name, org, kind, code, at, due))
    enquiries = tuple(EnquiryLine(r[0], r[1], r[2], r[3], r[4], tuple(needs.get(r[0], [])),
                                  tuple(by_enquiry.get(r[0], []))) for r in rows)
    purposes = vocab("consent_purposes").codes
    ordered = sorted(consents.values(), key=lambda c: (
        purposes.index(c.purpose) if c.purpose in purposes else len(purposes), c.purpose))
    return ClientHistory(client_id, enquiries, capped, tuple(ordered),
                         tuple(DocumentLine(*d) for d in docs))
