"""Managers' tallies: one call gives every table of the monthly report for a period and a
place (this site, the organisation, or the whole network), each figure beside the month
before and the same month a year earlier, with twelve months of needs for the chart.

Who may see them: managers and administrators, any scope. Coordinators may see their own
site's figures (they run its follow-ups), nothing wider. Counter staff may not.

Small numbers: network figures always hide them (they include other organisations). Site and
organisation figures hide them when asked (``suppress=True``), which is how anything going
outside the organisation should be made; figures with small numbers hidden are made for one
calendar month at a time, because two overlapping periods could be subtracted from each
other to reveal what was hidden.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from csn_desk.cycle_pause import collector_paused
from csn_desk.errors import InvalidInput, NotAllowed
from csn_desk.ids import utcnow
from csn_desk.protection.roles import can, deny
from csn_desk.reports import figures as F
from csn_desk.reports import tables as T
from csn_desk.reports.monthly import organisation_counts
from csn_desk.reports.periods import FIRST_YEAR, Period, uk_today
from csn_desk.reports.snapshot import (
    network_counts,
    organisations_by_month,
    publish_snapshots,
)
from csn_desk.reports.suppression import NOTHING_HIDDEN, Group, Suppression, prepare, suppress
from csn_desk.store.models import Organisation, Site
from csn_desk.store.rawsql import driver
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

SCOPES = ("site", "organisation", "network")
VIEW_ROLES = ("manager", "admin")
Progress = Callable[[int, int, str], None]
_CHUNK = 500
_WHOLE_DIRECTORY = 2000

SUPPRESSION_NOTE = ("Small numbers are hidden: a count of 1 to 4 is shown as <5, and a count "
                    "marked * is hidden so that a hidden number cannot be worked out from the "
                    "totals.")
NO_SUPPRESSION_NOTE = ("Small numbers are shown exactly: these figures are for use inside the "
                       "organisation only.")
NETWORK_NOTE = ("Network figures are the sum of the anonymous monthly snapshots that each "
                "site publishes; they include other sites once sync has brought their "
                "snapshots to this computer.")
GENERAL_DEFINITIONS = (
    ("Period", "Calendar days in UK time. A month is compared with the month before and with "
               "the same month a year earlier; a date range with the same number of days "
               "just before it and with the same dates a year earlier."),
    ("Enquiries", "Enquiries received in the period (the date and time they were received)."),
    ("Referrals", "Referrals and signposting made for the enquiries received in the period, "
                  "wherever they stand now."),
    ("Median days to start", "For referrals whose latest status is 'Started the service': "
                             "the middle value of the whole days from the referral being made "
                             "to that status. Not shown when fewer than 5 started and small "
                             "numbers are hidden."),
    ("Time spent", "Minutes recorded on the enquiries, in hours; the average is over "
                   "enquiries with a time recorded."),
    ("<5", "A count between 1 and 4, hidden."),
    ("*", "A count hidden so that a hidden count cannot be worked out from the totals."),
    ("-", "Nothing to show (no referrals started, or no time recorded)."),
)


@dataclass(frozen=True)
class TrendMonth:
    period: Period
    enquiries: T.Cell
    needs: T.Cell
    by_need: Mapping[str, T.Cell]


@dataclass(frozen=True)
class Tallies:
    period: Period
    scope: str
    place: str  # the site's name, the organisation's name, or "the whole network"
    organisation: str
    comparisons: tuple[Period, Period, Period]  # the period, the one before, a year earlier
    summary: T.Table
    tables: tuple[T.Table, ...]
    trend: tuple[TrendMonth, ...]
    suppressed: bool  # small numbers hidden (as asked, or always for the network)
    suppression_applied: bool  # at least one number is hidden
    notes: tuple[str, ...]
    produced_at: datetime
    produced_by: str  # the site that produced the report
    network_sites: int | None = None
    definitions: tuple[tuple[str, str], ...] = field(default=GENERAL_DEFINITIONS)

    @property
    def columns(self) -> tuple[str, str, str]:
        now, before, year = self.comparisons
        if self.period.is_month:
            return (now.label, f"{before.label} (month before)",
                    f"{year.label} (a year earlier)")
        return (now.label, f"{before.label} (before)", f"{year.label} (a year earlier)")

    @property
    def short_columns(self) -> tuple[str, str, str]:
        """Headings that fit a narrow number column: "Oct 2026", "Sep 2026 (before)",
        "Oct 2025 (year before)" (the full ones are in ``columns``)."""
        now, before, year = (p.short_label for p in self.comparisons)
        return now, f"{before} (before)", f"{year} (year before)"

    @property
    def title(self) -> str:
        return f"Tallies for {self.period.label}: {self.place}"

    def table(self, key: str) -> T.Table:
        for t in (self.summary, *self.tables):
            if t.key == key:
                return t
        raise KeyError(key)

    @property
    def all_tables(self) -> tuple[T.Table, ...]:
        return (self.summary, *self.tables)


def _allowed(ws: Workspace, scope: str, site_id: str | None = None) -> bool:
    """Managers and administrators ("tallies.view" in resources/permissions.json) see every
    scope; a coordinator sees their own site's figures."""
    if scope not in SCOPES:
        raise InvalidInput(f"'{scope}' is not a scope; choose site, organisation or network.")
    if can(ws, "tallies.view"):
        return True
    return ws.user.role == "coordinator" and scope == "site" and site_id in (None, ws.site_id)


