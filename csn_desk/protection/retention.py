"""The retention schedule (DP-06, DP-07): how long each kind of record is kept and what happens
after. The defaults are data (``resources/retention.json``); an administrator may change a
period within the rule's limits (kept in ``local_setting``). ``preview_retention`` and
``run_retention`` share one selection per rule, so a preview says exactly what a run does.

Runs by itself at start-up and daily (``run_if_due``); every run writes one audit entry with
counts only. Anonymised clients keep their enquiries, so the tallies do not change."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlmodel import Session

from csn_desk.errors import InvalidInput
from csn_desk.ids import utcnow
from csn_desk.personal_fields import (
    ENQUIRY_BLANKS,
    EVENT_BLANKS,
    IDENTIFYING_CLIENT_BLANKS,
)
from csn_desk.protection.erasure import blank_notes
from csn_desk.protection.roles import require
from csn_desk.reports.periods import uk_midnight_utc
from csn_desk.store import audit_chain
from csn_desk.store.models import Client, Document, Enquiry, LocalSetting, ReferralEvent
from csn_desk.store.rawsql import execute, to_sql
from csn_desk.store.scrub import scrub_deleted, scrub_history
from csn_desk.store.writes import Writer
from csn_desk.vocab import resources_dir
from csn_desk.workspace import Workspace

PERIOD_PREFIX = "retention.years."
LAST_RUN = "retention.last_run"
MANAGE = "retention.manage"

CLIENT_BLANKS = IDENTIFYING_CLIENT_BLANKS  # what anonymising a client blanks
# What links a printed document's entry to a person (the client, their enquiry or referral,
# the member of staff): blanked in what the sync bookkeeping keeps of a deleted entry.
# The kind, format, date, site and pages stay (they identify nobody).
DOCUMENT_LINKS: dict[str, Any] = {"client_id": None, "enquiry_id": None,
                                  "referral_id": None, "user_id": None}


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    records: str
    years: int
    default_years: int
    minimum_years: int
    maximum_years: int
    after: str
    action: str
    action_words: str
    why: str

    @property
    def words(self) -> str:
        """The rule as one sentence for the screen and the printed schedule."""
        unit = "year" if self.years == 1 else "years"
        return (f"{self.label}: kept {self.years} {unit} after {self.after}, then "
                f"{self.action_words}.")


@dataclass(frozen=True)
class RetentionCount:
    key: str
    label: str
    count: int
    cutoff: date


@dataclass(frozen=True)
class RetentionReport:
    """What a preview would change, or what a run changed: counts only, never names."""

    today: date
    counts: tuple[RetentionCount, ...]
    applied: bool

    @property
    def total(self) -> int:
        return sum(c.count for c in self.counts)

    def count(self, key: str) -> int:
        return next(c.count for c in self.counts if c.key == key)

    def lines(self) -> list[str]:
        verb = "changed" if self.applied else "would change"
        return [f"{c.label}: {c.count} {verb} (older than {c.cutoff:%d %B %Y})"
                for c in self.counts]


@cache
def _defaults() -> tuple[dict[str, Any], ...]:
    raw = json.loads((resources_dir() / "retention.json").read_text(encoding="utf-8"))
    if raw.get("format") != "csn-desk-retention" or raw.get("version") != 1:
        raise ValueError("resources/retention.json is not a retention schedule")
    return tuple(raw["rules"])


def _rule(spec: dict[str, Any], years: int) -> Rule:
    return Rule(key=spec["key"], label=spec["label"], records=spec["records"], years=years,
                default_years=int(spec["years"]), minimum_years=int(spec["minimum_years"]),
                maximum_years=int(spec["maximum_years"]), after=spec["after"],
                action=spec["action"], action_words=spec["action_words"], why=spec["why"])


def _overrides(session: Session) -> dict[str, str]:
    rows = execute(session, "SELECT key, value FROM local_setting WHERE key LIKE ?",
                   (PERIOD_PREFIX + "%",)).fetchall()
    return {str(k)[len(PERIOD_PREFIX):]: str(v) for k, v in rows}


def _schedule(session: Session) -> list[Rule]:
    overrides = _overrides(session)
    rules = []
    for spec in _defaults():
        years = int(spec["years"])
        text = overrides.get(spec["key"])
        if text is not None and text.isdigit():
            # A stored value outside the limits (edited by hand) falls back to the limit.
            years = min(max(int(text), int(spec["minimum_years"])), int(spec["maximum_years"]))
        rules.append(_rule(spec, years))
    return rules


def load_schedule(ws: Workspace) -> list[Rule]:
    """The schedule in force here: the defaults with this site's changes."""
    with ws.db.read() as s:
        return _schedule(s)


