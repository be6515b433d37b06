"""Helpers for the sync tests: real data folders, a real drop folder, a canonical dump.

A "network" here is built once with the real services (create, request, approve) and can
be copied file by file for each test or hypothesis example: copying closed SQLCipher files
and the drop is far quicker than setting up sites again, and the copies are exact."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csn_desk.accounts import initialise, sign_in
from csn_desk.store.database import Database
from csn_desk.store.models import SYNCED
from csn_desk.store.remote import synced_tables
from csn_desk.sync import approve_join, create_network, request_join, sync_once
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE

DERIVED_CLOCKS = {("client", "family_key"), ("client", "given_key")}


def new_site(folder: Path, site: str, organisation: str) -> Workspace:
    ws, _recovery = initialise(folder, site_name=site, organisation_name=organisation,
                               admin_username="admin", passphrase=PASSPHRASE,
                               check_strength=False)
    return ws


def open_site(folder: Path) -> Workspace:
    return sign_in(folder, "admin", PASSPHRASE)


@dataclass
class Net:
    """Sites of one network (data folders by name) and its drop."""

    root: Path
    drop: Path
    sites: dict[str, Path]

    def copy_to(self, target: Path) -> Net:
        """An exact copy elsewhere, each site pointed at the copy's drop."""
        shutil.copytree(self.root, target)
        net = Net(target, target / self.drop.relative_to(self.root),
                  {n: target / p.relative_to(self.root) for n, p in self.sites.items()})
        for folder in net.sites.values():
            repoint(folder, net.drop)
        return net

    @contextlib.contextmanager
    def open(self, *names: str) -> Iterator[list[Workspace]]:
        opened = [open_site(self.sites[n]) for n in names]
        try:
            yield opened
        finally:
            for ws in opened:
                ws.close()


def repoint(folder: Path, drop: Path) -> None:
    """Tell a (closed) site that its shared folder is now ``drop``."""
    with Database.open(folder, "admin", PASSPHRASE) as db, db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE sync_network SET drop_dir = ?", (str(drop),))


def build_network(root: Path, plan: list[tuple[str, str]], *, sync: bool = True) -> Net:
    """The first (site, organisation) creates the network; each other asks to join and is
    approved into its organisation. Every site syncs at the end (all closed after)."""
    drop = root / "drop"
    drop.mkdir(parents=True)
    sites: dict[str, Path] = {}
    (first_site, first_org), rest = plan[0], plan[1:]
    hub = new_site(root / first_site, first_site, first_org)
    sites[first_site] = root / first_site
    try:
        create_network(hub, drop, "Test network")
        for site, org in rest:
            ws = new_site(root / site, site, f"{org} (set up here)")
            sites[site] = root / site
            try:
                fp = request_join(ws, drop).fingerprint
                approve_join(hub, fp, org)
                if sync:
                    sync_once(hub)
                    sync_once(ws)
            finally:
                ws.close()
        if sync:
            sync_once(hub)
    finally:
        hub.close()
    net = Net(root, drop, sites)
    if sync:
        for name in sites:
            with net.open(name) as (ws,):
                sync_once(ws)
    return net


def dump(ws: Workspace) -> dict[str, Any]:
    """Every synced table's rows as stored, the cell clocks (not the locally derived ones),
    the referral status cache and the conflict log: what must be equal everywhere."""
    out: dict[str, Any] = {}
    raw = ws.db.engine.raw_connection()
    try:
        con: Any = raw.driver_connection
        for table, info in synced_tables().items():
            cols = ", ".join(f'"{c}"' for c in info.order)
            out[table] = con.execute(f'SELECT {cols} FROM "{table}" ORDER BY id').fetchall()
        out["cell_clock"] = [r for r in con.execute(
            "SELECT table_name, row_id, field, hlc, site_id FROM cell_clock "
            "ORDER BY table_name, row_id, field").fetchall()
            if (r[0], r[2]) not in DERIVED_CLOCKS and r[0] in synced_tables()]
        out["referral_state"] = con.execute(
            "SELECT referral_id, organisation_id, follow_up_due, status, status_event_id, "
            "is_open FROM referral_state ORDER BY referral_id").fetchall()
        out["conflicts"] = conflict_log(ws)
    finally:
        raw.close()
    return out


def conflict_log(ws: Workspace) -> list[tuple[Any, ...]]:
    raw = ws.db.engine.raw_connection()
    try:
        con: Any = raw.driver_connection
        return [tuple(r) for r in con.execute(
            "SELECT table_name, row_id, field, hlc, site_id, value_json FROM sync_conflict "
            "ORDER BY table_name, row_id, field, hlc, site_id").fetchall()]
    finally:
        raw.close()


def scalar(ws: Workspace, sql: str, *params: Any) -> Any:
    raw = ws.db.engine.raw_connection()
    try:
        row = raw.driver_connection.execute(sql, params).fetchone()  # type: ignore[union-attr]
        return None if row is None else row[0]
    finally:
        raw.close()


def rows(ws: Workspace, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    raw = ws.db.engine.raw_connection()
    try:
        return [tuple(r) for r in raw.driver_connection.execute(sql, params)]  # type: ignore[union-attr]
    finally:
        raw.close()


def segment_files(drop: Path) -> list[Path]:
    return sorted((drop / "csn-desk" / "v1" / "seg").glob("*/*.seg"))


def json_dump(obj: Any) -> str:
    return json.dumps(obj, default=str, sort_keys=True)


__all__ = ["SYNCED", "Net", "build_network", "conflict_log", "dump", "new_site", "open_site",
           "rows", "scalar", "segment_files"]


@dataclass
class SiteState:
    """A site's sync state, loaded for calling the importer or building segments by hand."""

    ws: Workspace
    net: Any
    ident: Any
    keys: dict[tuple[str, int], bytes]
    organisation_id: str

    @classmethod
    def load(cls, ws: Workspace) -> SiteState:
        from csn_desk.sync import state

        with ws.db.read() as s:
            net = state.network(s)
            assert net is not None
            ident = state.identity(s, ws.site_id)
            keys = state.scope_keys(s)
        return cls(ws, net, ident, keys, ws.organisation_id)

    def import_now(self, drop: Path | None = None, **kw: Any) -> Any:
        from csn_desk.sync.drop import Drop
        from csn_desk.sync.importer import import_segments

        return import_segments(self.ws, Drop(drop or Path(self.net.drop_dir)), self.net,
                               self.keys, organisation_id=self.organisation_id, **kw)

    def craft(self, seq: int, ops: list[list[Any]], *, prev_hash: str = "",
              scope: str = "network", key: bytes | None = None, epoch: int | None = None,
              install: str = "test") -> bytes:
        """A segment signed by this site, with whatever ops a test needs."""
        import secrets
        import time as _time

        from csn_desk.store import migrate
        from csn_desk.sync import segment as seg

        epoch = self.net.epoch if epoch is None else epoch
        return seg.build(network_id=self.net.network_id, identity=self.ident, seq=seq,
                         prev_hash=prev_hash, scope=scope, epoch=epoch,
                         schema=migrate.head_revision(), ops=ops,
                         scope_key=key or self.keys[(scope, epoch)], install=install,
                         created_ms=int(_time.time() * 1000), salt=secrets.token_bytes(32))


def own_segments(drop: Path, site_id: str) -> list[Path]:
    return sorted((drop / "csn-desk" / "v1" / "seg" / site_id).glob("*.seg"))
