"""Counting one period straight from the records, with SQL aggregates (GROUP BY over index
ranges), never a loop over rows: the loops below run over groups (a few hundred to a few
thousand per month, however many enquiries there are).

Every count is broken down by site, because an organisation's figures are its sites' added
up and each site publishes its own snapshot. Distinct clients are the one thing that does
not add up across sites (one person may visit two), so the organisation's client counts
are counted once more over the whole organisation.

Which records count for a period (the definitions sheet of every export says the same):

- enquiries, their needs and their referrals: enquiries received in the period (UK time);
- a referral's outcome: where it stands now (its latest status event);
- days to start: for referrals whose latest status is "started", from the referral being
  made to that event, in whole calendar days (UTC dates);
- follow-ups: referrals whose follow-up date falls in the period; on time when the first
  status event after "made" is on or before that date (UTC date), late when after it, not
  done when there is none yet;
- new client: a client whose first enquiry ever falls in the period; returning: a client
  with an enquiry before the period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, case, cast, exists, func, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from csn_desk.reports import figures as F
from csn_desk.reports.periods import Period
from csn_desk.store.models import Enquiry, EnquiryNeed, Referral, ReferralEvent, ReferralState

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Where:
    """Whose records: an organisation, or one of its sites."""

    organisation_id: str
    site_id: str | None = None


@dataclass(frozen=True)
class PeriodCounts:
    """One period's figures: per site, and for the whole ``Where`` (the sites' sum, with
    distinct clients counted over the whole)."""

    period: Period
    by_site: dict[str, F.Figures]
    whole: F.Figures


class _Acc:
    """Per-site counters being filled from grouped rows."""

    def __init__(self) -> None:
        self.sites: dict[str, dict[str, int]] = {}

    def add(self, site: str, name: str, n: int) -> None:
        if n:
            counts = self.sites.setdefault(site, {})
            counts[name] = counts.get(name, 0) + int(n)

    def figures(self) -> dict[str, F.Figures]:
        return {site: F.Figures(dict(c)) for site, c in self.sites.items()}


def _enquiry_where(where: Where, period: Period, e: Any = Enquiry) -> list[Any]:
    start, end = period.bounds_utc()
    out = [col(e.organisation_id) == where.organisation_id, col(e.received_at) >= start,
           col(e.received_at) < end]
    if where.site_id is not None:
        out.append(col(e.site_id) == where.site_id)
    return out


def count_period(s: Session, where: Where, period: Period,
                 progress: Progress | None = None) -> PeriodCounts:
    step = progress or (lambda _text: None)
    acc = _Acc()
    step("enquiries")
    _enquiries(s, where, period, acc)
    step("needs")
    _needs(s, where, period, acc)
    step("referrals")
    _referrals(s, where, period, acc)
    step("follow-ups")
    _followups(s, where, period, acc)
    step("clients")
    org_clients = _clients(s, where, period, acc)
    by_site = acc.figures()
    whole = dict(F.total(by_site.values()).counts)
    whole.update(org_clients)
    return PeriodCounts(period, by_site, F.Figures({k: v for k, v in whole.items() if v}))


def _enquiries(s: Session, where: Where, period: Period, acc: _Acc) -> None:
    e = Enquiry
    dims = (("channel", e.channel), ("enquirer", e.enquirer_type), ("age_band", e.age_band),
            ("route", e.route), ("district", e.postcode_district))
    has_client = col(e.client_id).is_not(None)
    query = (select(col(e.site_id), *(col(c) for _n, c in dims), has_client, func.count(),
                    func.coalesce(func.sum(col(e.time_spent_minutes)), 0),
                    func.count(col(e.time_spent_minutes)))
             .where(*_enquiry_where(where, period))
             .group_by(col(e.site_id), *(col(c) for _n, c in dims), has_client))
    for site, *codes, client, n, minutes, timed in s.execute(query):
        acc.add(site, F.ENQUIRIES, n)
        for (name, _c), code in zip(dims, codes, strict=True):
            acc.add(site, F.key(name, code), n)
        acc.add(site, F.WITH_CLIENT if client else F.ANONYMOUS, n)
        acc.add(site, F.MINUTES, minutes)
        acc.add(site, F.TIMED, timed)


def _needs(s: Session, where: Where, period: Period, acc: _Acc) -> None:
    e, n = Enquiry, EnquiryNeed
    query = (select(col(e.site_id), col(n.need_code), col(n.outcome), col(n.unmet_reason),
                    func.count())
             .join(n, col(n.enquiry_id) == col(e.id))
             .where(*_enquiry_where(where, period))
             .group_by(col(e.site_id), col(n.need_code), col(n.outcome), col(n.unmet_reason)))
    for site, code, outcome, reason, count in s.execute(query):
        acc.add(site, F.NEEDS, count)
        acc.add(site, F.key("need", code), count)
        acc.add(site, F.key("need_outcome", outcome), count)
        if outcome in ("unmet", "partly_met"):
            acc.add(site, F.key("unmet_reason", reason), count)


def _days(later: Any, earlier: Any) -> Any:
    """Whole calendar days between two stored UTC times (their dates)."""
    return cast(func.julianday(func.date(later)) - func.julianday(func.date(earlier)), Integer)


def _referrals(s: Session, where: Where, period: Period, acc: _Acc) -> None:
    e, r, st = Enquiry, Referral, ReferralState
    service = case((col(r.service_id).is_not(None), col(r.service_id)),
                   else_=literal(F.EXTERNAL))
    status = func.coalesce(col(st.status), "made")
    # A referral whose latest status is "started" started at that event's time.
    days = case((col(st.status) == "started", _days(col(st.status_at), col(r.created_at))),
                else_=None)
    query = (select(col(e.site_id), service, status, days, func.count())
             .join(r, col(r.enquiry_id) == col(e.id))
             .outerjoin(st, col(st.referral_id) == col(r.id))
             .where(*_enquiry_where(where, period))
             .group_by(col(e.site_id), service, status, days))
    for site, service_key, state, started_days, count in s.execute(query):
        acc.add(site, F.REFERRALS, count)
        acc.add(site, F.key("ref_service", service_key), count)
        acc.add(site, F.key("ref_outcome", F.OUTCOME_GROUPS.get(state, "open")), count)
        if started_days is not None:
            acc.add(site, f"started_days:{max(0, int(started_days))}", count)


def _followups(s: Session, where: Where, period: Period, acc: _Acc) -> None:
    e, r = Enquiry, Referral
    ev = aliased(ReferralEvent)
    first = (select(func.min(col(ev.at)))
             .where(col(ev.referral_id) == col(r.id), col(ev.status) != "made")
             .correlate(r).scalar_subquery())
    conditions = [col(r.follow_up_due) >= period.start, col(r.follow_up_due) <= period.end,
                  col(e.organisation_id) == where.organisation_id]
    if where.site_id is not None:
        conditions.append(col(e.site_id) == where.site_id)
    # Materialised, so the first follow-up of each referral is looked up once, not again
    # for the GROUP BY.
    due = (select(col(e.site_id).label("site_id"), col(r.follow_up_due).label("due"),
                  first.label("first_at"))
           .select_from(r).join(e, col(e.id) == col(r.enquiry_id)).where(*conditions)
           .cte("due").prefix_with("MATERIALIZED"))
    outcome = case((due.c.first_at.is_(None), literal("not_done")),
                   (func.date(due.c.first_at) <= due.c.due, literal("on_time")),
                   else_=literal("late"))
    query = select(due.c.site_id, outcome, func.count()).group_by(due.c.site_id, outcome)
    for site, result, count in s.execute(query):
        acc.add(site, F.FOLLOWUPS_DUE, count)
        acc.add(site, F.key("followup", result), count)


def _clients(s: Session, where: Where, period: Period, acc: _Acc) -> dict[str, int]:
    """Distinct clients per site, and over the whole organisation (or site)."""
    e = Enquiry
    p = aliased(Enquiry)
    start, _end = period.bounds_utc()
    earlier = exists().where(col(p.client_id) == col(e.client_id), col(p.received_at) < start)
    new = case((~earlier, col(e.client_id)), else_=None)
    conditions = [*_enquiry_where(where, period), col(e.client_id).is_not(None)]
    per_site = (select(col(e.site_id), func.count(func.distinct(col(e.client_id))),
                       func.count(func.distinct(new)))
                .where(*conditions).group_by(col(e.site_id)))
    for site, clients, new_clients in s.execute(per_site):
        acc.add(site, F.NEW_CLIENTS, new_clients)
        acc.add(site, F.RETURNING_CLIENTS, clients - new_clients)
    if where.site_id is not None:
        return {}
    whole = select(func.count(func.distinct(col(e.client_id))),
                   func.count(func.distinct(new))).where(*conditions)
    clients, new_clients = s.execute(whole).one()
    return {F.NEW_CLIENTS: int(new_clients), F.RETURNING_CLIENTS: int(clients - new_clients)}

