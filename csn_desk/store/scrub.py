"""Old values taken out of the sync bookkeeping: once a field is blanked (an erasure, the
end of a retention period), its earlier values must not stay in the change log, the
conflict log or the values a tombstone keeps (secure_delete zeroes the freed space)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from csn_desk.store.models import Enquiry, ReferralEvent
from csn_desk.store.rawsql import execute
from csn_desk.store.writes import Writer


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


_WAITING = ("SELECT 1 FROM sync_shadow_row WHERE table_name IN ('enquiry', 'referral', "
            "'referral_event') LIMIT 1")
# The rows of a client's enquiries, referrals and referral events that are in the sync
# shadow (deleted, or waiting for a parent: a referral whose service was deleted at another
# site waits there with its events), found through the values the shadow keeps.
_SHADOW_ENQUIRIES = ("SELECT row_id FROM sync_shadow WHERE table_name = 'enquiry' AND "
                     "field = 'client_id' AND value_json = ?")
_SHADOW_EVENTS = """
WITH enquiries(id) AS (SELECT id FROM enquiry WHERE client_id = :client
                       UNION SELECT row_id FROM sync_shadow WHERE table_name = 'enquiry'
                       AND field = 'client_id' AND value_json = :quoted),
referrals(id) AS (SELECT r.id FROM referral r JOIN enquiries e ON e.id = r.enquiry_id
                  UNION SELECT s.row_id FROM sync_shadow s JOIN enquiries e
                  ON s.value_json = json_quote(e.id)
                  WHERE s.table_name = 'referral' AND s.field = 'enquiry_id')
SELECT s.row_id FROM sync_shadow s JOIN referrals r ON s.value_json = json_quote(r.id)
WHERE s.table_name = 'referral_event' AND s.field = 'referral_id'"""


def scrub_waiting_notes(session: Session, client_id: str, enquiry: Mapping[str, Any],
                        event: Mapping[str, Any]) -> int:
    """``scrub_history`` (with the ``enquiry`` and ``event`` blanks) for the client's
    enquiries and referral events that are in the sync shadow, not in their tables (where
    nothing else reaches them); the number of rows. Nothing to do, and no look-up beyond
    one, when the shadow holds none of those tables' rows (the usual case)."""
    if execute(session, _WAITING, ()).fetchone() is None:
        return 0
    quoted = json.dumps(client_id)
    found = [("enquiry", r[0], enquiry)
             for r in execute(session, _SHADOW_ENQUIRIES, (quoted,)).fetchall()]
    found += [("referral_event", r[0], event) for r in execute(
        session, _SHADOW_EVENTS, {"client": client_id, "quoted": quoted}).fetchall()]
    for table, row_id, blanks in found:
        scrub_history(session, table, row_id, blanks)
    return len(found)


_ENQUIRY_NOTES = "SELECT id, notes FROM enquiry WHERE client_id = ?"
_EVENT_NOTES = """SELECT v.id, v.note FROM referral_event v
JOIN referral r ON r.id = v.referral_id JOIN enquiry e ON e.id = r.enquiry_id
WHERE e.client_id = ?"""


def blank_notes(w: Writer, client_id: str, enquiry: Mapping[str, Any],
                event: Mapping[str, Any]) -> tuple[int, int]:
    """Blank the free text of the client's enquiries and referral events through the write
    path (so sync carries it) with the ``enquiry`` and ``event`` blanks, and scrub it from
    the history, those in the sync shadow included: (enquiry notes, event notes) blanked."""
    s = w.session
    counts = []
    for sql, model, table, blanks in ((_ENQUIRY_NOTES, Enquiry, "enquiry", enquiry),
                                      (_EVENT_NOTES, ReferralEvent, "referral_event", event)):
        blanked = 0
        for row_id, text in execute(s, sql, (client_id,)).fetchall():
            if text:
                row: Any = s.get(model, row_id)
                w.update(row, **blanks)
                blanked += 1
            scrub_history(s, table, row_id, blanks)
        counts.append(blanked)
    scrub_waiting_notes(s, client_id, enquiry, event)
    return counts[0], counts[1]
