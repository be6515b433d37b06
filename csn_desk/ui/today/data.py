"""What the Today page shows, gathered in one call on the database thread (no Qt here).

Times are stored in UTC and the day is the UK day ("Europe/London"), so an enquiry at 00:30
BST belongs to the right date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from csn_desk.backup import backup_reminder
from csn_desk.enquiries import EnquiryRow, count_enquiries, list_enquiries
from csn_desk.ids import utcnow
from csn_desk.referrals import count_follow_ups_due
from csn_desk.timefmt import UK
from csn_desk.workspace import Workspace

LATEST = 20


@dataclass(frozen=True)
class TodaySummary:
    day: date
    latest: tuple[EnquiryRow, ...]
    enquiries_today: int
    enquiries_today_capped: bool   # True: at least this many (the scan limit was reached)
    follow_ups_due: int
    follow_ups_capped: bool
    backup_reminder: str = ""  # for administrators when the last backup is old


def uk_now(now: datetime | None = None) -> datetime:
    return (now or utcnow()).astimezone(UK)


def uk_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UK)


def load_today(ws: Workspace, now: datetime | None = None) -> TodaySummary:
    """This site's latest enquiries, how many arrived today (UK time) and follow-ups due."""
    today = uk_now(now).date()
    start = uk_day_start(today)
    latest = list_enquiries(ws, limit=LATEST, site_id=ws.site_id)
    today_count = count_enquiries(ws, since=start, site_id=ws.site_id)
    due = count_follow_ups_due(ws, today)
    return TodaySummary(day=today, latest=tuple(latest), enquiries_today=today_count,
                        enquiries_today_capped=False, follow_ups_due=due,
                        follow_ups_capped=False, backup_reminder=backup_reminder(ws, today))
