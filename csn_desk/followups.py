"""The coordinator's follow-up work: the queue of referrals due or overdue (with site, service,
client name and communication flags, filtered by site / service / status), and recording an
outcome: the referral's new status event and what it says about the enquiry's need, in ONE
unit of work (both or neither)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from csn_desk.client_history import client_flags
from csn_desk.errors import NotFound
from csn_desk.ids import utcnow
from csn_desk.protection.restriction import check_client_usable
from csn_desk.protection.roles import require
from csn_desk.store.models import (
    Client,
    Enquiry,
    EnquiryNeed,
    Organisation,
    Referral,
    ReferralEvent,
    ReferralState,
    Service,
    ServiceTaxonomy,
    Site,
)
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

# -- the queue -------------------------------------------------------------------------
QUEUE_SCAN = 5000  # most rows returned; the summary says when more match the filters
SERVICE_OPTIONS = 1000  # most services offered in the service filter
_CHUNK = 500
EXTERNAL = "external:"  # service key prefix for a free-text service


@dataclass(frozen=True)
class FollowUpFilters:
    site_id: str | None = None
    service_key: str | None = None  # a service id, or EXTERNAL + the typed name
    status: str | None = None  # a referral status code


@dataclass(frozen=True)
class FollowUpItem:
    referral_id: str
    enquiry_id: str
    follow_up_due: date
    days_overdue: int  # 0 = due today
    status: str
    service_key: str
    service_name: str
    organisation_name: str
    site_id: str
    site_name: str
    client_id: str | None
    client_name: str  # "" for an anonymous enquiry
    flags: tuple[str, ...]  # communication needs, e.g. ("Large print 18 pt",)


@dataclass(frozen=True)
class FollowUpQueue:
    by: date
    rows: tuple[FollowUpItem, ...]  # matching the filters, oldest due first, at most the cap
    due_total: int  # all due, before filtering
    capped: bool  # True: more matched the filters than ``rows`` holds
    sites: tuple[tuple[str, str], ...]  # (id, name) for the site filter
    services: tuple[tuple[str, str], ...]  # (key, name) of services with follow-ups due
    statuses: tuple[str, ...]  # open status codes, for the status filter
    matched_total: int = 0  # how many match the filters (== due_total with no filter)


def open_statuses() -> tuple[str, ...]:
    return tuple(t.code for t in vocab("referral_statuses").terms if not t.final)


def outcome_statuses() -> tuple[str, ...]:
    """What a coordinator can record (everything but the counter's own "made")."""
    return tuple(c for c in vocab("referral_statuses").codes if c != "made")


def _status() -> Any:
    # A referral without events yet counts as just made (as in ``follow_ups_due``).
    return func.coalesce(col(ReferralState.status), "made")


def _due_where(ws: Workspace, by: date, f: FollowUpFilters) -> list[Any]:
    """Due, still open, in this organisation, and matching the filters. The first four are
    the ``ix_referral_state_queue`` range; the filters are checked as SQLite walks it."""
    where: list[Any] = [col(ReferralState.organisation_id) == ws.organisation_id,
                        col(ReferralState.is_open).is_(True),
                        col(ReferralState.follow_up_due).is_not(None),
                        col(ReferralState.follow_up_due) <= by]
    if f.site_id is not None:
        where.append(col(Enquiry.site_id) == f.site_id)
    if f.service_key is not None:
        if f.service_key.startswith(EXTERNAL):
            where += [col(Referral.service_id).is_(None),
                      col(Referral.external_service) == f.service_key[len(EXTERNAL):]]
        else:
            where.append(col(Referral.service_id) == f.service_key)
    if f.status is not None:
        where.append(_status() == f.status)
    return where


def _joined(query: Any) -> Any:
    return (query.join(Referral, col(Referral.id) == col(ReferralState.referral_id))
            .join(Enquiry, col(Enquiry.id) == col(Referral.enquiry_id)))


def load_queue(ws: Workspace, by: date, filters: FollowUpFilters = FollowUpFilters(),  # noqa: B008
               *, scan: int = QUEUE_SCAN) -> FollowUpQueue:
    """Referrals due by ``by`` whose outcome is not known yet and that match ``filters``,
    oldest due first, at most ``scan`` of them. The filters are part of the query, so a
    match is found wherever it lies in the queue."""
    require(ws, "followups.work")
    scan = max(1, scan)
    filtered = any(v is not None for v in dataclasses.astuple(filters))
    rows_query = (_joined(select(col(ReferralState.referral_id), col(Referral.enquiry_id),
                                 col(ReferralState.follow_up_due), _status(),
                                 col(Referral.service_id), col(Service.name),
                                 col(Organisation.name), col(Referral.external_service),
                                 col(Enquiry.site_id), col(Enquiry.client_id)))
                  .outerjoin(Service, col(Service.id) == col(Referral.service_id))
                  .outerjoin(Organisation, col(Organisation.id) == col(Service.organisation_id))
                  .where(*_due_where(ws, by, filters))
                  .order_by(col(ReferralState.follow_up_due), col(ReferralState.referral_id))
                  .limit(scan + 1))
    unfiltered = FollowUpFilters()
    with ws.db.read() as s:
        sites = {sid: name for sid, name in s.execute(
            select(col(Site.id), col(Site.name))
            .where(col(Site.organisation_id) == ws.organisation_id))}
        found = s.execute(rows_query).all()
        due_total = int(s.execute(select(func.count()).select_from(ReferralState)
                                  .where(*_due_where(ws, by, unfiltered))).scalar_one())
        matched = due_total
        if filtered:
            matched = int(s.execute(_joined(select(func.count()).select_from(ReferralState))
                                    .where(*_due_where(ws, by, filters))).scalar_one())
        services = _service_options(s, ws, by)
        names = _client_names(s, {r[9] for r in found[:scan] if r[9]})
    flags = client_flags(ws, names)
    items = []
    for (rid, eid, due, status, service_id, service, org, external, site_id,
         client_id) in found[:scan]:
        name = service or external or ""
        items.append(FollowUpItem(
            rid, eid, due, (by - due).days, status, service_id or EXTERNAL + (external or ""),
            name, org or "", site_id, sites.get(site_id, ""), client_id,
            names.get(client_id or "", ""), flags.get(client_id or "", ())))
    return FollowUpQueue(by, tuple(items), due_total, len(found) > scan,
                         tuple(sorted(sites.items(), key=lambda kv: kv[1].lower())),
                         services, open_statuses(), matched)


def _service_options(s: Session, ws: Workspace, by: date) -> tuple[tuple[str, str], ...]:
    """(key, name) of every service with a follow-up due, for the service filter."""
    query = (_joined(select(col(Referral.service_id), col(Referral.external_service),
                            col(Service.name)).select_from(ReferralState))
             .outerjoin(Service, col(Service.id) == col(Referral.service_id))
             .where(*_due_where(ws, by, FollowUpFilters()))
             .group_by(col(Referral.service_id), col(Referral.external_service))
             .limit(SERVICE_OPTIONS))
    options: dict[str, str] = {}
    for service_id, external, name in s.execute(query):
        key = service_id or EXTERNAL + (external or "")
        options[key] = (name if service_id else external) or ""
    return tuple(sorted(options.items(), key=lambda kv: (kv[1].lower(), kv[0])))


def _client_names(s: Session, client_ids: set[str]) -> dict[str, str]:
    ids, names = sorted(client_ids), {}
    for start in range(0, len(ids), _CHUNK):
        for cid, given, family in s.execute(
                select(col(Client.id), col(Client.given_name), col(Client.family_name))
                .where(col(Client.id).in_(ids[start:start + _CHUNK]),
                       col(Client.erased_at).is_(None))):
            names[cid] = f"{given} {family}".strip()
    return names


# -- recording an outcome ----------------------------------------------------------------
# What a referral outcome says about the enquiry's need (need outcome, default unmet reason).
# Statuses not listed ("contacted", "waiting list", "closed") leave the need as it is: they
# do not yet say whether the person got the help ("closed" is an admin close, reason unknown).
NEED_OUTCOME: dict[str, tuple[str, str | None]] = {
    "started": ("met", None),
    "declined": ("unmet", "declined"),
    "not_eligible": ("unmet", "not_eligible"),
    "no_response": ("unmet", "other"),
}


@dataclass(frozen=True)
class OutcomeResult:
    referral_id: str
    status: str
    needs_changed: tuple[tuple[str, str], ...]  # (need code, new outcome)


def _referral(s: Session, ws: Workspace, referral_id: str) -> Referral:
    ref = s.get(Referral, referral_id)
    enquiry = s.get(Enquiry, ref.enquiry_id) if ref is not None else None
    if ref is None or enquiry is None or enquiry.organisation_id != ws.organisation_id:
        raise NotFound("That referral was not found; refresh the queue.")
    return ref


def _answered_needs(s: Session, ref: Referral) -> list[EnquiryNeed]:
    """The needs this referral answers: those the referred service is catalogued under; if
    none match (a free-text service, or one filed elsewhere) and the enquiry has exactly one
    need, that need."""
    needs = list(s.execute(select(EnquiryNeed)
                           .where(col(EnquiryNeed.enquiry_id) == ref.enquiry_id)
                           .order_by(col(EnquiryNeed.need_code))).scalars())
    terms: set[str] = set()
    if ref.service_id:
        terms = set(s.execute(select(col(ServiceTaxonomy.term_code))
                              .where(col(ServiceTaxonomy.service_id) == ref.service_id))
                    .scalars())
    matched = [n for n in needs if n.need_code in terms]
    return matched or (needs if len(needs) == 1 else [])


def record_outcome(ws: Workspace, referral_id: str, status: str, note: str = "",
                   unmet_reason: str | None = None) -> OutcomeResult:
    """Append the outcome event and update the need(s) it answers (``NEED_OUTCOME``);
    ``unmet_reason`` overrides the default reason. A need already met (say by another
    referral) is never turned back to unmet."""
    require(ws, "followups.work")
    vocab("referral_statuses").check(status, "referral status")
    mapped = NEED_OUTCOME.get(status)
    if mapped is not None and mapped[0] == "unmet" and unmet_reason:
        vocab("unmet_reasons").check(unmet_reason, "reason")
        mapped = ("unmet", unmet_reason)
    changed: list[tuple[str, str]] = []
    with ws.db.write(ws.actor) as w:
        ref = _referral(w.session, ws, referral_id)
        enquiry = w.session.get(Enquiry, ref.enquiry_id)
        check_client_usable(w.session, enquiry.client_id if enquiry else None,  # DP-12
                            erased_ok=True)
        w.create(ReferralEvent(referral_id=referral_id, status=status, note=note.strip(),
                               at=utcnow(), user_id=ws.user.id, site_id=ws.site_id))
        if mapped is not None:
            outcome, reason = mapped
            for need in _answered_needs(w.session, ref):
                if need.outcome == outcome or (need.outcome == "met" and outcome != "met"):
                    continue
                w.update(need, outcome=outcome,
                         unmet_reason=reason if outcome in ("unmet", "partly_met") else None)
                changed.append((need.need_code, outcome))
    return OutcomeResult(referral_id, status, tuple(changed))
