"""The tallies against an independent count: fictional demo records read back with plain SQL
and counted in plain Python (tests/reports/kit.py), compared with what the service reports,
for several months, date ranges and scopes, with the two comparisons, the median days to
start and the twelve-month needs chart. Then records are edited in every way the app and
sync can (outcomes, events, moved enquiries, deleted needs) and the monthly tallies the
triggers keep must still agree."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from csn_desk.clients import ClientInput, add_client
from csn_desk.demo.generate import create_demo
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry, set_need_outcome
from csn_desk.followups import record_outcome
from csn_desk.referrals import ReferralDraft, add_event
from csn_desk.reports import tallies as tallies_module
from csn_desk.reports.counting import Where, count_period
from csn_desk.reports.monthly import month_counts, organisation_counts
from csn_desk.reports.periods import Period, date_range, month
from csn_desk.reports.snapshot import network_counts, publish_snapshots, snapshot_id
from csn_desk.reports.tallies import compute_tallies
from csn_desk.store.models import (
    Enquiry,
    EnquiryNeed,
    Referral,
    ReferralEvent,
    Site,
    TallySnapshot,
)
from csn_desk.workspace import Workspace
from tests.reports.kit import (
    brute_force,
    median_or_none,
    previous,
    read_records,
    year_earlier,
)

ANCHOR = date(2026, 11, 25)
MONTHS = ("2026-10", "2026-03", "2025-10", "2026-06", "2025-06")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    from csn_desk.store import keys
    from tests.conftest import FAST_KDF

    folder: Path = tmp_path_factory.mktemp("tallies") / "demo"
    ws, _summary = create_demo(folder, enquiries=1200, seed=11, anchor=ANCHOR, kdf=FAST_KDF)
    assert keys  # the module fixture cannot use the autouse KDF patch; kdf= does the same
    yield ws
    ws.close()


def _sites(ws: Workspace) -> list[str]:
    with ws.db.read() as s:
        return list(s.execute(select(Site.id).where(Site.organisation_id == ws.organisation_id))
                    .scalars())


def _figures(ws: Workspace, period: Period, site: str | None) -> dict[str, int]:
    counted = organisation_counts(ws, [period])[0]
    figures = counted.whole if site is None else counted.by_site.get(site, {})
    return {k: v for k, v in figures.items() if v}


@pytest.mark.parametrize("month_key", MONTHS)
def test_monthly_tallies_match_an_independent_count(demo: Workspace, month_key: str) -> None:
    rec = read_records(demo)
    period = month(month_key)
    sites = _sites(demo)
    assert len(sites) == 3
    for site in [None, *sites]:
        expected, _days = brute_force(rec, demo.organisation_id, site, period.start, period.end)
        assert expected["enquiries"] > 0
        assert _figures(demo, period, site) == dict(expected), (month_key, site)


@pytest.mark.parametrize("start,end", [
    (date(2026, 3, 25), date(2026, 4, 3)),  # British Summer Time starts on 29 March 2026
    (date(2025, 10, 20), date(2025, 11, 2)),  # and ends on 26 October 2025
    (date(2026, 7, 15), date(2026, 7, 15)),  # a single day
    (date(2025, 6, 1), date(2026, 5, 31)),  # a year
])
def test_date_ranges_match_an_independent_count(demo: Workspace, start: date,
                                                end: date) -> None:
    rec = read_records(demo)
    period = date_range(start, end)
    for site in [None, *_sites(demo)]:
        expected, _days = brute_force(rec, demo.organisation_id, site, start, end)
        assert _figures(demo, period, site) == dict(expected), (start, end, site)


def _column(table_rows: dict[str, list[float | None]], key: str, i: int) -> float | None:
    return table_rows[key][i]


@pytest.mark.parametrize("scope", ["organisation", "site"])
@pytest.mark.parametrize("month_key", ["2026-10", "2026-03"])
def test_report_tables_comparisons_median_and_trend(demo: Workspace, scope: str,
                                                    month_key: str) -> None:
    rec = read_records(demo)
    period = month(month_key)
    tallies = compute_tallies(demo, period, scope)
    assert not tallies.suppressed and not tallies.suppression_applied
    site = demo.site_id if scope == "site" else None
    spans = [(period.start, period.end), previous(period.start, period.end),
             year_earlier(period.start, period.end)]
    assert [(p.start, p.end) for p in tallies.comparisons] == spans
    for i, (start, end) in enumerate(spans):
        expected, days = brute_force(rec, demo.organisation_id, site, start, end)
        for table in tallies.tables:
            for row in table.rows:
                got = row.cells[i].value
                if row.key == "clients":
                    want = expected["clients:new"] + expected["clients:returning"]
                elif row.key == "needs_not_met":
                    want = expected["need_outcome:unmet"] + expected["need_outcome:partly_met"]
                elif row.key.startswith("ref_org:"):
                    continue  # a sum of service rows, checked through the services
                else:
                    want = expected[row.key]
                assert got == want, (table.key, row.key, i)
        summary = {r.key: r.cells[i] for r in tallies.summary.rows}
        assert summary["median_days_to_start"].value == median_or_none(days)
        recorded = expected["time:recorded"]
        assert summary["time:recorded"].value == recorded
        if recorded:
            assert summary["time:hours"].value == round(expected["time:minutes"] / 60, 1)
            assert summary["time:average"].value == round(expected["time:minutes"] / recorded, 1)
    assert [m.period.month_key for m in tallies.trend][-1] == month_key
    assert len(tallies.trend) == 12
    for m in tallies.trend:
        expected, _days = brute_force(rec, demo.organisation_id, site, m.period.start,
                                      m.period.end)
        assert (m.enquiries.value, m.needs.value) == (expected["enquiries"], expected["needs"])
        assert m.by_need["money_benefits"].value == expected["need:money_benefits"]


def test_services_add_up_to_their_organisations(demo: Workspace) -> None:
    tallies = compute_tallies(demo, month("2026-10"), "organisation")
    services = tallies.table("referral_services")
    orgs = tallies.table("referral_orgs")
    assert sum(r.cells[0].value or 0 for r in services.rows if not r.total) == \
        orgs.row("referrals").cells[0].value == services.row("referrals").cells[0].value
    assert sum(r.cells[0].value or 0 for r in orgs.rows if not r.total) == \
        orgs.row("referrals").cells[0].value


def test_network_figures_are_the_sum_of_site_snapshots(demo: Workspace) -> None:
    """The demo data set stands in for its three sites publishing their own snapshots."""
    rec = read_records(demo)
    period = month("2026-09")
    sites = _sites(demo)
    assert publish_snapshots(demo, [period], site_ids=sites) == 3
    assert publish_snapshots(demo, [period], site_ids=sites) == 0  # unchanged: nothing new
    network = network_counts(demo, period)
    assert network.sites == 3 and network.damaged == 0
    summed: dict[str, int] = {}
    for site in sites:
        expected, _days = brute_force(rec, demo.organisation_id, site, period.start, period.end)
        for k, v in expected.items():
            summed[k] = summed.get(k, 0) + v
    assert {k: v for k, v in network.whole.items() if v} == summed
    tallies = compute_tallies(demo, period, "network")
    assert tallies.suppressed and tallies.network_sites == 3
    assert tallies.summary.row("enquiries").cells[0].value == summed["enquiries"]


def _computed_at(ws: Workspace, month_key: str) -> dict[str, datetime]:
    with ws.db.read() as s:
        return {r.site_id: r.computed_at for r in s.execute(
            select(TallySnapshot).where(TallySnapshot.month == month_key)).scalars()}


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def test_only_missing_and_stale_snapshots_are_counted_again(ws: Workspace) -> None:
    """A report publishes this site's snapshots only where there is none, or where a recent
    month's was counted over an hour ago; a settled month's is left alone."""
    site = ws.site_id
    recent, settled, missing = month("2026-08"), month("2025-03"), month("2026-07")
    assert publish_snapshots(ws, [recent, settled]) == 2
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    with ws.db.write(ws.actor) as w:
        for key in ("2026-08", "2025-03"):
            row = w.session.get(TallySnapshot, snapshot_id(site, key))
            assert row is not None
            w.update(row, computed_at=long_ago)
    assert _computed_at(ws, "2026-07") == {}
    written = publish_snapshots(ws, [recent, settled, missing], only_stale=True)
    assert written == 1  # the missing month's; the others' figures are unchanged
    assert set(_computed_at(ws, "2026-07")) == {site}
    assert _utc(_computed_at(ws, "2025-03")[site]) == long_ago  # settled: not counted again
    again = _computed_at(ws, "2026-08")
    assert _utc(again[site]) > long_ago  # stale: counted again
    assert publish_snapshots(ws, [recent], only_stale=True) == 0
    assert _computed_at(ws, "2026-08") == again  # fresh: not even touched


def test_labels_from_the_whole_directory_are_those_looked_up(
        demo: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report referring to many services reads the whole directory (on a thread, while the
    months are read) instead of looking each up: the same names either way."""
    period = month("2026-10")
    looked_up = compute_tallies(demo, period, "organisation")
    monkeypatch.setattr(tallies_module, "_WHOLE_DIRECTORY", 1)
    read_whole: list[bool] = []
    real = tallies_module._read_directory

    def spy(ws: Workspace) -> object:
        found = real(ws)
        read_whole.append(found is not None)
        return found

    monkeypatch.setattr(tallies_module, "_read_directory", spy)
    whole = compute_tallies(demo, period, "organisation")
    assert read_whole == [True]
    for table in ("referral_services", "referral_orgs"):
        rows = [(r.key, r.label, r.cells) for r in looked_up.table(table).rows]
        assert rows == [(r.key, r.label, r.cells) for r in whole.table(table).rows]
        assert len(rows) > 3
    assert not any("not in this copy" in r.label
                   for r in whole.table("referral_services").rows)
    # Not read on the thread (the directory was small then): read when the labels need it.
    monkeypatch.setattr(tallies_module, "_read_directory", lambda _ws: None)
    late = compute_tallies(demo, period, "organisation")
    for table in ("referral_services", "referral_orgs"):
        assert [(r.key, r.label, r.cells) for r in late.table(table).rows] == \
            [(r.key, r.label, r.cells) for r in looked_up.table(table).rows]


