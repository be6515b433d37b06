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
from csn_desk.referrals import follow_ups_due
from csn_desk.store.models import Client, Enquiry, Referral, Site
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


# Recording an outcome is a service (one unit of work): see csn_desk/followups.py.
