"""The merge rules of csn_desk.store.remote on one real database, change by change: last
writer wins per cell by (hlc, site) with the site id breaking ties; deletes and revivals in
both orders; rows waiting for their insert or parent; the conflict log tells a concurrent
edit from a later one; derived client keys; changes from a newer version kept for later;
and a bad change refuses the whole batch."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from csn_desk.store.remote import BadChange, RemoteChange, apply_changes, replay_pending
from csn_desk.sync.importer import DERIVERS
from csn_desk.workspace import Workspace
from tests.sync.kit import rows, scalar

SITE_A = "01a00000-0000-7000-8000-00000000000a"
SITE_B = "01a00000-0000-7000-8000-00000000000b"
ORG = "01a00000-0000-7000-8000-0000000000f1"
SVC = "01a00000-0000-7000-8000-0000000000e1"
T = 1_900_000_000_000  # a fixed wall clock (ms) for the stamps


def stamp(ms: int, counter: int = 0) -> str:
    return f"{T + ms:013d}-{counter:06d}"


def ch(table: str, row: str, field: str, value: Any, ms: int, site: str = SITE_A,
       base: tuple[int, str] | None = None, op: str = "update", counter: int = 0) -> RemoteChange:
    bh, bs = (stamp(base[0]), base[1]) if base else (None, None)
    return RemoteChange(table, row, field, value, stamp(ms, counter), site, bh, bs, op)


def org_insert(ms: int, site: str = SITE_A, name: str = "Foodbank",
               row: str = ORG) -> list[RemoteChange]:
    return [ch("organisation", row, f, v, ms, site, op="insert") for f, v in
            (("name", name), ("description", ""), ("is_member", False),
             ("needs_checking", True))]


def service_insert(ms: int, site: str = SITE_A, row: str = SVC,
                   org: str = ORG) -> list[RemoteChange]:
    return [ch("service", row, f, v, ms, site, op="insert") for f, v in
            (("organisation_id", org), ("name", "Lunch club"), ("description", ""),
             ("status", "active"), ("needs_checking", True))]


def delete(table: str, row: str, ms: int, site: str = SITE_A) -> RemoteChange:
    return ch(table, row, "_deleted", True, ms, site, op="delete")


def apply(ws: Workspace, changes: list[RemoteChange]) -> Any:
    with ws.db.write(ws.actor) as w:
        return apply_changes(w.session, changes, derivers=DERIVERS)


def org_name(ws: Workspace, row: str = ORG) -> str | None:
    return scalar(ws, "SELECT name FROM organisation WHERE id = ?", row)


def conflicts(ws: Workspace) -> list[tuple[Any, ...]]:
    return rows(ws, "SELECT field, hlc, site_id, value_json FROM sync_conflict ORDER BY hlc")


def test_later_stamp_wins_in_any_order_and_ties_go_to_the_higher_site(ws: Workspace) -> None:
    apply(ws, org_insert(0))
    edits = [ch("organisation", ORG, "name", "From A", 10, SITE_A),
             ch("organisation", ORG, "name", "From B", 10, SITE_B),  # same HLC: site B wins
             ch("organisation", ORG, "name", "Older", 5, SITE_B)]
    apply(ws, edits[::-1])
    assert org_name(ws) == "From B"
    stats = apply(ws, edits)  # again, in the other order: nothing changes
    assert stats.won == 0 and org_name(ws) == "From B"


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_delete_against_concurrent_edit_every_order(ws: Workspace, order: tuple[int, ...],
                                                    ) -> None:
    """Insert at 0, delete at 20; an edit at 30 (later) revives the row whatever order the
    three arrive in, with every other value kept."""
    batches = [org_insert(0), [delete("organisation", ORG, 20, SITE_B)],
               [ch("organisation", ORG, "phone", "01325 1", 30, SITE_A, base=(0, SITE_A))]]
    for i in order:
        apply(ws, batches[i])
    assert rows(ws, "SELECT name, phone FROM organisation WHERE id = ?", ORG) == \
        [("Foodbank", "01325 1")]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_delete_after_edit_every_order(ws: Workspace, order: tuple[int, ...]) -> None:
    batches = [org_insert(0), [ch("organisation", ORG, "phone", "01325 1", 10)],
               [delete("organisation", ORG, 20, SITE_B)]]
    for i in order:
        apply(ws, batches[i])
    assert org_name(ws) is None
    assert scalar(ws, "SELECT dead FROM sync_shadow_row WHERE row_id = ?", ORG) == 1


def test_delete_then_reinsert_then_delete(ws: Workspace) -> None:
    apply(ws, org_insert(0))
    apply(ws, [delete("organisation", ORG, 10)])
    assert org_name(ws) is None
    apply(ws, org_insert(20, name="Back again"))
    assert org_name(ws) == "Back again"
    apply(ws, [delete("organisation", ORG, 30)])
    assert org_name(ws) is None


def test_a_child_waits_for_its_parent_and_leaves_with_it(ws: Workspace) -> None:
    apply(ws, service_insert(5))  # the service arrives before its organisation
    assert scalar(ws, "SELECT count(*) FROM service WHERE id = ?", SVC) == 0
    assert scalar(ws, "SELECT dead FROM sync_shadow_row WHERE row_id = ?", SVC) == 0
    apply(ws, org_insert(0))
    assert scalar(ws, "SELECT name FROM service WHERE id = ?", SVC) == "Lunch club"
    apply(ws, [delete("organisation", ORG, 10)])  # the parent goes: the child waits again
    assert scalar(ws, "SELECT count(*) FROM service WHERE id = ?", SVC) == 0
    apply(ws, [ch("organisation", ORG, "name", "Revived", 15, SITE_B, base=(0, SITE_A))])
    assert scalar(ws, "SELECT name FROM service WHERE id = ?", SVC) == "Lunch club"


def test_an_update_before_its_insert_waits_then_merges(ws: Workspace) -> None:
    apply(ws, [ch("organisation", ORG, "phone", "01325 2", 10, base=(0, SITE_A))])
    assert org_name(ws) is None  # not enough to make a row
    apply(ws, org_insert(0))
    assert rows(ws, "SELECT name, phone FROM organisation WHERE id = ?", ORG) == \
        [("Foodbank", "01325 2")]
    assert conflicts(ws) == []  # the edit was based on the insert: no conflict


def test_sequential_edits_are_not_conflicts_concurrent_ones_are(ws: Workspace) -> None:
    apply(ws, org_insert(0))
    apply(ws, [ch("organisation", ORG, "phone", "A1", 10, SITE_A, base=(0, SITE_A))])
    apply(ws, [ch("organisation", ORG, "phone", "B1", 20, SITE_B, base=(10, SITE_A))])
    assert conflicts(ws) == []  # B saw A's value and changed it
    # Now both edit from B1 without seeing each other: the lower stamp is a conflict.
    apply(ws, [ch("organisation", ORG, "phone", "A2", 30, SITE_A, base=(20, SITE_B))])
    apply(ws, [ch("organisation", ORG, "phone", "B2", 31, SITE_B, base=(20, SITE_B))])
    assert conflicts(ws) == [("phone", stamp(30), SITE_A, '"A2"')]
    # A later edit based on A2 shows someone saw it after all: no longer a conflict loser.
    apply(ws, [ch("organisation", ORG, "phone", "A3", 40, SITE_A, base=(30, SITE_A))])
    assert ("phone", stamp(31), SITE_B, '"B2"') in conflicts(ws)
    assert ("phone", stamp(30), SITE_A, '"A2"') not in conflicts(ws)


def test_conflict_log_is_the_same_whatever_the_order(ws: Workspace) -> None:
    edits = [org_insert(0),
             [ch("organisation", ORG, "phone", "A", 10, SITE_A, base=(0, SITE_A))],
             [ch("organisation", ORG, "phone", "B", 11, SITE_B, base=(0, SITE_A))],
             [ch("organisation", ORG, "phone", "C", 12, SITE_A, base=(10, SITE_A))]]
    apply(ws, [c for batch in edits for c in batch])
    first = conflicts(ws)
    assert first == [("phone", stamp(11), SITE_B, '"B"')]
    # Replaying everything in reverse (each change is a duplicate now) changes nothing.
    apply(ws, [c for batch in edits[::-1] for c in batch])
    assert conflicts(ws) == first


def test_client_keys_follow_the_merged_names(ws: Workspace) -> None:
    cid = "01a00000-0000-7000-8000-0000000000c1"
    insert = [ch("client", cid, f, v, 0, op="insert") for f, v in (
        ("organisation_id", ws.organisation_id), ("given_name", "Ada"),
        ("family_name", "Smith"), ("preferred_contact", "letter"),
        ("preferred_format", "not_asked"), ("restricted", False),
        ("created_at", "2026-01-01T10:00:00+00:00"),
        ("family_key", "forged"), ("given_key", "forged"))]
    apply(ws, insert)
    assert scalar(ws, "SELECT family_key FROM client WHERE id = ?", cid).startswith("s:")
    apply(ws, [ch("client", cid, "family_name", "Jones", 5, SITE_B, base=(0, SITE_A))])
    key = scalar(ws, "SELECT family_key FROM client WHERE id = ?", cid)
    assert key.startswith("j:") and "jones" in key
    assert scalar(ws, "SELECT created_at FROM client WHERE id = ?", cid) == \
        "2026-01-01 10:00:00.000000"


def test_values_are_stored_as_the_orm_stores_them(ws: Workspace) -> None:
    apply(ws, org_insert(0))
    apply(ws, [ch("organisation", ORG, "assured_date", "2026-02-03", 5),
               ch("organisation", ORG, "is_member", True, 5)])
    assert rows(ws, "SELECT assured_date, is_member FROM organisation WHERE id = ?", ORG) == \
        [("2026-02-03", 1)]


@pytest.mark.parametrize("bad", [
    ch("organisation", ORG, "is_member", "yes please", 5),
    ch("organisation", ORG, "assured_date", "next tuesday", 5),
    ch("user", ORG, "role", "admin", 5),
])
def test_a_bad_change_refuses_the_whole_batch(ws: Workspace, bad: RemoteChange) -> None:
    with pytest.raises(BadChange):
        apply(ws, [*org_insert(0), bad])
    assert org_name(ws) is None
    assert scalar(ws, "SELECT count(*) FROM cell_clock WHERE row_id = ?", ORG) == 0


def test_newer_columns_and_tables_are_kept_for_later(ws: Workspace) -> None:
    apply(ws, [*org_insert(0), ch("organisation", ORG, "future_field", "x", 3),
               ch("future_table", "r1", "name", "y", 3)])
    assert org_name(ws) == "Foodbank"
    assert scalar(ws, "SELECT count(*) FROM sync_pending_op") == 2
    with ws.db.write(ws.actor) as w:
        assert replay_pending(w.session, derivers=DERIVERS) == 0  # still unknown
    assert scalar(ws, "SELECT count(*) FROM sync_pending_op") == 2


def test_imported_changes_are_never_exported_as_ours(ws: Workspace) -> None:
    before = scalar(ws, "SELECT count(*) FROM change_log")
    apply(ws, [*org_insert(0), *service_insert(1)])
    assert scalar(ws, "SELECT count(*) FROM change_log") == before
    assert scalar(ws, "SELECT count(*) FROM service") == 1


def test_local_delete_keeps_values_so_a_remote_edit_can_revive(ws: Workspace) -> None:
    from csn_desk.directory.editing import OrganisationInput, add_organisation
    from csn_desk.store.models import Organisation

    oid = add_organisation(ws, OrganisationInput(name="Local group", phone="01325 3"))
    with ws.db.write(ws.actor) as w:
        w.delete(w.session.get(Organisation, oid))
    assert org_name(ws, oid) is None
    far = 10**9  # well after the local delete
    apply(ws, [ch("organisation", oid, "description", "Still running", far, SITE_B)])
    assert rows(ws, "SELECT name, phone, description FROM organisation WHERE id = ?", oid) == \
        [("Local group", "01325 3", "Still running")]


def test_conflict_log_entries_are_forgotten_after_a_year(ws: Workspace) -> None:
    from datetime import UTC, datetime, timedelta

    from csn_desk.sync.compaction import forget_old_conflicts

    day = 86_400_000
    apply(ws, org_insert(0))
    # Two concurrent pairs of edits, 400 days apart: each leaves A's value as the loser.
    apply(ws, [ch("organisation", ORG, "phone", "A1", 10, SITE_A, base=(0, SITE_A)),
               ch("organisation", ORG, "phone", "B1", 10, SITE_B, base=(0, SITE_A))])
    apply(ws, [ch("organisation", ORG, "phone", "A2", 400 * day, SITE_A, base=(10, SITE_B)),
               ch("organisation", ORG, "phone", "B2", 400 * day, SITE_B, base=(10, SITE_B))])
    assert conflicts(ws) == [("phone", stamp(10), SITE_A, '"A1"'),
                             ("phone", stamp(400 * day), SITE_A, '"A2"')]
    when = datetime.fromtimestamp((T + 430 * day) / 1000, UTC)  # 30 days after the second
    assert forget_old_conflicts(ws, now=when) == 1  # the one written over a year ago
    assert conflicts(ws) == [("phone", stamp(400 * day), SITE_A, '"A2"')]
    assert forget_old_conflicts(ws, now=when) == 0
    assert forget_old_conflicts(ws, now=when + timedelta(days=400)) == 1
    assert conflicts(ws) == []
