"""``Writer.create_many`` writes exactly what ``Writer.create`` row by row does: the rows,
the change log (one strictly increasing HLC per row, the same fields), the cell clocks,
tombstone clearing for a revived id and the audit events."""

from __future__ import annotations

import contextlib
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from csn_desk.accounts import initialise
from csn_desk.directory.inputs import OrganisationInput, ScheduleInput, ServiceInput
from csn_desk.directory.rows import organisation_values, schedule_values, service_values
from csn_desk.store.audit_chain import verify_chain
from csn_desk.store.models import Organisation, RegularSchedule, Service
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE

TABLES = ("organisation", "service", "regular_schedule")
# The rows written here (a new workspace has rows of its own, with ids of its own).
OURS = "(substr({col}, 1, 4) IN ('org-', 'svc-', 'sch-'))"


def _rows() -> list[tuple[type[Any], list[dict[str, Any]], bool]]:
    orgs = [dict(id=f"org-{i}", **organisation_values(OrganisationInput(
        name=f"Org {i}", email="a@example.org" if i % 2 else None, is_member=bool(i % 2),
        assured_date=date(2026, 1, i + 1) if i else None))) for i in range(3)]
    services = [dict(id=f"svc-{i}", **service_values(ServiceInput(
        organisation_id=f"org-{i % 3}", name=f"Service {i}", description="Help" * i,
        minimum_age=18 if i % 2 else None))) for i in range(5)]
    schedules = [dict(id=f"sch-{i}", **schedule_values(f"svc-{i % 5}", ScheduleInput(
        weekday=1 + i % 7, opens_at=time(9, 30) if i % 3 else None, closes_at=time(17),
        description=None if i % 2 else "by appointment"))) for i in range(9)]
    return [(Organisation, orgs, True), (Service, services, True),
            (RegularSchedule, schedules, False)]


def _write(ws: Workspace, bulk: bool) -> None:
    with ws.db.write(ws.actor) as w:
        for model, rows, audit in _rows():
            if bulk:
                w.create_many(model, rows, audit=audit)
            else:
                for row in rows:
                    w.create(model(**row), audit=audit)
    # Delete one schedule and bring the id back: the revived row logs every column.
    with ws.db.write(ws.actor) as w:
        row = w.session.get(RegularSchedule, "sch-4")
        assert row is not None
        w.delete(row)
    again = [dict(_rows()[2][1][4], description=None, opens_at=None),
             dict(_rows()[2][1][0], id="sch-new")]
    with ws.db.write(ws.actor) as w:
        if bulk:
            w.create_many(RegularSchedule, again, audit=True)
        else:
            for values in again:
                w.create(RegularSchedule(**values), audit=True)


def _state(ws: Workspace) -> dict[str, Any]:
    with ws.db.read() as s:
        def q(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in s.execute(text(sql)).all()]

        state: dict[str, Any] = {
            t: q(f"SELECT * FROM {t} WHERE {OURS.format(col='id')} ORDER BY id")
            for t in TABLES}
        log = q("SELECT scope, table_name, row_id, field, value_json, site_id, op, hlc, "
                "base_hlc IS NULL FROM change_log WHERE "
                f"{OURS.format(col='row_id')} ORDER BY seq")
        mine = [r for r in log if r[1] in TABLES]
        hlcs = [r[7] for r in mine]
        assert hlcs == sorted(hlcs), "change-log HLCs in write order"
        # One HLC per row written, shared by its fields, never reused.
        groups: dict[str, set[tuple[str, str]]] = {}
        for r in mine:
            groups.setdefault(r[7], set()).add((r[1], r[2]))
        assert all(len(g) == 1 for g in groups.values())
        state["log"] = [r[:7] + r[8:] for r in mine]
        state["log_groups"] = sorted(sorted(next(iter(g)) for g in [groups[h]])
                                     + [len([r for r in mine if r[7] == h])]
                                     for h in groups)
        clocks = q("SELECT table_name, row_id, field, hlc, site_id FROM cell_clock WHERE "
                   f"{OURS.format(col='row_id')} ORDER BY table_name, row_id, field")
        last = {(r[1], r[2], r[3]): r[7] for r in mine}
        assert all(last[(t, i, f)] == h for t, i, f, h, _ in clocks if t in TABLES)
        state["clock"] = [(t, i, f, site) for t, i, f, _, site in clocks if t in TABLES]
        state["audit"] = q("SELECT action, entity, entity_id, detail, user_id, site_id "
                           f"FROM audit_event WHERE {OURS.format(col='entity_id')} ORDER BY seq")
        state["shadow"] = q("SELECT table_name, row_id FROM sync_shadow_row "
                            "ORDER BY table_name, row_id")
        assert verify_chain(s).ok
    return state


