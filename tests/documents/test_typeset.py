"""The small rules under every document: times and dates written for paper, the pieces that
must never be split, opening times grouped the way people read them, the format defaults."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csn_desk.documents.formats import format_for_client, page_size, print_format
from csn_desk.documents.opening_times import Closure, Opening, notice_lines, open_on, weekly_lines
from csn_desk.documents.typeset import NBSP, keep_together, markup
from csn_desk.errors import InvalidInput
from csn_desk.timefmt import clock, long_date


@pytest.mark.parametrize(("t", "text"), [(time(9), "9am"), (time(9, 30), "9:30am"),
                                         (time(12), "midday"), (time(12, 30), "12:30pm"),
                                         (time(17, 5), "5:05pm"), (time(0), "midnight")])
def test_clock_times_are_written_the_gov_uk_way(t: time, text: str) -> None:
    assert clock(t) == text


def test_dates_have_no_leading_zero_or_ordinal() -> None:
    assert long_date(date(2025, 3, 4)) == "4 March 2025"
    assert long_date(date(2026, 11, 25)) == "25 November 2026"


@pytest.mark.parametrize("piece", ["01632 960123", "0800 123 4567", "+44 1632 960123",
                                   "DL1 1AA", "EC1A 1BB", "9am to 5pm", "9:30am to 12:30pm",
                                   "10:00 to 16:00", "25 November 2026", "Monday 3 May",
                                   "£3.50 per meal", "£10 an hour"])
def test_pieces_that_must_stay_on_one_line_get_no_break_spaces(piece: str) -> None:
    protected = keep_together(f"Call or visit: {piece} and more words after it")
    assert piece.replace(" ", NBSP) in protected
    assert protected.startswith("Call or visit: ")  # ordinary words still break


@given(st.text(max_size=200))
def test_markup_escapes_anything_and_keeps_the_words(text: str) -> None:
    out = markup(text)
    assert "<" not in out.replace("<br/>", "")
    assert out.replace(NBSP, " ").replace("<br/>", "\n").count("&amp;") == text.count("&")


def test_weekdays_with_the_same_hours_are_grouped() -> None:
    week = [Opening(d, time(9), time(17)) for d in range(1, 6)]
    assert weekly_lines(week, date(2026, 11, 25)) == ["Monday to Friday: 9am to 5pm"]
    split = [Opening(1, time(9), time(12)), Opening(3, time(9), time(12)),
             Opening(6, time(10), time(13))]
    assert weekly_lines(split, date(2026, 11, 25)) == [
        "Monday and Wednesday: 9am to midday", "Saturday: 10am to 1pm"]
    two = [Opening(2, time(9), time(12)), Opening(2, time(13), time(16))]
    assert weekly_lines(two, date(2026, 11, 25)) == ["Tuesday: 9am to midday and 1pm to 4pm"]
    expired = [Opening(1, time(9), time(12), valid_to=date(2026, 1, 1))]
    assert weekly_lines(expired, date(2026, 11, 25)) == []


def test_closures_bank_holidays_and_alerts_that_apply_are_listed() -> None:
    week = [Opening(d, time(9), time(17)) for d in range(1, 6)]
    monday = date(2026, 12, 21)
    notes = notice_lines(week, [Closure(date(2026, 12, 24), date(2026, 12, 24),
                                        note="staff training")],
                         monday, alert="New phone number soon", alert_until=date(2027, 1, 31))
    assert notes[0] == "Please note: New phone number soon (until 31 January 2027)"
    assert "Closed 24 December 2026 (staff training)" in notes
    assert "Closed Friday 25 December 2026 (Christmas Day)" in notes
    assert not any("24 December" in n and "Christmas" in n for n in notes)
    saturday_only = [Opening(6, time(10), time(12))]
    assert not any("Christmas" in n for n in notice_lines(saturday_only, [], monday))
    assert notice_lines(week, [], date(2026, 6, 1), alert="old", alert_until=date(2026, 5, 1)
                        ) == []


def test_open_on_the_day() -> None:
    week = [Opening(d, time(9), time(17)) for d in range(1, 6)]
    assert open_on(week, [], date(2026, 11, 25)) == "Open today, 9am to 5pm"
    assert open_on(week, [], date(2026, 11, 28)) == "Closed today"  # a Saturday
    assert open_on(week, [], date(2026, 12, 25)).startswith("Closed today (bank holiday")
    special = [Closure(date(2026, 12, 25), date(2026, 12, 25), closed=False,
                       opens=time(11), closes=time(14))]
    assert open_on(week, special, date(2026, 12, 25)) == "Open today, 11am to 2pm"


def test_format_defaults_and_names() -> None:
    assert print_format("clear").code == "standard"
    assert print_format("large24").body == 24
    with pytest.raises(InvalidInput):
        print_format("large12")
    today = date(2026, 11, 25)
    assert format_for_client("large16").code == "large16"
    assert format_for_client("not_asked", age_band="65_79", today=today).code == "large18"
    assert format_for_client("not_asked", age_band="50_64", today=today).code == "standard"
    assert format_for_client("not_asked", born=date(1961, 11, 25), today=today).code == "large18"
    assert format_for_client("not_asked", born=date(1961, 11, 26), today=today).code == "standard"
    assert format_for_client("easy_read", condition="Glaucoma", today=today).code == "large18"
    assert page_size(print_format("large18"), "A5") == page_size(print_format("large18"), "A4")
    with pytest.raises(InvalidInput):
        page_size(print_format("standard"), "Letter")
