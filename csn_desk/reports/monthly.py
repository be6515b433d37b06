"""A calendar month's figures, read from the monthly tallies the database keeps current
(``tally_month`` and ``tally_client_month``, kept by triggers: migration 0006), so a month
costs a read of a few thousand rows however many enquiries there are. Date ranges that are
not whole months are counted straight from the records (``counting.py``), by the same rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session

from csn_desk.reports import figures as F
from csn_desk.reports.counting import PeriodCounts, Where, count_period
from csn_desk.reports.periods import Period
from csn_desk.store.rawsql import driver
from csn_desk.workspace import Workspace

Progress = Callable[[int, int, str], None]
_READERS = 3  # periods read at once (a report reads three besides the chart's)


_SITES_SQL = ("SELECT site_id, json_group_object(key, n) FROM tally_month "
              "WHERE organisation_id = ? AND month = ? AND n != 0 GROUP BY site_id")
_SITE_SQL = ("SELECT json_group_object(key, n) FROM tally_month WHERE organisation_id = ? "
             "AND month = ? AND site_id = ? AND n != 0")
_SITE_CLIENTS_SQL = ("SELECT count(*), sum(is_first) FROM tally_client_month "
                     "WHERE organisation_id = ? AND month = ? AND site_id = ?")
# Each site's clients of the month (and those in their first month) as JSON lists, read in
# primary-key order (no sorting); the distinct ones are counted in Python.
# (A site's clients are distinct: (organisation, month, site, client) is the primary key, so
# the lengths of its two lists are its clients and its new clients.)
_CLIENTS_SQL = ("SELECT site_id, json_group_array(client_id), "
                "json_group_array(client_id) FILTER (WHERE is_first) FROM tally_client_month "
                "WHERE organisation_id = ? AND month = ? GROUP BY site_id")
# The chart's months, all in one statement, as seeks in the primary key (organisation,
# month, site, key): each month's sites are found one after another (the next site after
# the last, a seek each), then in each site only the keys wanted ("need:..." is one range,
# enquiries and needs two points), never the rest of the month (mostly services).
_NEEDS_MONTHS_SQL = """
WITH RECURSIVE wanted(month) AS (SELECT value FROM json_each(?2)),
sites(month, site_id) AS (
    SELECT month, (SELECT min(site_id) FROM tally_month t
                   WHERE t.organisation_id = ?1 AND t.month = wanted.month) FROM wanted
    UNION ALL
    SELECT month, (SELECT min(site_id) FROM tally_month t
                   WHERE t.organisation_id = ?1 AND t.month = sites.month
                     AND t.site_id > sites.site_id)
    FROM sites WHERE site_id IS NOT NULL)
SELECT t.month, t.site_id, t.key, t.n FROM sites CROSS JOIN tally_month t
WHERE t.organisation_id = ?1 AND t.month = sites.month AND t.site_id = sites.site_id
  AND t.key >= 'need:' AND t.key < 'need;' AND t.n != 0