def _normalise(state: dict[str, Any], site: str, user: str | None) -> dict[str, Any]:
    """Replace the workspace's own site and user ids (each fresh workspace has its own)."""
    def fix(value: Any) -> Any:
        if isinstance(value, tuple | list):
            return type(value)(fix(v) for v in value)
        return {site: "<site>", user: "<user>"}.get(value, value) if isinstance(
            value, str) else value

    return {k: fix(v) for k, v in state.items()}


def _state_of(tmp_path: Path, name: str, bulk: bool) -> dict[str, Any]:
    ws, _ = initialise(tmp_path / name, site_name="Test Counter",
                       organisation_name="Test Org", admin_username="admin",
                       passphrase=PASSPHRASE)
    try:
        _write(ws, bulk)
        return _normalise(_state(ws), ws.actor.site_id, ws.actor.user_id)
    finally:
        ws.close()


def test_create_many_writes_what_create_writes(tmp_path: Path) -> None:
    one_by_one = _state_of(tmp_path, "single", bulk=False)
    bulk = _state_of(tmp_path, "bulk", bulk=True)
    assert one_by_one["audit"][:3] == [("create:organisation", "organisation", f"org-{i}",
                                        None, "<user>", "<site>") for i in range(3)]
    # The revived schedule logs its blank columns too.
    assert any(r[2] == "sch-4" and r[3] == "opens_at" and r[4] == "null"
               for r in one_by_one["log"])
    for key in one_by_one:
        assert bulk[key] == one_by_one[key], key


def test_create_many_of_nothing_writes_nothing(tmp_path: Path) -> None:
    ws, _ = initialise(tmp_path / "empty", site_name="Test Counter",
                       organisation_name="Test Org", admin_username="admin",
                       passphrase=PASSPHRASE)
    try:
        before = _state(ws)
        with ws.db.write(ws.actor) as w:
            w.create_many(Service, [])
        assert _state(ws) == before
    finally:
        ws.close()


def test_change_log_values_are_written_as_json_dumps_writes_them() -> None:
    """The write path's quick JSON for a cell is exactly ``json.dumps`` of it."""
    import json
    from datetime import UTC, datetime

    from csn_desk.store.writes import json_value, to_json_value

    values: list[Any] = [
        None, True, False, 0, -7, 2**70, 1.5, 1e300, float("nan"), float("inf"), -0.0, "",
        "plain", "quote \" and \\ backslash", "tab\tnew\nline", "café ☕ \U0001f600",
        "\ud800 lone surrogate", date(2026, 1, 2), time(9, 30), datetime(2026, 1, 2, 3, 4),
        datetime(2026, 1, 2, 3, 4, tzinfo=UTC), [1, "a"], {"k": None}]

    class Text(str):
        pass

    values.append(Text("a str subclass"))
    for value in values:
        assert json_value(value) == json.dumps(to_json_value(value)), value


def _log_index(ws: Workspace) -> str | None:
    with ws.db.read() as s:
        row = s.execute(text("SELECT sql FROM sqlite_master WHERE type = 'index' AND "
                             "name = 'ix_change_log_row_id'")).first()
    return None if row is None else str(row[0])