# -- edits: the triggers keep the monthly tallies true ----------------------------------------
def _compare_all(ws: Workspace, months: list[str], direct_too: bool = True) -> None:
    """The monthly tallies (kept by triggers) and, unless told not to, the direct count of
    the same months, against the independent count."""
    rec = read_records(ws)
    with ws.db.read() as s:
        for key in months:
            period = month(key)
            monthly = month_counts(s, ws.organisation_id, period)
            direct = count_period(s, Where(ws.organisation_id), period)
            expected, _days = brute_force(rec, ws.organisation_id, None, period.start,
                                          period.end)
            assert {k: v for k, v in monthly.whole.items() if v} == dict(expected), key
            if direct_too:
                assert dict(direct.whole) == dict(expected), key
            for site, figures in monthly.by_site.items():
                by_site, _days = brute_force(rec, ws.organisation_id, site, period.start,
                                             period.end)
                assert {k: v for k, v in figures.items() if v} == dict(by_site), (key, site)


def _at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def test_edits_keep_the_monthly_tallies_true(ws: Workspace) -> None:
    second = dataclasses.replace(ws, site_id=_new_site(ws), site_name="Second site")
    edith = add_client(ws, ClientInput("Edith", "Crawley"))
    arthur = add_client(ws, ClientInput("Arthur", "Example"))
    due = date(2026, 6, 10)
    # 23:30 UTC on 31 May is 00:30 on 1 June in UK summer time: a June enquiry.
    june = save_enquiry(ws, EnquiryDraft(
        "walk_in", "self", (NeedInput("transport"), NeedInput("housing")),
        received_at=_at(2026, 5, 31, 23, 30), client_id=edith, age_band="80_plus",
        postcode_district="DL3", route="supported", time_spent_minutes=25),
        [ReferralDraft("signposted", external_service="Dial-a-Ride", follow_up_due=due)])
    may = save_enquiry(second, EnquiryDraft(
        "phone", "family_carer", (NeedInput("money_benefits"),),
        received_at=_at(2026, 5, 20), client_id=arthur),
        [ReferralDraft("signposted", external_service="Benefit check", follow_up_due=due)])
    save_enquiry(ws, EnquiryDraft("email", "professional", (NeedInput("other"),),
                                  received_at=_at(2026, 7, 2), client_id=edith))
    months = ["2026-04", "2026-05", "2026-06", "2026-07"]
    _compare_all(ws, months)

    refs = _referrals(ws)
    add_event(ws, refs[june], "contacted", at=_at(2026, 6, 5))
    record_outcome(ws, refs[june], "started")  # today: after the due date (late)
    record_outcome(ws, refs[may], "declined")
    set_need_outcome(ws, june, "housing", "unmet", "waiting_list")
    _compare_all(ws, months)

    # Edith's first enquiry is moved back to April: she is new in April, returning in June.
    with ws.db.write(ws.actor) as w:
        enquiry = w.session.get(Enquiry, june)
        assert enquiry is not None
        w.update(enquiry, received_at=_at(2026, 4, 15), site_id=second.site_id,
                 channel="letter", age_band=None, time_spent_minutes=None)
    _compare_all(ws, months)
    tallies = compute_tallies(ws, month("2026-04"), "organisation")
    assert tallies.summary.row("clients:new").cells[0].value == 1

    # A need and an event deleted (as a sync tombstone or a repair might), a referral moved.
    with ws.db.write(ws.actor) as w:
        need = w.session.execute(select(EnquiryNeed).where(
            EnquiryNeed.enquiry_id == june, EnquiryNeed.need_code == "transport")).scalar_one()
        w.delete(need)
        last = w.session.execute(select(ReferralEvent).where(
            ReferralEvent.referral_id == refs[may], ReferralEvent.status == "declined")
        ).scalar_one()
        w.delete(last)
        referral = w.session.get(Referral, refs[may])
        assert referral is not None
        w.update(referral, enquiry_id=june, follow_up_due=date(2026, 7, 1),
                 service_id=None, external_service="Moved")
    _compare_all(ws, months)
    # An event edited in place (never done by the app, whose events are append-only; a repair
    # script might). The direct count reads the referral_state cache (0003), which follows
    # event inserts and deletes only, so only the monthly tallies are compared here.
    with ws.db.write(ws.actor) as w:
        event = w.session.execute(select(ReferralEvent).where(
            ReferralEvent.referral_id == refs[june], ReferralEvent.status == "started")
        ).scalar_one()
        w.update(event, at=_at(2026, 6, 8), status="waiting_list")
    _compare_all(ws, months, direct_too=False)
    # And the whole enquiry deleted, children first.
    with ws.db.write(ws.actor) as w:
        for model, column in ((ReferralEvent, None), (Referral, Referral.enquiry_id),
                              (EnquiryNeed, EnquiryNeed.enquiry_id)):
            if model is ReferralEvent:
                rows = w.session.execute(select(ReferralEvent).join(
                    Referral, Referral.id == ReferralEvent.referral_id).where(
                    Referral.enquiry_id == may)).scalars().all()
            else:
                assert column is not None
                rows = w.session.execute(select(model).where(column == may)).scalars().all()
            for row in rows:
                w.delete(row)
        gone = w.session.get(Enquiry, may)
        assert gone is not None
        w.delete(gone)
    _compare_all(ws, months, direct_too=False)


def _new_site(ws: Workspace) -> str:
    with ws.db.write(ws.actor) as w:
        return w.create(Site(name="Second site", organisation_id=ws.organisation_id)).id


def _referrals(ws: Workspace) -> dict[str, str]:
    with ws.db.read() as s:
        return {e: r for r, e in s.execute(select(Referral.id, Referral.enquiry_id))}
