"""Applying changes that arrived from other sites: the merge half of sync.

The write path (``writes.py``) records each local change per field with an HLC stamp; this
module is its counterpart for changes made elsewhere. It runs inside the caller's write
transaction (one per segment) and never writes the change log: an imported change is not
ours to publish again.

Rules, the same at every site whatever order changes arrive in:

- Each cell is a last-writer-wins register ordered by ``(hlc, site_id)``; ``cell_clock`` holds
  the winner. An incoming change wins if its stamp is greater, else it is ignored.
- A row is *live* unless its ``_deleted`` register has a clock later than every field's; a
  later edit revives a deleted row. A live row appears in its table only when it has every
  required column and its parent rows (foreign keys) are in their tables; otherwise it waits
  in the shadow (``sync_shadow_row`` / ``sync_shadow``), as deleted rows do, with its values
  so it can come back. Deleting a parent takes its children out of their tables too.
- The conflict log (``sync_conflict``) holds every write that lost and that no later write was
  based on (``base_hlc``/``base_site``, which the change log records): a concurrent edit
  whose value was not kept. It is a set, so it is the same everywhere. ``sync_covered`` keeps
  the bases seen, for writes that arrive after the write that overwrote them.
- Derived columns (the client duplicate-check keys) are never taken from other sites; they
  are recomputed here from the merged values by a ``Deriver`` the caller passes.
- Changes for a table or column this version does not have are kept in ``sync_pending_op``
  and applied by :func:`replay_pending` after an upgrade.

Values travel as JSON in the form ``writes.to_json_value`` gives; they are decoded by the
column's type and stored exactly as the ORM stores them, so every site holds the same bytes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Table, TypeDecorator
from sqlmodel import Session, SQLModel

from csn_desk.store.models import SYNCED, metadata
from csn_desk.store.rawsql import driver, to_sql
from csn_desk.store.writes import to_json_value

DELETED = "_deleted"
OPS = frozenset({"insert", "update", "delete"})

Stamp = tuple[str, str]  # (hlc, site_id)


class BadChange(ValueError):
    """A change that cannot be right (wrong type for its column, a malformed id): the whole
    segment carrying it is refused."""


@dataclass(frozen=True)
class RemoteChange:
    """One field of one row as another site wrote it (``value`` is the decoded JSON)."""

    table: str
    row_id: str
    field: str
    value: Any
    hlc: str
    site_id: str
    base_hlc: str | None = None
    base_site: str | None = None
    op: str = "update"


@dataclass(frozen=True)
class Deriver:
    """Columns of ``table`` computed locally from others (``inputs``), never merged."""

    table: str
    outputs: tuple[str, ...]
    inputs: tuple[str, ...]
    compute: Callable[[Mapping[str, Any]], dict[str, Any]]  # JSON values in and out


@dataclass
class ApplyStats:
    won: int = 0  # changes that became the cell's value
    stale: int = 0  # duplicates and changes that lost
    conflicts: int = 0  # entries added to the conflict log
    pending: int = 0  # kept for a newer schema
    rows: int = 0


# -- table descriptions ----------------------------------------------------------------------
_KINDS = {bool: "bool", int: "int", float: "float", str: "str", date: "date",
          datetime: "datetime", time: "time"}


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    kind: str
    nullable: bool


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: dict[str, ColumnInfo]
    order: tuple[str, ...]  # every column, id first
    required: frozenset[str]  # NOT NULL columns other than id
    parents: tuple[tuple[str, str], ...]  # (column, parent table)
    children: tuple[tuple[str, str], ...] = ()  # (child table, column), synced tables only

    @functools.cached_property
    def select_sql(self) -> str:
        names = ", ".join(f'"{c}"' for c in self.order)
        return f'SELECT {names} FROM "{self.name}" WHERE id = ?'

    @functools.cached_property
    def insert_sql(self) -> str:
        names = ", ".join(f'"{c}"' for c in self.order)
        marks = ", ".join("?" for _ in self.order)
        return f'INSERT INTO "{self.name}" ({names}) VALUES ({marks})'


def _kind(column: Any) -> str:
    col_type = column.type
    if isinstance(col_type, TypeDecorator):  # e.g. UTCDateTime: its python_type is object
        col_type = col_type.impl_instance
    try:
        python_type = col_type.python_type
    except NotImplementedError:
        return "str"
    for base, kind in _KINDS.items():
        if python_type is base:
            return kind
    return "str"


def _describe(table: Table) -> TableInfo:
    columns = {c.name: ColumnInfo(c.name, _kind(c), bool(c.nullable)) for c in table.columns}
    order = ("id", *(c for c in columns if c != "id"))
    required = frozenset(c for c, info in columns.items() if not info.nullable and c != "id")
    parents = tuple((fk.parent.name, fk.column.table.name) for fk in table.foreign_keys)
    return TableInfo(table.name, columns, order, required, parents)


@functools.cache
def synced_tables() -> dict[str, TableInfo]:
    """Every synced table, parents before children, with its children listed."""
    names = {str(m.__tablename__) for m in SYNCED}
    infos = {t.name: _describe(t) for t in metadata.sorted_tables if t.name in names}
    children: dict[str, list[tuple[str, str]]] = {n: [] for n in infos}
    for info in infos.values():
        for column, parent in info.parents:
            if parent in children:
                children[parent].append((info.name, column))
    return {n: TableInfo(i.name, i.columns, i.order, i.required, i.parents,
                         tuple(children[n])) for n, i in infos.items()}


@functools.cache
def _scopes() -> dict[str, str]:
    return {str(model.__tablename__): scope for model, scope in SYNCED.items()}


def scope_of(table: str) -> str | None:
    """The sync scope kind of a table (network / organisation), None if it never syncs."""
    return _scopes().get(table)


def known_table(table: str) -> bool:
    """Is this a table of this version of the app (synced or not)?"""
    return table in metadata.tables


# -- values ----------------------------------------------------------------------------------
def json_to_python(column: ColumnInfo, value: Any) -> Any:
    """A JSON value as the column's Python value; raises BadChange if it cannot be one."""
    if value is None:
        return None
    kind = column.kind
    if kind == "str" and value.__class__ is str:
        return value
    try:
        if kind == "str":
            if not isinstance(value, str):
                raise TypeError
            return value
        if kind == "bool":
            if not isinstance(value, bool | int):
                raise TypeError
            return bool(value)
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError
            return value
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError
            return float(value)
        if not isinstance(value, str):
            raise TypeError
        if kind == "date":
            return date.fromisoformat(value)
        if kind == "time":
            return time.fromisoformat(value)
        moment = datetime.fromisoformat(value)
        return (moment.replace(tzinfo=UTC) if moment.tzinfo is None
                else moment.astimezone(UTC))
    except (TypeError, ValueError, OverflowError):
        raise BadChange(f"a value of the wrong type for {column.name}") from None


