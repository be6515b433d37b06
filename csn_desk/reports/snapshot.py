"""Anonymous monthly tally snapshots: how network figures are made without any personal
record leaving its organisation.

Each site publishes, for each calendar month, the counts of its own enquiries (the same map
of named counts a report is built from: see ``figures.py``) as one ``tally_snapshot`` row in
the network scope. Sync (issue 5) carries those rows to every enrolled site; network figures
for a month are the sum of every site's snapshot for that month that this copy holds. Until
sync runs, that is only this site's own snapshots (and, in the demo data set, its sites').

A snapshot holds counts only: no names, notes, dates finer than the month or free text
(services typed in by hand are one "not in the directory" count). Its id is derived from
(site, month), so a site that counts a month again updates the same row, field by field.

The counts in a snapshot are exact, so that the network's sum is right; small numbers are
hidden when network figures are shown or exported (always), including any count another
organisation's contribution could be worked out from (see ``suppression.py``).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlmodel import col

from csn_desk.errors import InvalidInput, NotAllowed
from csn_desk.ids import utcnow
from csn_desk.reports.figures import Figures, total
from csn_desk.reports.monthly import organisation_counts
from csn_desk.reports.periods import Period
from csn_desk.store.models import Site, TallySnapshot
from csn_desk.workspace import Workspace

_NAMESPACE = uuid.UUID("6c1b7e0e-3a55-4c53-9d3e-2f0d9a4e7b21")
# A month's counts still move for a while (outcomes are recorded weeks later): snapshots of
# months that ended less than this long ago are refreshed when older than REFRESH.
SETTLING = timedelta(days=120)
REFRESH = timedelta(hours=1)

Progress = Callable[[int, int, str], None]


def snapshot_id(site_id: str, month_key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"tally_snapshot/{site_id}/{month_key}"))


@dataclass(frozen=True)
class NetworkCounts:
    period: Period
    whole: Figures
    by_organisation: dict[str, Figures]
    sites: int  # sites whose snapshot for the month this copy holds
    oldest: datetime | None  # the oldest snapshot used was counted then
    damaged: int = 0  # snapshots refused as damaged (not counted)


def _month_end_utc(month: Period) -> datetime:
    return datetime.combine(month.end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


def _stale(computed_at: datetime | None, month: Period, now: datetime) -> bool:
    """A snapshot (computed at ``computed_at``; None: there is none) to count again."""
    if computed_at is None:
        return True
    computed = computed_at if computed_at.tzinfo else computed_at.replace(tzinfo=UTC)
    return computed < _month_end_utc(month) + SETTLING and computed < now - REFRESH


def publish_snapshots(ws: Workspace, months: Sequence[Period], *,
                      site_ids: Sequence[str] | None = None, only_stale: bool = False,
                      progress: Progress | None = None) -> int:
    """Count the months and write this site's snapshot for each (through the write path,
    so sync carries them). Returns how many snapshots were written or changed.

    ``site_ids`` (the demo data set only) publishes for other sites of the organisation
    too, standing in for sites that would publish their own."""
    for m in months:
        m.month_key  # noqa: B018 - raises for a date range
    sites = list(site_ids) if site_ids is not None else [ws.site_id]
    if sites != [ws.site_id] and not ws.demo:
        raise NotAllowed("A site publishes only its own tally snapshots.")
    now = utcnow()
    if only_stale:
        # Only when each was computed (not the figures: a large network's are megabytes).
        ids = {(site, m): snapshot_id(site, m.month_key) for m in months for site in sites}
        with ws.db.read() as s:
            computed = dict(s.execute(
                select(col(TallySnapshot.id), col(TallySnapshot.computed_at))
                .where(col(TallySnapshot.id).in_(list(ids.values())))).all())
        months = [m for m in months
                  if any(_stale(computed.get(ids[site, m]), m, now) for site in sites)]
    if not months:
        return 0
    counts = organisation_counts(ws, months, progress=progress)
    changed = 0
    with ws.db.write(ws.actor) as w:
        for month, found in zip(months, counts, strict=True):
            for site in sites:
                text = found.by_site.get(site, Figures()).to_json()
                sid = snapshot_id(site, month.month_key)
                row = w.session.get(TallySnapshot, sid)
                if row is None:
                    w.create(TallySnapshot(id=sid, site_id=site,
                                           organisation_id=ws.organisation_id,
                                           month=month.month_key, figures=text,
                                           computed_at=now))
                    changed += 1
                elif row.figures != text:
                    w.update(row, figures=text, computed_at=now)
                    changed += 1
                else:
                    w.update(row, computed_at=now)
    return changed


def organisations_by_month(ws: Workspace, months: Sequence[Period]
                           ) -> dict[Period, tuple[frozenset[str], int]]:
    """For each month, the organisations with a snapshot for it in this copy and how many
    sites sent one, without reading the figures (to tell a network of one organisation
    from a larger one cheaply)."""
    keys = {m.month_key: m for m in months}
    found: dict[Period, tuple[set[str], int]] = {m: (set(), 0) for m in months}
    with ws.db.read() as s:
        rows = s.execute(select(col(TallySnapshot.month), col(TallySnapshot.organisation_id),
                                col(Site.organisation_id))
                         .outerjoin(Site, col(Site.id) == col(TallySnapshot.site_id))
                         .where(col(TallySnapshot.month).in_(list(keys)))).all()
    for key, claimed_org, site_org in rows:
        orgs, sites = found[keys[key]]
        orgs.add(site_org or claimed_org)
        found[keys[key]] = (orgs, sites + 1)
    return {m: (frozenset(orgs), n) for m, (orgs, n) in found.items()}


def network_counts(ws: Workspace, month: Period, only: Collection[str] | None = None
                   ) -> NetworkCounts:
    """The network's figures for a month: every snapshot for it in this copy, added up,
    and each organisation's part (for the insider check of suppression). With ``only``,
    just those figures are added up (a chart's months need a dozen of tens of thousands);
    each snapshot is still checked whole (once: see ``_checked_part``)."""
    key = month.month_key
    with ws.db.read() as s:
        rows = s.execute(select(col(TallySnapshot.site_id), col(TallySnapshot.organisation_id),
                                col(TallySnapshot.figures), col(TallySnapshot.computed_at),
                                col(Site.organisation_id))
                         .outerjoin(Site, col(Site.id) == col(TallySnapshot.site_id))
                         .where(col(TallySnapshot.month) == key)).all()
    parts: dict[str, list[Figures]] = {}
    damaged, sites, oldest = 0, 0, None
    for _site, claimed_org, text, computed, site_org in rows:
        figures = _checked(text) if only is None else _checked_part(text, tuple(only))
        if figures is None:
            damaged += 1
            continue
        parts.setdefault(site_org or claimed_org, []).append(figures)
        sites += 1
        oldest = computed if oldest is None or computed < oldest else oldest
    by_org = {org: total(figs) for org, figs in parts.items()}
    return NetworkCounts(month, total(by_org.values()), by_org, sites, oldest, damaged)


def _checked(text: str) -> Figures | None:
    """A snapshot's figures, or None if it is damaged (refused whole)."""
    try:
        return Figures.from_json(text)
    except InvalidInput:
        return None


# The chart's few figures of snapshots already checked whole, by the snapshot's digest: the
# twelve-month chart reads every site's snapshot of ten months that the tables do not need,
# and checking each whole again (tens of thousands of names) would cost more than the rest
# of those months. The digest covers the whole text, so a snapshot that changes in any way
# is checked again. Counts only (no personal data); a few thousand small entries at most.
_PARTS: OrderedDict[tuple[bytes, tuple[str, ...]], Figures | None] = OrderedDict()
_PARTS_LOCK = threading.Lock()
_PARTS_KEPT = 4096


def _checked_part(text: str, only: tuple[str, ...]) -> Figures | None:
    """``only``'s figures of a snapshot checked whole, or None if it is damaged."""
    if not isinstance(text, str):
        return None
    key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest(),
           only)
    with _PARTS_LOCK:
        if key in _PARTS:
            _PARTS.move_to_end(key)
            return _PARTS[key]
    figures = _checked(text)
    if figures is not None:
        counts = figures.counts
        figures = Figures({k: counts[k] for k in only if k in counts})
    with _PARTS_LOCK:
        _PARTS[key] = figures
        while len(_PARTS) > _PARTS_KEPT:
            _PARTS.popitem(last=False)
    return figures
