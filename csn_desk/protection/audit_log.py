"""Reading the audit log for administrators: filtered, newest first, a page at a time, with
each action in words (resources/audit_actions.json), and checking the chain is intact.

The log holds ids and action codes, never personal data (DP-18); the viewer adds only the
staff username. Dates in filters are UK calendar days (times are stored in UTC)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import col, func, select

from csn_desk.protection.roles import require
from csn_desk.store.audit_chain import ChainReport, verify_chain
from csn_desk.store.models import AuditEvent, User
from csn_desk.timefmt import UK
from csn_desk.vocab import resources_dir
from csn_desk.workspace import Workspace

PAGE_SIZE = 100


@cache
def _labels() -> dict[str, Any]:
    return dict(json.loads((resources_dir() / "audit_actions.json").read_text(encoding="utf-8")))


def action_label(code: str) -> str:
    """"view:client" -> "Viewed a client record"; an unknown code is shown as it is."""
    data = _labels()
    if code in data["actions"]:
        return str(data["actions"][code])
    verb, _, thing = code.partition(":")
    if verb in data["verbs"] and thing in data["things"]:
        return f"{data['verbs'][verb]} {data['things'][thing]}"
    return code


def action_choices() -> list[tuple[str, str]]:
    """(action prefix, words) for the viewer's "What" filter: each kind of event."""
    data = _labels()
    groups = [("auth:", "Sign-ins, unlocks and refusals"), ("view:", "Views of client records"),
              ("create:", "Records created"), ("update:", "Records changed"),
              ("delete:", "Records deleted"), ("print:", "Printing"), ("export:", "Exports"),
              ("erase:", "Erasures"), ("users:", "User accounts"), ("sync:", "Sync"),
              ("retention:", "Retention")]
    exact = sorted(((c, str(label)) for c, label in data["actions"].items()),
                   key=lambda pair: pair[1])
    return groups + exact


@dataclass(frozen=True)
class AuditFilter:
    user: str | None = None       # a username (or a user id)
    record_id: str | None = None  # the id of the record the entry is about
    action: str | None = None     # an action code or the start of one ("auth:")
    since: date | None = None     # first UK day included
    until: date | None = None     # last UK day included


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime  # UTC
    user_id: str | None
    username: str  # "" when no user (setup)
    action: str
    label: str
    entity: str | None
    entity_id: str | None
    detail: str | None


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    offset: int
    limit: int = PAGE_SIZE
    filters: AuditFilter = field(default_factory=AuditFilter)

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.rows) < self.total


def _utc_start(day: date) -> datetime:
    """Midnight at the start of a UK day, in UTC like the stored times."""
    return datetime.combine(day, time(0), tzinfo=UK).astimezone(UTC)


def query_audit(ws: Workspace, filters: AuditFilter | None = None, *, offset: int = 0,
                limit: int = PAGE_SIZE) -> AuditPage:
    """One page of matching entries, newest first, with how many match in all."""
    require(ws, "audit.view")
    f = filters or AuditFilter()
    with ws.db.read() as s:
        names = {uid: name for uid, name in s.execute(select(User.id, User.username))}
        conditions: list[ColumnElement[bool]] = []
        if f.user:
            wanted = f.user.strip().lower()
            ids = [uid for uid, name in names.items() if name == wanted] or [f.user.strip()]
            conditions.append(col(AuditEvent.user_id).in_(ids))
        if f.record_id:
            conditions.append(col(AuditEvent.entity_id) == f.record_id.strip())
        if f.action:
            conditions.append(col(AuditEvent.action).startswith(f.action.strip(),
                                                                autoescape=True))
        if f.since:
            conditions.append(col(AuditEvent.at) >= _utc_start(f.since))
        if f.until:
            conditions.append(col(AuditEvent.at) < _utc_start(f.until + timedelta(days=1)))
        total = int(s.execute(select(func.count()).select_from(AuditEvent)
                              .where(*conditions)).scalar_one())
        events = s.execute(select(AuditEvent).where(*conditions)
                           .order_by(col(AuditEvent.seq).desc())
                           .offset(max(0, offset)).limit(max(1, limit))).scalars().all()
        rows = [AuditRow(int(e.seq or 0), e.at, e.user_id, names.get(e.user_id or "", ""),
                         e.action, action_label(e.action), e.entity, e.entity_id, e.detail)
                for e in events]
    return AuditPage(rows, total, max(0, offset), limit, f)


def check_log(ws: Workspace) -> ChainReport:
    """Walk the whole chain (can take a while on a big log: run it off the GUI thread)."""
    require(ws, "audit.view")
    with ws.db.read() as s:
        return verify_chain(s)


def verdict(report: ChainReport) -> str:
    """The one sentence shown for a check: intact, or which entry is wrong and how."""
    if report.ok:
        return f"Audit log intact: {report.entries} entries."
    how = {"changed": "was changed", "removed": "was removed",
           "reordered": "was moved out of order"}.get(report.kind or "", "is wrong")
    return (f"Audit log NOT intact: entry {bad_entry(report)} {how}. Keep this computer as "
            "it is and tell your data protection lead.")


def bad_entry(report: ChainReport) -> int | None:
    """The first bad entry's number; for a removal, the number of the missing entry."""
    if report.kind == "removed" and report.problem and report.problem.startswith("entry "):
        head = report.problem.split()[1]
        if head.isdigit():
            return int(head)
    return report.first_bad_seq
