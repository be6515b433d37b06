"""Signed acks: each site says how far it has applied every stream; a site that only reads
is still heard from; the stability frontier is what every active site has; old ack files
are pruned by their author; forged acks are ignored."""

from __future__ import annotations

import json

from csn_desk.directory.editing import update_organisation
from csn_desk.sync import diagnostics, sync_once, sync_status
from csn_desk.sync.drop import Drop
from tests.sync.kit import Net, SiteState, own_segments, scalar


def test_acks_frontier_and_last_heard(trio: Net) -> None:
    with trio.open("hub", "a", "b") as (hub, a, b):
        update_organisation(a, a.organisation_id, phone="01325 246810")
        for ws in (a, hub, b, a, hub, b, hub):
            sync_once(ws)
        top = int(own_segments(trio.drop, a.site_id)[-1].stem)
        acked = json.loads(scalar(hub, "SELECT acked_json FROM sync_member WHERE site_id = ?",
                                  b.site_id))
        assert acked[a.site_id] == top  # b told everyone it has a's latest
        stable = dict(diagnostics(hub).stable)
        assert stable["a"] == top
        heard = {s.name: s.last_heard_at for s in sync_status(hub).sites}
        assert heard["b"] is not None
        drop = Drop(trio.drop)
        for ws in (hub, a, b):
            assert 1 <= len(drop.acks(ws.site_id)) <= 2


def test_a_forged_ack_is_ignored(trio: Net) -> None:
    with trio.open("hub", "a") as (hub, a):
        sync_once(hub)
        before = scalar(hub, "SELECT ack_n FROM sync_member WHERE site_id = ?", a.site_id)
        drop = Drop(trio.drop)
        forged = drop.ack_path(a.site_id, 999)
        forged.parent.mkdir(parents=True, exist_ok=True)
        body = {"format": "csn-desk-ack", "network_id": SiteState.load(hub).net.network_id,
                "site_id": a.site_id, "n": 999, "frontier": {a.site_id: 10**6},
                "created": "2030-01-01T00:00:00+00:00"}
        forged.write_text(json.dumps({"body": body, "signer": a.site_id, "sig": "AAAA"}))
        sync_once(hub)
        assert scalar(hub, "SELECT ack_n FROM sync_member WHERE site_id = ?",
                      a.site_id) == before


def test_import_reports_progress(trio: Net) -> None:
    from csn_desk.clients import ClientInput, add_client

    with trio.open("a", "b") as (a, b):
        update_organisation(a, a.organisation_id, phone="01325 135791")
        add_client(a, ClientInput(given_name="Bea", family_name="Example"))
        assert sync_once(a).exported_segments == 2  # one per scope
        seen: list[tuple[int, int]] = []
        report = sync_once(b, progress=lambda done, total: seen.append((done, total)))
        assert report.imported_segments == 2
        assert seen == [(1, 2), (2, 2)]
