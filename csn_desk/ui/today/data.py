"""What the Today page shows, gathered in one call on the database thread (no Qt here).

Times are stored in UTC and the day is the UK day ("Europe/London"), so an enquiry at 00:30
BST belongs to the right date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from csn_desk.enquiries import EnquiryRow, list_enquiries
from csn_desk.ids import utcnow
from csn_desk.referrals import follow_ups_due
from csn_desk.timefmt import UK
from csn_desk.workspace import Workspace

LATEST = 20
# Today's count is taken from the newest enquiries; a counter logs far fewer in a day.
TODAY_SCAN = 2000
FOLLOW_UP_SCAN = 5000


@dataclass(frozen=True)
class TodaySummary:
    day: date
    latest: tuple[EnquiryRow, ...]
    enquiries_today: int
    enquiries_today_capped: bool   # True: at least this many (the scan limit was reached)
    follow_ups_due: int
    follow_ups_capped: bool


def uk_now(now: datetime | None = None) -> datetime:
    return (now or utcnow()).astimezone(UK)


def uk_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UK)


def load_today(ws: Workspace, now: datetime | None = None) -> TodaySummary:
    """The latest enquiries, how many arrived today (UK time) and follow-ups due by today."""
    today = uk_now(now).date()
    start = uk_day_start(today)
    recent = list_enquiries(ws, limit=TODAY_SCAN)
    today_count = sum(1 for row in recent if row.received_at >= start)
    due = follow_ups_due(ws, today, limit=FOLLOW_UP_SCAN)
    return TodaySummary(day=today, latest=tuple(recent[:LATEST]), enquiries_today=today_count,
                        enquiries_today_capped=today_count >= TODAY_SCAN,
                        follow_ups_due=len(due), follow_ups_capped=len(due) >= FOLLOW_UP_SCAN)
