"""Report periods: a calendar month or any date range, in UK time, with the two comparisons
every figure is shown beside (the previous month and the same month a year earlier).

A period is a span of whole UK calendar days. Enquiries are stored with UTC times, so a
period's bounds are UK midnights converted to UTC (in summer, 00:00 BST is 23:00 UTC the
day before)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from csn_desk.errors import InvalidInput
from csn_desk.timefmt import UK, long_date

LONGEST_DAYS = 5 * 366  # a date range longer than five years is almost surely a typing slip
TREND_MONTHS = 12
# The years a report can be for: no records are older than the first (the twelve months and
# the year before a report reaches back two years more), and the last leaves room for
# the months after it.
FIRST_YEAR, LAST_YEAR = 2000, 9998


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after ``day``'s month (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def uk_midnight_utc(day: date) -> datetime:
    """The start of ``day`` in UK time, as an aware UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=UK).astimezone(UTC)


@dataclass(frozen=True, order=True)
class Period:
    start: date  # first day, included
    end: date  # last day, included

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput("The end date is before the start date; swap them round.")
        if (self.end - self.start).days >= LONGEST_DAYS:
            raise InvalidInput("Choose a period of at most five years.")

    # -- what kind -------------------------------------------------------------------------
    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == _month_end(self.start)

    @property
    def month_key(self) -> str:
        """"2026-10" for a calendar month (raises for a date range)."""
        if not self.is_month:
            raise InvalidInput("This needs a calendar month, not a date range.")
        return f"{self.start:%Y-%m}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """"October 2026", or "1 October 2026 to 15 October 2026"."""
        if self.is_month:
            return f"{self.start:%B %Y}"
        if self.start == self.end:
            return long_date(self.start)
        return f"{long_date(self.start)} to {long_date(self.end)}"

    @property
    def short_label(self) -> str:
        """"Oct 2026" for a month (chart axes); the long label otherwise."""
        return f"{self.start:%b %Y}" if self.is_month else self.label

    # -- in storage terms ------------------------------------------------------------------
    def bounds_utc(self) -> tuple[datetime, datetime]:
        """[from, to) as aware UTC datetimes: UK midnight at the start and after the end."""
        return uk_midnight_utc(self.start), uk_midnight_utc(self.end + timedelta(days=1))

    # -- comparisons -----------------------------------------------------------------------
    def previous(self) -> Period:
        """The month before; for a date range, the same number of days just before it."""
        if self.is_month:
            first = _add_months(self.start, -1)
            return Period(first, _month_end(first))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def year_earlier(self) -> Period:
        """The same month (or the same dates) a year earlier."""
        if self.is_month:
            first = self.start.replace(year=self.start.year - 1)
            return Period(first, _month_end(first))
        return Period(_year_before(self.start), _year_before(self.end))

    def months(self) -> list[Period]:
        """Every calendar month the period touches, in order."""
        out, first = [], self.start.replace(day=1)
        while first <= self.end:
            out.append(Period(first, _month_end(first)))
            first = _add_months(first, 1)
        return out

    def trend(self, count: int = TREND_MONTHS) -> list[Period]:
        """The ``count`` calendar months ending with the month of the period's last day."""
        last = self.end.replace(day=1)
        firsts = [_add_months(last, -k) for k in range(count - 1, -1, -1)]
        return [Period(f, _month_end(f)) for f in firsts]


def month(text: str) -> Period:
    """A calendar month from "YYYY-MM" (as the command line and the app write it)."""
    try:
        first = datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise InvalidInput(
            f"'{text}' is not a month; write it as YYYY-MM, for example 2026-10.") from None
    if not FIRST_YEAR <= first.year <= LAST_YEAR:
        raise InvalidInput(f"{text.strip()} is not a month csn-desk can count; choose one from "
                           f"January {FIRST_YEAR} to this month.")
    return Period(first, _month_end(first))


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    return Period(first, _month_end(first))


def date_range(start: date, end: date) -> Period:
    return Period(start, end)


def uk_today() -> date:
    return datetime.now(UK).date()