UNION ALL
SELECT t.month, t.site_id, t.key, t.n FROM sites CROSS JOIN tally_month t
WHERE t.organisation_id = ?1 AND t.month = sites.month AND t.site_id = sites.site_id
  AND t.key IN ('enquiries', 'needs') AND t.n != 0"""


_NEEDS_MONTHS_JSON = ("SELECT json_group_array(json_array(month, site_id, key, n)) FROM ("
                      + _NEEDS_MONTHS_SQL + ")")


def month_counts(s: Session, organisation_id: str, month: Period, by_site: bool = True
                 ) -> PeriodCounts:
    """The month's figures. Without ``by_site`` the sites' counts are added up and only the
    whole is returned."""
    if not by_site:
        return _whole_month(s, organisation_id, month)
    key = month.month_key
    # Each site's counts as one JSON object made by SQLite (the primary key range
    # (organisation, month) is read in site order, so no sorting), parsed in one call: a
    # month of a large network has tens of thousands of rows, and handling them one by one
    # in Python would cost more than reading them.
    con = driver(s)
    sites: dict[str, dict[str, int]] = {
        site: json.loads(text) for site, text in con.execute(_SITES_SQL, (organisation_id, key))}
    site_clients = _clients(s, organisation_id, key)
    for site, (clients, new) in site_clients.items():
        counts = sites.setdefault(site, {})
        if new:
            counts[F.NEW_CLIENTS] = new
        if clients - new:
            counts[F.RETURNING_CLIENTS] = clients - new
    figures = {site: F.Figures(counts) for site, counts in sites.items()}
    whole = dict(F.total(figures.values()).counts)
    whole.pop(F.NEW_CLIENTS, None)
    whole.pop(F.RETURNING_CLIENTS, None)
    whole.update({k: v for k, v in site_clients.whole.items() if v})
    return PeriodCounts(month, figures, F.Figures(whole))


class _Clients(dict[str, tuple[int, int]]):
    """Each site's (clients, new clients) of a month, and ``whole``: the organisation's
    distinct new and returning clients (one person may visit two sites)."""

    whole: dict[str, int]


def _clients(s: Session, organisation_id: str, key: str) -> _Clients:
    clients: set[str] = set()
    new: set[str] = set()
    out = _Clients()
    for site, every_text, first_text in driver(s).execute(_CLIENTS_SQL, (organisation_id, key)):
        every, first = json.loads(every_text), json.loads(first_text)
        out[site] = (len(every), len(first))
        clients.update(every)
        new.update(first)
    out.whole = {F.NEW_CLIENTS: len(new), F.RETURNING_CLIENTS: len(clients) - len(new)}
    return out


def _whole_month(s: Session, organisation_id: str, month: Period) -> PeriodCounts:
    """The sites' counts added up: each site's as one JSON object (``_SITES_SQL``, no
    sorting), added in Python (quicker than SQLite grouping tens of thousands of rows by
    key)."""
    key = month.month_key
    parts = [json.loads(text)
             for _site, text in driver(s).execute(_SITES_SQL, (organisation_id, key))]
    whole: dict[str, int] = parts[0] if parts else {}
    for counts in parts[1:]:
        get = whole.get
        for name, n in counts.items():
            whole[name] = get(name, 0) + n
    whole.update(_clients(s, organisation_id, key).whole)
    return PeriodCounts(month, {}, F.Figures({k: v for k, v in whole.items() if v}))


def needs_months(s: Session, organisation_id: str, months: Sequence[Period],
                 by_site: bool = True) -> dict[Period, PeriodCounts]:
    """Enquiries and needs (what the twelve-month chart shows) of several months, read
    together: those figures of ``month_counts`` for each."""
    keys = {m.month_key: m for m in months}
    sites: dict[str, dict[str, dict[str, int]]] = {k: {} for k in keys}
    if keys:
        # (as one JSON array: one row, not one a figure; see ``organisation_counts``)
        text = driver(s).execute(_NEEDS_MONTHS_JSON,
                                 (organisation_id, json.dumps(list(keys)))).fetchone()[0]
        for month_key, site, name, n in json.loads(text):
            in_month = sites[month_key]
            counts = in_month.get(site)
            if counts is None:
                counts = in_month[site] = {}
            counts[name] = n
    out = {}
    for key, month in keys.items():
        figures = {site: F.Figures(counts) for site, counts in sites[key].items()}
        out[month] = PeriodCounts(month, figures if by_site else {},
                                  F.total(figures.values()))
    return out


def site_month_counts(s: Session, organisation_id: str, month: Period, site_id: str
                      ) -> PeriodCounts:
    """One site's figures for a month (its part of ``month_counts``), read from that site's
    range of the primary key only."""
    key = month.month_key
    con = driver(s)
    # (one JSON object, as ``month_counts``: one row, not one a figure)
    counts = json.loads(con.execute(_SITE_SQL, (organisation_id, key, site_id)).fetchone()[0])
    clients, new = con.execute(_SITE_CLIENTS_SQL, (organisation_id, key, site_id)).fetchone()
    if clients:
        counts[F.NEW_CLIENTS] = int(new or 0)
        counts[F.RETURNING_CLIENTS] = int(clients) - int(new or 0)
    figures = F.Figures({k: v for k, v in counts.items() if v})
    return PeriodCounts(month, {site_id: figures} if figures else {}, figures)


def organisation_counts(ws: Workspace, periods: Sequence[Period],
                        progress: Progress | None = None,
                        needs_only: Sequence[Period] = (),
                        by_site: bool = True, site_id: str | None = None
                        ) -> list[PeriodCounts]:
    """The organisation's figures for each period, broken down by site, in the order asked:
    months from the monthly tallies, date ranges counted from the records. Months listed in
    ``needs_only`` get only their enquiries and needs (the chart's months). Without
    ``by_site``, months come as the organisation's whole only (no per-site breakdown). With
    ``site_id``, only that site's figures are read (as its part of the breakdown, and as the
    whole).

    Months are read on threads of their own, each in a read transaction of its own:
    SQLite lets go of Python's lock while it reads and decrypts, so one month's reading
    overlaps another's parsing. Every statement here returns a few rows of JSON made by
    SQLite, not a row a figure: a thread takes the lock back at every row, and waits for it
    while another parses (a JSON text is parsed without letting go). Date ranges are
    counted here, one after another (their statements return a row a group: on threads
    they would wait for the lock at every row). Each period's figures are consistent
    within themselves, as before; periods are separate figures."""
    report = progress or (lambda _done, _total, _text: None)
    chart_months = [p for p in periods if p.is_month and p in needs_only]
    others = list(dict.fromkeys(p for p in periods if p not in chart_months))
    months = [p for p in others if p.is_month]

    def read(period: Period) -> PeriodCounts:
        with ws.db.read() as s:
            if period.is_month and site_id is not None:
                return site_month_counts(s, ws.organisation_id, period, site_id)
            if period.is_month:
                return month_counts(s, ws.organisation_id, period, by_site)
            return count_period(s, Where(ws.organisation_id, site_id), period)

    found: dict[Period, PeriodCounts] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(_READERS, len(months))),
                            thread_name_prefix="csn-desk-tallies") as pool:
        reading = {p: pool.submit(read, p) for p in months}
        with ws.db.read() as s:  # the chart's months meanwhile, here
            chart = needs_months(s, ws.organisation_id, chart_months,
                                 by_site or site_id is not None)
        for period, counts in chart.items():
            if site_id is None:
                found[period] = counts
                continue
            mine = counts.by_site.get(site_id)
            found[period] = PeriodCounts(period, {site_id: mine} if mine else {},
                                         mine or F.Figures())
        total = len(found) + len(others)
        if found:
            report(len(found), total, "Counted the chart's months")
        for done, period in enumerate(others, start=len(found) + 1):
            future = reading.get(period)
            found[period] = future.result() if future is not None else read(period)
            report(done, total, f"Counted {period.label}")
    return [found[p] for p in periods]
