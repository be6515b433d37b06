"""Search at the counter: prefix, typos, category labels, ranking, every filter, fit facts."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from csn_desk.directory.editing import update_service
from csn_desk.directory.search import SearchFilters, ServiceHit, search_services
from csn_desk.errors import InvalidInput
from csn_desk.workspace import Workspace
from tests.directory.dirkit import ClosureInput, CostInput, ScheduleInput, org, service

FRIDAY = date(2026, 12, 18)  # an ordinary Friday
CHRISTMAS = date(2026, 12, 25)  # a Friday and a bank holiday
FRIDAYS = (ScheduleInput(weekday=5, opens_at=time(9, 30), closes_at=time(12, 0)),)


@pytest.fixture
def d(ws: Workspace) -> dict[str, str]:
    trust = org(ws, "Harbour Lane Trust")
    wheels = org(ws, "Wheels Together")
    return {
        "befriend": service(ws, trust, "Befriending visits", categories=("personal_support",),
                            description="Weekly friendly visits at home.",
                            costs=(CostInput(amount=0),), minimum_age=65),
        "shop": service(ws, wheels, "Shopmobility", categories=("transport",),
                        description="Borrow a scooter or wheelchair in town.",
                        attending_access="drop-in", schedules=FRIDAYS, areas=("DL1",)),
        "benefits": service(ws, trust, "Benefit checks", categories=("money_benefits",),
                            description="Help claiming what you are owed.",
                            costs=(CostInput(amount=0), CostInput(amount=5, option="per visit"))),
        "lunch": service(ws, trust, "Friday lunch club", categories=("clubs_groups",),
                         description="A hot meal and company; visits from a befriending team.",
                         schedules=FRIDAYS, attending_access="drop-in",
                         costs=(CostInput(amount=4.5),), areas=("DL1", "DL3")),
        "gone": service(ws, trust, "Old befriending scheme", status="defunct",
                        categories=("personal_support",)),
    }


def names(hits: list[ServiceHit]) -> list[str]:
    return [h.name for h in hits]


def first(hits: list[ServiceHit]) -> ServiceHit:
    """The best hit, which must be the befriending service (the lunch club mentions it)."""
    assert hits[0].name == "Befriending visits"
    return hits[0]


def test_prefix_finds_befriending(ws: Workspace, d: dict[str, str]) -> None:
    hits = search_services(ws, "befr")
    assert names(hits)[0] == "Befriending visits"  # name beats a description mention
    assert "Friday lunch club" in names(hits)  # description matches too, ranked lower


@pytest.mark.parametrize(("typed", "wanted"), [("befriendng", "Befriending visits"),
                                               ("shopmobilty", "Shopmobility"),
                                               ("shopmobilyt", "Shopmobility"),
                                               ("benfit", "Benefit checks")])
def test_small_typos_are_forgiven(ws: Workspace, d: dict[str, str], typed: str,
                                  wanted: str) -> None:
    assert wanted in names(search_services(ws, typed))


def test_far_typos_and_short_words_are_not_guessed(ws: Workspace, d: dict[str, str]) -> None:
    assert search_services(ws, "shpmblty") == []
    assert search_services(ws, "xqz") == []


def test_category_labels_are_searchable(ws: Workspace, d: dict[str, str]) -> None:
    # "money" appears only in the label "Money and benefits", not in the service's own text.
    assert names(search_services(ws, "money")) == ["Benefit checks"]
    assert "Shopmobility" in names(search_services(ws, "transport"))


def test_organisation_name_and_all_words_must_match(ws: Workspace, d: dict[str, str]) -> None:
    assert names(search_services(ws, "wheels")) == ["Shopmobility"]
    assert names(search_services(ws, "harbour lunch")) == ["Friday lunch club"]
    assert search_services(ws, "wheels lunch") == []


def test_defunct_hidden_unless_asked(ws: Workspace, d: dict[str, str]) -> None:
    assert "Old befriending scheme" not in names(search_services(ws, "befriending"))
    shown = search_services(ws, "befriending", SearchFilters(include_inactive=True))
    assert "Old befriending scheme" in names(shown)


def test_empty_query_lists_by_name(ws: Workspace, d: dict[str, str]) -> None:
    assert names(search_services(ws, "")) == ["Befriending visits", "Benefit checks",
                                              "Friday lunch club", "Shopmobility"]
    assert names(search_services(ws, "  ", SearchFilters(category="transport"))) == [
        "Shopmobility"]


def test_category_filter(ws: Workspace, d: dict[str, str]) -> None:
    hits = search_services(ws, "visits", SearchFilters(category="personal_support"))
    assert names(hits) == ["Befriending visits"]
    with pytest.raises(InvalidInput):
        search_services(ws, "", SearchFilters(category="not_a_code"))


def test_free_only_means_a_zero_cost_and_nothing_above(ws: Workspace,
                                                      d: dict[str, str]) -> None:
    # Benefit checks has 0 and 5; Shopmobility states no cost at all; lunch costs 4.50.
    assert names(search_services(ws, "", SearchFilters(free_only=True))) == [
        "Befriending visits"]


def test_drop_in_filter(ws: Workspace, d: dict[str, str]) -> None:
    hits = search_services(ws, "", SearchFilters(attending_access="drop-in"))
    assert names(hits) == ["Friday lunch club", "Shopmobility"]


def test_open_on_uses_weekday_and_bank_holidays(ws: Workspace, d: dict[str, str]) -> None:
    assert names(search_services(ws, "", SearchFilters(open_on=FRIDAY))) == [
        "Friday lunch club", "Shopmobility"]
    assert search_services(ws, "", SearchFilters(open_on=FRIDAY + timedelta(days=1))) == []
    assert search_services(ws, "", SearchFilters(open_on=CHRISTMAS)) == []
    at_ten = search_services(ws, "", SearchFilters(open_on=FRIDAY, open_at=time(10, 0)))
    assert len(at_ten) == 2
    assert search_services(ws, "", SearchFilters(open_on=FRIDAY, open_at=time(13, 0))) == []


def test_holiday_closure_rows_close_and_open(ws: Workspace) -> None:
    o = org(ws)
    service(ws, o, "Closed for a week", schedules=FRIDAYS,
            closures=(ClosureInput(start_date=FRIDAY - timedelta(days=2),
                                   end_date=FRIDAY + timedelta(days=2)),))
    service(ws, o, "Open on Christmas Day", schedules=FRIDAYS,
            closures=(ClosureInput(start_date=CHRISTMAS, end_date=CHRISTMAS, closed=False),))
    service(ws, o, "Schedule ended", schedules=(
        ScheduleInput(weekday=5, valid_to=FRIDAY - timedelta(days=7)),))
    assert names(search_services(ws, "", SearchFilters(open_on=FRIDAY))) == [
        "Open on Christmas Day"]
    assert names(search_services(ws, "", SearchFilters(open_on=CHRISTMAS))) == [
        "Open on Christmas Day"]
    # A week earlier all three were open: no closure yet, the schedule still valid.
    assert len(search_services(ws, "", SearchFilters(open_on=FRIDAY - timedelta(days=7)))) == 3


def test_age_filter_and_fit_text(ws: Workspace, d: dict[str, str]) -> None:
    young = names(search_services(ws, "", SearchFilters(age=40)))
    assert "Befriending visits" not in young and "Shopmobility" in young
    hit = first(search_services(ws, "befriending visits", SearchFilters(age=70)))
    assert hit.age_fit == "yes" and "Age: fits (ages 65 and over)" in hit.facts
    hit = first(search_services(ws, "befriending visits", SearchFilters(age_band="80_plus")))
    assert hit.age_fit == "yes"
    band = names(search_services(ws, "befriending visits", SearchFilters(age_band="50_64")))
    assert band == ["Friday lunch club"]  # 50-64 cannot meet "65 and over"
    unknown = first(search_services(ws, "befriending visits"))
    assert unknown.age_fit == "unknown" and "Age: ages 65 and over" in unknown.facts


def test_area_filter_and_fit_text(ws: Workspace, d: dict[str, str]) -> None:
    in_dl3 = names(search_services(ws, "", SearchFilters(area="dl3 7aa")))
    assert "Shopmobility" not in in_dl3  # serves DL1 only
    assert {"Friday lunch club", "Befriending visits"} <= set(in_dl3)  # DL3 / any area
    [shop] = search_services(ws, "shopmobility")
    assert shop.area_fit == "unknown" and "Area: serves DL1" in shop.facts
    [lunch] = search_services(ws, "lunch", SearchFilters(area="DL3"))
    assert lunch.area_fit == "yes" and "Area: serves DL3" in lunch.facts
    befriend = first(search_services(ws, "befriending visits"))
    assert "Area: any area" in befriend.facts


def test_hit_carries_org_summary_categories(ws: Workspace, d: dict[str, str]) -> None:
    [hit] = search_services(ws, "benefit checks")
    assert hit.id == d["benefits"] and hit.organisation == "Harbour Lane Trust"
    assert hit.category_codes == ("money_benefits",)
    assert hit.summary == "Help claiming what you are owed."


def test_alert_and_review_facts(ws: Workspace, d: dict[str, str]) -> None:
    today = date(2026, 6, 1)
    update_service(ws, d["shop"], alert="Closed for refurbishment", alert_until=today,
                   assured_date=today - timedelta(days=30))
    update_service(ws, d["lunch"], alert="Old news", alert_until=today - timedelta(days=1),
                   assured_date=today - timedelta(days=400))
    [shop] = search_services(ws, "shopmobility", today=today)
    assert shop.alert == "Closed for refurbishment" and not shop.needs_checking
    assert "Alert: Closed for refurbishment (until 1 June 2026)" in shop.facts
    assert "Last checked 2 May 2026" in shop.facts
    [lunch] = search_services(ws, "lunch club", today=today)
    assert lunch.alert is None and lunch.needs_checking
    assert "Last checked 27 April 2025: needs checking" in lunch.facts
    [never] = search_services(ws, "benefit checks", today=today)
    assert never.needs_checking and "Needs checking: not yet checked" in never.facts


def test_typo_vocabulary_follows_new_entries(ws: Workspace, d: dict[str, str]) -> None:
    assert search_services(ws, "zebrafinsh") == []  # loads the vocabulary cache
    service(ws, org(ws, "Aviary Friends"), "Zebrafinch club")
    assert names(search_services(ws, "zebrafinsh")) == ["Zebrafinch club"]


def test_limit_is_respected(ws: Workspace, d: dict[str, str]) -> None:
    assert len(search_services(ws, "", limit=2)) == 2


def test_age_band_partly_inside_range_may_fit(ws: Workspace) -> None:
    service(ws, org(ws), "Sixty plus walking", minimum_age=60)
    [hit] = search_services(ws, "walking", SearchFilters(age_band="50_64"))
    assert hit.age_fit == "maybe" and "Age: may fit, check the age (ages 60 and over)" in hit.facts