def test_a_deferred_change_log_index_is_built_again_with_every_row(tmp_path: Path) -> None:
    """``log_index_deferred``: the index is gone only inside (and only when the change log
    is shorter than the rows to come), and comes back the same, holding every row; a
    failure inside brings it back with the rollback; a longer change log keeps it."""
    ws, _ = initialise(tmp_path / "deferred", site_name="Test Counter",
                       organisation_name="Test Org", admin_username="admin",
                       passphrase=PASSPHRASE)
    try:
        index = _log_index(ws)
        assert index is not None
        with ws.db.write(ws.actor) as w, w.log_index_deferred(10 ** 6):
            assert w.session.execute(text(
                "SELECT count(*) FROM sqlite_master WHERE name = 'ix_change_log_row_id'")
            ).scalar_one() == 0
            for model, rows, audit in _rows():
                w.create_many(model, rows, audit=audit)
        assert _log_index(ws) == index
        with ws.db.read() as s:
            assert s.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            everyone = s.execute(text("SELECT count(*) FROM change_log")).scalar_one()
            by_index = s.execute(text(
                "SELECT count(*) FROM change_log INDEXED BY ix_change_log_row_id "
                "WHERE row_id > ''")).scalar_one()
            assert by_index == everyone > 0

        # A failure inside (the same ids again): the rollback brings the index back.
        with pytest.raises(IntegrityError), ws.db.write(ws.actor) as w, \
                w.log_index_deferred(10 ** 6):
            w.create_many(*_rows()[2][:2])
        assert _log_index(ws) == index

        with ws.db.write(ws.actor) as w, w.log_index_deferred(1):
            assert w.session.execute(text(
                "SELECT count(*) FROM sqlite_master WHERE name = 'ix_change_log_row_id'")
            ).scalar_one() == 1
    finally:
        ws.close()


def _write_in_one(ws: Workspace, large: bool) -> None:
    """Rows made, one changed, one deleted and brought back, and more made after, all in
    one unit of work: in bulk inside ``Writer.large`` (which copies the new rows' cell
    clocks later, all together), or one by one outside it."""
    with ws.db.write(ws.actor) as w, (w.large() if large else contextlib.nullcontext()):
        def make(model: type[Any], rows: list[dict[str, Any]], audit: bool) -> None:
            if large:
                w.create_many(model, rows, audit=audit)
            else:
                for row in rows:
                    w.create(model(**row), audit=audit)

        for model, rows, audit in _rows():
            make(model, rows, audit)
        service = w.session.get(Service, "svc-1")
        assert service is not None
        w.update(service, name="Service 1, renamed", minimum_age=21)
        schedule = w.session.get(RegularSchedule, "sch-4")
        assert schedule is not None
        w.delete(schedule)
        make(RegularSchedule, [dict(_rows()[2][1][4], description=None, opens_at=None)], True)
        make(RegularSchedule, [dict(_rows()[2][1][i], id=f"sch-{i + 9}") for i in range(3)],
             False)


def _bases_are_the_clocks_overwritten(ws: Workspace) -> None:
    """Each change-log row's base is the clock its cell had just before: the (hlc, site)
    of the cell's change before it, none for a cell's first."""
    with ws.db.read() as s:
        last: dict[tuple[str, str, str], tuple[str, str]] = {}
        for table, row_id, name, stamp, site, base_hlc, base_site in s.execute(text(
                "SELECT table_name, row_id, field, hlc, site_id, base_hlc, base_site FROM "
                f"change_log WHERE {OURS.format(col='row_id')} ORDER BY seq")):
            cell = (table, row_id, name)
            assert (base_hlc, base_site) == last.get(cell, (None, None)), cell
            last[cell] = (stamp, site)
        clocks = {(t, i, f): (h, site) for t, i, f, h, site in s.execute(text(
            "SELECT table_name, row_id, field, hlc, site_id FROM cell_clock WHERE "
            f"{OURS.format(col='row_id')}"))}
        assert clocks == last


