"""The one write path. Every create, update and delete of a table goes through ``Writer``,
which in the caller's transaction writes the row, one change-log entry per changed field
(stamped with an HLC and the site id, for sync) and one audit event. If anything fails the
transaction rolls back and none of the three remains."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, TypeVar

from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel

from csn_desk.store import hlc
from csn_desk.store.audit_chain import AuditAppender
from csn_desk.store.models import SYNCED, HlcState
from csn_desk.store.rawsql import execute, insert_sql, to_sql

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


@dataclass
class Writer:
    session: Session
    actor: Actor
    audit: AuditAppender = field(init=False)
    _clock: HlcState | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.audit = AuditAppender(self.session)

    # -- public API -------------------------------------------------------------------------
    # A new row is inserted at once with a Core INSERT (far cheaper than an ORM flush per
    # object) and then attached to the session as a persistent object, so later updates and
    # lookups in the same unit of work see it. Any error before the commit rolls all back.
    def create(self, obj: T, *, audit: bool = True) -> T:
        columns = tuple(_columns(obj))
        values = {c: getattr(obj, c) for c in columns}
        execute(self.session, insert_sql(str(obj.__tablename__), columns),
                [to_sql(values[c]) for c in columns])
        make_transient_to_detached(obj)
        self.session.add(obj)
        # An id deleted here before (a derived id, e.g. a letter template) comes back with
        # every column logged, blanks too, so other sites do not keep its old values (sync).
        revived = type(obj) in SYNCED and _remote().clear_tombstone(
            self.session, str(obj.__tablename__), str(values["id"]))
        self._log(obj, "insert", {k: v for k, v in values.items()
                                  if (v is not None or revived) and k != "id"})
        if audit:
            self._audit("create", obj)
        return obj

    def create_many(self, model: type[SQLModel], rows: list[dict[str, Any]], *,
                    audit: bool = True) -> None:
        """``create`` for many new rows of one table, in a handful of ``executemany`` calls:
        the same rows, change-log entries (one HLC per row, in list order), cell clocks,
        tombstone clearing and audit events as calling ``create`` on each in turn. Unlike
        ``create`` no ORM objects are made or attached to the session: read the rows back
        with a query if needed. ``rows`` hold the model's field values; the model's
        defaults fill the rest."""
        if not rows:
            return
        table = str(model.__tablename__)
        columns = tuple(c.name for c in model.__table__.columns)  # type: ignore[attr-defined]
        values = [_row_values(model, columns, row) for row in rows]
        execute(self.session, insert_sql(table, columns),
                [[to_sql(v[c]) for c in columns] for v in values], many=True)
        ids = [str(v["id"]) for v in values]
        revived = (_remote().clear_tombstones(self.session, table, ids)
                   if model in SYNCED else set())
        self._log_many(model, "insert", [
            (row_id, {k: x for k, x in v.items() if (x is not None or row_id in revived)
                      and k != "id"}) for row_id, v in zip(ids, values, strict=True)])
        if audit:
            self.audit.append_many([(f"create:{table}", table, row_id) for row_id in ids],
                                   user_id=self.actor.user_id, site_id=self.actor.site_id)

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
            self._log(obj, "update", changed)
            self._audit("update", obj, detail=",".join(sorted(changed)))
        return obj

    def delete(self, obj: SQLModel) -> None:
        if type(obj) in SYNCED:
            # Keep the values (sync): an edit made elsewhere later can revive the row.
            _remote().keep_tombstone(self.session, obj)
        self._log(obj, "delete", {"_deleted": True})
        self._audit("delete", obj)
        self.session.delete(obj)
        self.session.flush()

    def exists(self, model: type[SQLModel], row_id: str) -> bool:
        """Is there a row with this id? (A cheap check without loading an ORM object.)"""
        table = str(model.__tablename__)
        found = execute(self.session, f'SELECT 1 FROM "{table}" WHERE id = ?',
                        (row_id,)).fetchone()
        return found is not None

    def event(self, action: str, *, entity: str | None = None, entity_id: str | None = None,
              detail: str | None = None) -> None:
        """An audit-only event (a login, a view of a client record, a print, an export)."""
        self.audit.append(action, user_id=self.actor.user_id, site_id=self.actor.site_id,
                          entity=entity, entity_id=entity_id, detail=detail)

    # -- internals --------------------------------------------------------------------------
    def _audit(self, verb: str, obj: SQLModel, detail: str | None = None) -> None:
        table = str(obj.__tablename__)
        self.event(f"{verb}:{table}", entity=table, entity_id=str(getattr(obj, "id", "")),
                   detail=detail)

    def _log(self, obj: SQLModel, op: str, values: dict[str, Any]) -> None:
        table = str(obj.__tablename__)
        row_id = str(obj.id)  # type: ignore[attr-defined]
        scope = SYNCED.get(type(obj))
        if scope is None or not values:
            return
        if self._clock is None:
            self._clock = hlc.state_for(self.session, self.actor.site_id)
        stamp = hlc.advance(self._clock)
        site = self.actor.site_id
        rows = [(scope, table, row_id, name, json.dumps(to_json_value(value)), stamp, site, op)
                for name, value in values.items()]
        execute(self.session, _INSERT_LOG, rows, many=True)
        execute(self.session, _UPSERT_CLOCK, [(table, row_id, r[3], stamp, site) for r in rows],
                many=True)

    def _log_many(self, model: type[SQLModel], op: str,
                  changes: list[tuple[str, dict[str, Any]]]) -> None:
        """``_log`` for many rows of one table: (row id, values) each, in order."""
        scope = SYNCED.get(model)
        if scope is None:
            return
        table = str(model.__tablename__)
        site = self.actor.site_id
        changes = [(row_id, values) for row_id, values in changes if values]
        if not changes:
            return
        if self._clock is None:
            self._clock = hlc.state_for(self.session, site)
        stamps = hlc.advance_many(self._clock, len(changes))
        rows = [(scope, table, row_id, name, json.dumps(to_json_value(value)), stamp, site, op)
                for (row_id, values), stamp in zip(changes, stamps, strict=True)
                for name, value in values.items()]
        # All change-log rows first, then the clocks (the base_hlc trigger reads the clock a
        # change overwrites; the rows here are all different cells, so the order per cell
        # is the same as one row at a time).
        execute(self.session, _INSERT_LOG, rows, many=True)
        execute(self.session, _UPSERT_CLOCK, [(table, r[2], r[3], r[5], site) for r in rows],
                many=True)


def _row_values(model: type[SQLModel], columns: tuple[str, ...],
                row: dict[str, Any]) -> dict[str, Any]:
    """A new row's column values as the model's constructor would set them (defaults for
    the fields not given)."""
    unknown = set(row) - set(columns)
    if unknown:
        raise AttributeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    fields = model.model_fields
    out: dict[str, Any] = {}
    for c in columns:
        if c in row:
            out[c] = row[c]
        elif c in fields and not fields[c].is_required():
            out[c] = fields[c].get_default(call_default_factory=True)
        else:
            raise AttributeError(f"{model.__name__} needs a value for {c}")
    return out


def _remote() -> Any:
    """The sync merge module (imported late: it builds on this one)."""
    from csn_desk.store import remote

    return remote


# Plain SQL on the session's own connection (see rawsql.py): this runs for every field of
# every write.
_INSERT_LOG = ("INSERT INTO change_log (scope, table_name, row_id, field, value_json, hlc, "
               "site_id, op) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_UPSERT_CLOCK = ("INSERT INTO cell_clock (table_name, row_id, field, hlc, site_id) "
                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (table_name, row_id, field) "
                 "DO UPDATE SET hlc = excluded.hlc, site_id = excluded.site_id")
