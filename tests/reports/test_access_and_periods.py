"""Who may see the tallies, and the periods they are counted over (UK months, the two
comparisons, date ranges)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from csn_desk.accounts import add_user, sign_in
from csn_desk.errors import InvalidInput, NotAllowed
from csn_desk.reports import periods
from csn_desk.reports.periods import Period, date_range, month
from csn_desk.reports.snapshot import network_counts, publish_snapshots, snapshot_id
from csn_desk.reports.tallies import can_view, chart_keys, compute_tallies
from csn_desk.store.models import ChangeLog, TallySnapshot
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE

OCTOBER = month("2026-10")


def _as(ws: Workspace, data_dir: Path, role: str) -> Workspace:
    add_user(ws, f"user-{role}", f"A {role}", role, PASSPHRASE, check_strength=False)
    return sign_in(data_dir, f"user-{role}", PASSPHRASE)


def test_managers_and_admins_see_all_coordinators_their_site_counters_nothing(
        ws: Workspace, data_dir: Path) -> None:
    assert all(can_view(ws, scope) for scope in ("site", "organisation", "network"))
    manager = _as(ws, data_dir, "manager")
    coordinator = _as(ws, data_dir, "coordinator")
    counter = _as(ws, data_dir, "counter")
    try:
        for scope in ("site", "organisation", "network"):
            assert compute_tallies(manager, OCTOBER, scope).scope == scope
        assert compute_tallies(coordinator, OCTOBER, "site").place == "Test Counter"
        for scope in ("organisation", "network"):
            with pytest.raises(NotAllowed, match="managers and administrators"):
                compute_tallies(coordinator, OCTOBER, scope)
        for scope in ("site", "organisation", "network"):
            with pytest.raises(NotAllowed):
                compute_tallies(counter, OCTOBER, scope)
        with pytest.raises(InvalidInput, match="not a scope"):
            compute_tallies(manager, OCTOBER, "county")
    finally:
        for w in (manager, coordinator, counter):
            w.close()


def test_a_site_of_another_organisation_is_refused(ws: Workspace) -> None:
    other = dataclasses.replace(ws, organisation_id="not-this-organisation")
    with pytest.raises(NotAllowed, match="not part of this organisation"):
        compute_tallies(other, OCTOBER, "site", site_id=ws.site_id)


def test_uk_months_comparisons_and_ranges() -> None:
    october = month("2026-10")
    assert (october.start, october.end, october.is_month) == (date(2026, 10, 1),
                                                              date(2026, 10, 31), True)
    assert october.label == "October 2026" and october.month_key == "2026-10"
    assert october.previous() == month("2026-09")
    assert october.year_earlier() == month("2025-10")
    assert month("2026-01").previous() == month("2025-12")
    assert month("2024-03").previous() == Period(date(2024, 2, 1), date(2024, 2, 29))
    # UK midnights: 1 October is still summer time, 1 November is not.
    assert october.bounds_utc() == (datetime(2026, 9, 30, 23, 0, tzinfo=UTC),
                                    datetime(2026, 11, 1, 0, 0, tzinfo=UTC))
    span = date_range(date(2026, 10, 10), date(2026, 10, 19))
    assert not span.is_month and span.days == 10
    assert span.previous() == date_range(date(2026, 9, 30), date(2026, 10, 9))
    assert span.year_earlier() == date_range(date(2025, 10, 10), date(2025, 10, 19))
    leap = date_range(date(2024, 2, 29), date(2024, 3, 2))
    assert leap.year_earlier() == date_range(date(2023, 2, 28), date(2023, 3, 2))
    assert [p.month_key for p in october.trend()][:2] == ["2025-11", "2025-12"]
    assert len(october.trend()) == 12 and october.trend()[-1] == october
    assert span.label == "10 October 2026 to 19 October 2026"
    for bad in ("2026-13", "October", "", "2026/10"):
        with pytest.raises(InvalidInput, match="is not a month"):
            month(bad)
    with pytest.raises(InvalidInput, match="end date is before"):
        date_range(date(2026, 10, 2), date(2026, 10, 1))
    with pytest.raises(InvalidInput, match="five years"):
        date_range(date(2016, 1, 1), date(2026, 1, 1))
    with pytest.raises(InvalidInput, match="calendar month"):
        span.month_key  # noqa: B018
    assert periods.month_of(date(2026, 2, 14)) == month("2026-02")


def test_snapshots_go_through_the_write_path_in_the_network_scope(ws: Workspace) -> None:
    assert publish_snapshots(ws, [OCTOBER]) == 1
    sid = snapshot_id(ws.site_id, "2026-10")
    assert sid == snapshot_id(ws.site_id, "2026-10") != snapshot_id(ws.site_id, "2026-09")
    with ws.db.read() as s:
        row = s.get(TallySnapshot, sid)
        logged = list(s.execute(select(ChangeLog.scope, ChangeLog.field).where(
            ChangeLog.row_id == sid)))
    assert row is not None and row.month == "2026-10" and row.site_id == ws.site_id
    assert {scope for scope, _f in logged} == {"network"}
    assert {"figures", "month", "site_id"} <= {f for _s, f in logged}
    with pytest.raises(InvalidInput, match="calendar month"):
        publish_snapshots(ws, [date_range(date(2026, 10, 1), date(2026, 10, 2))])
    with pytest.raises(NotAllowed, match="only its own"):
        publish_snapshots(ws, [OCTOBER], site_ids=["another-site"])


def test_chart_months_read_each_snapshot_checked_whole_and_as_it_is_now(ws: Workspace) -> None:
    """The chart's months keep only a dozen figures of each snapshot: the snapshot is still
    refused whole if anything in it is damaged, and a snapshot that changes is read again."""
    publish_snapshots(ws, [OCTOBER])
    sid = snapshot_id(ws.site_id, "2026-10")
    need = chart_keys()[2]
    service = "ref_service:01970d89-6e80-71de-90ba-65d050842aaa"

    def store(counts: str) -> None:
        with ws.db.write(ws.actor) as w:
            row = w.session.get(TallySnapshot, sid)
            assert row is not None
            w.update(row, figures='{"v": 1, "counts": {' + counts + '}}')

    def chart() -> tuple[int, int, int]:
        found = network_counts(ws, OCTOBER, chart_keys())
        return found.whole.get("enquiries"), found.whole.get(need), found.damaged

    good = f'"enquiries": 7, "{need}": 3, "{service}": 2'
    store(good)
    assert chart() == (7, 3, 0)
    assert chart() == (7, 3, 0)
    store(f'"enquiries": 9, "{need}": 3, "{service}": 2')
    assert chart() == (9, 3, 0)
    for damage in (f'"{service}": -2', f'"{service}": 1.5', '"Robert Smith, 1 High St": 1'):
        store(f'"enquiries": 9, "{need}": 3, ' + damage)  # not one of the chart's figures
        assert chart() == (0, 0, 1)
        assert chart() == (0, 0, 1)
        assert network_counts(ws, OCTOBER).damaged == 1
    store(good)
    assert chart() == (7, 3, 0)
