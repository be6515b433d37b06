"""The bad-file table of the design, row by row, on real files in a real drop: a damaged,
hostile or half-copied file is never half-applied, and each is sorted into the right row
(not arrived yet / quarantined / equivocation / future clock / held / ignored)."""

from __future__ import annotations

import hashlib
import secrets
import shutil
import time
from pathlib import Path

import pytest

from csn_desk.directory.editing import update_organisation
from csn_desk.store import hlc
from csn_desk.store.models import Organisation
from csn_desk.sync import diagnostics, remove_site, sync_once
from csn_desk.sync import segment as seg
from csn_desk.sync.drop import Drop
from csn_desk.sync.errors import DropMissing, NotANetworkFolder, WrongNetwork
from csn_desk.sync.importer import EQUIVOCATION, FUTURE_CLOCK
from tests.sync.kit import Net, SiteState, build_network, own_segments, rows, scalar

pytestmark = pytest.mark.timeout(300)


def _phone(ws: object, org_id: str) -> str | None:
    with ws.db.read() as s:  # type: ignore[attr-defined]
        org = s.get(Organisation, org_id)
        return None if org is None else org.phone


def _edit_and_publish(ws: object, phone: str) -> Path:
    update_organisation(ws, ws.organisation_id, phone=phone)  # type: ignore[attr-defined]
    report = sync_once(ws)  # type: ignore[arg-type]
    assert report.exported_segments == 1
    drop = Path(ws.db.paths.root).parent / "drop"  # type: ignore[attr-defined]
    return own_segments(drop, ws.site_id)[-1]  # type: ignore[attr-defined]


def _kinds(ws: object, site_id: str, seq: int) -> set[str]:
    return {r[0] for r in rows(ws, "SELECT kind FROM sync_bad_file WHERE site_id = ? AND "  # type: ignore[arg-type]
                                   "seq = ?", site_id, seq)}


def _applied(ws: object, site_id: str, seq: int) -> bool:
    return scalar(ws, "SELECT count(*) FROM sync_segment WHERE site_id = ? AND seq = ?",  # type: ignore[arg-type]
                  site_id, seq) == 1


def test_truncated_at_every_byte_is_not_arrived_then_applies_whole(trio: Net) -> None:
    with trio.open("a", "b") as (a, b):
        path = _edit_and_publish(a, "01325 111111")
        data = path.read_bytes()
        seq = int(path.stem)
        importer = SiteState.load(b)
        before = _phone(b, a.organisation_id)
        for cut in range(len(data)):
            path.write_bytes(data[:cut])
            result = importer.import_now()
            assert result.segments == 0 and result.not_arrived == 1, cut
        assert _phone(b, a.organisation_id) == before
        assert not _applied(b, a.site_id, seq)
        assert _kinds(b, a.site_id, seq) == {"not_arrived"}
        path.write_bytes(data)
        result = importer.import_now()
        assert result.segments == 1
        assert _phone(b, a.organisation_id) == "01325 111111"
        assert _kinds(b, a.site_id, seq) == set()  # the note goes once it has arrived


