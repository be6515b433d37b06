"""The one write path. Every create, update and delete of a table goes through ``Writer``,
which in the caller's transaction writes the row, one change-log entry per changed field
(stamped with an HLC and the site id, for sync) and one audit event. If anything fails the
transaction rolls back and none of the three remains."""

from __future__ import annotations

import contextlib
import functools
import json
import math
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel
from sqlmodel.sql.sqltypes import AutoString

from csn_desk.store import hlc
from csn_desk.store.audit_chain import AuditAppender
from csn_desk.store.engine import RESTORE_AUTOCHECKPOINT
from csn_desk.store.models import SYNCED, HlcState
from csn_desk.store.rawsql import driver, execute, insert_sql, to_sql

T = TypeVar("T", bound=SQLModel)

# The page cache of a unit of work that writes a great many rows (``Writer.large``).
LARGE_CACHE_MIB = 384


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
    _large: bool = field(default=False, init=False)
    # True while ``large`` has the change_log_base trigger dropped: the writer fills the
    # base columns itself.
    _bases: bool = field(default=False, init=False)
    # While ``large``: the change-log seq after which rows have not been copied into
    # cell_clock yet (None: all copied). See ``_copy_clocks``.
    _clocks_after: int | None = field(default=None, init=False)
    # True once ``large`` has turned off the connection's automatic checkpoint for this
    # unit of work's commit: whoever commits it should checkpoint in the background
    # (``Database.write`` does).
    checkpoint_deferred: bool = field(default=False, init=False)
    # While ``large``: the audit events of ``create_many`` not appended yet (None: none are
    # held back). See ``large``.
    _audits: list[tuple[str, str | None, str | None]] | None = field(default=None,
                                                                     init=False)

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
        shape = _shape(model)
        table, columns = shape.table, shape.columns
        values = shape.complete_all(rows)
        execute(self.session, insert_sql(table, columns), shape.sql_all(values), many=True)
        ids = [str(v[0]) for v in values]
        revived = (_remote().clear_tombstones(self.session, table, ids)
                   if model in SYNCED and self._has_tombstones(table) else set())
        self._log_rows(model, "insert", ids, values, revived)
        if audit:
            events: list[tuple[str, str | None, str | None]] = [
                (f"create:{table}", table, row_id) for row_id in ids]
            if self._audits is not None:
                self._audits.extend(events)
            else:
                self.audit.append_many(events, user_id=self.actor.user_id,
                                       site_id=self.actor.site_id)

    @contextlib.contextmanager
    def large(self, cache_mib: int | None = None) -> Iterator[None]:
        """For a unit of work that writes a great many rows (a directory import):

        - a larger page cache while inside, so the indexes being filled stay in memory
          instead of being spilled to the WAL and read (and decrypted) again; the
          connection's own cache size is restored at the end (its memory is given back);
        - the change log's base (the clock each change overwrote) is looked up here, once
          per batch of rows, instead of by the ``change_log_base`` trigger once per field:
          the trigger is dropped while inside and created again from its own stored SQL
          at the end. The change-log rows are the same as the trigger would make them;
        - the cell clocks of the many new rows (``create_many``) are copied from their
          change-log rows all together, in row-id order, when anything else is about to
          write a clock (``_log``) and at the end, instead of batch by batch in the order
          written: a walk along the clock B-tree instead of ~700 jumps about it (a
          20,000-service import: 1.5 s instead of 3.2 s). The clocks end the same.
        - the audit events of the new rows (``create_many``) are held back and appended at
          the end, their hash chain worked out on a thread while SQLite copies the clocks
          (which lets go of the GIL): the same events in the same order, none of them
          after any event appended meanwhile (``event`` appends those held back first).

        All of it is inside the unit of work's transaction (SQLite's DDL is transactional),
        so if anything fails the rollback restores the trigger with everything else, and
        no other connection ever sees the database without it. Inside, only this writer's
        own methods may add to the change log or read the cell clocks (not a sync merge,
        which relies on the trigger and the clocks).

        - the commit does not checkpoint: a 20,000-service import's commit leaves a ~335 MB
          WAL whose copy into the database took ~1.7 s of the commit. The connection's
          automatic checkpoint is off from here until it goes back to the pool (the
          engine's check-in restores it) and ``checkpoint_deferred`` tells
          ``Database.write`` to checkpoint on a thread of its own after the commit."""
        if self._large:
            yield
            return
        con = driver(self.session)
        before = con.execute("PRAGMA cache_size").fetchone()[0]
        if not self.checkpoint_deferred:
            pooled = self.session.connection().connection
            automatic = con.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
            pooled.info.setdefault(RESTORE_AUTOCHECKPOINT, int(automatic))
            con.execute("PRAGMA wal_autocheckpoint = 0")
            self.checkpoint_deferred = True
        mib = LARGE_CACHE_MIB if cache_mib is None else cache_mib
        con.execute(f"PRAGMA cache_size = {-abs(int(mib)) * 1024}")
        trigger = con.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND "
                              "name = ?", (BASE_TRIGGER,)).fetchone()
        self._large = True
        self._audits = []
        try:
            if trigger is not None:
                con.execute(f'DROP TRIGGER "{BASE_TRIGGER}"')
                self._bases = True
            yield
            self._append_held_audits(while_running=self._copy_clocks)
        except BaseException:
            if self._bases:
                with contextlib.suppress(Exception):  # the caller rolls back regardless
                    con.execute(trigger[0])
            raise
        else:
            if self._bases:
                con.execute(trigger[0])
        finally:
            self._bases = self._large = False
            self._clocks_after = None
            self._audits = None
            con.execute(f"PRAGMA cache_size = {int(before)}")

    @contextlib.contextmanager
    def log_index_deferred(self, rows: int) -> Iterator[None]:
        """For a unit of work about to add about ``rows`` change-log rows to a change log
        that holds fewer: the change log's row-id index is dropped while inside and built
        again at the end from its own stored SQL. Building it once, sorted, costs less
        than putting each new row into it in turn (a directory import adds ~730,000 rows:
        measured about twice as fast); with a longer change log than that, the index is
        left as it is.

        As in ``large``, all of it is inside the unit of work's transaction: a rollback
        brings the index back with everything else and no other connection ever sees the
        database without it. Nothing the writer does needs it (only sync and erasure look
        change-log rows up by row id)."""
        con = driver(self.session)
        held = con.execute(_LOG_SPAN).fetchone()[0]
        index = con.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND "
                            "name = ?", (LOG_INDEX,)).fetchone()
        if index is None or index[0] is None or held >= rows:
            yield
            return
        con.execute(f'DROP INDEX "{LOG_INDEX}"')
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):  # the caller rolls back regardless
                con.execute(index[0])
            raise
        con.execute(index[0])

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

    def existing_ids(self, model: type[SQLModel], row_ids: list[str]) -> set[str]:
        """Which of these ids the table already has (a few queries, however many ids)."""
        table = str(model.__tablename__)
        found: set[str] = set()
        for start in range(0, len(row_ids), 500):
            chunk = row_ids[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            found.update(str(r[0]) for r in execute(
                self.session, f'SELECT id FROM "{table}" WHERE id IN ({marks})', chunk))
        return found

    def event(self, action: str, *, entity: str | None = None, entity_id: str | None = None,
              detail: str | None = None) -> None:
        """An audit-only event (a login, a view of a client record, a print, an export)."""
        self._append_held_audits()
        self.audit.append(action, user_id=self.actor.user_id, site_id=self.actor.site_id,
                          entity=entity, entity_id=entity_id, detail=detail)

    # -- internals --------------------------------------------------------------------------
    def _append_held_audits(self, while_running: Callable[[], object] | None = None) -> None:
        """Append the audit events ``large`` has held back, if any (and run
        ``while_running``, their chain worked out on a thread meanwhile)."""
        events = self._audits
        if events is None:
            if while_running is not None:
                while_running()
            return
        self._audits = []
        self.audit.append_many_while(events, while_running, user_id=self.actor.user_id,
                                     site_id=self.actor.site_id)

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
        self._copy_clocks()  # earlier changes' clocks first: they may be this one's bases
        if self._clock is None:
            self._clock = hlc.state_for(self.session, self.actor.site_id)
        stamp = hlc.advance(self._clock)
        site = self.actor.site_id
        rows = [(scope, table, row_id, name, json_value(value), stamp, site, op)
                for name, value in values.items()]
        if self._bases:
            bases = self._bases_of(table, [row_id])
            execute(self.session, _INSERT_LOG_BASED,
                    [(*r, *bases.get((row_id, r[3]), _NO_BASE)) for r in rows], many=True)
        else:
            execute(self.session, _INSERT_LOG, rows, many=True)
        execute(self.session, _UPSERT_CLOCK, [(table, row_id, r[3], stamp, site) for r in rows],
                many=True)

    def _has_tombstones(self, table: str) -> bool:
        """Does the sync shadow keep any row of this table (deleted, or waiting)? If not,
        no new row can revive one: one look-up instead of one per few hundred ids."""
        return execute(self.session, _ANY_SHADOW_ROW, (table,)).fetchone() is not None

    def _has_clocks(self, table: str) -> bool:
        """Has any cell of this table a clock (so a new row's cell may have one too)? A
        new directory's services, places and so on have none: no look-ups for their bases."""
        return execute(self.session, _ANY_CLOCK, (table,)).fetchone() is not None

    def _copy_clocks(self) -> None:
        """Bring cell_clock up to the change log: the clocks of the rows ``_log_rows`` has
        left to copy (inside ``large``), in row-id order (then seq, so that were one cell
        logged twice the later clock would win, as one upsert at a time does). The order
        is read off the change log's row-id index when it is there and the rows to copy
        are at least half of it (a fresh directory's import); else SQLite sorts them."""
        after, self._clocks_after = self._clocks_after, None
        if after is None:
            return
        con = driver(self.session)
        first, last = con.execute(_LOG_ENDS).fetchone()
        indexed = (last - after >= after - first and con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
            (LOG_INDEX,)).fetchone() is not None)
        execute(self.session, _CLOCKS_BY_ROW.format(
            how=f'INDEXED BY "{LOG_INDEX}"' if indexed else "NOT INDEXED"), (after,))

    def _bases_of(self, table: str, row_ids: list[str]) -> dict[tuple[str, str], tuple[str, str]]:
        """The clocks these rows' cells have now, by (row id, field): what the
        change_log_base trigger would put in the change log's base columns."""
        out: dict[tuple[str, str], tuple[str, str]] = {}
        for start in range(0, len(row_ids), 500):
            chunk = row_ids[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            for row_id, name, stamp, site in execute(
                    self.session, "SELECT row_id, field, hlc, site_id FROM cell_clock WHERE "
                    f"table_name = ? AND row_id IN ({marks})", (table, *chunk)):
                out[(row_id, name)] = (stamp, site)
        return out

    def _log_rows(self, model: type[SQLModel], op: str, ids: list[str],
                  values: list[list[Any]], revived: set[str]) -> None:
        """``_log`` for many new rows of one table (column values in ``_shape`` order, the
        id first), in order: each row's fields that are set (every field of a revived id),
        with one HLC per row that logs anything."""
        scope = SYNCED.get(model)
        if scope is None:
            return
        shape = _shape(model)
        table, names = shape.table, shape.columns[1:]
        site = self.actor.site_id
        if self._clock is None:
            self._clock = hlc.state_for(self.session, site)
        # The rows that log anything: a revived id, or a row with a field set besides its id
        # (``count`` finds an all-empty row without looking at each value in Python).
        width = len(names)
        kept = [(row_id, v) for row_id, v in zip(ids, values, strict=True)
                if v[1:].count(None) < width or row_id in revived]
        if not kept:
            return
        stamps = hlc.advance_many(self._clock, len(kept))
        bases = (self._bases_of(table, [row_id for row_id, _v in kept])
                 if self._bases and self._has_clocks(table) else None)
        # One tuple per field, straight into the statement's parameters; text values (the
        # most common kind) are JSON-encoded without a Python call.
        # The columns that are the same for every row here (scope, table, site, op) are
        # written into the statement (``_insert_log_for``) instead of bound on each row.
        # Without revived ids or bases (a bulk load's new rows), one set of parameters per
        # row instead (``_insert_row_log_for``): its id, its stamp and each field's JSON
        # text, the field names written into the statement and empty fields left out by
        # SQLite; the same change-log rows in the same order, with far fewer values bound.
        text, encode, to_json = str, _json_text, json_value
        log: list[tuple[Any, ...]]
        insert = None if revived or bases else _insert_row_log_for(scope, table, site, op,
                                                                   names)
        if insert is not None:
            log = [(row_id, stamp, *[None if x is None else encode(x) if type(x) is text
                                     else to_json(x) for x in v[1:]])
                   for (row_id, v), stamp in zip(kept, stamps, strict=True)]
        elif revived:
            log = [(row_id, name, to_json(x), stamp)
                   for (row_id, v), stamp in zip(kept, stamps, strict=True)
                   for name, x in zip(names, v[1:], strict=True)
                   if x is not None or row_id in revived]
        else:
            log = [(row_id, name, encode(x) if type(x) is text else to_json(x), stamp)
                   for (row_id, v), stamp in zip(kept, stamps, strict=True)
                   for name, x in zip(names, v[1:], strict=True) if x is not None]
        if insert is None:
            insert = _insert_log_for(scope, table, site, op)
        if bases or insert is None:
            insert = _INSERT_LOG_BASED if bases else _INSERT_LOG
            log = [(scope, table, r[0], r[1], r[2], r[3], site, op,
                    *(bases.get((r[0], r[1]), _NO_BASE) if bases else ())) for r in log]
        # Where this batch's change-log rows start: the table's rowids only grow, so every
        # row inserted below has a seq above the largest there now.
        deferred = self._large
        if not deferred or self._clocks_after is None:
            start = execute(self.session, _LAST_SEQ, ()).fetchone()[0]
        # All change-log rows first, then the clocks (the base_hlc trigger reads the clock a
        # change overwrites; the rows here are all different cells, so the order per cell
        # is the same as one row at a time). With no bases found the base columns stay
        # empty, as the trigger would leave them. The clocks are copied from the change-log
        # rows just written, by SQLite: no second set of parameters (sorting one batch's
        # clocks first measured slower than the jumps about the index it saves). Inside
        # ``large`` they are copied later, all together (``_copy_clocks``): the rows here
        # are new, so no clock still to copy can be one of their bases.
        execute(self.session, insert, log, many=True)
        if not deferred:
            execute(self.session, _CLOCKS_FROM_LOG, (start,))
        elif self._clocks_after is None:
            self._clocks_after = start


@dataclass(frozen=True)
class _Shape:
    """A model's table, its columns (the id first, then in table order) and its defaults,
    worked out once per model for ``create_many``."""

    model: type[SQLModel]
    table: str
    columns: tuple[str, ...]
    known: frozenset[str]
    defaults: tuple[tuple[str, Any], ...]  # plain defaults, in column order
    factories: tuple[tuple[str, Any], ...]  # (column, default factory)
    required: frozenset[str]
    convert: tuple[int, ...]  # the columns whose values SQLAlchemy's types convert
    pick: Any  # a row dict's values in ``columns`` order, as a tuple (operator.itemgetter)

    def complete(self, row: dict[str, Any]) -> list[Any]:
        """A new row's column values as the model's constructor would set them (defaults
        for the fields not given), in ``columns`` order."""
        if not row.keys() <= self.known:
            unknown = set(row) - self.known
            raise AttributeError(f"{self.model.__name__} has no field "
                                 f"{', '.join(sorted(unknown))}")
        if not self.required <= row.keys():
            missing = self.required - set(row)
            raise AttributeError(f"{self.model.__name__} needs a value for "
                                 f"{', '.join(sorted(missing))}")
        full = dict(self.defaults)
        for name, factory in self.factories:
            if name not in row:
                full[name] = factory()
        full.update(row)
        return [full[c] for c in self.columns]

    def complete_all(self, rows: list[dict[str, Any]]) -> list[list[Any]]:
        """``complete`` for each row, in order; a row that gives every column (checked
        with one set comparison) is read straight off."""
        known, pick = self.known, self.pick
        return [list(pick(row)) if row.keys() == known else self.complete(row)
                for row in rows]

    def sql_all(self, rows: list[list[Any]]) -> list[list[Any]]:
        """``sql`` for each row, in order (the rows themselves when nothing converts; an
        empty value needs no conversion)."""
        convert = self.convert
        if not convert:
            return rows
        out = []
        for values in rows:
            v = list(values)
            for i in convert:
                if v[i] is not None:
                    v[i] = _sql_value(v[i])
            out.append(v)
        return out


@functools.cache
def _shape(model: type[SQLModel]) -> _Shape:
    table_columns = [c.name for c in model.__table__.columns]  # type: ignore[attr-defined]
    if "id" not in table_columns:
        raise AttributeError(f"{model.__name__} has no id column")
    columns = ("id", *(c for c in table_columns if c != "id"))
    fields = model.model_fields
    defaults, factories, required = [], [], set()
    for c in columns:
        info = fields.get(c)
        if info is None or info.is_required():
            required.add(c)
        elif info.default_factory is not None:
            factories.append((c, info.default_factory))
        else:
            defaults.append((c, info.get_default(call_default_factory=False)))
    by_name = {c.name: c for c in model.__table__.columns}  # type: ignore[attr-defined]
    convert = tuple(i for i, c in enumerate(columns)
                    if not isinstance(by_name[c].type, _AS_THEY_ARE))
    # (itemgetter of two or more names gives a tuple; the id is always one of them)
    pick = operator.itemgetter(*columns) if len(columns) > 1 else (
        lambda row: (row[columns[0]],))
    return _Shape(model, str(model.__tablename__), columns, frozenset(columns),
                  tuple(defaults), tuple(factories), frozenset(required), convert, pick)


def _sql_value(value: Any) -> Any:
    """``to_sql(value)``, with the kinds a bulk insert converts most (days, times of day,
    flags) done directly: ``isoformat`` writes exactly what ``to_sql``'s ``strftime`` does
    for these (a year from 1000, a time without a zone) at a tenth of the cost."""
    kind = type(value)
    if kind is bool:
        return int(value)
    if kind is date and value.year >= 1000:
        return value.isoformat()
    if kind is time and value.tzinfo is None:
        return value.isoformat("microseconds")
    return to_sql(value)


# Column types whose values go to the driver as they are (no bind processing).
_AS_THEY_ARE = (AutoString, sa.String, sa.Integer, sa.Float)


_json_text = json.encoder.encode_basestring_ascii  # what json.dumps does with a str


def json_value(value: Any) -> str:
    """``json.dumps(to_json_value(value))``, with the common kinds of value done directly
    (exactly as json.dumps would write them)."""
    kind = type(value)
    if kind is str:
        return _json_text(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    return json.dumps(to_json_value(value))


# A value that may be written into a statement as it is: a quoted literal of plain
# letters, digits and a few marks (an id, a table name, a site id), never quotes.
_PLAIN = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


@functools.lru_cache(maxsize=256)
def _insert_log_for(scope: str, table: str, site: str, op: str) -> str | None:
    """``_INSERT_LOG`` with scope, table, site and op written in as literals, so a
    many-row insert binds 4 values a row instead of 8 (text binding is most of its cost);
    None if any of them is not plain (then they are bound as usual). The rows are the
    same: a literal is stored as the same text as a bound value."""
    given = (scope, table, site, op)
    if not all(type(v) is str and _PLAIN.fullmatch(v) for v in given):
        return None
    s, t, si, o = (f"'{v}'" for v in given)
    return ("INSERT INTO change_log (scope, table_name, row_id, field, value_json, hlc, "
            f"site_id, op) VALUES ({s}, {t}, ?, ?, ?, ?, {si}, {o})")


@functools.lru_cache(maxsize=256)
def _insert_row_log_for(scope: str, table: str, site: str, op: str,
                        names: tuple[str, ...]) -> str | None:
    """One statement that logs one row's fields: bound are the row's id (?1), its HLC (?2)
    and each field's JSON text in ``names`` order (?3 on), None for a field not to log. Its
    rows go into the change log in ``names`` order (the order of a VALUES list), the empty
    ones left out: the rows ``_INSERT_LOG`` would get one field at a time. None if a value
    to write in is not plain (see ``_insert_log_for``)."""
    if not names or not all(type(v) is str and _PLAIN.fullmatch(v)
                            for v in (scope, table, site, op, *names)):
        return None
    fields = ", ".join(f"('{name}', ?{i})" for i, name in enumerate(names, start=3))
    return ("INSERT INTO change_log (scope, table_name, row_id, field, value_json, hlc, "
            f"site_id, op) SELECT '{scope}', '{table}', ?1, f.column1, f.column2, ?2, "
            f"'{site}', '{op}' FROM (VALUES {fields}) AS f WHERE f.column2 IS NOT NULL")


def _remote() -> Any:
    """The sync merge module (imported late: it builds on this one)."""
    from csn_desk.store import remote

    return remote


# Plain SQL on the session's own connection (see rawsql.py): this runs for every field of
# every write.
_INSERT_LOG = ("INSERT INTO change_log (scope, table_name, row_id, field, value_json, hlc, "
               "site_id, op) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_LOG_BASED = ("INSERT INTO change_log (scope, table_name, row_id, field, value_json, hlc, "
                     "site_id, op, base_hlc, base_site) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_NO_BASE = (None, None)
# The trigger (migration 0007) that fills the change log's base columns from cell_clock.
BASE_TRIGGER = "change_log_base"
_UPSERT_CLOCK = ("INSERT INTO cell_clock (table_name, row_id, field, hlc, site_id) "
                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (table_name, row_id, field) "
                 "DO UPDATE SET hlc = excluded.hlc, site_id = excluded.site_id")
_LAST_SEQ = "SELECT coalesce(max(seq), 0) FROM change_log"
# About how many rows the change log holds (two look-ups at its ends, not a count).
_LOG_SPAN = ("SELECT coalesce((SELECT max(seq) FROM change_log) - "
             "(SELECT min(seq) FROM change_log) + 1, 0)")
# The change log's index by row id (migration 0001), see ``Writer.log_index_deferred``.
LOG_INDEX = "ix_change_log_row_id"
# ``_UPSERT_CLOCK`` for every change-log row after a seq, in their order (the WHERE clause
# keeps the SELECT apart from the upsert clause for SQLite's parser).
_CLOCKS_FROM_LOG = ("INSERT INTO cell_clock (table_name, row_id, field, hlc, site_id) "
                    "SELECT table_name, row_id, field, hlc, site_id FROM change_log "
                    "WHERE seq > ? ON CONFLICT (table_name, row_id, field) "
                    "DO UPDATE SET hlc = excluded.hlc, site_id = excluded.site_id")
# The same in row-id order (``Writer._copy_clocks``): ``how`` says whether to read it off
# the row-id index or to sort.
_CLOCKS_BY_ROW = ("INSERT INTO cell_clock (table_name, row_id, field, hlc, site_id) "
                  "SELECT table_name, row_id, field, hlc, site_id FROM change_log {how} "
                  "WHERE seq > ? ORDER BY row_id, seq ON CONFLICT (table_name, row_id, field) "
                  "DO UPDATE SET hlc = excluded.hlc, site_id = excluded.site_id")
_ANY_SHADOW_ROW = "SELECT 1 FROM sync_shadow_row WHERE table_name = ? LIMIT 1"
_ANY_CLOCK = "SELECT 1 FROM cell_clock WHERE table_name = ? LIMIT 1"
# The change log's first and last seq (two look-ups, each at one end of the table).
_LOG_ENDS = ("SELECT coalesce((SELECT min(seq) FROM change_log), 0), "
             "coalesce((SELECT max(seq) FROM change_log), 0)")