def test_large_writes_what_create_writes_in_one_unit_of_work(tmp_path: Path) -> None:
    """Inside ``large`` the clocks of bulk-made rows are copied later, all together: a
    change to one of them in the same unit of work still finds its clock as its base,
    and the clocks, change log and audit events end as one by one."""
    states = []
    for name, large in (("single", False), ("large", True)):
        ws, _ = initialise(tmp_path / name, site_name="Test Counter",
                           organisation_name="Test Org", admin_username="admin",
                           passphrase=PASSPHRASE)
        try:
            _write_in_one(ws, large)
            _bases_are_the_clocks_overwritten(ws)
            states.append(_normalise(_state(ws), ws.actor.site_id, ws.actor.user_id))
        finally:
            ws.close()
    one_by_one, bulk = states
    assert any(r[2] == "svc-1" and r[3] == "name" and r[7] == 0 for r in bulk["log"])
    for key in one_by_one:
        assert bulk[key] == one_by_one[key], key


def test_large_holds_back_new_rows_audit_events_and_appends_them_in_order(
        tmp_path: Path) -> None:
    """Inside ``large`` the audit events of ``create_many`` wait: an event appended
    meanwhile comes after them, those of later rows come at the end (their chain worked
    out while the clocks are copied), and the chain holds."""
    ws, _ = initialise(tmp_path / "held", site_name="Test Counter",
                       organisation_name="Test Org", admin_username="admin",
                       passphrase=PASSPHRASE)
    audited = "SELECT action, entity_id FROM audit_event WHERE " + OURS.format(
        col="entity_id") + " OR action = 'test:between' ORDER BY seq"
    try:
        (org_model, orgs, _a), (service_model, services, _b), _c = _rows()
        with ws.db.write(ws.actor) as w, w.large():
            w.create_many(org_model, orgs)
            assert w.session.execute(text(audited)).all() == []  # held back
            w.event("test:between")
            w.create_many(service_model, services)
            held = w.session.execute(text(audited)).all()
            assert [tuple(r) for r in held] == [
                *(("create:organisation", r["id"]) for r in orgs), ("test:between", None)]
        with ws.db.read() as s:
            rows = [tuple(r) for r in s.execute(text(audited)).all()]
            assert rows == [*(("create:organisation", r["id"]) for r in orgs),
                            ("test:between", None),
                            *(("create:service", r["id"]) for r in services)]
            assert verify_chain(s).ok
    finally:
        ws.close()


def test_a_failure_while_the_chain_is_worked_out_appends_nothing(tmp_path: Path) -> None:
    """``append_many_while``: if the work fails, its error comes out, no entry is written
    and the chain's head stays where it was (the next entries follow on from it)."""
    ws, _ = initialise(tmp_path / "failing", site_name="Test Counter",
                       organisation_name="Test Org", admin_username="admin",
                       passphrase=PASSPHRASE)
    count = "SELECT count(*) FROM audit_event"
    try:
        def work() -> None:
            raise RuntimeError("the long statement failed")

        with ws.db.write(ws.actor) as w:
            before = w.session.execute(text(count)).scalar_one()
            who = {"user_id": ws.actor.user_id, "site_id": ws.actor.site_id}
            with pytest.raises(RuntimeError, match="long statement"):
                w.audit.append_many_while([("create:service", "service", "svc-x")], work,
                                          **who)
            assert w.session.execute(text(count)).scalar_one() == before
            w.audit.append_many_while([("create:service", "service", "svc-y")],
                                      lambda: None, **who)
        with ws.db.read() as s:
            assert s.execute(text(count)).scalar_one() == before + 1
            assert s.execute(text("SELECT entity_id FROM audit_event ORDER BY seq DESC "
                                  "LIMIT 1")).scalar_one() == "svc-y"
            assert verify_chain(s).ok
    finally:
        ws.close()