def set_period(ws: Workspace, key: str, years: int) -> Rule:
    """An administrator changes how long one kind of record is kept (within its limits)."""
    require(ws, MANAGE)
    spec = next((s for s in _defaults() if s["key"] == key), None)
    if spec is None:
        raise InvalidInput("There is no such kind of record in the retention schedule.")
    low, high = int(spec["minimum_years"]), int(spec["maximum_years"])
    if not low <= years <= high:
        raise InvalidInput(f"{spec['label']} must be kept between {low} and {high} years; "
                           "choose a number in that range.")
    with ws.db.write(ws.actor) as w:
        row = w.session.get(LocalSetting, PERIOD_PREFIX + key)
        if row is None:
            w.session.add(LocalSetting(key=PERIOD_PREFIX + key, value=str(years)))
        else:
            row.value = str(years)
            w.session.add(row)
        w.event("retention:set_period", entity="local_setting", entity_id=key,
                detail=f"years={years}")
    return _rule(spec, years)


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# -- what each rule selects --------------------------------------------------------------------
Selector = Callable[[Session, Workspace, datetime], list[Any]]


def _old_clients(s: Session, ws: Workspace, cutoff: datetime) -> list[Any]:
    """Clients not yet anonymised whose last contact (or creation, if never seen since) and
    every enquiry are before the cutoff."""
    at = to_sql(cutoff)
    return [r[0] for r in execute(s, (
        "SELECT c.id FROM client c WHERE c.organisation_id = ? AND c.erased_at IS NULL "
        "AND COALESCE(c.last_contact_at, c.created_at) < ? AND c.created_at < ? "
        "AND NOT EXISTS (SELECT 1 FROM enquiry e WHERE e.client_id = c.id "
        "AND e.received_at >= ?) ORDER BY c.id"), (ws.organisation_id, at, at, at)).fetchall()]


def _old_notes(s: Session, ws: Workspace, cutoff: datetime) -> list[Any]:
    at = to_sql(cutoff)
    enquiries = [("enquiry", r[0]) for r in execute(s, (
        "SELECT id FROM enquiry WHERE organisation_id = ? AND received_at < ? AND notes != '' "
        "ORDER BY id"), (ws.organisation_id, at)).fetchall()]
    events = [("referral_event", r[0]) for r in execute(s, (
        "SELECT ev.id FROM referral_event ev JOIN referral r ON r.id = ev.referral_id "
        "JOIN enquiry e ON e.id = r.enquiry_id WHERE e.organisation_id = ? AND ev.at < ? "
        "AND ev.note != '' ORDER BY ev.id"), (ws.organisation_id, at)).fetchall()]
    return enquiries + events


def _old_documents(s: Session, ws: Workspace, cutoff: datetime) -> list[Any]:
    """Documents logged at this organisation's sites (or for its clients) before the cutoff."""
    return [r[0] for r in execute(s, (
        "SELECT d.id FROM document d WHERE d.created_at < ? AND ("
        "d.site_id IN (SELECT id FROM site WHERE organisation_id = ?) OR "
        "d.client_id IN (SELECT id FROM client WHERE organisation_id = ?)) ORDER BY d.id"),
        (to_sql(cutoff), ws.organisation_id, ws.organisation_id)).fetchall()]


def _old_audit(s: Session, ws: Workspace, cutoff: datetime) -> list[Any]:
    """The oldest entries, up to (not including) the first one on or after the cutoff: always
    a run from the start of the log, so the rest still chains from the kept anchor."""
    del ws
    first_kept = execute(s, "SELECT min(seq) FROM audit_event WHERE at >= ?",
                         (to_sql(cutoff),)).fetchone()[0]
    if first_kept is None:  # everything is old: keep the newest entry as the chain's head
        first_kept = execute(s, "SELECT max(seq) FROM audit_event", ()).fetchone()[0]
    if first_kept is None:
        return []
    return [r[0] for r in execute(s, "SELECT seq FROM audit_event WHERE seq < ? ORDER BY seq",
                                  (int(first_kept),)).fetchall()]


SELECTORS: dict[str, Selector] = {
    "client_details": _old_clients,
    "enquiry_notes": _old_notes,
    "documents_log": _old_documents,
    "audit_log": _old_audit,
}