def check_access(ws: Workspace, scope: str, site_id: str | None = None) -> None:
    if not _allowed(ws, scope, site_id):
        deny(ws, "tallies.view", "Tallies are for managers and administrators (coordinators "
             "may see their own site's); ask one of them for these figures.")


def can_view(ws: Workspace, scope: str) -> bool:
    """Asks only (for hiding what cannot be used); a refusal here is not audited."""
    try:
        return _allowed(ws, scope)
    except InvalidInput:
        return False


def organisation_sites(ws: Workspace) -> list[tuple[str, str]]:
    """(id, name) of this organisation's sites, this site first."""
    with ws.db.read() as s:
        rows = s.execute(select(col(Site.id), col(Site.name))
                         .where(col(Site.organisation_id) == ws.organisation_id)).all()
    return sorted(((r[0], r[1]) for r in rows), key=lambda r: (r[0] != ws.site_id, r[1]))


_Directory = tuple[str, str]
_SERVICES_JSON = "SELECT json_group_array(json_array(id, name, organisation_id)) FROM service"
_ORGANISATIONS_JSON = "SELECT json_group_array(json_array(id, name)) FROM organisation"


def _directory(con: Any) -> _Directory:
    """Every service's (id, name, organisation) and every organisation's (id, name), as
    JSON text: one row each, not a row a service (see ``_read_directory``)."""
    return (con.execute(_SERVICES_JSON).fetchone()[0],
            con.execute(_ORGANISATIONS_JSON).fetchone()[0])


def _read_directory(ws: Workspace) -> _Directory | None:
    """The whole directory (``_directory``) when it is large, else None (the few services
    referred to are looked up). Read on a thread while the months are read: SQLite lets
    go of Python's lock while it reads, and one row of JSON takes it back once, so the
    thread never waits on the months' parsing row after row."""
    with ws.db.read() as s:
        con = driver(s)
        if con.execute("SELECT count(*) FROM service").fetchone()[0] <= _WHOLE_DIRECTORY:
            return None
        return _directory(con)


def _labels(ws: Workspace, present: T.Present, directory: _Directory | None = None
            ) -> T.Labels:
    """Names of the services (and their organisations) the columns refer to (``present``:
    their codes): when many are referred to, from one pass over the whole directory
    (``directory`` if already read), else looked up a few hundred at a time."""
    found = set(present.get("ref_service", ())) - {F.EXTERNAL}
    if len(found) > _WHOLE_DIRECTORY:  # one pass over the directory beats many look-ups
        if directory is None:  # (a small directory; services from elsewhere referred to)
            with ws.db.read() as s:
                directory = _directory(driver(s))
        service_rows, org_rows = json.loads(directory[0]), json.loads(directory[1])
        services = {sid: (name, org) for sid, name, org in service_rows if sid in found}
        wanted = {org for _n, org in services.values() if org}
        return T.Labels(services, {oid: name for oid, name in org_rows if oid in wanted})
    services = {}
    orgs: dict[str, str] = {}
    with ws.db.read() as s:
        con = driver(s)
        ids = sorted(found)
        for start in range(0, len(ids), _CHUNK):
            part = ids[start:start + _CHUNK]
            for sid, name, org in con.execute(
                    "SELECT id, name, organisation_id FROM service WHERE id IN "
                    f"({', '.join('?' * len(part))})", part).fetchall():
                services[sid] = (name, org)
        # (as many organisations at most as services: a few hundred at a time too)
        org_ids = sorted({org for _n, org in services.values() if org})
        for start in range(0, len(org_ids), _CHUNK):
            part = org_ids[start:start + _CHUNK]
            orgs.update(con.execute(
                "SELECT id, name FROM organisation WHERE id IN "
                f"({', '.join('?' * len(part))})", part).fetchall())
    return T.Labels(services, orgs)