def stored_to_python(column: ColumnInfo, stored: Any) -> Any:
    """A value as SQLite returns it (text dates, 0/1 booleans) as the ORM would give it."""
    if stored is None:
        return None
    kind = column.kind
    if kind == "bool":
        return bool(stored)
    if kind == "float":
        return float(stored)
    if kind in ("date", "time", "datetime") and isinstance(stored, str):
        return json_to_python(column, stored)
    return stored


def canonical(column: ColumnInfo, value: Any) -> Any:
    """The one JSON form of a value (so equal values compare equal wherever they came from)."""
    if value is None or (value.__class__ is str and column.kind == "str"):
        return value
    return to_json_value(json_to_python(column, value))


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# -- SQL --------------------------------------------------------------------------------------
_CLOCKS = "SELECT field, hlc, site_id FROM cell_clock WHERE table_name = ? AND row_id = ?"
_UPSERT_CLOCK = ("INSERT INTO cell_clock (table_name, row_id, field, hlc, site_id) "
                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (table_name, row_id, field) "
                 "DO UPDATE SET hlc = excluded.hlc, site_id = excluded.site_id")
_SHADOW_ROW = "SELECT dead FROM sync_shadow_row WHERE table_name = ? AND row_id = ?"
_SHADOW_VALUES = "SELECT field, value_json FROM sync_shadow WHERE table_name = ? AND row_id = ?"
_PUT_SHADOW_ROW = ("INSERT INTO sync_shadow_row (table_name, row_id, dead) VALUES (?, ?, ?) "
                   "ON CONFLICT (table_name, row_id) DO UPDATE SET dead = excluded.dead")
