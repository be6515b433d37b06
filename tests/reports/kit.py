"""An independent count for the tallies tests: every record read back with plain SQL, every
figure worked out in plain Python from the definitions (nothing from csn_desk.reports), so a
mistake in the SQL aggregates, the triggers or the month arithmetic shows up as a difference.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from csn_desk.workspace import Workspace

UK = ZoneInfo("Europe/London")
FINAL_OUTCOMES = {"started", "waiting_list", "declined", "not_eligible", "no_response", "closed"}


def _dt(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


@dataclass
class Records:
    enquiries: list[dict]
    needs: list[dict]
    referrals: list[dict]
    events: list[dict]


def read_records(ws: Workspace) -> Records:
    with ws.db.read() as s:
        def rows(sql: str) -> list[dict]:
            return [dict(r._mapping) for r in s.execute(text(sql))]

        enquiries = rows("SELECT id, organisation_id, site_id, received_at, channel, "
                         "enquirer_type, client_id, age_band, postcode_district, route, "
                         "time_spent_minutes FROM enquiry")
        needs = rows("SELECT enquiry_id, need_code, outcome, unmet_reason FROM enquiry_need")
        referrals = rows("SELECT id, enquiry_id, service_id, external_service, created_at, "
                         "follow_up_due FROM referral")
        events = rows("SELECT id, referral_id, status, at FROM referral_event")
    for e in enquiries:
        e["received_at"] = _dt(e["received_at"])
    for r in referrals:
        r["created_at"] = _dt(r["created_at"])
        r["follow_up_due"] = date.fromisoformat(r["follow_up_due"]) if r["follow_up_due"] \
            else None
    for ev in events:
        ev["at"] = _dt(ev["at"])
    return Records(enquiries, needs, referrals, events)


def _code(value: str | None) -> str:
    return value if value not in (None, "") else "none"


def uk_day(when: datetime) -> date:
    return when.astimezone(UK).date()


def brute_force(rec: Records, organisation_id: str, site_id: str | None, start: date,
                end: date) -> tuple[Counter[str], list[int]]:
    """Every count for the period [start, end] (UK days) and the list of days to start."""
    out: Counter[str] = Counter()

    def ours(e: dict) -> bool:
        return e["organisation_id"] == organisation_id and (
            site_id is None or e["site_id"] == site_id)

    period = {e["id"]: e for e in rec.enquiries
              if ours(e) and start <= uk_day(e["received_at"]) <= end}
    for e in period.values():
        out["enquiries"] += 1
        out["channel:" + _code(e["channel"])] += 1
        out["enquirer:" + _code(e["enquirer_type"])] += 1
        out["age_band:" + _code(e["age_band"])] += 1
        out["district:" + _code(e["postcode_district"])] += 1
        out["route:" + _code(e["route"])] += 1
        if e["time_spent_minutes"] is not None:
            out["time:minutes"] += e["time_spent_minutes"]
            out["time:recorded"] += 1
        out["enquiries:with_client" if e["client_id"] else "enquiries:anonymous"] += 1
    for n in rec.needs:
        if n["enquiry_id"] in period:
            out["needs"] += 1
            out["need:" + _code(n["need_code"])] += 1
            out["need_outcome:" + _code(n["outcome"])] += 1
            if n["outcome"] in ("unmet", "partly_met"):
                out["unmet_reason:" + _code(n["unmet_reason"])] += 1
    by_referral: dict[str, list[dict]] = {}
    for ev in rec.events:
        by_referral.setdefault(ev["referral_id"], []).append(ev)
    days: list[int] = []
    enquiries = {e["id"]: e for e in rec.enquiries}
    for r in rec.referrals:
        events = by_referral.get(r["id"], [])
        if r["enquiry_id"] in period:
            out["referrals"] += 1
            out["ref_service:" + (r["service_id"] or "external")] += 1
            latest = max(events, key=lambda ev: (ev["at"], ev["id"]), default=None)
            status = latest["status"] if latest else "made"
            out["ref_outcome:" + (status if status in FINAL_OUTCOMES else "open")] += 1
            if status == "started":
                d = max(0, (latest["at"].date() - r["created_at"].date()).days)
                days.append(d)
                out[f"started_days:{d}"] += 1
        due = r["follow_up_due"]
        enquiry = enquiries.get(r["enquiry_id"])
        if due is not None and start <= due <= end and enquiry is not None and ours(enquiry):
            out["followups_due"] += 1
            follow = [ev["at"] for ev in events if ev["status"] != "made"]
            if not follow:
                out["followup:not_done"] += 1
            elif min(follow).date() <= due:
                out["followup:on_time"] += 1
            else:
                out["followup:late"] += 1
    start_utc = datetime.combine(start, time(0), tzinfo=UK).astimezone(UTC)
    clients = {e["client_id"] for e in period.values() if e["client_id"]}
    earlier = {e["client_id"] for e in rec.enquiries
               if e["client_id"] in clients and e["received_at"] < start_utc}
    out["clients:new"] = len(clients - earlier)
    out["clients:returning"] = len(clients & earlier)
    return +out, days


def median_or_none(days: list[int]) -> float | None:
    return float(statistics.median(days)) if days else None


def previous(start: date, end: date) -> tuple[date, date]:
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        last = start - timedelta(days=1)
        return last.replace(day=1), last
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def year_earlier(start: date, end: date) -> tuple[date, date]:
    def back(d: date) -> date:
        try:
            return d.replace(year=d.year - 1)
        except ValueError:
            return d.replace(year=d.year - 1, day=28)
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        first = start.replace(year=start.year - 1)
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first, following - timedelta(days=1)
    return back(start), back(end)
