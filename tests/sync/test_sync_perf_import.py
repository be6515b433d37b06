"""What the faster import and export must still do (issue 5's benchmarks changed how they
work, not what they guarantee): the per-segment bookkeeping written as plain statements reads
back as the ORM wrote it, "last heard" never goes backwards, a malformed change refuses the
whole file instead of crashing the round, a poll with nothing new does not open applied files
but still finds one that arrives late, and the export decodes every value as ``loads`` does."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from csn_desk.directory.editing import update_organisation
from csn_desk.store import hlc, migrate
from csn_desk.store.models import Organisation
from csn_desk.store.models.sync import SyncMember, SyncSegment
from csn_desk.sync import segment as seg
from csn_desk.sync import sync_once
from csn_desk.sync.drop import Drop
from csn_desk.sync.export import _values
from tests.sync.kit import Net, SiteState, rows, scalar

pytestmark = pytest.mark.timeout(300)


def _segment(author: SiteState, seq: int, ops: list[list[Any]], *, prev_hash: str = "",
             created_ms: int | None = None) -> bytes:
    return seg.build(network_id=author.net.network_id, identity=author.ident, seq=seq,
                     prev_hash=prev_hash, scope="network", epoch=author.net.epoch,
                     schema=migrate.head_revision(), ops=ops,
                     scope_key=author.keys[("network", author.net.epoch)], install="perf",
                     created_ms=int(time.time() * 1000) if created_ms is None else created_ms,
                     salt=secrets.token_bytes(32))


def _phone_op(org_id: str, phone: str, stamp: str) -> list[Any]:
    return ["organisation", org_id, "phone", phone, stamp, None, None, "update"]


def _phone(ws: Any, org_id: str) -> str | None:
    with ws.db.read() as s:
        org = s.get(Organisation, org_id)
        return None if org is None else org.phone


def test_segment_record_and_last_heard_read_back_through_the_orm(trio: Net) -> None:
    """Two segments, the later-numbered one written earlier (by the author's clock, set
    ahead of anything heard so far): both recorded with every field the ORM model has, and
    "last heard" is the later of the two clocks, not the last applied."""
    with trio.open("a", "b") as (a, b):
        author = SiteState.load(a)
        drop = Drop(Path(author.net.drop_dir))
        now = int(time.time() * 1000)
        stamp = hlc.format_hlc(now, 0)
        late = _segment(author, 700, [_phone_op(a.organisation_id, "01325 700700", stamp)],
                        created_ms=now + 120_000)
        early = _segment(author, 701, [_phone_op(a.organisation_id, "01325 700701", stamp)],
                         prev_hash=hashlib.sha256(late).hexdigest(), created_ms=now + 60_000)
        drop.seg_path(a.site_id, 700).write_bytes(late)
        drop.seg_path(a.site_id, 701).write_bytes(early)
        result = SiteState.load(b).import_now()
        assert result.segments == 2 and result.quarantined == 0
        with b.db.read() as s:
            got = s.get(SyncSegment, (a.site_id, 700))
            member = s.get(SyncMember, a.site_id)
        assert got is not None and member is not None
        assert (got.hash, got.prev_hash, got.scope, got.epoch, got.size, got.ops, got.state,
                got.install) == (hashlib.sha256(late).hexdigest(), "", "network",
                                 author.net.epoch, len(late), 1, "applied", "perf")
        written = datetime.fromtimestamp((now + 120_000) / 1000, UTC)
        assert got.created_at == written
        assert abs((got.recorded_at - datetime.now(UTC)).total_seconds()) < 600
        assert member.last_heard_at == written


@pytest.mark.parametrize("bad", [
    ["organisation", ["not", "an", "id"], "phone", "x", "STAMP", None, None, "update"],
    [{"table": 1}, "ROW", "phone", "x", "STAMP", None, None, "update"],
    ["organisation", "ROW", ["phone"], "x", "STAMP", None, None, "update"],
    ["organisation", "ROW", "phone", "x", "STAMP", ["base"], "SITE", "update"],
    ["organisation", "ROW", "phone", "x", "STAMP", None, None, ["update"]],
], ids=["row-list", "table-dict", "field-list", "base-list", "verb-list"])
def test_a_misshapen_change_quarantines_the_file_and_the_round_goes_on(trio: Net,
                                                                       bad: list[Any]) -> None:
    """A list or an object where an id, a name, a base or a kind belongs: the whole file is
    set aside (its good change too) and the sync round carries on."""
    with trio.open("a", "b") as (a, b):
        author = SiteState.load(a)
        stamp = hlc.format_hlc(int(time.time() * 1000), 0)
        filled = json.loads(json.dumps(bad).replace("STAMP", stamp)
                            .replace("ROW", a.organisation_id).replace("SITE", a.site_id))
        data = _segment(author, 650, [_phone_op(a.organisation_id, "01325 650650", stamp),
                                      filled])
        Drop(Path(author.net.drop_dir)).seg_path(a.site_id, 650).write_bytes(data)
        before = _phone(b, a.organisation_id)
        report = sync_once(b)
        assert report.imported_segments == 0 and report.quarantined == 1
        assert _phone(b, a.organisation_id) == before
        assert rows(b, "SELECT kind FROM sync_bad_file WHERE site_id = ? AND seq = 650",
                    a.site_id) == [("quarantined",)]


def test_a_poll_with_nothing_new_opens_no_applied_file(trio: Net) -> None:
    """Applied files are known by name: overwritten with rubbish afterwards (which a poll
    would set aside if it read them), a poll finds nothing to do and records nothing."""
    with trio.open("a", "b") as (a, b):
        for n in range(3):
            update_organisation(a, a.organisation_id, phone=f"01325 80080{n}")
            assert sync_once(a).exported_segments == 1
            assert sync_once(b).imported_segments == 1
        folder = Path(SiteState.load(a).net.drop_dir) / "csn-desk" / "v1" / "seg" / a.site_id
        files = sorted(folder.glob("*.seg"))
        assert len(files) >= 3
        for path in files:
            path.write_bytes(b"CSNSEG" + secrets.token_bytes(200))
        bad_before = scalar(b, "SELECT count(*) FROM sync_bad_file")
        for _ in range(2):
            result = SiteState.load(b).import_now()
            assert (result.segments, result.quarantined, result.not_arrived) == (0, 0, 0)
        assert scalar(b, "SELECT count(*) FROM sync_bad_file") == bad_before


def test_a_lower_seq_arriving_after_a_higher_one_is_still_imported(trio: Net) -> None:
    """Cloud folders deliver out of order: the gap left by a late file is seen on a later
    poll (the names recorded are remembered between polls, the listing is not)."""
    with trio.open("a", "b") as (a, b):
        author = SiteState.load(a)
        drop = Drop(Path(author.net.drop_dir))
        stamp = hlc.format_hlc(int(time.time() * 1000), 0)
        first = _segment(author, 800, [_phone_op(a.organisation_id, "01325 800800", stamp)])
        second = _segment(author, 801, [_phone_op(a.organisation_id, "01325 800801", stamp)],
                          prev_hash=hashlib.sha256(first).hexdigest())
        drop.seg_path(a.site_id, 801).write_bytes(second)
        importer = SiteState.load(b)
        assert importer.import_now().segments == 1
        assert importer.import_now().segments == 0  # nothing new: served from what is known
        drop.seg_path(a.site_id, 800).write_bytes(first)
        result = importer.import_now()
        assert result.segments == 1 and result.quarantined == 0
        assert scalar(b, "SELECT count(*) FROM sync_segment WHERE site_id = ? AND seq IN "
                         "(800, 801)", a.site_id) == 2


def test_export_decodes_every_value_as_loads_does() -> None:
    texts = ['"plain"', '"caf\\u00e9 \\"q\\""', "null", "true", "12", "-1.5e3",
             '{"a": [1, 2, {"b": null}]}', "[]", ' "spaced" ', '\t7\n', '"\\ud83d\\ude00"']
    got = _values([(0, "", "", "", t) for t in texts])
    assert got == [json.loads(t) for t in texts]
    assert [type(v) for v in got] == [type(json.loads(t)) for t in texts]


@pytest.mark.parametrize("text", ["1,2", '"a" "b"', "[1", "", "nope", "{'a': 1}"])
def test_export_refuses_a_value_that_is_not_one_json_value(text: str) -> None:
    with pytest.raises(ValueError):
        _values([(0, "", "", "", '"fine"'), (0, "", "", "", text)])