_PUT_SHADOW = ("INSERT INTO sync_shadow (table_name, row_id, field, value_json) "
               "VALUES (?, ?, ?, ?) ON CONFLICT (table_name, row_id, field) "
               "DO UPDATE SET value_json = excluded.value_json")
_DROP_SHADOW = "DELETE FROM sync_shadow WHERE table_name = ? AND row_id = ?"
_DROP_SHADOW_ROW = "DELETE FROM sync_shadow_row WHERE table_name = ? AND row_id = ?"
_PENDING_ROWS = "SELECT row_id FROM sync_shadow_row WHERE table_name = ? AND dead = 0"
COVER_SQL = ("INSERT OR IGNORE INTO sync_covered (table_name, row_id, field, hlc, site_id) "
          "VALUES (?, ?, ?, ?, ?)")
UNCONFLICT_SQL = ("DELETE FROM sync_conflict WHERE table_name = ? AND row_id = ? AND field = ? "
               "AND hlc = ? AND site_id = ?")
IS_COVERED_SQL = ("SELECT 1 FROM sync_covered WHERE table_name = ? AND row_id = ? AND field = ? "
               "AND hlc = ? AND site_id = ? UNION ALL "
               "SELECT 1 FROM change_log WHERE row_id = ? AND table_name = ? AND field = ? "
               "AND base_hlc = ? AND base_site = ? LIMIT 1")
