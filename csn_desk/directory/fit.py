"""Whether a service fits the person at the counter, said in words (never colour alone), and
the SQL pieces for the "open on", age and area filters."""

from __future__ import annotations

from datetime import date, time
from functools import cache
from typing import Any

import holidays

from csn_desk.postcodes import district

REVIEW_AFTER_DAYS = 365
BANK_HOLIDAY_REGION = ("GB", "ENG")  # Darlington: England and Wales bank holidays


@cache
def _bank_holidays(year: int) -> dict[date, str]:
    country, subdiv = BANK_HOLIDAY_REGION
    return dict(holidays.country_holidays(country, subdiv=subdiv, years=year))


def bank_holiday(day: date) -> str | None:
    """The bank holiday's name, from the maintained ``holidays`` library, or None."""
    return _bank_holidays(day.year).get(day)


def age_band_range(code: str) -> tuple[int, int] | None:
    """``"65_79"`` -> (65, 79); ``"under_18"`` -> (0, 17); ``"80_plus"`` -> (80, 130)."""
    if code == "unknown":
        return None
    if code.startswith("under_"):
        return 0, int(code.removeprefix("under_")) - 1
    if code.endswith("_plus"):
        return int(code.removesuffix("_plus")), 130
    low, high = code.split("_")
    return int(low), int(high)


def _db_time(t: time) -> str:
    """How SQLAlchemy stores a TIME in SQLite, so string comparison orders correctly."""
    return f"{t:%H:%M:%S}.{t.microsecond:06d}"


def open_on_sql(day: date, at: time | None, params: dict[str, Any]) -> str:
    """A WHERE fragment: open on ``day`` (and at ``at`` if given). An explicit "open" holiday
    row wins; otherwise a closure or a bank holiday closes it; otherwise the weekly schedule
    for that weekday, within its valid dates, decides."""
    params["open_day"] = day.isoformat()
    params["open_weekday"] = day.isoweekday()
    times = ""
    if at is not None:
        params["open_time"] = _db_time(at)
        times = (" AND (r.opens_at IS NULL OR r.opens_at <= :open_time)"
                 " AND (r.closes_at IS NULL OR r.closes_at > :open_time)")
    special = ("EXISTS (SELECT 1 FROM holiday_closure h WHERE h.service_id = s.id "
               "AND h.start_date <= :open_day AND h.end_date >= :open_day AND NOT h.closed"
               + (" AND (h.opens_at IS NULL OR h.opens_at <= :open_time)"
                  " AND (h.closes_at IS NULL OR h.closes_at > :open_time)" if at else "")
               + ")")
    if bank_holiday(day) is not None:
        return special
    regular = ("(NOT EXISTS (SELECT 1 FROM holiday_closure h WHERE h.service_id = s.id "
               "AND h.start_date <= :open_day AND h.end_date >= :open_day AND h.closed) "
               "AND EXISTS (SELECT 1 FROM regular_schedule r WHERE r.service_id = s.id "
               "AND r.weekday = :open_weekday "
               "AND (r.valid_from IS NULL OR r.valid_from <= :open_day) "
               "AND (r.valid_to IS NULL OR r.valid_to >= :open_day)" + times + "))")
    return f"({special} OR {regular})"


def age_sql(low: int, high: int, params: dict[str, Any]) -> str:
    """Services whose age range overlaps [low, high]; a blank limit is no limit."""
    params["age_low"], params["age_high"] = low, high
    return ("(s.minimum_age IS NULL OR s.minimum_age <= :age_high) "
            "AND (s.maximum_age IS NULL OR s.maximum_age >= :age_low)")


def area_sql(area: str, params: dict[str, Any]) -> str:
    """Services with no area rows (any area), a blank-district row, or the district."""
    params["area"] = district(area)
    return ("(NOT EXISTS (SELECT 1 FROM service_area a WHERE a.service_id = s.id) "
            "OR EXISTS (SELECT 1 FROM service_area a WHERE a.service_id = s.id "
            "AND (a.postcode_district IS NULL OR a.postcode_district = :area)))")


def _age_words(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"ages {low} to {high}"
    if low is not None:
        return f"ages {low} and over"
    return f"ages up to {high}"


def age_fit(min_age: int | None, max_age: int | None,
            person: tuple[int, int] | None) -> tuple[str, str]:
    """("yes" | "no" | "maybe" | "unknown", a sentence for the counter)."""
    if min_age is None and max_age is None:
        return "yes", "Age: no age limit"
    limits = _age_words(min_age, max_age)
    if person is None:
        return "unknown", f"Age: {limits}"
    low, high = person
    lo_ok = min_age is None or min_age <= low
    hi_ok = max_age is None or max_age >= high
    if lo_ok and hi_ok:
        return "yes", f"Age: fits ({limits})"
    overlaps = (min_age is None or min_age <= high) and (max_age is None or max_age >= low)
    if overlaps:
        return "maybe", f"Age: may fit, check the age ({limits})"
    return "no", f"Age: does not fit ({limits})"


def area_fit(districts: list[str | None], area: str | None) -> tuple[str, str]:
    """("yes" | "no" | "unknown", a sentence). No area rows means any area."""
    named = sorted({d for d in districts if d})
    if not districts or len(named) < len(districts):
        return "yes", "Area: any area"
    served = ", ".join(named)
    if area is None:
        return "unknown", f"Area: serves {served}"
    if district(area) in named:
        return "yes", f"Area: serves {district(area)}"
    return "no", f"Area: does not serve {district(area)} (serves {served})"


def review_words(assured: date | None, today: date) -> tuple[bool, str]:
    """(needs checking?, "Last checked ..." text) for the 12-month review rule."""
    if assured is None:
        return True, "Needs checking: not yet checked"
    when = f"{assured.day} {assured:%B %Y}"
    if (today - assured).days > REVIEW_AFTER_DAYS:
        return True, f"Last checked {when}: needs checking"
    return False, f"Last checked {when}"
