"""Old values taken out of the sync bookkeeping: once a field is blanked (an erasure, the
end of a retention period), its earlier values must not stay in the change log, the
conflict log or the values a tombstone keeps (secure_delete zeroes the freed space)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from csn_desk.store.rawsql import execute


def scrub_history(session: Session, table: str, row_id: str, fields: Mapping[str, Any]) -> None:
    """Every kept value of these fields of one row overwritten with the blank (the change
    log, the values kept for the row if deleted or waiting) and their conflicts dropped.
    Only for fields whose value now is that blank: the change log then still says what
    the row holds."""
    for name, blank in fields.items():
        value = json.dumps(blank)
        execute(session, "UPDATE change_log SET value_json = ? WHERE table_name = ? AND "
                "row_id = ? AND field = ?", (value, table, row_id, name))
        execute(session, "DELETE FROM sync_conflict WHERE table_name = ? AND row_id = ? AND "
                "field = ?", (table, row_id, name))
        execute(session, "UPDATE sync_shadow SET value_json = ? WHERE table_name = ? AND "
                "row_id = ? AND field = ?", (value, table, row_id, name))


def scrub_deleted(session: Session, table: str, fields: Mapping[str, Any]) -> None:
    """Blank these fields of every deleted row of ``table`` in the values its tombstone
    keeps (here and at each site the delete reaches by sync, so that a later edit could
    bring the row back) and in this site's change log (the row may have been written here
    and deleted elsewhere): for rows deleted because their time was up, wherever they were
    deleted."""
    dead = "SELECT row_id FROM sync_shadow_row WHERE table_name = ? AND dead"
    for name, blank in fields.items():
        value = json.dumps(blank)
        for kept in ("sync_shadow", "change_log"):
            execute(session, f"UPDATE {kept} SET value_json = ? WHERE table_name = ? AND "
                    f"field = ? AND value_json != ? AND row_id IN ({dead})",
                    (value, table, name, value, table))
