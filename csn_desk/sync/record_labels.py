"""Which record a sync conflict is about, in words a coordinator recognises: 'Service
"Dial-a-Ride"', 'Opening hours of service "Dial-a-Ride"', 'Client Ann Example', rather than a
table name and an id. The kinds of record are data (``resources/vocab/record_kinds.json``).

Only tables named there are read (the table names come from other sites' files), and only
the one column that names a record; a record no longer here, or a client whose details were
erased, says so."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from csn_desk.timefmt import to_uk
from csn_desk.vocab import vocab

# The column of a child table that points at the record it belongs to.
PARENTS = ("service_id", "client_id", "enquiry_id", "referral_id")


def record_labels(session: Session, records: Iterable[tuple[str, str]]
                  ) -> dict[tuple[str, str], str]:
    """A label for each (table, row id); unknown tables get a plain 'Record in <table>'."""
    kinds = {t.code: t.label for t in vocab("record_kinds").terms}
    out: dict[tuple[str, str], str] = {}
    for table, row_id in set(records):
        kind = kinds.get(table)
        if kind is None:
            out[(table, row_id)] = f"Record in {table.replace('_', ' ')}"
            continue
        out[(table, row_id)] = _label(session, kinds, table, row_id) or f"{kind} (no longer here)"
    return out


def _label(session: Session, kinds: dict[str, str], table: str, row_id: str) -> str | None:
    kind = kinds[table]
    if table == "referral_state":  # keyed by its referral
        return _label(session, kinds, "referral", row_id)
    found = session.execute(text(f'SELECT * FROM "{table}" WHERE id = :id'),  # noqa: S608 - table from the vocabulary
                            {"id": row_id}).mappings().first()
    if found is None:
        return None
    row = dict(found)
    own = _own_name(session, table, row)
    if own is not None:
        return f"{kind} {own}"
    for column in PARENTS:
        parent_id = row.get(column)
        if parent_id:
            parent_table = column.removesuffix("_id")
            parent = _label(session, kinds, parent_table, str(parent_id))
            if parent is not None:
                return f"{kind} of {_lower_first(parent)}"
    return kind


def _own_name(session: Session, table: str, row: dict[str, object]) -> str | None:
    if table == "client":
        if row.get("erased_at"):
            return "(details erased)"
        name = f"{row.get('given_name') or ''} {row.get('family_name') or ''}".strip()
        return name or "(no name)"
    if table == "enquiry":
        return f"on {_day(row.get('received_at'))}"
    if table == "referral":
        if row.get("service_id"):
            service = session.execute(text("SELECT name FROM service WHERE id = :id"),
                                      {"id": row["service_id"]}).scalar()
            if service:
                return f'to "{service}"'
        external = row.get("external_service")
        return f'to "{external}"' if external else None
    own = row.get("name")
    return f'"{own}"' if own else None


def _day(value: object) -> str:
    when = value
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return "an unknown day"
    if isinstance(when, datetime):
        return f"{to_uk(when):%d/%m/%Y}"
    return "an unknown day"


def _lower_first(label: str) -> str:
    """'Service "X"' inside another label reads 'service "X"' (names keep their case)."""
    return label[:1].lower() + label[1:]
