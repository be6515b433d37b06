"""An erasure (DP-11) or anonymisation (DP-06) made at another site, followed here.

The other site blanks the person's details and the notes on their enquiries and referral
events through its write path, so the blanks arrive here as changes like any other; but
what this site itself once wrote about the person (its own change-log entries, the values
that lost a conflict here) is only in this database, and what it wrote after the erasure
was made but before it arrived would win, being later. So after merging, for each erased
client the changes touched, this site:

- blanks again any identifying detail, and any note on the client's enquiries and
  referral events (new ones included), that is not blank, with the duplicate-check keys
  worked out from the blank names: the erasure has the last word everywhere;
- scrubs its own history of those details and notes, and drops their conflict-log entries
  (also those logged when a write made before the erasure arrives after it).

Every site does this whatever order the changes arrive in, so they end alike. Only clients
with something left to do are visited (a checkpoint names every client ever erased).

Besides, a note that arriving changes blank (the notes' own retention rule at another
site) has its history here scrubbed too.

Notes on enquiries and events in the sync shadow (waiting for a parent, say a referral
whose service was deleted at another site) are scrubbed there too, when the client is
visited (``store.scrub.blank_notes``). Not covered: a site that has nothing else left to do
for the client does not visit it for those alone."""

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
from csn_desk.store.scrub import blank_notes, scrub_history
from csn_desk.store.writes import Writer

_CHUNK = 400


@dataclass
class Erasures:
    """What merged changes may mean for erasures, gathered over one or more batches: the
    clients whose erasure or identifying details they touched or that a new enquiry is
    for, the enquiries and referral events whose notes they touched, and the notes they
    blanked (as (table, row id)). With ``detail=False`` (a checkpoint, which names every
    row: the erased clients' notes are found from the clients) only the clients."""

    clients: set[str] = field(default_factory=set)
    enquiries: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    notes: set[tuple[str, str]] = field(default_factory=set)

    def see(self, changes: Iterable[RemoteChange], *, detail: bool = True) -> None:
        for c in changes:
            if c.table == "client":
                if c.field == "erased_at" or c.field in IDENTIFYING_CLIENT_BLANKS:
                    self.clients.add(c.row_id)
            elif not detail:
                continue
            elif c.table == "enquiry":
                if c.field == "client_id" and isinstance(c.value, str):
                    self.clients.add(c.value)
                elif c.field == "notes":
                    self._note(c, self.enquiries)
            elif c.table == "referral_event" and c.field == "note":
                self._note(c, self.events)

    def _note(self, c: RemoteChange, rows: set[str]) -> None:
        if c.value:  # a note written
            rows.add(c.row_id)
        elif c.op == "update":  # a note blanked (a new row without one says nothing)
            rows.add(c.row_id)
            self.notes.add((c.table, c.row_id))

    def client_ids(self, s: Session) -> list[str]:
        """The clients seen, with those of the enquiries and events seen."""
        out = set(self.clients)
        for ids, sql in ((sorted(self.enquiries), "SELECT client_id FROM enquiry WHERE "
                                                  "client_id IS NOT NULL AND id IN ({})"),
                         (sorted(self.events), _EVENT_CLIENTS)):
            for start in range(0, len(ids), _CHUNK):
                part = ids[start:start + _CHUNK]
                out.update(r[0] for r in execute(
                    s, sql.format(", ".join("?" for _ in part)), part).fetchall())
        return sorted(out)


_EVENT_CLIENTS = ("SELECT e.client_id FROM referral_event v JOIN referral r ON "
                  "r.id = v.referral_id JOIN enquiry e ON e.id = r.enquiry_id WHERE "
                  "e.client_id IS NOT NULL AND v.id IN ({})")


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
    for client_id in _to_follow(s, seen.client_ids(s), fields):
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
        again += sum(blank_notes(w, client_id, ENQUIRY_BLANKS, EVENT_BLANKS))
    for table, row_id in sorted(seen.notes):
        model, blanks = (Enquiry, ENQUIRY_BLANKS) if table == "enquiry" else (
            ReferralEvent, EVENT_BLANKS)
        found: Any = s.get(model, row_id)
        if found is not None and not getattr(found, next(iter(blanks))):
            scrub_history(s, table, row_id, blanks)
    return again


def _to_follow(s: Session, client_ids: Sequence[str], fields: dict[str, Any]) -> list[str]:
    """The erased clients among these with something left to do here: a detail or a note
    not blank, a value in this site's change log other than the blank, or a conflict-log
    entry."""
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
                f"c.value_json != '\"\"'",
                f"SELECT DISTINCT client_id FROM enquiry WHERE client_id IN ({marks}) "
                f"AND notes != ''",
                f"SELECT DISTINCT e.client_id FROM referral_event v JOIN referral r ON "
                f"r.id = v.referral_id JOIN enquiry e ON e.id = r.enquiry_id WHERE "
                f"e.client_id IN ({marks}) AND v.note != ''"):
            out.update(r[0] for r in execute(s, sql, erased).fetchall())
    return sorted(out)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
