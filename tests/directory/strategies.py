"""Hypothesis strategies for whole directories: any values the editing rules accept, with
awkward text (quotes, pipes, semicolons, line breaks, formula-looking starts, accents)."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from csn_desk.directory.inputs import (
    ATTENDING_ACCESS,
    ATTENDING_TYPES,
    DELIVERABLE_TYPES,
    STATUSES,
    ClosureInput,
    CostInput,
    LocationInput,
    OrganisationInput,
    ScheduleInput,
    ServiceInput,
    TermInput,
    canonical_service,
    validate_organisation,
    validate_service,
)
from csn_desk.directory.records import Directory
from csn_desk.errors import InvalidInput
from csn_desk.postcodes import district
from csn_desk.vocab import vocab

CHARS = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(
    list("\n\t|;\"'=+-@,£é "))
POSTCODES = ["DL1 1AA", "DL3 7AB", "SW1A 1AA", "TS18 1AB", "M1 1AE", "B33 8TH", "DN55 1PT"]
DISTRICTS = ["DL1", "DL3", "TS18", "DH1", "SW1A", "M1"]


def words(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(CHARS, min_size=1, max_size=max_size).map(str.strip).filter(bool)


def maybe(s: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | s


def plain(max_size: int = 24) -> st.SearchStrategy[str]:
    """Printable ASCII without spaces at the ends (ids, numbers, codes)."""
    return st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1,
                   max_size=max_size)


def _not_district(text: str) -> bool:
    try:
        district(text)
    except InvalidInput:
        return True
    return False


ids = st.uuids().map(str)
dates = st.dates(date(2000, 1, 1), date(2040, 12, 31))
times = st.times()


@st.composite
def ordered(draw: st.DrawFn, values: st.SearchStrategy[object]) -> tuple[object, object]:
    a, b = draw(maybe(values)), draw(maybe(values))
    if a is not None and b is not None and a > b:  # type: ignore[operator]
        a, b = b, a
    return a, b


@st.composite
def schedules(draw: st.DrawFn) -> ScheduleInput:
    opens, closes = draw(ordered(times))
    if opens is not None and opens == closes:
        closes = None
    start, end = draw(ordered(dates))
    return ScheduleInput(weekday=draw(st.integers(1, 7)), opens_at=opens,  # type: ignore[arg-type]
                         closes_at=closes, valid_from=start, valid_to=end,  # type: ignore[arg-type]
                         description=draw(maybe(words())), id=draw(ids))  # type: ignore[arg-type]


@st.composite
def closures(draw: st.DrawFn) -> ClosureInput:
    start, end = sorted([draw(dates), draw(dates)])
    opens, closes = draw(ordered(times))
    if opens is not None and opens == closes:
        closes = None
    return ClosureInput(start_date=start, end_date=end, closed=draw(st.booleans()),
                        opens_at=opens, closes_at=closes,  # type: ignore[arg-type]
                        note=draw(maybe(words())), id=draw(ids))  # type: ignore[arg-type]


@st.composite
def costs(draw: st.DrawFn) -> CostInput:
    start, end = draw(ordered(dates))
    amount = draw(st.floats(0, 1_000_000, allow_nan=False, allow_infinity=False)
                  | st.sampled_from([0.0, 2.5, 13.0, 11.0]))
    return CostInput(amount=amount, option=draw(maybe(words())),  # type: ignore[arg-type]
                     amount_description=draw(maybe(words())),  # type: ignore[arg-type]
                     valid_from=start, valid_to=end, id=draw(ids))  # type: ignore[arg-type]


@st.composite
def places(draw: st.DrawFn) -> LocationInput:
    return LocationInput(
        id=draw(ids), name=draw(st.just("") | words()), address_1=draw(maybe(words())),  # type: ignore[arg-type]
        address_2=draw(maybe(words())), city=draw(maybe(words())),  # type: ignore[arg-type]
        postcode=draw(maybe(st.sampled_from(POSTCODES))),  # type: ignore[arg-type]
        accessibility=draw(maybe(words())),  # type: ignore[arg-type]
        latitude=draw(maybe(st.floats(-90, 90))), longitude=draw(maybe(st.floats(-180, 180))),  # type: ignore[arg-type]
        external_id=draw(maybe(plain())))  # type: ignore[arg-type]


@st.composite
def terms(draw: st.DrawFn) -> tuple[TermInput, ...]:
    found = draw(st.lists(st.tuples(plain(12).filter(lambda v: v != "csn-need"), plain(12)),
                          unique=True, max_size=3))
    return tuple(TermInput(vocabulary=v, code=c, label=draw(maybe(words())), id=draw(ids))  # type: ignore[arg-type]
                 for v, c in found)


@st.composite
def organisations(draw: st.DrawFn) -> OrganisationInput:
    o = OrganisationInput(
        id=draw(ids), name=draw(words()), description=draw(st.just("") | words(200)),
        email=draw(maybe(st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.org", fullmatch=True))),  # type: ignore[arg-type]
        url=draw(maybe(st.from_regex(r"https://[a-z]{1,10}\.org/[a-z0-9]{0,8}",  # type: ignore[arg-type]
                                     fullmatch=True))),
        phone=draw(maybe(st.from_regex(r"0\d{4} \d{6}", fullmatch=True))),  # type: ignore[arg-type]
        charity_number=draw(maybe(plain(12))), company_number=draw(maybe(plain(12))),  # type: ignore[arg-type]
        is_member=draw(st.booleans()), assured_date=draw(maybe(dates)),  # type: ignore[arg-type]
        external_id=draw(maybe(plain())), merged_into=draw(maybe(ids)))  # type: ignore[arg-type]
    validate_organisation(o)
    return o


@st.composite
def services(draw: st.DrawFn, organisation_ids: list[str]) -> ServiceInput:
    low, high = draw(ordered(st.integers(0, 120)))
    alert = draw(maybe(words()))
    s = ServiceInput(
        id=draw(ids), organisation_id=draw(st.sampled_from(organisation_ids)),
        name=draw(words(60)), description=draw(st.just("") | words(300)),
        categories=tuple(draw(st.lists(st.sampled_from(vocab("needs").codes), unique=True,
                                       max_size=3))),
        status=draw(st.sampled_from(STATUSES)),
        url=draw(maybe(st.from_regex(r"https://[a-z]{1,10}\.org/[a-z0-9]{0,8}",  # type: ignore[arg-type]
                                     fullmatch=True))),
        email=draw(maybe(st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.org", fullmatch=True))),  # type: ignore[arg-type]
        phone=draw(maybe(st.from_regex(r"0\d{4} \d{6}", fullmatch=True))),  # type: ignore[arg-type]
        application_process=draw(maybe(words())), fees_text=draw(maybe(words())),  # type: ignore[arg-type]
        attending_type=draw(maybe(st.sampled_from(ATTENDING_TYPES))),  # type: ignore[arg-type]
        attending_access=draw(maybe(st.sampled_from(ATTENDING_ACCESS))),  # type: ignore[arg-type]
        deliverable_type=draw(maybe(st.sampled_from(DELIVERABLE_TYPES))),  # type: ignore[arg-type]
        minimum_age=low, maximum_age=high, eligibility=draw(maybe(words())),  # type: ignore[arg-type]
        what_to_take=draw(maybe(words())), assured_date=draw(maybe(dates)),  # type: ignore[arg-type]
        assured_by=draw(maybe(words())), alert=alert,  # type: ignore[arg-type]
        alert_until=draw(maybe(dates)) if alert else None,  # type: ignore[arg-type]
        schedules=tuple(draw(st.lists(schedules(), max_size=3))),
        closures=tuple(draw(st.lists(closures(), max_size=2))),
        costs=tuple(draw(st.lists(costs(), max_size=2))),
        areas=tuple(draw(st.lists(st.sampled_from(DISTRICTS), unique=True, max_size=2))),
        area_notes=tuple(draw(st.lists(words().filter(_not_district), max_size=2))),
        locations=tuple(draw(st.lists(places(), max_size=2))), terms=draw(terms()),
        external_id=draw(maybe(plain())), merged_into=draw(maybe(ids)))  # type: ignore[arg-type]
    validate_service(s)
    return canonical_service(s)


@st.composite
def directories(draw: st.DrawFn, max_services: int = 4) -> Directory:
    orgs = draw(st.lists(organisations(), min_size=1, max_size=3,
                         unique_by=lambda o: o.id))
    found = draw(st.lists(services([o.id or "" for o in orgs]), max_size=max_services,
                          unique_by=lambda s: s.id))
    return Directory(tuple(sorted(orgs, key=lambda o: o.id or "")),
                     tuple(sorted(found, key=lambda s: s.id or "")))
