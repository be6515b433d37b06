"""Logging an enquiry at the counter: anonymous by default, coded needs, optional client and
referrals, all saved in one unit of work (row + change log + audit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from csn_desk.errors import InvalidInput, NotFound
from csn_desk.ids import new_id, utcnow
from csn_desk.postcodes import district
from csn_desk.protection.consent_rules import require_consent
from csn_desk.protection.restriction import check_usable
from csn_desk.protection.roles import require
from csn_desk.referrals import ReferralDraft, add_referrals
from csn_desk.store.models import Client, Enquiry, EnquiryNeed, Site
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace


@dataclass(frozen=True)
class NeedInput:
    code: str
    outcome: str = "open"
    unmet_reason: str | None = None


@dataclass(frozen=True)
class EnquiryDraft:
    """What staff entered. ``id`` is minted when the form opens, so saving twice (a double
    click, a double Enter) saves once."""

    channel: str
    enquirer_type: str
    needs: tuple[NeedInput, ...]
    age_band: str | None = None
    postcode_district: str | None = None
    route: str | None = None
    notes: str = ""
    time_spent_minutes: int | None = None
    client_id: str | None = None
    received_at: datetime | None = None
    id: str = field(default_factory=new_id)


@dataclass(frozen=True)
class EnquiryRow:
    """A list row with no personal data: safe for logs, CLI output and tallies."""

    id: str
    received_at: datetime
    site_name: str
    need_codes: tuple[str, ...]
    channel: str
    has_client: bool


def _validate(draft: EnquiryDraft) -> None:
    vocab("channels").check(draft.channel, "channel")
    vocab("enquirer_types").check(draft.enquirer_type, "enquirer type")
    if draft.age_band is not None:
        vocab("age_bands").check(draft.age_band, "age band")
    if draft.route is not None:
        vocab("routes").check(draft.route, "route")
    if not draft.needs:
        raise InvalidInput("Choose at least one need for the enquiry.")
    codes = [n.code for n in draft.needs]
    if len(set(codes)) != len(codes):
        raise InvalidInput("The same need is listed twice; remove one.")
    for need in draft.needs:
        vocab("needs").check(need.code, "need category")
        vocab("need_outcomes").check(need.outcome, "need outcome")
        if need.outcome in ("unmet", "partly_met"):
            if need.unmet_reason is None:
                raise InvalidInput("Say why the need was not met (choose a reason).")
            vocab("unmet_reasons").check(need.unmet_reason, "reason")
    if draft.time_spent_minutes is not None and not 0 <= draft.time_spent_minutes <= 24 * 60:
        raise InvalidInput("Time spent should be between 0 and 1440 minutes.")


def save_enquiry(ws: Workspace, draft: EnquiryDraft,
                 referrals: Sequence[ReferralDraft] = ()) -> str:
    """Save an enquiry with its needs and referrals; returns its id. Idempotent on draft.id."""
    require(ws, "enquiries.record")
    _validate(draft)
    pc_district = district(draft.postcode_district) if draft.postcode_district else None
    with ws.db.write(ws.actor) as w:
        if w.exists(Enquiry, draft.id):
            return draft.id  # already saved: a second click does nothing
        if draft.client_id is not None:
            client = w.session.get(Client, draft.client_id)
            if client is None or client.organisation_id != ws.organisation_id:
                raise NotFound("That client record was not found; search for them again.")
            check_usable(client)  # restricted or erased: not to be used (DP-12)
            require_consent(ws, client.id, "keep_record", lawful_basis=client.lawful_basis)
            w.update(client, last_contact_at=utcnow())
        received = draft.received_at or utcnow()
        if received.tzinfo is None:
            received = received.replace(tzinfo=UTC)
        enquiry = w.create(Enquiry(
            id=draft.id, organisation_id=ws.organisation_id, site_id=ws.site_id,
            user_id=ws.user.id, received_at=received, channel=draft.channel,
            enquirer_type=draft.enquirer_type, client_id=draft.client_id,
            age_band=draft.age_band, postcode_district=pc_district, route=draft.route,
            notes=draft.notes.strip(), time_spent_minutes=draft.time_spent_minutes))
        for need in draft.needs:
            w.create(EnquiryNeed(enquiry_id=draft.id, need_code=need.code, outcome=need.outcome,
                                 unmet_reason=need.unmet_reason))
        add_referrals(w, ws, enquiry, referrals)
    return draft.id


def set_need_outcome(ws: Workspace, enquiry_id: str, need_code: str, outcome: str,
                     unmet_reason: str | None = None) -> None:
    require(ws, "enquiries.record")
    vocab("need_outcomes").check(outcome, "need outcome")
    if outcome in ("unmet", "partly_met"):
        if unmet_reason is None:
            raise InvalidInput("Say why the need was not met (choose a reason).")
        vocab("unmet_reasons").check(unmet_reason, "reason")
    with ws.db.write(ws.actor) as w:
        need = w.session.execute(
            select(EnquiryNeed).where(col(EnquiryNeed.enquiry_id) == enquiry_id,
                                      col(EnquiryNeed.need_code) == need_code)).scalar_one_or_none()
        if need is None:
            raise NotFound("That need is not on this enquiry.")
        w.update(need, outcome=outcome,
                 unmet_reason=unmet_reason if outcome in ("unmet", "partly_met") else None)


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(
            f"'{month}' is not a month; write it as YYYY-MM, e.g. 2026-10.") from None
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(
        month=start.month + 1)
    return start, end


def _scope(query: Any, ws: Workspace, *, month: str | None = None,
           since: datetime | None = None, site_id: str | None = None,
           client_id: str | None = None) -> Any:
    query = query.where(Enquiry.organisation_id == ws.organisation_id)
    if month:
        start, end = _month_bounds(month)
        query = query.where(Enquiry.received_at >= start, Enquiry.received_at < end)
    if since is not None:
        query = query.where(Enquiry.received_at >= since)
    if site_id:
        query = query.where(Enquiry.site_id == site_id)
    if client_id:
        query = query.where(Enquiry.client_id == client_id)
    return query


def list_enquiries(ws: Workspace, *, month: str | None = None, limit: int = 100,
                   client_id: str | None = None, site_id: str | None = None,
                   since: datetime | None = None) -> list[EnquiryRow]:
    """Newest first. Rows carry ids, dates, site and need codes only."""
    require(ws, "enquiries.view")
    columns = (Enquiry.id, Enquiry.received_at, Site.name, Enquiry.channel, Enquiry.client_id)
    query = (sa_select(*(col(c) for c in columns))
             .join(Site, col(Site.id) == Enquiry.site_id))
    query = _scope(query, ws, month=month, since=since, site_id=site_id, client_id=client_id)
    query = query.order_by(col(Enquiry.received_at).desc()).limit(max(1, limit))
    with ws.db.read() as s:
        rows = s.execute(query).all()
        ids = [r[0] for r in rows]
        needs: dict[str, list[str]] = {}
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start:chunk_start + 500]
            for eid, code in s.execute(select(EnquiryNeed.enquiry_id, EnquiryNeed.need_code)
                                       .where(col(EnquiryNeed.enquiry_id).in_(chunk))):
                needs.setdefault(eid, []).append(code)
    return [EnquiryRow(r[0], r[1], r[2], tuple(sorted(needs.get(r[0], []))), r[3],
                       r[4] is not None) for r in rows]


def count_enquiries(ws: Workspace, *, since: datetime | None = None,
                    site_id: str | None = None, month: str | None = None) -> int:
    require(ws, "enquiries.view")
    query = _scope(select(func.count()).select_from(Enquiry), ws, month=month, since=since,
                   site_id=site_id)
    with ws.db.read() as s:
        return int(s.execute(query).scalar_one())