def _regions(data: bytes) -> dict[str, list[int]]:
    """Byte offsets to flip in each region of a segment."""
    header, end = seg.read_header(data)
    out: dict[str, list[int]] = {"magic": [0, 5], "version": [6, 7], "header length": [8, 11],
                                 "header": [12, (12 + end) // 2, end - 1],
                                 "signature": [len(data) - 64, len(data) - 1]}
    offset = end
    for i in range(header.chunks):
        (length,) = seg.CHUNK_LEN.unpack_from(data, offset)
        out[f"chunk {i} length"] = [offset + 3]
        out[f"chunk {i}"] = [offset + 4, offset + 4 + length // 2, offset + 3 + length]
        offset += 4 + length
    return out


def test_bit_flips_in_every_region_are_never_applied(trio: Net) -> None:
    with trio.open("a", "b") as (a, b):
        path = _edit_and_publish(a, "01325 222222")
        data = path.read_bytes()
        seq = int(path.stem)
        importer = SiteState.load(b)
        for region, offsets in _regions(data).items():
            for offset in offsets:
                for bit in (0, 7):
                    flipped = bytearray(data)
                    flipped[offset] ^= 1 << bit
                    path.write_bytes(bytes(flipped))
                    result = importer.import_now()
                    assert result.segments == 0, (region, offset, bit)
                    if region.startswith("chunk") or region == "signature":
                        assert result.quarantined == 1, (region, offset, bit)
                    else:
                        assert result.quarantined + result.not_arrived + result.held == 1
        assert not _applied(b, a.site_id, seq)
        assert "quarantined" in _kinds(b, a.site_id, seq)
        path.write_bytes(data)  # the genuine file, when it turns up, is applied
        assert importer.import_now().segments == 1
        assert _phone(b, a.organisation_id) == "01325 222222"
        # The damaged copies were never deleted from (or written to) the drop by b.
        assert path.read_bytes() == data


def _big_ops(org_id: str, n: int) -> list[list[object]]:
    stamp = hlc.format_hlc(int(time.time() * 1000), 0)
    return [["organisation", org_id, "description", secrets.token_hex(80_000), stamp, None,
             None, "update"] for _ in range(n)]


def test_spliced_chunks_and_moved_headers_are_quarantined(trio: Net) -> None:
    with trio.open("a", "b") as (a, b):
        author = SiteState.load(a)
        x = author.craft(1000, _big_ops(a.organisation_id, 1))
        y = author.craft(1001, _big_ops(a.organisation_id, 1))
        hx, ex = seg.read_header(x)
        hy, ey = seg.read_header(y)
        assert hx.chunks >= 2 and hy.chunks >= 2
        (len0,) = seg.CHUNK_LEN.unpack_from(x, ex)
        spliced = x[:ex] + y[ey:ey + 4 + len0] + x[ex + 4 + len0:]
        moved = x[:ex] + y[ey:]
        drop = Drop(Path(author.net.drop_dir))
        target = drop.seg_path(a.site_id, 1000)
        target.parent.mkdir(parents=True, exist_ok=True)
        importer = SiteState.load(b)
        for bad in (spliced, moved):
            target.write_bytes(bad)
            result = importer.import_now()
            assert result.segments == 0
            assert result.quarantined + result.not_arrived == 1
        target.write_bytes(spliced)
        assert importer.import_now().segments == 0
        assert "quarantined" in _kinds(b, a.site_id, 1000)


def test_signed_but_undecryptable_is_quarantined(trio: Net) -> None:
    with trio.open("a", "b") as (a, b):
        author = SiteState.load(a)
        stamp = hlc.format_hlc(int(time.time() * 1000), 0)
        data = author.craft(500, [["organisation", a.organisation_id, "phone", "01325 9",
                                   stamp, None, None, "update"]], key=secrets.token_bytes(32))
        drop = Drop(Path(author.net.drop_dir))
        drop.seg_path(a.site_id, 500).write_bytes(data)
        result = SiteState.load(b).import_now()
        assert result.segments == 0 and result.quarantined == 1
        reasons = rows(b, "SELECT reason FROM sync_bad_file WHERE seq = 500")
        assert "does not decrypt" in reasons[0][0]


def test_impossible_changes_refuse_the_whole_segment(trio: Net) -> None:
    """A good change and a change to a local-only table in one file: neither is applied."""
    with trio.open("a", "b") as (a, b):
        author = SiteState.load(a)
        stamp = hlc.format_hlc(int(time.time() * 1000), 0)
        data = author.craft(600, [
            ["organisation", a.organisation_id, "phone", "01325 600600", stamp, None, None,
             "update"],
            ["user", b.user.id, "role", "admin", stamp, None, None, "update"]])
        Drop(Path(author.net.drop_dir)).seg_path(a.site_id, 600).write_bytes(data)
        before = _phone(b, a.organisation_id)
        result = SiteState.load(b).import_now()
        assert result.segments == 0 and result.quarantined == 1
        assert _phone(b, a.organisation_id) == before


def test_clock_a_year_ahead_is_quarantined_and_does_not_move_our_clock(trio: Net) -> None:
    with trio.open("a", "b") as (a, b):
        author = SiteState.load(a)
        future = hlc.format_hlc(int(time.time() * 1000) + 365 * 24 * 3600 * 1000, 0)
        data = author.craft(700, [["organisation", a.organisation_id, "phone", "01325 700700",
                                   future, None, None, "update"]])
        Drop(Path(author.net.drop_dir)).seg_path(a.site_id, 700).write_bytes(data)
        result = SiteState.load(b).import_now()
        assert result.segments == 0 and result.quarantined == 1
        assert _kinds(b, a.site_id, 700) == {FUTURE_CLOCK}
        wall = scalar(b, "SELECT wall_ms FROM hlc_state WHERE site_id = ?", b.site_id)
        assert wall < int(time.time() * 1000) + 60_000
        # A later good edit from a still goes through (the site is not blocked).
        path = _edit_and_publish(a, "01325 777777")
        assert path.stem != "000000000700"
        sync_once(b)
        assert _phone(b, a.organisation_id) == "01325 777777"


def test_newer_major_format_is_held_not_dropped(trio: Net) -> None:
    with trio.open("a", "b") as (a, b):
        path = _edit_and_publish(a, "01325 888888")
        data = bytearray(path.read_bytes())
        data[6] = seg.FORMAT_MAJOR + 1
        path.write_bytes(bytes(data))
        report = sync_once(b)
        assert report.held == 1 and report.imported_segments == 0
        assert any("newer version" in alert for alert in report.alerts)
        assert _kinds(b, a.site_id, int(path.stem)) == {"held"}
        assert path.exists()


def test_redelivered_segment_is_a_no_op(trio: Net) -> None:
    with trio.open("a", "b") as (a, b):
        path = _edit_and_publish(a, "01325 121212")
        assert sync_once(b).imported_segments == 1
        audit = scalar(b, "SELECT count(*) FROM audit_event")
        path.write_bytes(path.read_bytes())  # the cloud writes the same file again
        assert sync_once(b).imported_segments == 0
        assert scalar(b, "SELECT count(*) FROM audit_event") == audit


CONFLICT_NAMES = ("000000000001 (conflicted copy).seg",
                  "000000000001 (Ada's conflicted copy 2026-11-26).seg",
                  "000000000001-DESKTOP-PC.seg", "000000000001.sync-conflict-20261126-1.seg",
                  ".syncthing.000000000001.seg.tmp", "000000000001.SEG", "desktop.ini",
                  "Thumbs.db", "~$000000000001.seg", "00000000001.seg", ".DS_Store",
                  "\u0660" * 11 + "\u0661.seg",  # Arabic-Indic digits: not our names
                  "\uff10" * 11 + "\uff11.seg")  # full-width digits


def test_cloud_conflict_copies_and_strangers_are_ignored(trio: Net) -> None:
    with trio.open("a", "b") as (a, b):
        path = _edit_and_publish(a, "01325 343434")
        good = path.read_bytes()
        bogus = bytearray(good)
        bogus[-1] ^= 1
        for name in CONFLICT_NAMES:
            (path.parent / name).write_bytes(bytes(bogus))
        (path.parent.parent / "desktop.ini").write_bytes(b"[.ShellClassInfo]")
        (path.parent.parent / a.site_id.upper()).mkdir()
        report = sync_once(b)
        assert report.imported_segments == 1 and report.quarantined == 0
        assert report.ignored_names >= len(CONFLICT_NAMES) + 2
        assert scalar(b, "SELECT count(*) FROM sync_bad_file") == 0
        shown = diagnostics(b).ignored_names
        assert any("conflicted copy" in n for n in shown)


def test_permission_error_on_rename_is_retried_then_gives_up_cleanly(trio: Net) -> None:
    from csn_desk.sync.drop import place_no_overwrite
    from csn_desk.sync.errors import DropBusy

    failures = {"left": 0}
    slept: list[float] = []

    def flaky(src: Path, dst: Path) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise PermissionError(32, "The process cannot access the file")
        place_no_overwrite(src, dst)

    with trio.open("a") as (a,):
        folder = Path(SiteState.load(a).net.drop_dir)
        drop = Drop(folder, place=flaky, sleep=slept.append)
        for n in (1, 3, len(drop.retry_delays)):
            update_organisation(a, a.organisation_id, phone=f"01325 00000{n}")
            failures["left"] = n
            report = sync_once(a, drop=drop)
            assert report.exported_segments == 1
            assert len(slept) == n
            slept.clear()
        before = own_segments(folder, a.site_id)
        waiting = scalar(a, "SELECT count(*) FROM sync_segment WHERE site_id = ?", a.site_id)
        update_organisation(a, a.organisation_id, phone="01325 999999")
        failures["left"] = len(drop.retry_delays) + 1
        with pytest.raises(DropBusy):
            sync_once(a, drop=drop)
        assert own_segments(folder, a.site_id) == before  # nothing placed
        assert list((folder / "csn-desk" / "v1" / "tmp").iterdir()) == []  # nothing left
        assert scalar(a, "SELECT count(*) FROM sync_segment WHERE site_id = ?",
                      a.site_id) == waiting  # nothing marked published
        failures["left"] = 0
        assert sync_once(a, drop=drop).exported_segments == 1  # the same seq, next time
        after = own_segments(folder, a.site_id)
        assert len(after) == len(before) + 1
        assert int(after[-1].stem) == int(before[-1].stem) + 1


def test_wrong_or_missing_or_empty_drop_refuses_to_sync(trio: Net, tmp_path: Path) -> None:
    with trio.open("a") as (a,):
        update_organisation(a, a.organisation_id, phone="01325 565656")
        folder = Path(SiteState.load(a).net.drop_dir)
        moved = tmp_path / "moved"
        shutil.move(folder, moved)
        with pytest.raises(DropMissing):
            sync_once(a)
        from csn_desk.sync import drop_reachable

        assert not drop_reachable(a)
        folder.mkdir()  # an empty folder where the drop was (a new OneDrive login, say)
        with pytest.raises(NotANetworkFolder):
            sync_once(a)
        other = build_network(tmp_path / "other", [("x", "X Org")], sync=False)
        shutil.rmtree(folder)
        shutil.copytree(other.drop, folder)
        with pytest.raises(WrongNetwork) as err:
            sync_once(a)
        assert "different csn-desk network" in str(err.value)
        assert not list(folder.glob("csn-desk/v1/seg/*"))  # nothing was written there
        shutil.rmtree(folder)
        shutil.move(moved, folder)
        from csn_desk.sync import drop_reachable, sync_status

        assert drop_reachable(a)

        assert "different" in (sync_status(a).last_error or "")
        assert sync_once(a).exported_segments == 1
        assert sync_status(a).last_error is None


def test_unknown_site_is_held_until_the_roster_says(trio: Net) -> None:
    with trio.open("a", "b") as (a, b):
        path = _edit_and_publish(a, "01325 454545")
        stranger = "01a2152d-0000-7000-8000-000000000001"
        (path.parent.parent / stranger).mkdir()
        shutil.copy(path, path.parent.parent / stranger / "000000000001.seg")
        report = sync_once(b)
        assert report.imported_segments == 1 and report.held == 1 and report.quarantined == 0
        assert _kinds(b, stranger, 1) == {"unknown_site"}


def test_segment_of_a_removed_site_is_quarantined_older_ones_still_read(trio: Net) -> None:
    with trio.open("hub", "a", "b") as (hub, a, b):
        earlier = _edit_and_publish(b, "01325 100001")  # written while b was a member
        result = remove_site(hub, "b")
        assert result.epoch == 2
        sync_once(a)
        assert _phone(a, b.organisation_id) == "01325 100001"
        assert scalar(a, "SELECT epoch FROM sync_network") == 2
        # b does not know yet, and writes again with the old epoch's key.
        crafted = SiteState.load(b)
        stamp = hlc.format_hlc(int(time.time() * 1000), 0)
        late = crafted.craft(int(earlier.stem) + 1, [
            ["organisation", b.organisation_id, "phone", "01325 100002", stamp, None, None,
             "update"]], prev_hash=hashlib.sha256(earlier.read_bytes()).hexdigest(), epoch=1)
        Drop(Path(crafted.net.drop_dir)).seg_path(b.site_id, int(earlier.stem) + 1) \
            .write_bytes(late)
        report = sync_once(a)
        assert report.quarantined == 1 and report.imported_segments == 0
        assert _phone(a, b.organisation_id) == "01325 100001"
        reason = rows(a, "SELECT reason FROM sync_bad_file WHERE site_id = ?", b.site_id)
        assert "removed" in reason[0][0]
        # b cannot read anything written in the new epoch, and now knows it is out.
        assert sync_once(b).state == "removed"
        assert ("network", 2) not in SiteState.load(b).keys


def test_an_older_roster_put_back_is_never_taken(trio: Net) -> None:
    with trio.open("hub", "a", "b") as (hub, a, b):
        remove_site(hub, "b")
        sync_once(a)
        folder = Path(SiteState.load(a).net.drop_dir) / "csn-desk" / "v1" / "roster"
        versions = sorted(folder.glob("*.json"))
        newest = versions[-1]
        assert scalar(a, "SELECT status FROM sync_member WHERE site_id = ?", b.site_id) \
            == "removed"
        # Replay: the newest roster file replaced by an older one's content, and a next
        # version that is a copy of an older one.
        newest.write_bytes(versions[-2].read_bytes())
        (folder / f"{int(newest.stem) + 1:06d}.json").write_bytes(versions[0].read_bytes())
        sync_once(a)
        assert scalar(a, "SELECT status FROM sync_member WHERE site_id = ?", b.site_id) \
            == "removed"
        assert scalar(a, "SELECT roster_version FROM sync_network") == int(newest.stem)


def test_equivocation_from_a_clone_pauses_that_site(trio: Net, tmp_path: Path) -> None:
    """A copy of counter a's whole folder on another computer (same site, same keys)
    publishes its own seq n while the original publishes a different seq n."""
    clone_dir = tmp_path / "clone-of-a"
    shutil.copytree(trio.sites["a"], clone_dir)
    (clone_dir / "sync-install.id").unlink(missing_ok=True)
    view = tmp_path / "cloud-view"  # the clone's copy of a cloud folder
    shutil.copytree(trio.drop, view)
    from tests.sync.kit import open_site

    clone = open_site(clone_dir)
    try:
        with trio.open("a", "b") as (a, b):
            original = _edit_and_publish(a, "01325 313131")
            update_organisation(clone, clone.organisation_id, phone="01325 424242")
            sync_once(clone, drop=Drop(view))
            update_organisation(clone, clone.organisation_id, phone="01325 535353")
            sync_once(clone, drop=Drop(view))
            theirs = own_segments(view, a.site_id)
            assert theirs[-2].name == original.name  # the same seq, different content
            assert theirs[-2].read_bytes() != original.read_bytes()
            # The cloud keeps the original's copy of seq n and brings the clone's n + 1.
            shutil.copy(theirs[-1], original.parent / theirs[-1].name)
            report = sync_once(b)
            assert report.imported_segments == 1  # seq n (the original's)
            assert any("two different versions" in x for x in report.alerts)
            assert _kinds(b, a.site_id, int(theirs[-1].stem)) == {EQUIVOCATION}
            assert _phone(b, a.organisation_id) == "01325 313131"
            assert scalar(b, "SELECT paused_reason FROM sync_member WHERE site_id = ?",
                          a.site_id)
            # The clone, on the shared folder, finds its seq taken by different content.
            report = sync_once(clone)
            assert scalar(clone, "SELECT paused_reason FROM sync_network")
    finally:
        clone.close()


def test_restored_backup_continues_after_its_own_highest_seq(trio: Net,
                                                            tmp_path: Path) -> None:
    backup = tmp_path / "backup-of-a"
    shutil.copytree(trio.sites["a"], backup)  # a closed copy, as a backup restore gives
    with trio.open("a") as (a,):
        for phone in ("01325 000101", "01325 000102"):
            _edit_and_publish(a, phone)
        published = own_segments(trio.drop, a.site_id)
    for name in ("csn-desk.db", "csn-desk.keys"):
        shutil.copy(backup / name, trio.sites["a"] / name)
    with trio.open("a", "b") as (a, b):
        assert _phone(a, a.organisation_id) != "01325 000102"  # the backup is older
        update_organisation(a, a.organisation_id, email="counter@example.org")
        report = sync_once(a)
        assert report.imported_segments == 2  # its own later segments, read back
        assert _phone(a, a.organisation_id) == "01325 000102"  # nothing lost
        mine = own_segments(trio.drop, a.site_id)
        assert mine[:len(published)] == published and len(mine) == len(published) + 1
        report = sync_once(b)
        assert report.quarantined == 0 and not report.alerts
        assert scalar(b, "SELECT count(*) FROM sync_bad_file") == 0
        with b.db.read() as s:
            org = s.get(Organisation, a.organisation_id)
            assert org is not None
            assert (org.phone, org.email) == ("01325 000102", "counter@example.org")
