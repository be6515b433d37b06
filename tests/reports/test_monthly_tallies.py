"""The monthly tallies the database keeps (migration 0006): what an upgrade computes for the
records already there equals what the triggers built as the records were written, and a
month is a read of a few rows, not a count over every enquiry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import text

from bench.data import tallies_migration
from csn_desk.demo.generate import create_demo
from csn_desk.reports.figures import Figures, median_days
from csn_desk.reports.periods import month
from csn_desk.workspace import Workspace


def _tables(ws: Workspace) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with ws.db.read() as s:
        months = [tuple(r) for r in s.execute(text(
            "SELECT organisation_id, month, site_id, key, n FROM tally_month WHERE n != 0 "
            "ORDER BY 1, 2, 3, 4"))]
        clients = [tuple(r) for r in s.execute(text(
            "SELECT organisation_id, month, site_id, client_id, n, is_first "
            "FROM tally_client_month ORDER BY 1, 2, 3, 4"))]
    return months, clients


def test_upgrade_backfill_equals_what_the_triggers_keep(tmp_path: Path) -> None:
    ws, _summary = create_demo(tmp_path / "demo", enquiries=800, seed=3,
                               anchor=date(2026, 11, 25))
    try:
        kept = _tables(ws)
        assert len(kept[0]) > 1000 and len(kept[1]) > 100
        raw = ws.db.engine.raw_connection()
        try:
            con = raw.driver_connection
            assert con is not None
            con.execute("BEGIN IMMEDIATE")
            con.execute("DELETE FROM tally_month")
            con.execute("DELETE FROM tally_client_month")
            for sql in tallies_migration()._backfill():
                con.execute(sql)
            con.execute("COMMIT")
        finally:
            raw.close()
        assert _tables(ws) == kept
    finally:
        ws.close()


def test_the_triggers_are_the_migrations(ws: Workspace) -> None:
    """Every trigger the migration defines is in a new database (none lost to a rebuild)."""
    with ws.db.read() as s:
        names = set(s.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tally_%'"))
            .scalars())
    assert names == set(tallies_migration().TRIGGERS)


def test_median_of_the_days_histogram() -> None:
    assert median_days({}) is None
    assert median_days({3: 1}) == 3.0
    assert median_days({1: 1, 9: 1}) == 5.0
    assert median_days({2: 3, 10: 1}) == 2.0
    assert median_days({0: 2, 4: 2, 7: 1}) == 4.0


def test_a_month_is_read_not_counted(ws: Workspace) -> None:
    """The query plan of a month's figures is a primary-key range of tally_month."""
    with ws.db.read() as s:
        plan = " ".join(str(r[-1]) for r in s.execute(text(
            "EXPLAIN QUERY PLAN SELECT site_id, key, n FROM tally_month "
            "WHERE organisation_id = :o AND month = :m AND n != 0"),
            {"o": ws.organisation_id, "m": month("2026-10").month_key}))
    assert "SEARCH tally_month USING PRIMARY KEY" in plan, plan


def test_figures_round_trip_and_refuse_damage() -> None:
    figures = Figures({"enquiries": 12, "channel:phone": 3, "ref_service:"
                       "01970d89-6e80-71de-90ba-65d050842aaa": 2, "district:DL1": 4})
    assert Figures.from_json(figures.to_json()) == figures
    for bad in ("", "[]", '{"v": 1}', '{"v": 2, "counts": {}}', '{"v": 1, "counts": []}',
                '{"v": 1, "counts": {"enquiries": -1}}', '{"v": 1, "counts": {"x": 1.5}}',
                '{"v": 1, "counts": {"Robert Smith, 1 High St": 1}}',
                '{"v": 1, "counts": {"enquiries": true}}',
                # a name with a line break of its own (each line a good name), a trailing
                # line break, too large a count, a good count after a bad one
                '{"v": 1, "counts": {"enquiries\\nneeds": 1}}',
                '{"v": 1, "counts": {"enquiries\\n": 1}}',
                '{"v": 1, "counts": {"enquiries": 1000000000000}}',
                '{"v": 1, "counts": {"needs": "3", "enquiries": 2}}',
                '{"v": 1, "counts": {"enquiries": 2, "needs": null}}'):
        try:
            Figures.from_json(bad)
        except Exception as exc:  # noqa: BLE001 - must be the plain refusal
            assert "damaged" in str(exc)
        else:
            raise AssertionError(f"accepted {bad!r}")
