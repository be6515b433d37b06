"""The search index follows every write: through the Writer, raw SQL (sync, the demo
generator) and label changes, because SQL triggers keep it, not Python hooks."""

from __future__ import annotations

from sqlalchemy import text

from csn_desk.directory.editing import (
    delete_service,
    set_service_categories_with,
    update_organisation,
    update_service,
)
from csn_desk.directory.index import rebuild_search_index, search_generation, sync_taxonomy_labels
from csn_desk.directory.search import raw_fts_query, search_services
from csn_desk.workspace import Workspace
from tests.directory.dirkit import CostInput, org, service


def ids(ws: Workspace, query: str) -> list[str]:
    return [h.id for h in search_services(ws, query)]


def index_rows(ws: Workspace) -> list[tuple[str, ...]]:
    with ws.db.read() as s:
        return [tuple(r) for r in s.execute(text(
            "SELECT service_id, name, organisation, categories, description "
            "FROM service_search ORDER BY service_id"))]


def test_insert_update_delete_through_the_writer(ws: Workspace) -> None:
    sid = service(ws, org(ws), "Tuesday lunch club", categories=("clubs_groups",),
                  costs=(CostInput(amount=0),))
    assert ids(ws, "tuesday") == [sid]

    update_service(ws, sid, name="Wednesday dinner club")
    assert ids(ws, "wednesday") == [sid]
    assert ids(ws, "tuesday") == []  # the old name is gone from the index

    update_service(ws, sid, description="Roast on the first Wednesday")
    assert ids(ws, "roast") == [sid]

    delete_service(ws, sid)
    assert ids(ws, "wednesday") == [] and ids(ws, "roast") == []
    assert index_rows(ws) == []


def test_organisation_rename_and_categories_follow(ws: Workspace) -> None:
    o = org(ws, "Quayside Helpers")
    sid = service(ws, o, "Garden tidy", categories=("practical_support",))
    assert ids(ws, "quayside") == [sid]
    update_organisation(ws, o, name="Riverside Helpers")
    assert ids(ws, "riverside") == [sid] and ids(ws, "quayside") == []

    assert ids(ws, "practical") == [sid]  # the label "Practical support"
    with ws.db.write(ws.actor) as w:
        set_service_categories_with(w, sid, ("carers",))
    assert ids(ws, "carers") == [sid] and ids(ws, "practical") == []


def test_rows_written_by_raw_sql_are_indexed(ws: Workspace) -> None:
    """Sync and the demo generator insert with plain SQL; the triggers still see it."""
    with ws.db.engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (id, name, description, is_member, "
                          "needs_checking) VALUES ('o-raw', 'Raw Org', '', 0, 1)"))
        conn.execute(text("INSERT INTO service (id, organisation_id, name, description, "
                          "status, needs_checking) VALUES ('s-raw', 'o-raw', 'Knitting "
                          "circle', 'Wool provided', 'active', 1)"))
        conn.execute(text("INSERT INTO service_taxonomy (id, service_id, vocabulary, "
                          "term_code) VALUES ('t-raw', 's-raw', 'csn-need', 'carers')"))
    assert ids(ws, "knitting wool") == ["s-raw"]
    assert ids(ws, "carers") == ["s-raw"]


def test_label_changes_reach_the_index_and_sync_restores_them(ws: Workspace) -> None:
    sid = service(ws, org(ws), "Bill help", categories=("money_benefits",))
    with ws.db.engine.begin() as conn:
        conn.execute(text("UPDATE taxonomy_term SET label = 'Cash and grants' "
                          "WHERE vocabulary = 'csn-need' AND code = 'money_benefits'"))
    assert ids(ws, "grants") == [sid] and ids(ws, "money") == []
    with ws.db.write(ws.actor) as w:
        assert sync_taxonomy_labels(w.session) == 1
    assert ids(ws, "money") == [sid] and ids(ws, "grants") == []
    with ws.db.write(ws.actor) as w:
        assert sync_taxonomy_labels(w.session) == 0  # nothing to do the second time


def test_generation_moves_with_each_change(ws: Workspace) -> None:
    with ws.db.read() as s:
        before = search_generation(s)
    service(ws, org(ws), "Chair yoga")
    with ws.db.read() as s:
        assert search_generation(s) > before


def test_rebuild_gives_what_the_triggers_kept(ws: Workspace) -> None:
    o = org(ws, "Harbour Trust")
    service(ws, o, "Chair yoga", categories=("health_wellbeing", "leisure_learning"),
            description="Gentle seated exercise")
    sid = service(ws, o, "Memory cafe", categories=("carers",))
    update_organisation(ws, o, name="Harbour Lane Trust")
    update_service(ws, sid, name="Memory cafe and carers' chat")
    kept = index_rows(ws)
    with ws.db.write(ws.actor) as w:
        assert rebuild_search_index(w.session) == 2
    assert index_rows(ws) == kept
    assert ids(ws, "yoga") != []


def test_raw_baseline_matches_search_order(ws: Workspace) -> None:
    o = org(ws)
    a = service(ws, o, "Befriending visits")
    b = service(ws, o, "Lunch club", description="Befriending team visits too")
    with ws.db.read() as s:
        raw = raw_fts_query(s.connection(), "befr")
    assert raw == [a, b] == ids(ws, "befr")
    with ws.db.read() as s:
        assert raw_fts_query(s.connection(), "  ") == []