CONFLICT_SQL = ("INSERT OR IGNORE INTO sync_conflict (table_name, row_id, field, hlc, site_id, "
             "value_json, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
_PENDING_OP = ("INSERT INTO sync_pending_op (table_name, row_id, field, value_json, hlc, "
               "site_id, base_hlc, base_site, op) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


# -- the merge --------------------------------------------------------------------------------
@dataclass
class _Row:
    info: TableInfo
    row_id: str
    clocks: dict[str, Stamp]
    values: dict[str, Any]  # canonical JSON values known for the row
    where: str  # live / shadow / new
    dead: bool = False
    changed: dict[str, Any] = field(default_factory=dict)
    new_clocks: dict[str, Stamp] = field(default_factory=dict)


@dataclass
class _Merger:
    con: Any
    derivers: Mapping[str, Deriver]
    stats: ApplyStats = field(default_factory=ApplyStats)
    now: str = field(default_factory=lambda: to_sql(datetime.now(UTC)))
    materialised: int = 0
    # Rows read ahead in bulk (one query per table per few hundred rows, not three per row),
    # and rows changed since by a cascade, which must be read again.
    prefetched: dict[tuple[str, str], _Row] = field(default_factory=dict)
    stale: set[tuple[str, str]] = field(default_factory=set)
    clock_buffer: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    present: dict[tuple[str, str], bool] = field(default_factory=dict)  # parents seen
    cover_buffer: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    # -- loading --------------------------------------------------------------------------
    def prefetch(self, info: TableInfo, row_ids: list[str]) -> None:
        con = self.con
        for start in range(0, len(row_ids), _CHUNK):
            ids = row_ids[start:start + _CHUNK]
            marks = ", ".join("?" for _ in ids)
            clocks: dict[str, dict[str, Stamp]] = {r: {} for r in ids}
            for r, f, h, s in con.execute(
                    "SELECT row_id, field, hlc, site_id FROM cell_clock WHERE table_name = ? "
                    f"AND row_id IN ({marks})", (info.name, *ids)):
                clocks[r][f] = (h, s)
            names = ", ".join(f'"{c}"' for c in info.order)
            for found in con.execute(f'SELECT {names} FROM "{info.name}" WHERE id IN ({marks})',
                                     ids):
                row_id = found[0]
                self.prefetched[(info.name, row_id)] = _Row(
                    info, row_id, clocks[row_id], _live_values(info, found), "live")
            waiting = {r: bool(d) for r, d in con.execute(
                f"SELECT row_id, dead FROM sync_shadow_row WHERE table_name = ? "
                f"AND row_id IN ({marks})", (info.name, *ids))}
            values: dict[str, dict[str, Any]] = {r: {} for r in waiting}
            if waiting:
                shadow_ids = list(waiting)
                shadow_marks = ", ".join("?" for _ in shadow_ids)
                for r, f, v in con.execute(
                        "SELECT row_id, field, value_json FROM sync_shadow WHERE table_name = ? "
                        f"AND row_id IN ({shadow_marks})", (info.name, *shadow_ids)):
                    values[r][f] = json.loads(v)
            for row_id in ids:
                key = (info.name, row_id)
                if key in self.prefetched:
                    continue
                if row_id in waiting:
                    self.prefetched[key] = _Row(info, row_id, clocks[row_id], values[row_id],
                                                "shadow", dead=waiting[row_id])
                else:
                    self.prefetched[key] = _Row(info, row_id, clocks[row_id], {}, "new")

    def load(self, info: TableInfo, row_id: str) -> _Row:
        key = (info.name, row_id)
        ahead = self.prefetched.pop(key, None)
        if ahead is not None and key not in self.stale:
            return ahead
        self.flush_clocks()
        con = self.con
        clocks = {f: (h, s) for f, h, s in con.execute(_CLOCKS, (info.name, row_id))}
        found = con.execute(info.select_sql, (row_id,)).fetchone()
        if found is not None:
            return _Row(info, row_id, clocks, _live_values(info, found), "live")
        shadow = con.execute(_SHADOW_ROW, (info.name, row_id)).fetchone()
        if shadow is None:
            return _Row(info, row_id, clocks, {}, "new")
        values = {f: json.loads(v) for f, v in con.execute(_SHADOW_VALUES, (info.name, row_id))}
        return _Row(info, row_id, clocks, values, "shadow", dead=bool(shadow[0]))

    # -- conflict log -----------------------------------------------------------------------
    def _covered(self, table: str, row_id: str, name: str, stamp: Stamp) -> bool:
        self.flush_covers()
        h, s = stamp
        hit = self.con.execute(IS_COVERED_SQL, (table, row_id, name, h, s,
                                             row_id, table, name, h, s)).fetchone()
        return hit is not None

    def _lost(self, table: str, row_id: str, name: str, stamp: Stamp, value: Any) -> None:
        if self._covered(table, row_id, name, stamp):
            return
        cur = self.con.execute(CONFLICT_SQL, (table, row_id, name, stamp[0], stamp[1],
                                           _dumps(value), self.now))
        self.stats.conflicts += cur.rowcount

    def _cover(self, table: str, row_id: str, name: str, stamp: Stamp) -> None:
        self.cover_buffer.append((table, row_id, name, stamp[0], stamp[1]))

    def flush_covers(self) -> None:
        if self.cover_buffer:
            self.con.executemany(COVER_SQL, self.cover_buffer)
            self.con.executemany(UNCONFLICT_SQL, self.cover_buffer)
            self.cover_buffer = []

    # -- one row ----------------------------------------------------------------------------
    def apply_row(self, info: TableInfo, row_id: str, changes: Sequence[RemoteChange]) -> None:
        row = self.load(info, row_id)
        deriver = self.derivers.get(info.name)
        derived = set(deriver.outputs) if deriver else set()
        for ch in changes:
            if ch.field in derived:
                self.stats.stale += 1
                continue
            is_flag = ch.field == DELETED
            column = info.columns.get(ch.field)
            if column is None and not is_flag:
                self._keep_pending(ch)
                continue
            value = None if is_flag or column is None else canonical(column, ch.value)
            if not is_flag and ch.base_hlc and ch.base_site:
                self._cover(info.name, row_id, ch.field, (ch.base_hlc, ch.base_site))
            incoming = (ch.hlc, ch.site_id)
            current = row.clocks.get(ch.field)
            if current == incoming:
                self.stats.stale += 1
                continue
            if current is None or incoming > current:
                if current is not None and not is_flag:
                    self._lost(info.name, row_id, ch.field, current, row.values.get(ch.field))
                row.clocks[ch.field] = row.new_clocks[ch.field] = incoming
                if not is_flag:
                    row.values[ch.field] = row.changed[ch.field] = value
                self.stats.won += 1
            else:
                if not is_flag:
                    self._lost(info.name, row_id, ch.field, incoming, value)
                self.stats.stale += 1
        self.stats.rows += 1
        self._store(row, deriver)

    def _keep_pending(self, ch: RemoteChange) -> None:
        self.con.execute(_PENDING_OP, (ch.table, ch.row_id, ch.field, _dumps(ch.value), ch.hlc,
                                       ch.site_id, ch.base_hlc, ch.base_site, ch.op))
        self.stats.pending += 1

    def _alive(self, row: _Row, derived: set[str]) -> bool:
        deleted = row.clocks.get(DELETED)
        if deleted is None:
            return True
        return any(stamp > deleted for name, stamp in row.clocks.items()
                   if name != DELETED and name not in derived)

    def _derive(self, row: _Row, deriver: Deriver | None) -> None:
        if deriver is None or not any(i in row.values for i in deriver.inputs):
            return
        outputs = deriver.compute(row.values)
        for name, value in outputs.items():
            if row.values.get(name) != value:
                row.values[name] = row.changed[name] = value

    def _store(self, row: _Row, deriver: Deriver | None) -> None:
        con, info = self.con, row.info
        if row.new_clocks:
            self.clock_buffer += [(info.name, row.row_id, f, h, s)
                                  for f, (h, s) in row.new_clocks.items()]
        if deriver and any(i in row.changed for i in deriver.inputs):
            self._derive(row, deriver)
        derived = set(deriver.outputs) if deriver else set()
        alive = self._alive(row, derived)
        if row.where == "live":
            fk_changed = any(c in row.changed for c, _ in info.parents)
            if not alive or (fk_changed and not self._parents_ready(info, row.values)):
                self.dematerialise(info, row.row_id, dead=not alive, values=row.values)
            elif row.changed:
                names = list(row.changed)
                sets = ", ".join(f'"{n}" = ?' for n in names)
                con.execute(f'UPDATE "{info.name}" SET {sets} WHERE id = ?',
                            [self._stored(info, n, row.changed[n]) for n in names]
                            + [row.row_id])
            return
        if alive and self._complete(row) and self._parents_ready(info, row.values):
            if row.where == "shadow":
                con.execute(_DROP_SHADOW, (info.name, row.row_id))
                con.execute(_DROP_SHADOW_ROW, (info.name, row.row_id))
            self._insert(info, row.row_id, row.values)
            return
        con.execute(_PUT_SHADOW_ROW, (info.name, row.row_id, 0 if alive else 1))
        if row.changed:
            con.executemany(_PUT_SHADOW, [(info.name, row.row_id, n, _dumps(v))
                                          for n, v in row.changed.items()])

    def flush_clocks(self) -> None:
        if self.clock_buffer:
            self.con.executemany(_UPSERT_CLOCK, self.clock_buffer)
            self.clock_buffer = []

    @staticmethod
    def _stored(info: TableInfo, name: str, value: Any) -> Any:
        if value is None or value.__class__ is str and info.columns[name].kind == "str":
            return value
        return to_sql(json_to_python(info.columns[name], value))

    def _complete(self, row: _Row) -> bool:
        return all(row.values.get(c) is not None for c in row.info.required)

    def _parents_ready(self, info: TableInfo, values: Mapping[str, Any]) -> bool:
        for column, parent in info.parents:
            ref = values.get(column)
            if ref is None:
                continue
            key = (parent, ref)
            if key not in self.present:
                found = self.con.execute(f'SELECT 1 FROM "{parent}" WHERE id = ?',
                                         (ref,)).fetchone()
                if found is None:
                    return False
                self.present[key] = True
        return True

    def _insert(self, info: TableInfo, row_id: str, values: Mapping[str, Any]) -> None:
        params = [row_id] + [self._stored(info, c, values.get(c)) for c in info.order[1:]]
        self.con.execute(info.insert_sql, params)
        self.present[(info.name, row_id)] = True
        self.materialised += 1

    # -- leaving and entering tables --------------------------------------------------------
    def dematerialise(self, info: TableInfo, row_id: str, *, dead: bool,
                      values: Mapping[str, Any] | None = None) -> None:
        """Move a row out of its table into the shadow (children first, as pending), with
        ``values`` (the merged ones) or else the values it has in its table."""
        con = self.con
        tables = synced_tables()
        self.flush_clocks()
        self.present.clear()
        self.stale.add((info.name, row_id))
        for child, column in info.children:
            ids = [r[0] for r in con.execute(f'SELECT id FROM "{child}" WHERE "{column}" = ?',
                                             (row_id,))]
            for child_id in ids:
                self.stale.add((child, child_id))
                child_clocks = {f: (h, s) for f, h, s in con.execute(_CLOCKS, (child, child_id))}
                cinfo = tables[child]
                deriver = self.derivers.get(child)
                crow = _Row(cinfo, child_id, child_clocks, {}, "live")
                alive = self._alive(crow, set(deriver.outputs) if deriver else set())
                self.dematerialise(cinfo, child_id, dead=not alive)
        if values is None:
            snapshot(con, info, row_id, dead=dead)
        else:
            con.execute(_DROP_SHADOW, (info.name, row_id))
            con.execute(_PUT_SHADOW_ROW, (info.name, row_id, 1 if dead else 0))
            con.executemany(_PUT_SHADOW, [(info.name, row_id, c, _dumps(values.get(c)))
                                          for c in info.order[1:]])
        con.execute(f'DELETE FROM "{info.name}" WHERE id = ?', (row_id,))

    def settle(self) -> None:
        """Bring into their tables the waiting rows whose parents have now arrived."""
        tables = synced_tables()
        self.flush_clocks()
        while self.materialised:
            self.materialised = 0
            for info in tables.values():
                waiting = [r[0] for r in self.con.execute(_PENDING_ROWS, (info.name,))]
                for row_id in waiting:
                    row = self.load(info, row_id)
                    deriver = self.derivers.get(info.name)
                    self._derive(row, deriver)
                    derived = set(deriver.outputs) if deriver else set()
                    if (self._alive(row, derived) and self._complete(row)
                            and self._parents_ready(info, row.values)):
                        self.con.execute(_DROP_SHADOW, (info.name, row_id))
                        self.con.execute(_DROP_SHADOW_ROW, (info.name, row_id))
                        self._insert(info, row_id, row.values)


_CHUNK = 400  # ids per IN (...) list, well under SQLite's limit on parameters


def _live_values(info: TableInfo, found: Sequence[Any]) -> dict[str, Any]:
    return {c: to_json_value(stored_to_python(info.columns[c], v))
            for c, v in zip(info.order, found, strict=True) if c != "id"}


def snapshot(con: Any, info: TableInfo, row_id: str, *, dead: bool) -> None:
    """Copy a row's values (every column) into the shadow before it leaves its table."""
    found = con.execute(info.select_sql, (row_id,)).fetchone()
    con.execute(_DROP_SHADOW, (info.name, row_id))
    con.execute(_PUT_SHADOW_ROW, (info.name, row_id, 1 if dead else 0))
    if found is None:
        return
    con.executemany(_PUT_SHADOW, [
        (info.name, row_id, c, _dumps(to_json_value(stored_to_python(info.columns[c], v))))
        for c, v in zip(info.order, found, strict=True) if c != "id"])


def _grouped(changes: Iterable[RemoteChange]) -> list[tuple[tuple[str, str], list[RemoteChange]]]:
    """Changes by row, rows in order of first appearance (parents come before children)."""
    groups: dict[tuple[str, str], list[RemoteChange]] = {}
    for ch in changes:
        groups.setdefault((ch.table, ch.row_id), []).append(ch)
    return list(groups.items())


def apply_changes(session: Session, changes: Sequence[RemoteChange], *,
                  derivers: Mapping[str, Deriver] | None = None) -> ApplyStats:
    """Merge other sites' changes, in the caller's transaction. Raises BadChange (and the
    caller rolls back) if any change is impossible; nothing is half-applied."""
    con = driver(session)
    session.flush()  # ORM objects pending in this unit of work go first
    merger = _Merger(con, derivers or {})
    tables = synced_tables()
    groups = _grouped(changes)
    by_table: dict[str, list[str]] = {}
    for table, row_id in (key for key, _ in groups):
        if table in tables:
            by_table.setdefault(table, []).append(row_id)
    for table, ids in by_table.items():
        merger.prefetch(tables[table], ids)
    for (table, row_id), group in groups:
        info = tables.get(table)
        if info is None:
            if known_table(table):
                raise BadChange("a change to a table that never syncs")
            for ch in group:
                merger._keep_pending(ch)
            continue
        merger.apply_row(info, row_id, group)
    merger.settle()
    merger.flush_clocks()
    merger.flush_covers()
    return merger.stats


def replay_pending(session: Session, *, derivers: Mapping[str, Deriver] | None = None) -> int:
    """Apply kept changes whose table and column this version now has (after an upgrade)."""
    con = driver(session)
    tables = synced_tables()
    rows = con.execute("SELECT id, table_name, row_id, field, value_json, hlc, site_id, "
                       "base_hlc, base_site, op FROM sync_pending_op ORDER BY id").fetchall()
    ready = [r for r in rows if r[1] in tables
             and (r[3] == DELETED or r[3] in tables[r[1]].columns)]
    if not ready:
        return 0
    changes = [RemoteChange(r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7], r[8], r[9])
               for r in ready]
    con.executemany("DELETE FROM sync_pending_op WHERE id = ?", [(r[0],) for r in ready])
    apply_changes(session, changes, derivers=derivers)
    return len(ready)


# -- hooks for the local write path -----------------------------------------------------------
def keep_tombstone(session: Session, obj: SQLModel) -> None:
    """Called by ``Writer.delete`` before a synced row is deleted here: keep its values in the
    shadow so an edit made elsewhere after (or concurrently with) the delete can revive it
    with the same values at every site."""
    info = synced_tables().get(str(obj.__tablename__))
    if info is None:
        return
    con = driver(session)
    row_id = str(getattr(obj, "id"))  # noqa: B009
    con.execute(_DROP_SHADOW, (info.name, row_id))
    con.execute(_PUT_SHADOW_ROW, (info.name, row_id, 1))
    con.executemany(_PUT_SHADOW, [(info.name, row_id, c, _dumps(to_json_value(getattr(obj, c))))
                                  for c in info.order[1:]])


def clear_tombstone(session: Session, table: str, row_id: str) -> bool:
    """Called by ``Writer.create``: True if this id was deleted (or waiting) here before, in
    which case the new row must overwrite every column, the blank ones too."""
    con = driver(session)
    cur = con.execute(_DROP_SHADOW_ROW, (table, row_id))
    if cur.rowcount:
        con.execute(_DROP_SHADOW, (table, row_id))
        return True
    return False


def clear_tombstones(session: Session, table: str, row_ids: list[str]) -> set[str]:
    """``clear_tombstone`` for many ids at once: the ids that were deleted (or waiting)."""
    con = driver(session)
    found: set[str] = set()
    for start in range(0, len(row_ids), 500):
        chunk = row_ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        found.update(str(r[0]) for r in con.execute(
            f"SELECT row_id FROM sync_shadow_row WHERE table_name = ? AND row_id IN ({marks})",
            (table, *chunk)))
    if found:
        params = [(table, row_id) for row_id in row_ids if row_id in found]
        con.executemany(_DROP_SHADOW_ROW, params)
        con.executemany(_DROP_SHADOW, params)
    return found


# -- reading back (conflicts view, re-homing a joining site) ----------------------------------
@dataclass(frozen=True)
class CellState:
    """A cell's current value (canonical JSON) and its clock; ``live`` if the row is in its
    table (only then can a coordinator restore another value into it)."""

    value: Any
    hlc: str | None
    site_id: str | None
    live: bool
    exists: bool


def cell_state(session: Session, table: str, row_id: str, name: str) -> CellState:
    info = synced_tables().get(table)
    if info is None or name not in info.columns:
        return CellState(None, None, None, False, False)
    con = driver(session)
    clock = con.execute("SELECT hlc, site_id FROM cell_clock WHERE table_name = ? AND "
                        "row_id = ? AND field = ?", (table, row_id, name)).fetchone()
    found = con.execute(f'SELECT "{name}" FROM "{table}" WHERE id = ?', (row_id,)).fetchone()
    h, s = (clock[0], clock[1]) if clock else (None, None)
    if found is not None:
        value = to_json_value(stored_to_python(info.columns[name], found[0]))
        return CellState(value, h, s, True, True)
    shadow = con.execute("SELECT value_json FROM sync_shadow WHERE table_name = ? AND "
                         "row_id = ? AND field = ?", (table, row_id, name)).fetchone()
    if shadow is None:
        return CellState(None, h, s, False, False)
    return CellState(json.loads(shadow[0]), h, s, False, True)


def is_referenced(session: Session, table: str, row_id: str) -> bool:
    """Does any synced row (in its table) point at this one?"""
    info = synced_tables().get(table)
    if info is None:
        return False
    con = driver(session)
    return any(con.execute(f'SELECT 1 FROM "{child}" WHERE "{column}" = ? LIMIT 1',
                           (row_id,)).fetchone() is not None
               for child, column in info.children)
