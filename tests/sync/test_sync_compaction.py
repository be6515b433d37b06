"""Compaction and catching up from checkpoints, on real data folders and a real drop:
checkpoints are written and pruned by their author; an author deletes only its own segments
that every active site has acked and a checkpoint covers (never its newest); a removed
site's missing ack holds nothing back; a site that missed deleted segments, and a brand-new
site, catch up from checkpoints and end identical to the others; a damaged, truncated or
badly-filled checkpoint is refused whole."""

from __future__ import annotations

import json
import secrets
import time
from datetime import timedelta
from pathlib import Path

from csn_desk.cli.sync_cmd import _status
from csn_desk.clients import ClientInput, add_client, update_client
from csn_desk.directory.editing import update_organisation
from csn_desk.ids import utcnow
from csn_desk.store.rawsql import driver
from csn_desk.sync import approve_join, remove_site, request_join, sync_once, sync_status
from csn_desk.sync import checkpoint as ck
from csn_desk.sync import segment as seg
from csn_desk.sync.catchup import CATCH_UP_TEXT, catch_up, state_records
from csn_desk.sync.compaction import compact, write_checkpoints
from csn_desk.sync.documents import NETWORK, org_scope
from csn_desk.sync.drop import Drop
from csn_desk.workspace import Workspace
from tests.sync.kit import Net, SiteState, dump, new_site, open_site, own_segments, rows, scalar


def _edits(ws: Workspace, n: int, tag: str) -> None:
    """n rounds of one directory edit and one client edit, each published on its own."""
    cid = add_client(ws, ClientInput(given_name="Ada", family_name=f"Example{tag}"))
    sync_once(ws)
    for i in range(n):
        update_organisation(ws, ws.organisation_id, phone=f"01325 {i:06d}")
        update_client(ws, cid, family_name=f"Sample{tag}{i}")
        sync_once(ws)


def _settle(*sites: Workspace, rounds: int = 3) -> None:
    for _ in range(rounds):
        for ws in sites:
            sync_once(ws)


def _checkpoint(ws: Workspace) -> list[int]:
    st = SiteState.load(ws)
    return write_checkpoints(ws, Drop(Path(st.net.drop_dir)), st.net, st.ident, st.keys,
                             force=True)


def _compact(ws: Workspace) -> list[int]:
    st = SiteState.load(ws)
    return compact(ws, Drop(Path(st.net.drop_dir)), st.net)


def _seqs(drop: Path, ws: Workspace) -> list[int]:
    return [int(p.stem) for p in own_segments(drop, ws.site_id)]


def _make_stale(ws: Workspace, away: Workspace) -> None:
    """``away`` was last heard from by ``ws`` 200 days ago."""
    raw = ws.db.engine.raw_connection()
    try:
        raw.driver_connection.execute(  # type: ignore[union-attr]
            "UPDATE sync_member SET last_heard_at = ? WHERE site_id = ?",
            ((utcnow() - timedelta(days=200)).strftime("%Y-%m-%d %H:%M:%S.%f"), away.site_id))
        raw.commit()
    finally:
        raw.close()


def _same(*sites: Workspace) -> None:
    dumps = [dump(ws) for ws in sites]
    for ws, other in zip(sites[1:], dumps[1:], strict=True):
        for key in dumps[0]:
            assert other[key] == dumps[0][key], (key, ws.site_name)


def test_compaction_deletes_only_covered_acked_own_segments(trio: Net) -> None:
    with trio.open("hub", "a", "b") as (hub, a, b):
        _edits(a, 4, "A")
        _settle(hub, b, a, hub, b, a)
        before = {ws.site_id: _seqs(trio.drop, ws) for ws in (hub, b)}
        mine = _seqs(trio.drop, a)
        assert len(mine) >= 8
        assert _compact(a) == []  # every site has them, but no checkpoint covers them yet
        assert _seqs(trio.drop, a) == mine
        written = _checkpoint(a)
        assert len(written) == 2  # the network's and the organisation's
        deleted = _compact(a)
        assert deleted == mine[:-1]  # all but the newest
        assert _seqs(trio.drop, a) == [mine[-1]]
        assert {ws.site_id: _seqs(trio.drop, ws) for ws in (hub, b)} == before  # not ours

        # A new segment that b has not acked stays, even under a checkpoint.
        update_organisation(a, a.organisation_id, phone="01325 999999")
        update_organisation(a, a.organisation_id, phone="01325 999998")
        sync_once(a)
        update_organisation(a, a.organisation_id, phone="01325 999997")
        sync_once(a)
        sync_once(hub)
        sync_once(a)
        _checkpoint(a)
        kept = _seqs(trio.drop, a)
        assert _compact(a) == []
        assert _seqs(trio.drop, a) == kept
        # Only the newest two checkpoints of each scope are kept.
        third = _checkpoint(a)
        files = Drop(trio.drop).checkpoints(a.site_id)
        assert sorted(files) == list(range(third[-1] - 3, third[-1] + 1))
        scopes = [ck.read_header(Path(p).read_bytes())[0].scope for p in files.values()]
        org = org_scope(a.organisation_id)
        assert sorted(scopes) == sorted([NETWORK, NETWORK, org, org])
        _settle(b, hub, a, b, hub, a)
        _same(a, b)


