"""Merging a duplicate into the entry that stays.

Merging service B into service A re-points every referral here from B to A, marks B defunct
with ``merged_into = A`` (B is kept, so a referral anywhere that still names it resolves and
says where it went) and logs the merge. B's details are not copied: the coordinator chose A
as the entry to keep. Referrals belong to each organisation, so other sites re-point theirs
when the merge reaches them by sync (``apply_received_merges``).

Merging organisations moves the services and places of B to A, fills A's blank charity or
company number from B, and marks B merged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from csn_desk.directory.permissions import require_editor
from csn_desk.errors import InvalidInput, NotFound
from csn_desk.store.models import Location, Organisation, Referral, Service
from csn_desk.store.writes import Writer
from csn_desk.workspace import Workspace

MAX_CHAIN = 50


@dataclass(frozen=True)
class MergeResult:
    kind: str
    survivor_id: str
    merged_id: str
    moved: int  # referrals (services) or services (organisations) moved

    def sentence(self) -> str:
        what = "referral" if self.kind == "service" else "service"
        return (f"Merged. {self.moved:,} {what}{'s' if self.moved != 1 else ''} now point at "
                "the entry that was kept.")


def _repoint_referrals(w: Writer, from_id: str, to_id: str) -> int:
    rows = list(w.session.execute(select(Referral).where(
        col(Referral.service_id) == from_id)).scalars())
    for r in rows:
        w.update(r, service_id=to_id)
    return len(rows)


def merge_services(ws: Workspace, survivor_id: str, merged_id: str) -> MergeResult:
    require_editor(ws)
    if survivor_id == merged_id:
        raise InvalidInput("Choose two different services to merge.")
    with ws.db.write(ws.actor) as w:
        keep, gone = w.session.get(Service, survivor_id), w.session.get(Service, merged_id)
        if keep is None or gone is None:
            raise NotFound("One of those services is no longer in the directory; search "
                           "again.")
        if keep.merged_into or gone.merged_into:
            raise InvalidInput("One of those services was already merged into another; "
                               "merge with the entry it was merged into.")
        moved = _repoint_referrals(w, merged_id, survivor_id)
        w.update(gone, status="defunct", merged_into=survivor_id)
        w.event("merge:service", entity="service", entity_id=merged_id,
                detail=f"into {survivor_id}; {moved} referrals moved")
    return MergeResult("service", survivor_id, merged_id, moved)


def merge_organisations(ws: Workspace, survivor_id: str, merged_id: str) -> MergeResult:
    require_editor(ws)
    if survivor_id == merged_id:
        raise InvalidInput("Choose two different organisations to merge.")
    with ws.db.write(ws.actor) as w:
        keep = w.session.get(Organisation, survivor_id)
        gone = w.session.get(Organisation, merged_id)
        if keep is None or gone is None:
            raise NotFound("One of those organisations is no longer in the directory; "
                           "search again.")
        if keep.merged_into or gone.merged_into:
            raise InvalidInput("One of those organisations was already merged into "
                               "another; merge with the one it was merged into.")
        services = list(w.session.execute(select(Service).where(
            col(Service.organisation_id) == merged_id)).scalars())
        for s in services:
            w.update(s, organisation_id=survivor_id)
        for loc in w.session.execute(select(Location).where(
                col(Location.organisation_id) == merged_id)).scalars():
            w.update(loc, organisation_id=survivor_id)
        fill = {f: getattr(gone, f) for f in ("charity_number", "company_number", "email",
                                              "url", "phone")
                if not getattr(keep, f) and getattr(gone, f)}
        if fill:
            w.update(keep, **fill)
        w.update(gone, merged_into=survivor_id)
        w.event("merge:organisation", entity="organisation", entity_id=merged_id,
                detail=f"into {survivor_id}; {len(services)} services moved")
    return MergeResult("organisation", survivor_id, merged_id, len(services))


def apply_received_merges(ws: Workspace) -> int:
    """Re-point this site's referrals at services that were merged elsewhere (the merge
    arrived by sync); returns how many moved. Safe to run any time: nothing to do, nothing
    written."""
    with ws.db.read() as s:
        merged: dict[str, str] = {row[0]: row[1] for row in s.execute(
            select(col(Service.id), col(Service.merged_into)).where(
                col(Service.merged_into).is_not(None))).all()}
        used = set(s.execute(select(col(Referral.service_id)).where(
            col(Referral.service_id).in_(list(merged)))).scalars()) if merged else set()
    if not used:
        return 0

    def final(sid: str) -> str:
        for _ in range(MAX_CHAIN):
            nxt = merged.get(sid)
            if nxt is None:
                break
            sid = nxt
        return sid

    moved = 0
    with ws.db.write(ws.actor) as w:
        for sid in used:
            if sid is not None:
                moved += _repoint_referrals(w, sid, final(sid))
        if moved:
            w.event("merge:apply", detail=f"{moved} referrals re-pointed")
    return moved
