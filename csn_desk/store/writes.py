"""The one write path. Every create, update and delete of a table goes through ``Writer``,
which in the caller's transaction writes the row, one change-log entry per changed field
(stamped with an HLC and the site id, for sync) and one audit event. If anything fails the
transaction rolls back and none of the three remains."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel

from csn_desk.store import hlc
from csn_desk.store.audit_chain import AuditAppender
from csn_desk.store.models import SYNCED, CellClock, ChangeLog

T = TypeVar("T", bound=SQLModel)


@dataclass(frozen=True)
class Actor:
    """Who is writing: stamped on audit events and change-log entries."""

    user_id: str | None
    site_id: str
    role: str = "admin"


def to_json_value(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _columns(obj: SQLModel) -> list[str]:
    return [c.name for c in obj.__table__.columns]  # type: ignore[attr-defined]


# Hooks run inside the same transaction after a table is written (e.g. the directory search
# index). They receive the session and the ids written; registered by feature modules.
AfterWrite = Callable[[Session, str, set[str]], None]
_after_write: dict[str, list[AfterWrite]] = {}


def on_write(table_name: str, hook: AfterWrite) -> None:
    hooks = _after_write.setdefault(table_name, [])
    if hook not in hooks:
        hooks.append(hook)


@dataclass
class Writer:
    session: Session
    actor: Actor
    audit: AuditAppender = field(init=False)
    _touched: dict[str, set[str]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.audit = AuditAppender(self.session)

    # -- public API -------------------------------------------------------------------------
    def create(self, obj: T, *, audit: bool = True) -> T:
        self.session.add(obj)
        self.session.flush()
        values = {c: getattr(obj, c) for c in _columns(obj) if c != "id"}
        self._log(obj, "insert", {k: v for k, v in values.items() if v is not None})
        if audit:
            self._audit("create", obj)
        return obj

    def update(self, obj: T, **changes: Any) -> T:
        changed: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in _columns(obj) or name == "id":
                raise AttributeError(f"{type(obj).__name__} has no field {name}")
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed[name] = value
        if changed:
            self.session.add(obj)
            self.session.flush()
            self._log(obj, "update", changed)
            self._audit("update", obj, detail=",".join(sorted(changed)))
        return obj

    def delete(self, obj: SQLModel) -> None:
        self._log(obj, "delete", {"_deleted": True})
        self._audit("delete", obj)
        self.session.delete(obj)
        self.session.flush()

    def event(self, action: str, *, entity: str | None = None, entity_id: str | None = None,
              detail: str | None = None) -> None:
        """An audit-only event (a login, a view of a client record, a print, an export)."""
        self.audit.append(action, user_id=self.actor.user_id, site_id=self.actor.site_id,
                          entity=entity, entity_id=entity_id, detail=detail)

    def finish(self) -> None:
        """Run after-write hooks once per table for everything written in this unit."""
        for table, ids in self._touched.items():
            for hook in _after_write.get(table, []):
                hook(self.session, table, ids)
        self._touched.clear()

    # -- internals --------------------------------------------------------------------------
    def _audit(self, verb: str, obj: SQLModel, detail: str | None = None) -> None:
        table = obj.__tablename__  # type: ignore[attr-defined]
        self.event(f"{verb}:{table}", entity=table, entity_id=str(getattr(obj, "id", "")),
                   detail=detail)

    def _log(self, obj: SQLModel, op: str, values: dict[str, Any]) -> None:
        table = str(obj.__tablename__)  # type: ignore[attr-defined]
        row_id = str(obj.id)  # type: ignore[attr-defined]
        self._touched.setdefault(table, set()).add(row_id)
        scope = SYNCED.get(type(obj))
        if scope is None or not values:
            return
        stamp = hlc.tick(self.session, self.actor.site_id)
        self._write_log(scope, table, row_id, op, values.items(), stamp)

    def _write_log(self, scope: str, table: str, row_id: str, op: str,
                   items: Iterable[tuple[str, Any]], stamp: str) -> None:
        site = self.actor.site_id
        rows = [{"scope": scope, "table_name": table, "row_id": row_id, "field": name,
                 "value_json": json.dumps(to_json_value(value)), "hlc": stamp,
                 "site_id": site, "op": op} for name, value in items]
        self.session.execute(insert(ChangeLog), rows)
        clock = sqlite_insert(CellClock)
        self.session.execute(
            clock.on_conflict_do_update(
                index_elements=["table_name", "row_id", "field"],
                set_={"hlc": clock.excluded.hlc, "site_id": clock.excluded.site_id},
            ),
            [{"table_name": table, "row_id": row_id, "field": r["field"], "hlc": stamp,
              "site_id": site} for r in rows],
        )