def test_a_removed_sites_missing_ack_holds_nothing_back(trio: Net) -> None:
    with trio.open("hub", "a", "b") as (hub, a, b):
        _settle(hub, a, b)
        b_has = scalar(b, "SELECT max(seq) FROM sync_segment WHERE site_id = ?", a.site_id)
        _edits(a, 2, "R")
        sync_once(hub)
        sync_once(a)
        _checkpoint(a)
        assert all(seq <= b_has for seq in _compact(a))  # b has not acked a's new ones
        assert all(seq in _seqs(trio.drop, a) for seq in range(b_has + 1, b_has + 5))
        remove_site(hub, "b")
        _settle(hub, a, hub, a)
        newest = max(_seqs(trio.drop, a))
        assert newest > b_has + 1
        _checkpoint(a)  # under the new epoch's keys
        _compact(a)  # (the sync rounds compact too)
        assert _seqs(trio.drop, a) == [newest]


def test_a_site_away_too_long_catches_up_from_a_checkpoint(trio: Net) -> None:
    with trio.open("hub", "a", "b") as (hub, a, b):
        _settle(hub, a, b)
        # b goes quiet; a and the hub carry on and, in time, stop waiting for it.
        _edits(a, 3, "Away")
        update_organisation(hub, hub.organisation_id, phone="01325 424242")
        _settle(hub, a, hub, a)
        for ws in (hub, a):
            _make_stale(ws, b)
            _checkpoint(ws)
        assert _compact(a) != []
        assert _compact(hub) != []
        gone = scalar(b, "SELECT coalesce(max(seq), 0) FROM sync_segment WHERE site_id = ?",
                      a.site_id) + 1
        assert not Drop(trio.drop).seg_path(a.site_id, gone).exists()

        seen: list[tuple[int, int]] = []
        report = sync_once(b, progress=lambda d, t: seen.append((d, t)))
        assert report.caught_up and CATCH_UP_TEXT in report.alerts
        assert seen and seen[-1][0] <= seen[-1][1]
        status = sync_status(b)
        assert status.caught_up_at is not None and CATCH_UP_TEXT in status.alerts
        _settle(b, hub, a, b, hub, a)
        _same(a, b)
        hub_dump, b_dump = dump(hub), dump(b)  # the hub is of another organisation
        for table in ("organisation", "site", "service"):
            assert hub_dump[table] == b_dump[table], table
        assert scalar(b, "SELECT count(*) FROM sync_segment WHERE state = 'checkpoint'") > 0
        # b's ack has moved past the deleted segments: nothing stalls.
        sync_once(b)
        sync_once(a)
        acked = json.loads(scalar(a, "SELECT acked_json FROM sync_member WHERE site_id = ?",
                                  b.site_id))
        assert acked[a.site_id] >= max(_seqs(trio.drop, a))


def test_a_new_site_joins_from_checkpoints(trio: Net, tmp_path: Path) -> None:
    with trio.open("hub", "a", "b") as (hub, a, b):
        _edits(a, 3, "New")
        _edits(b, 2, "Other")
        _settle(hub, a, b, hub, a, b)
        for ws in (a, b, hub):
            _checkpoint(ws)
        assert _compact(a) != [] and _compact(b) != []
        _compact(hub)
        c = new_site(tmp_path / "c", "Age UK outreach 2", "placeholder")
        try:
            fp = request_join(c, trio.drop).fingerprint
            approve_join(hub, fp, "Age UK")
            sync_once(hub)
            first = sync_once(c)  # the network's records from a checkpoint
            assert first.caught_up
            _settle(a, b, hub)  # a and b pass the organisation's keys to c
            second = sync_once(c)
            assert second.caught_up  # and now the organisation's records
            _settle(c, a, b, hub, c, a, b)
            assert c.organisation_id == a.organisation_id
            _same(a, b, c)
            assert sync_status(c).caught_up_at is not None
        finally:
            c.close()


