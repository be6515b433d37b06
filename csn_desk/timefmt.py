"""Times are stored in UTC and shown in UK time; dates are written the UK way."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def to_uk(when: datetime) -> datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UK)


def uk_datetime(when: datetime) -> str:
    """``"25/11/2026 14:05"`` in UK local time (GMT or BST)."""
    return to_uk(when).strftime("%d/%m/%Y %H:%M")


def long_date(day: date) -> str:
    """``"25 November 2026"``: no leading zero, the month in words (letters, slips)."""
    return f"{day.day} {day:%B %Y}"


def clock(t: time) -> str:
    """``"9am"``, ``"9:30am"``, ``"midday"``, ``"5:15pm"`` (the GOV.UK style for paper)."""
    if t.hour == 12 and t.minute == 0:
        return "midday"
    if t.hour == 0 and t.minute == 0:
        return "midnight"
    hour = t.hour % 12 or 12
    minutes = f":{t.minute:02d}" if t.minute else ""
    return f"{hour}{minutes}{'am' if t.hour < 12 else 'pm'}"
