"""A calendar month's figures, read from the monthly tallies the database keeps current
(``tally_month`` and ``tally_client_month``, kept by triggers: migration 0006), so a month
costs a read of a few thousand rows however many enquiries there are. Date ranges that are
not whole months are counted straight from the records (``counting.py``), by the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from csn_desk.reports import figures as F
from csn_desk.reports.counting import PeriodCounts, Where, count_period
from csn_desk.reports.periods import Period
from csn_desk.store.models import TallyClientMonth
from csn_desk.store.rawsql import driver
from csn_desk.workspace import Workspace

Progress = Callable[[int, int, str], None]


NEEDS_ONLY = "needs"  # just enquiries and needs: what the twelve-month chart shows
_MONTH_SQL = ("SELECT site_id, key, n FROM tally_month WHERE organisation_id = ? AND month = ? "
              "AND n != 0")
_WHOLE_SQL = ("SELECT key, sum(n) FROM tally_month WHERE organisation_id = ? AND month = ? "
              "GROUP BY key HAVING sum(n) != 0")
_NEEDS_ONLY_SQL = " AND (key IN ('enquiries', 'needs') OR (key >= 'need:' AND key < 'need;'))"


def month_counts(s: Session, organisation_id: str, month: Period,
                 part: str | None = None, by_site: bool = True) -> PeriodCounts:
    """The month's figures; ``part=NEEDS_ONLY`` reads only enquiries and needs. Without
    ``by_site`` the sites' counts are added up by SQLite and only the whole is returned."""
    if not by_site:
        return _whole_month(s, organisation_id, month, part)
    key = month.month_key
    sites: dict[str, dict[str, int]] = {}
    # Straight from the driver: a month of a large network has tens of thousands of rows,
    # and per-row processing would cost more than reading them (the primary key range
    # (organisation, month) is the whole plan).
    sql = _MONTH_SQL + (_NEEDS_ONLY_SQL if part == NEEDS_ONLY else "")
    for site, name, n in driver(s).execute(sql, (organisation_id, key)).fetchall():
        counts = sites.get(site)
        if counts is None:
            counts = sites[site] = {}
        counts[name] = n
    conn = s.connection()
    if part == NEEDS_ONLY:
        figures = {site: F.Figures(counts) for site, counts in sites.items()}
        return PeriodCounts(month, figures, F.total(figures.values()))
    cm = TallyClientMonth
    in_month = (col(cm.organisation_id) == organisation_id, col(cm.month) == key)
    for site, clients, new in conn.execute(
            select(col(cm.site_id), func.count(), func.sum(case((col(cm.is_first), 1), else_=0)))
            .where(*in_month).group_by(col(cm.site_id))):
        counts = sites.setdefault(site, {})
        counts[F.NEW_CLIENTS] = int(new or 0)
        counts[F.RETURNING_CLIENTS] = int(clients) - int(new or 0)
    figures = {site: F.Figures({k: v for k, v in counts.items() if v})
               for site, counts in sites.items()}
    whole = dict(F.total(figures.values()).counts)
    whole.update(_clients(s, organisation_id, key))
    return PeriodCounts(month, figures, F.Figures({k: v for k, v in whole.items() if v}))


def _clients(s: Session, organisation_id: str, key: str) -> dict[str, int]:
    """Distinct clients over the whole organisation (one person may visit two sites)."""
    cm = TallyClientMonth
    clients, new = s.connection().execute(
        select(func.count(func.distinct(col(cm.client_id))),
               func.count(func.distinct(case((col(cm.is_first), col(cm.client_id)),
                                             else_=None))))
        .where(col(cm.organisation_id) == organisation_id, col(cm.month) == key)).one()
    return {F.NEW_CLIENTS: int(new), F.RETURNING_CLIENTS: int(clients) - int(new)}


def _whole_month(s: Session, organisation_id: str, month: Period, part: str | None
                 ) -> PeriodCounts:
    key = month.month_key
    sql = (_WHOLE_SQL if part != NEEDS_ONLY else
           _WHOLE_SQL.replace("GROUP BY", _NEEDS_ONLY_SQL + " GROUP BY"))
    whole = dict(driver(s).execute(sql, (organisation_id, key)).fetchall())
    if part != NEEDS_ONLY:
        whole.update(_clients(s, organisation_id, key))
    return PeriodCounts(month, {}, F.Figures({k: v for k, v in whole.items() if v}))


def organisation_counts(ws: Workspace, periods: Sequence[Period],
                        progress: Progress | None = None,
                        needs_only: Sequence[Period] = (),
                        by_site: bool = True) -> list[PeriodCounts]:
    """The organisation's figures for each period, broken down by site, in the order asked:
    months from the monthly tallies, date ranges counted from the records. Months listed in
    ``needs_only`` get only their enquiries and needs (the chart's months). Without
    ``by_site``, months come as the organisation's whole only (no per-site breakdown)."""
    report = progress or (lambda _done, _total, _text: None)
    out = []
    with ws.db.read() as s:
        for done, period in enumerate(periods, start=1):
            if period.is_month:
                part = NEEDS_ONLY if period in needs_only else None
                out.append(month_counts(s, ws.organisation_id, period, part, by_site))
            else:
                out.append(count_period(s, Where(ws.organisation_id), period))
            report(done, len(periods), f"Counted {period.label}")
    return out
