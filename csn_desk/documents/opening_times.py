"""Opening times said the way a person reads them on paper: weekdays with the same hours
grouped ("Monday to Friday: 9am to 5pm"), then what is different soon: holiday closures,
bank holidays the service is shut for, and alerts that apply on the day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from csn_desk.directory.fit import bank_holiday
from csn_desk.timefmt import clock, long_date

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HORIZON_DAYS = 28  # closures and bank holidays this far ahead are worth printing


@dataclass(frozen=True)
class Opening:
    weekday: int  # 1 = Monday
    opens: time | None
    closes: time | None
    valid_from: date | None = None
    valid_to: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class Closure:
    start: date
    end: date
    closed: bool = True
    opens: time | None = None
    closes: time | None = None
    note: str | None = None


def _hours(opens: time | None, closes: time | None) -> str:
    if opens and closes:
        return f"{clock(opens)} to {clock(closes)}"
    return "open (hours not recorded)"


def _day_span(days: list[int]) -> str:
    """[1,2,3,4,5] -> "Monday to Friday"; [1,3] -> "Monday and Wednesday"."""
    names = [WEEKDAYS[d - 1] for d in days]
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"{names[0]} to {names[-1]}"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def weekly_lines(sessions: Sequence[Opening], day: date) -> list[str]:
    """The regular week, valid on ``day``: days that share the same hours grouped together."""
    current = [s for s in sessions if (s.valid_from is None or s.valid_from <= day)
               and (s.valid_to is None or s.valid_to >= day)]
    per_day: dict[int, list[str]] = {}
    for s in sorted(current, key=lambda s: (s.weekday, s.opens or time.min)):
        text = _hours(s.opens, s.closes) + (f" ({s.note})" if s.note else "")
        per_day.setdefault(s.weekday, []).append(text)
    groups: dict[str, list[int]] = {}
    for weekday, parts in sorted(per_day.items()):
        groups.setdefault(" and ".join(parts), []).append(weekday)
    ordered = sorted(groups.items(), key=lambda g: g[1][0])
    return [f"{_day_span(days)}: {hours}" for hours, days in ordered]


def _closure_applies(c: Closure, day: date, horizon: date) -> bool:
    return c.end >= day and c.start <= horizon


def notice_lines(sessions: Sequence[Opening], closures: Sequence[Closure], day: date,
                 alert: str | None = None, alert_until: date | None = None,
                 horizon_days: int = HORIZON_DAYS) -> list[str]:
    """What is different from the regular week between ``day`` and the horizon: the alert,
    holiday closures and special hours, and bank holidays on a day the service would open
    (a bank holiday closes it unless a special-hours row says otherwise)."""
    horizon = day + timedelta(days=horizon_days)
    lines = []
    if alert and (alert_until is None or alert_until >= day):
        until = f" (until {long_date(alert_until)})" if alert_until else ""
        lines.append(f"Please note: {alert}{until}")
    relevant = [c for c in closures if _closure_applies(c, day, horizon)]
    for c in sorted(relevant, key=lambda c: c.start):
        span = (long_date(c.start) if c.start == c.end
                else f"{long_date(c.start)} to {long_date(c.end)}")
        what = "Closed" if c.closed else f"Open {_hours(c.opens, c.closes)}"
        lines.append(f"{what} {span}" + (f" ({c.note})" if c.note else ""))
    open_days = {s.weekday for s in sessions}
    covered = {c.start + timedelta(days=i) for c in relevant
               for i in range((c.end - c.start).days + 1)}
    for offset in range(horizon_days + 1):
        d = day + timedelta(days=offset)
        name = bank_holiday(d)
        if name and d.isoweekday() in open_days and d not in covered:
            lines.append(f"Closed {WEEKDAYS[d.isoweekday() - 1]} {long_date(d)} ({name})")
    return lines


def open_on(sessions: Sequence[Opening], closures: Sequence[Closure], day: date) -> str:
    """One line for the day itself: "Open today, 9am to 5pm" or "Closed today"."""
    for c in closures:
        if c.start <= day <= c.end:
            return "Closed today" if c.closed else f"Open today, {_hours(c.opens, c.closes)}"
    if bank_holiday(day):
        return "Closed today (bank holiday)"
    today = [s for s in sessions if s.weekday == day.isoweekday()
             and (s.valid_from is None or s.valid_from <= day)
             and (s.valid_to is None or s.valid_to >= day)]
    if not today:
        return "Closed today"
    return "Open today, " + " and ".join(_hours(s.opens, s.closes) for s in today)
