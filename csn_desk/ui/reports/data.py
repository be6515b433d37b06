"""What the Reports page asks of the services, as plain functions run on the database thread
(never SQL here): the places a user may choose, the tallies, and saving an export."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csn_desk.reports.exports import Exported, export_tallies
from csn_desk.reports.periods import Period, month_of, uk_today
from csn_desk.reports.tallies import (
    Progress,
    Tallies,
    can_view,
    compute_tallies,
    organisation_sites,
)
from csn_desk.workspace import Workspace

MONTHS_OFFERED = 36


@dataclass(frozen=True)
class Place:
    scope: str
    site_id: str | None
    label: str


def places(ws: Workspace) -> list[Place]:
    """The scopes this user may choose: each site of the organisation (this one first),
    the organisation, the network."""
    out: list[Place] = []
    if can_view(ws, "site"):
        for site_id, name in organisation_sites(ws):
            if site_id == ws.site_id:
                out.append(Place("site", site_id, f"This site: {name}"))
            elif can_view(ws, "organisation"):
                out.append(Place("site", site_id, f"Site: {name}"))
    if can_view(ws, "organisation"):
        out.append(Place("organisation", None, f"Organisation: {ws.organisation_name}"
                                               if ws.organisation_name else "Organisation"))
    if can_view(ws, "network"):
        out.append(Place("network", None, "Whole network"))
    return out


def recent_months(count: int = MONTHS_OFFERED) -> list[Period]:
    """This month and the ones before it, newest first."""
    months = [month_of(uk_today())]
    while len(months) < count:
        months.append(months[-1].previous())
    return months


def default_month() -> Period:
    """The last whole month: what a manager reports on at the start of a month."""
    return month_of(uk_today()).previous()


def load(ws: Workspace, period: Period, place: Place, hide_small: bool,
         progress: Progress | None = None) -> Tallies:
    return compute_tallies(ws, period, place.scope, site_id=place.site_id,
                           suppress_small=hide_small, progress=progress)


def save(ws: Workspace, tallies: Tallies, fmt: str, path: Path) -> Exported:
    if path.suffix.lower() != f".{fmt}":
        path = path.with_name(path.name + f".{fmt}")
    return export_tallies(ws, tallies, fmt, path)
