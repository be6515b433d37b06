"""Referrals (signposting outcomes) and their append-only events.

A referral's status is never stored: it is the latest event, so two sites adding events at
the same time never conflict; sync simply appends both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from csn_desk.errors import InvalidInput, NotFound
from csn_desk.ids import utcnow
from csn_desk.protection.consent_rules import require_consent
from csn_desk.protection.restriction import check_usable
from csn_desk.protection.roles import require
from csn_desk.store.models import (
    Client,
    Enquiry,
    Organisation,
    Referral,
    ReferralEvent,
    ReferralState,
    Service,
)
from csn_desk.store.writes import Writer
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

FINAL_STATUSES = frozenset(t.code for t in vocab("referral_statuses").terms if t.final)


@dataclass(frozen=True)
class ReferralDraft:
    kind: str
    service_id: str | None = None
    external_service: str | None = None
    consent_to_share: bool = False
    follow_up_due: date | None = None


@dataclass(frozen=True)
class FollowUpRow:
    referral_id: str
    enquiry_id: str
    follow_up_due: date
    status: str
    service_name: str
    organisation_name: str
    client_id: str | None


def _check(draft: ReferralDraft) -> None:
    vocab("referral_kinds").check(draft.kind, "referral kind")
    if not draft.service_id and not (draft.external_service or "").strip():
        raise InvalidInput("Choose a service from the directory or type the service's name.")
    if draft.kind == "referred" and not draft.consent_to_share:
        raise InvalidInput("A referral on the person's behalf needs their consent to share "
                           "their details. Record it, or signpost instead.")


def add_referrals(w: Writer, ws: Workspace, enquiry: Enquiry,
                  drafts: Sequence[ReferralDraft]) -> list[str]:
    """Within an open unit of work: create referrals for ``enquiry`` (as the caller has it:
    just made, or read), each with its first 'made' event. A named person's record must be
    usable (not restricted), and a referral on their behalf needs their consent to share not
    to have been refused or withdrawn."""
    ids = []
    enquiry_id = enquiry.id
    client = w.session.get(Client, enquiry.client_id) if drafts and enquiry.client_id else None
    if client is not None:
        check_usable(client)
    for draft in drafts:
        _check(draft)
        if client is not None and draft.kind == "referred":
            require_consent(ws, client.id, "refer_on_behalf")
        if draft.service_id is not None and not w.exists(Service, draft.service_id):
            raise NotFound("That service is no longer in the directory; search again.")
        ref = w.create(Referral(enquiry_id=enquiry_id, service_id=draft.service_id,
                                external_service=(draft.external_service or None),
                                kind=draft.kind, consent_to_share=draft.consent_to_share,
                                follow_up_due=draft.follow_up_due))
        w.create(ReferralEvent(referral_id=ref.id, status="made", at=utcnow(),
                               user_id=ws.user.id, site_id=ws.site_id))
        ids.append(ref.id)
    return ids


def record_referral(ws: Workspace, enquiry_id: str, draft: ReferralDraft) -> str:
    require(ws, "enquiries.record")
    with ws.db.write(ws.actor) as w:
        enquiry = w.session.get(Enquiry, enquiry_id)
        if enquiry is None or enquiry.organisation_id != ws.organisation_id:
            raise NotFound("That enquiry was not found.")
        return add_referrals(w, ws, enquiry, [draft])[0]


def add_event(ws: Workspace, referral_id: str, status: str, note: str = "",
              at: datetime | None = None) -> str:
    """Append a status event (contacted, started, waiting list, ...)."""
    require(ws, "enquiries.record")
    vocab("referral_statuses").check(status, "referral status")
    with ws.db.write(ws.actor) as w:
        if w.session.get(Referral, referral_id) is None:
            raise NotFound("That referral was not found.")
        event = w.create(ReferralEvent(referral_id=referral_id, status=status, note=note.strip(),
                                       at=at or utcnow(), user_id=ws.user.id,
                                       site_id=ws.site_id))
        return event.id


def referral_status(ws: Workspace, referral_id: str) -> str:
    require(ws, "enquiries.view")
    with ws.db.read() as s:
        state = s.get(ReferralState, referral_id)
        if state is None or state.organisation_id != ws.organisation_id:
            raise NotFound("That referral was not found.")
        return str(state.status)


def _due(ws: Workspace, by: date) -> list[Any]:
    return [ReferralState.organisation_id == ws.organisation_id,
            col(ReferralState.is_open).is_(True),
            col(ReferralState.follow_up_due).is_not(None),
            col(ReferralState.follow_up_due) <= by]


def follow_ups_due(ws: Workspace, by: date, limit: int = 500) -> list[FollowUpRow]:
    """Referrals whose follow-up date has come and whose outcome is not yet known, oldest
    first: a range of the referral_state queue index, however long the history."""
    require(ws, "followups.work")
    columns = (ReferralState.referral_id, Referral.enquiry_id, ReferralState.follow_up_due,
               ReferralState.status, Service.name, Organisation.name,
               Referral.external_service, Enquiry.client_id)
    query = (select(*(col(c) for c in columns))
             .join(Referral, col(Referral.id) == ReferralState.referral_id)
             .join(Enquiry, col(Enquiry.id) == Referral.enquiry_id)
             .outerjoin(Service, col(Service.id) == Referral.service_id)
             .outerjoin(Organisation, col(Organisation.id) == Service.organisation_id)
             .where(*_due(ws, by))
             .order_by(col(ReferralState.follow_up_due), col(ReferralState.referral_id))
             .limit(max(1, limit)))
    with ws.db.read() as s:
        rows = s.execute(query).all()
    return [FollowUpRow(r[0], r[1], r[2], r[3] or "made", r[4] or r[6] or "", r[5] or "", r[7])
            for r in rows]


def count_follow_ups_due(ws: Workspace, by: date) -> int:
    require(ws, "enquiries.view")
    query = select(func.count()).select_from(ReferralState).where(*_due(ws, by))
    with ws.db.read() as s:
        return int(s.execute(query).scalar_one())


def referrals_for_enquiry(ws: Workspace, enquiry_id: str) -> list[str]:
    """The ids of an enquiry's referrals, in the order they were made (for printing)."""
    require(ws, "enquiries.view")
    with ws.db.read() as s:
        enquiry = s.get(Enquiry, enquiry_id)
        if enquiry is None or enquiry.organisation_id != ws.organisation_id:
            raise NotFound("That enquiry is not in this organisation's records.")
        return list(s.execute(select(col(Referral.id)).where(
            col(Referral.enquiry_id) == enquiry_id)
            .order_by(col(Referral.created_at), col(Referral.id))).scalars())
