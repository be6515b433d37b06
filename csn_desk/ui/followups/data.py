"""What the Follow-ups page shows and does, as plain functions (no Qt; run on the database
thread through the task runner).

The queue comes from :func:`csn_desk.referrals.follow_ups_due`; each row is then given its
site, service id and the client's name and communication flags, and the site / service /
status filters are applied here, so widgets only display what they are handed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import col

from csn_desk.client_history import client_flags
from csn_desk.enquiries import set_need_outcome
from csn_desk.errors import NotFound
from csn_desk.referrals import add_event, follow_ups_due
from csn_desk.store.models import Client, Enquiry, EnquiryNeed, Referral, ServiceTaxonomy, Site
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

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


# -- recording an outcome --------------------------------------------------------------------
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


def needs_for_referral(ws: Workspace, referral_id: str) -> list[tuple[str, str]]:
    """The enquiry's needs this referral answers, as (code, current outcome): those the
    referred service is catalogued under; if none match (a free-text service, or a service
    filed elsewhere) and the enquiry has exactly one need, that need."""
    with ws.db.read() as s:
        ref = s.get(Referral, referral_id)
        enquiry = s.get(Enquiry, ref.enquiry_id) if ref is not None else None
        if ref is None or enquiry is None or enquiry.organisation_id != ws.organisation_id:
            raise NotFound("That referral was not found; refresh the queue.")
        needs = [(str(code), str(outcome)) for code, outcome in s.execute(
            select(col(EnquiryNeed.need_code), col(EnquiryNeed.outcome))
            .where(col(EnquiryNeed.enquiry_id) == ref.enquiry_id)
            .order_by(col(EnquiryNeed.need_code)))]
        terms: set[str] = set()
        if ref.service_id:
            terms = set(s.execute(select(col(ServiceTaxonomy.term_code))
                                  .where(col(ServiceTaxonomy.service_id) == ref.service_id))
                        .scalars())
    matched = [n for n in needs if n[0] in terms]
    return matched or (needs if len(needs) == 1 else [])


def record_outcome(ws: Workspace, referral_id: str, status: str, note: str = "",
                   unmet_reason: str | None = None) -> OutcomeResult:
    """Append the outcome event, then update the enquiry's need(s) it answers.

    Mapping (``NEED_OUTCOME``): started service -> need met; declined -> unmet ("person
    declined"); not eligible -> unmet ("not eligible"); no response -> unmet ("other reason");
    ``unmet_reason`` overrides the default reason. Contacted, waiting list and closed leave
    the need unchanged. A need already met (say by another referral) is never turned back to
    unmet. The event and the need change are two units of work: if the second fails the
    event stands and the need can be set again by recording the outcome once more.
    """
    add_event(ws, referral_id, status, note)
    mapped = NEED_OUTCOME.get(status)
    changed: list[tuple[str, str]] = []
    if mapped is not None:
        outcome, reason = mapped
        if outcome == "unmet" and unmet_reason:
            vocab("unmet_reasons").check(unmet_reason, "reason")
            reason = unmet_reason
        for code, current in needs_for_referral(ws, referral_id):
            if current == outcome or (current == "met" and outcome != "met"):
                continue
            enquiry_id = _enquiry_of(ws, referral_id)
            set_need_outcome(ws, enquiry_id, code, outcome, reason)
            changed.append((code, outcome))
    return OutcomeResult(referral_id, status, tuple(changed))


def _enquiry_of(ws: Workspace, referral_id: str) -> str:
    with ws.db.read() as s:
        ref = s.get(Referral, referral_id)
        if ref is None:
            raise NotFound("That referral was not found; refresh the queue.")
        return ref.enquiry_id
