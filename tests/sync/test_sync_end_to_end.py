"""End to end: three real data folders and one real drop folder. The hub (organisation Y)
edits the directory; counters A and B belong to organisation X. A directory edit at the hub
reaches both counters; a client made at A is visible at B and absent, and undecryptable,
at the hub. Then the same flow through the command line (the contract names)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from csn_desk.cli.common import PASSPHRASE_ENV
from csn_desk.cli.main import main
from csn_desk.clients import ClientInput, add_client, find_clients, get_client, update_client
from csn_desk.directory.editing import ServiceInput, add_service, update_service
from csn_desk.store.models import Client, Service
from csn_desk.sync import (
    approve_join,
    create_network,
    list_conflicts,
    list_join_requests,
    network_info,
    request_join,
    restore_conflict,
    sync_once,
    sync_status,
)
from csn_desk.sync import segment as seg
from tests.conftest import PASSPHRASE
from tests.store.storekit import find_markers
from tests.sync.kit import SiteState, new_site, rows, scalar, segment_files

CLIENT_MARKER = "Thistlewoodquen"


def _service_names(ws: object) -> set[str]:
    with ws.db.read() as s:  # type: ignore[attr-defined]
        return set(s.execute(select(Service.name)).scalars())


def test_three_sites_one_drop(tmp_path: Path) -> None:
    drop = tmp_path / "shared"
    drop.mkdir()
    hub = new_site(tmp_path / "hub", "Hub office", "Darlington CVS")
    a = new_site(tmp_path / "a", "Age UK counter", "placeholder A")
    b = new_site(tmp_path / "b", "Age UK outreach", "placeholder B")
    try:
        info = create_network(hub, drop, "Darlington CSN")
        assert info.is_admin and len(info.sites) == 1
        # Before approval a site syncs nothing and says so.
        fp_a = request_join(a, drop).fingerprint
        assert sync_once(a).state == "waiting_for_approval"
        assert [r.fingerprint for r in list_join_requests(hub)] == [fp_a]
        approved = approve_join(hub, fp_a.lower().replace("-", " "), "Age UK Darlington")
        assert approved.new_organisation
        fp_b = request_join(b, drop).fingerprint
        assert not approve_join(hub, fp_b, "age uk darlington").new_organisation
        for ws in (hub, a, b, a, b):
            sync_once(ws)
        assert a.organisation_id == b.organisation_id == approved.organisation_id
        assert a.organisation_name == "Age UK Darlington"
        assert hub.organisation_id != a.organisation_id

        # A directory edit at the hub reaches both counters.
        sid = add_service(hub, ServiceInput(organisation_id=hub.organisation_id,
                                            name="Tuesday lunch club",
                                            categories=("clubs_groups",)))
        # A client at counter A of organisation X.
        cid = add_client(a, ClientInput(given_name="Ada", family_name=CLIENT_MARKER))
        for ws in (hub, a, b, hub):
            sync_once(ws)
        assert "Tuesday lunch club" in _service_names(a)
        assert "Tuesday lunch club" in _service_names(b)
        assert [m.id for m in find_clients(b, CLIENT_MARKER)] == [cid]
        assert get_client(b, cid).given_name == "Ada"
        assert scalar(hub, "SELECT count(*) FROM client") == 0
        assert find_clients(hub, CLIENT_MARKER) == []

        # Not decryptable at the hub: it holds no key of organisation X's scope, its copy
        # of X's segments is marked as seen-not-readable, and no file in the drop carries
        # the name in the clear.
        hub_state = SiteState.load(hub)
        scope_x = f"organisation:{a.organisation_id}"
        assert not [k for k in hub_state.keys if k[0] == scope_x]
        skipped = rows(hub, "SELECT scope FROM sync_segment WHERE state = 'skipped'")
        assert skipped and {r[0] for r in skipped} == {scope_x}
        x_files = [p for p in segment_files(drop)
                   if seg.read_header(p.read_bytes())[0].scope == scope_x]
        assert x_files
        for path in x_files:
            data = path.read_bytes()
            header, end = seg.read_header(data)
            for key in hub_state.keys.values():
                with pytest.raises(seg.SegmentProblem):
                    seg.decrypt(data, header, end, key)
        assert find_markers(drop, [CLIENT_MARKER, "Tuesday lunch club"]) == []
        assert find_markers(tmp_path / "hub", [CLIENT_MARKER]) == []

        # A concurrent edit at both counters: one wins everywhere, the other is logged
        # at both, and a coordinator can put it back.
        update_client(a, cid, given_name="Adah")
        update_client(b, cid, given_name="Ada-Mae")
        update_service(hub, sid, phone="01325 123456")
        for ws in (a, b, a, b):
            sync_once(ws)
        assert get_client(a, cid).given_name == get_client(b, cid).given_name
        kept = get_client(a, cid).given_name
        log_a, log_b = list_conflicts(a), list_conflicts(b)
        assert [(c.row_id, c.field, c.lost_value) for c in log_a] == \
            [(c.row_id, c.field, c.lost_value) for c in log_b]
        assert len(log_a) == 1 and log_a[0].kept_value == kept
        lost = log_a[0].lost_value
        restore_conflict(b, log_a[0].id)
        for ws in (b, a):
            sync_once(ws)
        assert get_client(a, cid).given_name == lost == get_client(b, cid).given_name
        assert list_conflicts(a) == [] and list_conflicts(b) == []
        # The duplicate-check keys follow the merged name at every site.
        keys = {scalar(ws, "SELECT given_key FROM client WHERE id = ?", cid) for ws in (a, b)}
        assert len(keys) == 1

        status = sync_status(a)
        assert status.state == "active" and status.changes_waiting == 0
        heard = {s.name: s.last_heard_at for s in status.sites}
        assert heard["Hub office"] is not None and heard["Age UK outreach"] is not None
        info = network_info(hub)
        assert info is not None and {s.name for s in info.sites} == {
            "Hub office", "Age UK counter", "Age UK outreach"}
        with hub.db.read() as s:
            assert s.get(Client, cid) is None
    finally:
        for ws in (hub, a, b):
            ws.close()


def test_command_line_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    drop = tmp_path / "shared"
    drop.mkdir()
    for name in ("hub", "counter", "other"):
        new_site(tmp_path / name, name, f"{name} org").close()

    def cli(*argv: str) -> tuple[int, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    hub, counter, other = (str(tmp_path / n) for n in ("hub", "counter", "other"))
    code, out = cli("network", "create", "--data-dir", hub, "--drop", str(drop),
                    "--name", "Test CSN")
    assert code == 0 and "created" in out
    code, out = cli("network", "request", "--data-dir", counter, "--drop", str(drop))
    assert code == 0
    fingerprint = out.strip().splitlines()[-1]
    assert len(fingerprint) == 19 and fingerprint.count("-") == 3
    code, out = cli("sync", "--once", "--data-dir", counter)
    assert code == 0 and "Waiting for an administrator" in out
    code, out = cli("network", "approve", "--data-dir", hub, "--fingerprint", "ZZZZ-ZZZZ-ZZZZ-"
                    "ZZZZ", "--organisation", "Age UK")
    assert code == 1 and "No request to join" in out
    code, out = cli("network", "approve", "--data-dir", hub, "--fingerprint", fingerprint,
                    "--organisation", "Age UK")
    assert code == 0 and "Approved 'counter' into Age UK" in out
    fp_other = cli("network", "request", "--data-dir", other, "--drop",
                   str(drop))[1].strip().splitlines()[-1]
    assert cli("network", "approve", "--data-dir", hub, "--fingerprint", fp_other,
               "--organisation", "DAD")[0] == 0
    for data_dir in (hub, counter, other, hub):
        code, out = cli("sync", "--once", "--data-dir", data_dir)
        assert code == 0 and "Received" in out, out
    code, out = cli("sync", "--status", "--data-dir", counter)
    assert code == 0 and "Changes waiting to go out: 0" in out and "other" in out
    code, out = cli("network", "show", "--data-dir", hub)
    assert code == 0 and fingerprint in out
    code, out = cli("network", "remove", "--data-dir", hub, "--site", "other")
    assert code == 0 and "epoch 2" in out
    code, out = cli("sync", "--once", "--data-dir", other)
    assert code == 1 and "removed" in out
    code, out = cli("network", "remove", "--data-dir", hub, "--site", "nobody")
    assert code == 1 and "no active site" in out
    # Plain sentences, never a traceback.
    assert "Traceback" not in out
