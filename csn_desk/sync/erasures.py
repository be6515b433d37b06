"""An erasure (DP-11) or anonymisation (DP-06) made at another site, followed here.

The other site blanks the person's details through its write path, so the blanks arrive
here as changes like any other; but what this site itself once wrote about the person
(its own change-log entries, the values that lost a conflict here) is only in this
database. So after merging, for each erased client the changes touched, this site:

- blanks again any identifying detail it wrote itself after the erasure was made but
  before it arrived (that write would otherwise win, being later), with the duplicate-check
  keys worked out from the blank names: the erasure has the last word everywhere;
- scrubs its own history of those details, and drops their conflict-log entries (also
  those logged when a write made before the erasure arrives after it);
- does the same for the notes on the person's enquiries and referral events: history is
  scrubbed where the note is blank now, and a note written here is blanked again where the
  arriving changes blanked it (an erasure blanks notes; an anonymisation leaves them).

Every site does this whatever order the changes arrive in, so they end alike. Only clients
with something left to scrub are visited (a checkpoint names every client ever erased).

Not covered: a note written here on an enquiry whose note was already empty at the erasing
site (the erasure changes nothing there, so nothing says it was blanked), a note blank
that arrives in another segment than the erasure (segments split at 20,000 changes), and
notes when the erasure arrives in a checkpoint. Such a note stays until retention blanks
it; telling an erasure apart from an anonymisation would need the erasure itself to be
synced as a mark of its own."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from csn_desk.personal_fields import ENQUIRY_BLANKS, EVENT_BLANKS, IDENTIFYING_CLIENT_BLANKS
from csn_desk.store.models import Client, Enquiry, ReferralEvent
from csn_desk.store.rawsql import execute
from csn_desk.store.remote import Deriver, RemoteChange
from csn_desk.store.scrub import scrub_history
from csn_desk.store.writes import Writer

_CHUNK = 400
_ENQUIRY_NOTES = """SELECT e.id, e.notes FROM enquiry e WHERE e.client_id = ?"""
_EVENT_NOTES = """SELECT v.id, v.note FROM referral_event v
JOIN referral r ON r.id = v.referral_id JOIN enquiry e ON e.id = r.enquiry_id
WHERE e.client_id = ?"""


@dataclass
class Erasures:
    """What merged changes may mean for erasures, gathered over one or more batches: the
    clients whose erasure or identifying details they touched, and the notes they blanked
    (as (table, row id); from segments only: a checkpoint's cells say what a note is, not
    that an erasure blanked it)."""

    clients: set[str] = field(default_factory=set)
    notes: set[tuple[str, str]] = field(default_factory=set)

    def see(self, changes: Iterable[RemoteChange], *, notes: bool = True) -> None:
        for c in changes:
            if c.table == "client":
                if c.field == "erased_at" or c.field in IDENTIFYING_CLIENT_BLANKS:
                    self.clients.add(c.row_id)
            elif notes and c.value == "" and (
                    (c.table == "enquiry" and c.field == "notes")
                    or (c.table == "referral_event" and c.field == "note")):
                self.notes.add((c.table, c.row_id))


def follow_erasures(w: Writer, seen: Erasures, deriver: Deriver) -> int:
    """Follow here the erasures among the clients ``seen`` (see the module notes), in the
    caller's unit of work, after the changes are merged and the clock has seen them (so
    anything blanked again is later). ``deriver``: the client's duplicate-check keys,
    worked out at each site from the names. Returns how many details and notes were
    blanked again."""
    s = w.session
    fields = {k: v for k, v in IDENTIFYING_CLIENT_BLANKS.items() if k not in deriver.outputs}
    keys = deriver.compute({name: fields.get(name, "") for name in deriver.inputs})
    again = 0
    for client_id in _to_follow(s, sorted(seen.clients), fields, seen.notes):
        client = s.get(Client, client_id)
        if client is None:
            continue
        left = {k: v for k, v in fields.items() if getattr(client, k) != v}
        if left:
            left.update({k: v for k, v in keys.items() if getattr(client, k) != v})
            w.update(client, **left)
            again += len(left)
        # (the keys' history becomes what the row holds now: worked out from blank names)
        scrub_history(s, "client", client_id,
                      {**fields, **{k: getattr(client, k) for k in deriver.outputs}})
        for sql, table, model, blanks in (
                (_ENQUIRY_NOTES, "enquiry", Enquiry, ENQUIRY_BLANKS),
                (_EVENT_NOTES, "referral_event", ReferralEvent, EVENT_BLANKS)):
            for row_id, text in execute(s, sql, (client_id,)).fetchall():
                if text:
                    if (table, row_id) not in seen.notes:
                        continue  # (a note the arriving changes did not blank: kept)
                    row: Any = s.get(model, row_id)
                    w.update(row, **blanks)
                    again += 1
                scrub_history(s, table, row_id, blanks)
    return again


def _to_follow(s: Session, client_ids: Sequence[str], fields: dict[str, Any],
               notes: set[tuple[str, str]]) -> list[str]:
    """The erased clients among these with something left to do here: a detail not blank,
    a value in this site's change log other than the blank, a conflict-log entry, a note
    the changes blanked, or note history where the note is blank now."""
    out: set[str] = set()
    blank_when = " OR ".join(
        f'"{k}" IS NOT NULL' if v is None else f'coalesce("{k}", \'\') != {_sql_text(v)}'
        for k, v in fields.items())
    pairs = " OR ".join(f"(field = '{k}' AND value_json != {_sql_text(json.dumps(v))})"
                        for k, v in fields.items())
    for start in range(0, len(client_ids), _CHUNK):
        part = client_ids[start:start + _CHUNK]
        marks = ", ".join("?" for _ in part)
        erased = [r[0] for r in execute(
            s, f"SELECT id FROM client WHERE erased_at IS NOT NULL AND id IN ({marks})",
            part).fetchall()]
        if not erased:
            continue
        marks = ", ".join("?" for _ in erased)
        for sql in (
                f"SELECT id FROM client WHERE id IN ({marks}) AND ({blank_when})",
                f"SELECT DISTINCT row_id FROM change_log WHERE table_name = 'client' "
                f"AND row_id IN ({marks}) AND ({pairs})",
                f"SELECT DISTINCT row_id FROM sync_conflict WHERE table_name = 'client' "
                f"AND row_id IN ({marks})",
                f"SELECT DISTINCT e.client_id FROM enquiry e JOIN change_log c ON "
                f"c.row_id = e.id AND c.table_name = 'enquiry' AND c.field = 'notes' "
                f"WHERE e.client_id IN ({marks}) AND c.value_json != '\"\"'",
                f"SELECT DISTINCT e.client_id FROM referral_event v JOIN referral r ON "
                f"r.id = v.referral_id JOIN enquiry e ON e.id = r.enquiry_id JOIN change_log "
                f"c ON c.row_id = v.id AND c.table_name = 'referral_event' AND "
                f"c.field = 'note' WHERE e.client_id IN ({marks}) AND "
                f"c.value_json != '\"\"'"):
            out.update(r[0] for r in execute(s, sql, erased).fetchall())
        if notes:
            for sql in (_ENQUIRY_NOTES, _EVENT_NOTES):
                table = "enquiry" if sql is _ENQUIRY_NOTES else "referral_event"
                for client_id in erased:
                    if client_id not in out and any(
                            (table, r[0]) in notes and r[1]
                            for r in execute(s, sql, (client_id,)).fetchall()):
                        out.add(client_id)
    return sorted(out)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
