"""The coordinator's follow-up work: the queue of referrals due or overdue (with site, service,
client name and communication flags, filtered by site / service / status), and recording an
outcome: the referral's new status event and what it says about the enquiry's need, in ONE
unit of work (both or neither)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from csn_desk.client_history import client_flags
from csn_desk.errors import NotFound
from csn_desk.ids import utcnow
from csn_desk.referrals import follow_ups_due
from csn_desk.store.models import (
    Client,
    Enquiry,
    EnquiryNeed,
    Referral,
    ReferralEvent,
    ServiceTaxonomy,
    Site,
)
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

# -- the queue -------------------------------------------------------------------------
QUEUE_SCAN = 5000  # rows asked of follow_ups_due before filtering
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
    rows: tuple[FollowUpItem, ...]  # filtered, oldest due first
    due_total: int  # before filtering
    capped: bool  # True: more were due than were scanned
    sites: tuple[tuple[str, str], ...]  # (id, name) for the site filter
    services: tuple[tuple[str, str], ...]  # (key, name) of services in the unfiltered queue
    statuses: tuple[str, ...]  # open status codes, for the status filter


def open_statuses() -> tuple[str, ...]:
    return tuple(t.code for t in vocab("referral_statuses").terms if not t.final)


def outcome_statuses() -> tuple[str, ...]:
    """What a coordinator can record (everything but the counter's own "made")."""
    return tuple(c for c in vocab("referral_statuses").codes if c != "made")


def load_queue(ws: Workspace, by: date, filters: FollowUpFilters = FollowUpFilters(),  # noqa: B008
               *, scan: int = QUEUE_SCAN) -> FollowUpQueue:
    """Referrals due by ``by`` whose outcome is not known yet, narrowed by ``filters``."""
    due = follow_ups_due(ws, by=by, limit=scan)
    extra: dict[str, tuple[str | None, str]] = {}
    names: dict[str, str] = {}
    with ws.db.read() as s:
        sites = {sid: name for sid, name in s.execute(
            select(col(Site.id), col(Site.name))
            .where(col(Site.organisation_id) == ws.organisation_id))}
        ids = [r.referral_id for r in due]
        for start in range(0, len(ids), _CHUNK):
            for rid, service_id, site_id in s.execute(
                    select(col(Referral.id), col(Referral.service_id), col(Enquiry.site_id))
                    .join(Enquiry, col(Enquiry.id) == col(Referral.enquiry_id))
                    .where(col(Referral.id).in_(ids[start:start + _CHUNK]))):
                extra[rid] = (service_id, site_id)
        client_ids = list({r.client_id for r in due if r.client_id})
        for start in range(0, len(client_ids), _CHUNK):
            for cid, given, family in s.execute(
                    select(col(Client.id), col(Client.given_name), col(Client.family_name))
                    .where(col(Client.id).in_(client_ids[start:start + _CHUNK]),
                           col(Client.erased_at).is_(None))):
                names[cid] = f"{given} {family}".strip()
    flags = client_flags(ws, names)
    items = []
    for r in due:
        service_id, site_id = extra.get(r.referral_id, (None, ""))
        items.append(FollowUpItem(
            r.referral_id, r.enquiry_id, r.follow_up_due, (by - r.follow_up_due).days,
            r.status, service_id or EXTERNAL + r.service_name, r.service_name,
            r.organisation_name, site_id, sites.get(site_id, ""), r.client_id,
            names.get(r.client_id or "", ""), flags.get(r.client_id or "", ())))
    services = sorted({(i.service_key, i.service_name) for i in items},
                      key=lambda kv: (kv[1].lower(), kv[0]))
    shown = tuple(i for i in items if _keep(i, filters))
    return FollowUpQueue(by, shown, len(items), len(due) >= scan,
                         tuple(sorted(sites.items(), key=lambda kv: kv[1].lower())),
                         tuple(services), open_statuses())


def _keep(item: FollowUpItem, f: FollowUpFilters) -> bool:
    return ((f.site_id is None or item.site_id == f.site_id)
            and (f.service_key is None or item.service_key == f.service_key)
            and (f.status is None or item.status == f.status))


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
    vocab("referral_statuses").check(status, "referral status")
    mapped = NEED_OUTCOME.get(status)
    if mapped is not None and mapped[0] == "unmet" and unmet_reason:
        vocab("unmet_reasons").check(unmet_reason, "reason")
        mapped = ("unmet", unmet_reason)
    changed: list[tuple[str, str]] = []
    with ws.db.write(ws.actor) as w:
        ref = _referral(w.session, ws, referral_id)
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