def _names(ws: Workspace, site_id: str) -> tuple[str, str]:
    with ws.db.read() as s:
        site = s.get(Site, site_id)
        org = s.get(Organisation, ws.organisation_id)
    if site is None or site.organisation_id != ws.organisation_id:
        raise NotAllowed("That site is not part of this organisation.")
    return site.name, (org.name if org is not None else ws.organisation_name)


@dataclass(frozen=True)
class _Counts:
    whole: Mapping[str, int]
    insiders: tuple[Mapping[str, int], ...]


def _gather(ws: Workspace, scope: str, site_id: str, periods: Sequence[Period],
            report: Progress, needs_only: Sequence[Period] = (), hide: bool = False
            ) -> tuple[list[_Counts], int | None]:
    if scope == "network":
        # This site's snapshots first (the demo data set publishes for its sites too,
        # standing in for the sites that would publish their own).
        sites = [s for s, _name in organisation_sites(ws)] if ws.demo else None
        publish_snapshots(ws, [p for p in periods if p.is_month], site_ids=sites,
                          only_stale=True, progress=report)
        # A month whose network is this organisation alone has the organisation's own
        # figures and insiders (its sites), so that its shared reports for the two places
        # hide alike: one organisation's network report is its organisation report, and
        # the snapshots' sums differ from it a little (a client seen at two sites counts
        # at each), which would have made them decide apart (found by an audit: combining
        # the two worked out hidden counts).
        held = organisations_by_month(ws, periods)
        alone = [p for p in periods if held[p][0] == {ws.organisation_id}]
        own = dict(zip(alone, organisation_counts(
            ws, alone, progress=report, needs_only=[p for p in alone if p in needs_only],
            by_site=True), strict=True)) if alone else {}
        network: list[_Counts] = []
        for p in periods:
            if (c := own.get(p)) is not None:
                network.append(_Counts(c.whole, tuple(c.by_site.values())))
            else:
                n = network_counts(ws, p, chart_keys() if p in needs_only else None)
                network.append(_Counts(n.whole, tuple(n.by_organisation.values())))
        return network, held[periods[0]][1]
    # Sites' own counts are needed for a site, and as insiders when small numbers are hidden.
    by_site = scope == "site" or hide
    counted = organisation_counts(ws, periods, progress=report, needs_only=needs_only,
                                  by_site=by_site,
                                  site_id=site_id if scope == "site" else None)
    if scope == "site":
        return [_Counts(c.by_site.get(site_id, F.Figures()), ()) for c in counted], None
    return [_Counts(c.whole, tuple(c.by_site.values())) for c in counted], None




def check_period(period: Period) -> None:
    """Refuse a period not begun yet (its figures would all be nought, and the network's
    snapshots of months to come would be published) or before any records."""
    if period.start > uk_today():
        raise InvalidInput(f"{period.label} has not started yet; choose this month or an "
                           "earlier one.")
    if period.start.year < FIRST_YEAR:
        raise InvalidInput(f"csn-desk holds no records from before {FIRST_YEAR}; choose a "
                           "later period.")


def compute_tallies(ws: Workspace, period: Period, scope: str = "organisation", *,
                    site_id: str | None = None, suppress_small: bool | None = None,
                    progress: Progress | None = None) -> Tallies:
    """Every figure of the report. ``suppress_small`` None: hidden for the network only."""
    with collector_paused():
        return _compute(ws, period, scope, site_id, suppress_small, progress)