def test_a_damaged_or_truncated_checkpoint_is_refused_whole(trio: Net) -> None:
    with trio.open("hub", "a", "b") as (hub, a, b):
        _settle(hub, a, b)
        add_client(a, ClientInput(given_name="Bea", family_name="Checkpointed"))
        sync_once(a)
        written = _checkpoint(a)
        drop = Drop(trio.drop)
        st_b = SiteState.load(b)
        before = dump(b)
        network_file = Path(drop.ckpt_path(a.site_id, written[0]))
        good = network_file.read_bytes()

        # Truncated (still arriving): not used, not set aside.
        network_file.write_bytes(good[:len(good) // 2])
        got = catch_up(b, drop, st_b.net, st_b.keys, b.organisation_id, force=True)
        assert got is None or not got.checkpoints
        assert dump(b) == before
        assert scalar(b, "SELECT count(*) FROM sync_bad_file WHERE seq < 0") == 0

        # A flipped bit in the payload: set aside (never deleted from the drop).
        bad = bytearray(good)
        bad[len(bad) - seg.SIGNATURE - 5] ^= 0x01
        network_file.write_bytes(bytes(bad))
        got = catch_up(b, drop, st_b.net, st_b.keys, b.organisation_id, force=True)
        assert got is not None and got.quarantined == 1 and not got.checkpoints
        assert dump(b) == before
        assert rows(b, "SELECT site_id, seq, kind FROM sync_bad_file WHERE seq < 0") == [
            (a.site_id, -written[0], "quarantined")]
        assert network_file.exists()


def test_a_signed_checkpoint_with_a_bad_record_applies_nothing(trio: Net) -> None:
    """Genuine signature, good records first and an impossible one last: the records
    before it were merged inside the transaction and are rolled back with it."""
    with trio.open("hub", "a", "b") as (hub, a, b):
        _settle(hub, a, b)
        update_organisation(a, a.organisation_id, phone="01325 777777")
        add_client(a, ClientInput(given_name="Cy", family_name="Rolledback"))
        st_a, st_b = SiteState.load(a), SiteState.load(b)
        scope = org_scope(a.organisation_id)
        with a.db.read() as s:
            good = list(state_records(driver(s), scope))
        assert any(r[0] == "c" and r[1] == "client" for r in good)
        stamp = max(ck.record_stamp(r) for r in good)
        evil = ["c", "user", "0190e3b2-0000-7000-8000-000000000001", "username", "x", stamp,
                a.site_id]  # a table that never syncs
        drop = Drop(trio.drop)
        for n, recs in ((900, good + [evil]),):
            data = ck.build(network_id=st_a.net.network_id, identity=st_a.ident, n=n,
                            scope=scope, epoch=st_a.net.epoch, schema="x", frontier={},
                            records=recs, scope_key=st_a.keys[(scope, st_a.net.epoch)],
                            created_ms=int(time.time() * 1000),
                            salt=secrets.token_bytes(32))
            drop.publish(drop.ckpt_path(a.site_id, n), data, tag="test")
        with a.db.read() as s:
            net_recs = list(state_records(driver(s), NETWORK))
        data = ck.build(network_id=st_a.net.network_id, identity=st_a.ident, n=901,
                        scope=NETWORK, epoch=st_a.net.epoch, schema="x", frontier={},
                        records=net_recs, scope_key=st_a.keys[(NETWORK, st_a.net.epoch)],
                        created_ms=int(time.time() * 1000), salt=secrets.token_bytes(32))
        drop.publish(drop.ckpt_path(a.site_id, 901), data, tag="test")
        before = dump(b)
        got = catch_up(b, drop, st_b.net, st_b.keys, b.organisation_id, force=True)
        assert got is not None and got.quarantined >= 1
        after = dump(b)
        assert after["client"] == before["client"]  # the good records were rolled back
        assert (a.site_id, -900, "quarantined") in rows(
            b, "SELECT site_id, seq, kind FROM sync_bad_file WHERE seq < 0")


def test_status_shows_the_drop_and_checkpoints(trio: Net, capsys: object) -> None:
    with trio.open("hub", "a", "b") as (hub, a, b):
        _edits(a, 1, "S")
        _settle(hub, b, a)
        _checkpoint(a)
        _settle(hub, b, a)
        status = sync_status(a)
        assert status.segments_in_drop >= 3 and status.checkpoints_in_drop == 2
        assert status.last_checkpoint_at is not None
        _status(a)
        out = capsys.readouterr().out  # type: ignore[attr-defined]
        assert "Shared folder:" in out and "checkpoint" in out


def test_reopened_site_is_unchanged(trio: Net) -> None:
    """A checkpoint written, the site closed and opened again: it still syncs as before."""
    with trio.open("a") as (a,):
        _checkpoint(a)
    a2 = open_site(trio.sites["a"])
    try:
        assert sync_once(a2).state == "active"
    finally:
        a2.close()


def test_an_erasure_reaches_what_a_site_catching_up_wrote_itself(trio: Net) -> None:
    """b wrote the person's phone itself; the erasure made at a reaches b in a checkpoint
    (not a segment), and b's own change-log entry of the phone goes too."""
    from csn_desk.protection.erasure import erase_client

    phone = "07700 900471"
    with trio.open("hub", "a", "b") as (hub, a, b):
        _settle(hub, a, b)
        cid = add_client(a, ClientInput(given_name="Ada", family_name="Erasable"))
        _settle(a, b)
        update_client(b, cid, phone=phone)
        _settle(b, a)
        assert phone in str(rows(b, "SELECT value_json FROM change_log"))
        erase_client(a, cid, "person_asked")
        sync_once(a)
        _checkpoint(a)
        st_b = SiteState.load(b)
        got = catch_up(b, Drop(trio.drop), st_b.net, st_b.keys, b.organisation_id, force=True)
        assert got is not None and got.checkpoints
        assert scalar(b, "SELECT erased_at IS NOT NULL FROM client WHERE id = ?", cid) == 1
        assert phone not in str(rows(b, "SELECT value_json FROM change_log"))
        assert phone not in str(rows(b, "SELECT * FROM client"))