# -- applying -----------------------------------------------------------------------------------
def anonymise_client(w: Writer, client: Client) -> None:
    """Blank a client's personal fields through the write path (so sync spreads it), mark the
    record anonymised and scrub the old values from the change log. The notes on their
    enquiries and referral events go too: free text may name the person, and an anonymous
    record must not (they are at least as old as the last contact, so the notes' own rule
    has usually blanked them already; every site then treats an erased or anonymised
    client's notes alike, see sync/erasures.py)."""
    w.update(client, erased_at=utcnow(), **CLIENT_BLANKS)
    scrub_history(w.session, "client", client.id, CLIENT_BLANKS)
    blank_notes(w, client.id)


def _apply(w: Writer, key: str, selected: list[Any]) -> None:
    s = w.session
    if key == "client_details":
        for client_id in selected:
            client = s.get(Client, client_id)
            if client is not None:
                anonymise_client(w, client)
    elif key == "enquiry_notes":
        for table, row_id in selected:
            if table == "enquiry":
                enquiry = s.get(Enquiry, row_id)
                if enquiry is not None:
                    w.update(enquiry, **ENQUIRY_BLANKS)
                    scrub_history(w.session, "enquiry", row_id, ENQUIRY_BLANKS)
            else:
                event = s.get(ReferralEvent, row_id)
                if event is not None:
                    w.update(event, **EVENT_BLANKS)
                    scrub_history(w.session, "referral_event", row_id, EVENT_BLANKS)
    elif key == "documents_log":
        for doc_id in selected:
            doc = s.get(Document, doc_id)
            if doc is not None:
                w.delete(doc)
                scrub_history(w.session, "document", doc_id, DOCUMENT_LINKS)
        # (and entries deleted at other sites, whose values the delete brought here)
        scrub_deleted(w.session, "document", DOCUMENT_LINKS)
    elif key == "audit_log" and selected:
        last = int(selected[-1])
        digest = execute(s, "SELECT hash FROM audit_event WHERE seq = ?", (last,)).fetchone()[0]
        audit_chain.set_anchor(s, last, str(digest))
        execute(s, "DELETE FROM audit_event WHERE seq <= ?", (last,))


def _evaluate(ws: Workspace, s: Session, today: date) -> list[tuple[Rule, date, list[Any]]]:
    out = []
    for rule in _schedule(s):
        cutoff_day = years_before(today, rule.years)
        out.append((rule, cutoff_day, SELECTORS[rule.key](s, ws, uk_midnight_utc(cutoff_day))))
    return out


def _report(today: date, found: list[tuple[Rule, date, list[Any]]],
            applied: bool) -> RetentionReport:
    return RetentionReport(today, tuple(RetentionCount(r.key, r.label, len(sel), cut)
                                        for r, cut, sel in found), applied)


def preview_retention(ws: Workspace, today: date) -> RetentionReport:
    """What a run on ``today`` would change, rule by rule (counts only). Changes nothing."""
    require(ws, MANAGE)
    with ws.db.read() as s:
        return _report(today, _evaluate(ws, s, today), applied=False)


def _run(ws: Workspace, today: date, automatic: bool) -> RetentionReport:
    with ws.db.write(ws.actor) as w:
        found = _evaluate(ws, w.session, today)
        for rule, _cutoff, selected in found:
            _apply(w, rule.key, selected)
        report = _report(today, found, applied=True)
        detail = ",".join(f"{c.key}={c.count}" for c in report.counts)
        w.event("retention:run_auto" if automatic else "retention:run",
                entity="local_setting", detail=detail)
        _set(w.session, LAST_RUN, today.isoformat())
    return report


def run_retention(ws: Workspace, today: date) -> RetentionReport:
    """Apply the schedule now, in one transaction; a second run the same day changes
    nothing. Administrators only (the daily run is ``run_if_due``)."""
    require(ws, MANAGE)
    return _run(ws, today, automatic=False)


def last_run(ws: Workspace) -> date | None:
    with ws.db.read() as s:
        row = s.get(LocalSetting, LAST_RUN)
        return date.fromisoformat(row.value) if row is not None else None


def run_if_due(ws: Workspace, today: date) -> RetentionReport | None:
    """The scheduled run (start-up and daily, whoever is signed in): applies the schedule the
    administrator set, at most once a day. None when it has already run today."""
    done = last_run(ws)
    if done is not None and done >= today:
        return None
    return _run(ws, today, automatic=True)


def _set(session: Session, key: str, value: str) -> None:
    row = session.get(LocalSetting, key)
    if row is None:
        session.add(LocalSetting(key=key, value=value))
    else:
        row.value = value
        session.add(row)
    session.flush()


__all__ = ["CLIENT_BLANKS", "RetentionReport", "Rule", "anonymise_client", "last_run",
           "load_schedule", "preview_retention", "run_if_due", "run_retention", "set_period",
           "years_before"]