def _compute(ws: Workspace, period: Period, scope: str, site_id: str | None,
             suppress_small: bool | None, progress: Progress | None) -> Tallies:
    site = site_id or ws.site_id
    check_access(ws, scope, site)
    check_period(period)
    hide = True if scope == "network" else bool(suppress_small)
    if hide and not period.is_month:
        raise InvalidInput(
            "Figures with small numbers hidden are made for one calendar month at a time "
            "(overlapping periods could be subtracted to reveal them): choose a month"
            + ("." if scope == "network" else ", or show exact figures for use inside the "
                                              "organisation."))
    report = progress or (lambda _done, _total, _text: None)
    site_name, org_name = _names(ws, site)
    place = {"site": site_name, "organisation": org_name, "network": "the whole network"}[scope]
    comparisons = (period, period.previous(), period.year_earlier())
    trend_months = period.trend()
    wanted = list(dict.fromkeys([*comparisons, *trend_months]))
    chart_only = [m for m in trend_months if m not in comparisons]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csn-desk-directory") as pool:
        directory = pool.submit(_read_directory, ws)
        counted, network_sites = _gather(ws, scope, site, wanted, report, chart_only, hide)
        by_period = dict(zip(wanted, counted, strict=True))
        main = [by_period[p] for p in comparisons]
        present = T.present_codes([c.whole for c in main])
        labels = _labels(ws, present, directory.result())
    ext = [T.extend(c.whole, labels) for c in main]
    the_specs = T.specs(ext, labels, by_size=not hide, service_sums=hide,
                        present=T.with_organisations(present, labels))
    masks: list[Suppression] | None = None
    if hide:
        sums = prepare(T.groups(the_specs))  # the same sums for each column
        # The chart's figures of each month are shown as every report's chart shows that
        # month (``_chart_mask``), so that no report shows what another hides. (A row
        # listed only for a withheld count is left out by ``render``: no reader learns
        # from its being there that the count is not nought.)
        charts = [_chart_mask(c) for c in main]
        # (each insider's part of the extended cells is worked out from the sums)
        masks = [suppress(fig, sums, [F.plain(x) for x in c.insiders],
                          fixed={k: chart.hidden.get(k) for k in chart_keys()})
                 for fig, c, chart in zip(ext, main, charts, strict=True)]
    tables = T.render(the_specs, ext, masks)
    summary = T.summary_table(ext, masks)
    trend = _trend(trend_months, by_period, comparisons, masks)
    applied = bool(masks and any(m.applied for m in masks)) or any(
        c.mark == "<5" for r in summary.rows for c in r.cells) or any(
        c.mark is not None and c.mark != "-" for m in trend
        for c in (m.enquiries, m.needs, *m.by_need.values()))
    notes = [SUPPRESSION_NOTE if hide else NO_SUPPRESSION_NOTE]
    if scope == "network":
        notes.append(NETWORK_NOTE + f" Sites included for {period.label}: {network_sites}.")
    return Tallies(period, scope, place, org_name, comparisons, summary, tuple(tables),
                   tuple(trend), hide, applied, tuple(notes), utcnow(), site_name,
                   network_sites)


def chart_keys() -> tuple[str, ...]:
    """The figures the twelve-month chart shows: enquiries, needs, and needs by category."""
    return (F.ENQUIRIES, F.NEEDS, *(F.key("need", c) for c in vocab("needs").codes))


def _chart_mask(counts: _Counts) -> Suppression:
    """How a month's chart figures are hidden, in any report that shows the month (as a
    column, or in the twelve-month chart): worked out from those figures alone, so the same
    everywhere. A month's own tables keep it and protect their other cells around it."""
    fig = counts.whole
    return suppress({k: fig.get(k, 0) for k in chart_keys()},
                    [Group(F.NEEDS, chart_keys()[2:])], [F.plain(x) for x in counts.insiders])


def _trend(months: Sequence[Period], by_period: Mapping[Period, _Counts],
           comparisons: Sequence[Period], masks: Sequence[Suppression] | None
           ) -> list[TrendMonth]:
    codes = vocab("needs").codes
    need_keys = chart_keys()[2:]
    out = []
    for month in months:
        counts = by_period[month]
        fig = counts.whole
        mask: Suppression = NOTHING_HIDDEN
        if masks is not None:
            if month in comparisons:
                # The same month as a column of the tables: hidden exactly alike.
                mask = masks[list(comparisons).index(month)]
            else:
                mask = _chart_mask(counts)
        cell = T.cell_for  # the same marking rule as the tables
        out.append(TrendMonth(month, cell(fig.get(F.ENQUIRIES, 0), F.ENQUIRIES, mask),
                              cell(fig.get(F.NEEDS, 0), F.NEEDS, mask),
                              {c: cell(fig.get(k, 0), k, mask)
                               for c, k in zip(codes, need_keys, strict=True)}))
    return out
