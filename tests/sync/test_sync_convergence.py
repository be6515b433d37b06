"""Convergence (hypothesis, stateful): 2 to 5 sites of one organisation edit the directory,
clients, enquiries, referral events and letter templates while segments travel through a
sloppy shared folder: each site sees its own copy of the drop, and files reach each copy in
any order, twice, half-written first, or are lost and delivered again later. Sites also
write checkpoints, delete their own segments once every site has acked them, and merge
checkpoints into what they hold (as a site away too long does). At the end,
once every file has reached every copy, all sites hold the same canonical dump (rows as
stored, cell clocks, referral status cache) and the same conflict log.

The normal suite runs a bounded number of examples; ``-m slow`` runs the soak."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
)
from sqlalchemy import select
from sqlmodel import col

from csn_desk.clients import ClientInput, add_client, update_client
from csn_desk.directory.editing import (
    ServiceInput,
    add_service,
    delete_service,
    update_organisation,
    update_service,
)
from csn_desk.documents.templates import restore_default, save_template
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.errors import CsnError
from csn_desk.referrals import ReferralDraft, add_event
from csn_desk.store import keys
from csn_desk.store.models import Client, Organisation, Referral, Service
from csn_desk.sync import sync_once
from csn_desk.sync.catchup import catch_up
from csn_desk.sync.compaction import compact, write_checkpoints
from csn_desk.sync.drop import Drop
from csn_desk.workspace import Workspace
from tests.conftest import FAST_KDF
from tests.sync.kit import Net, SiteState, build_network, dump, open_site

MAX_SITES = 5
NAMES = ("Ada", "Bryn", "Cerys", "Dai", "Efa", "Ffion")
FIELDS = ("name", "description", "phone", "status")
STATUSES = ("contacted", "waiting_list", "started", "declined", "closed")
_TEMPLATE: dict[str, Net] = {}


def template_network() -> Net:
    """Five sites of one organisation, built once per test process and copied per example."""
    if "net" not in _TEMPLATE:
        keys.DEFAULT_KDF = FAST_KDF
        root = Path(tempfile.mkdtemp(prefix="csn-sync-template-"))
        plan = [(f"s{i}", "Age UK Darlington") for i in range(MAX_SITES)]
        _TEMPLATE["net"] = build_network(root / "net", plan)
    return _TEMPLATE["net"]


def _ids(ws: Workspace, model: Any) -> list[str]:
    with ws.db.read() as s:
        return sorted(s.execute(select(model.id)).scalars())


class SloppyDrop(RuleBasedStateMachine):
    """Sites, each with its own view of the shared folder."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="csn-sync-example-"))
        self.sites: list[Workspace] = []
        self.views: list[Drop] = []
        self.pool: dict[str, bytes] = {}  # relative path -> bytes: every file published
        self.compacted = 0
        self.rng = random.Random(0)

    @initialize(n=st.integers(min_value=2, max_value=MAX_SITES), seed=st.integers(0, 2**16))
    def start(self, n: int, seed: int) -> None:
        keys.DEFAULT_KDF = FAST_KDF
        net = template_network().copy_to(self.tmp / "net")
        self.rng = random.Random(seed)
        for i in range(n):
            view = self.tmp / f"view{i}"
            shutil.copytree(net.drop, view)
            self.views.append(Drop(view))
            self.sites.append(open_site(net.sites[f"s{i}"]))

    def teardown(self) -> None:
        for ws in self.sites:
            ws.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------------------
    def _collect(self, i: int) -> None:
        """What site i has published goes into the pool (the cloud has it now): segments,
        acks and checkpoints. Its own segments gone from its own copy were deleted by
        compaction (other copies only ever lose other sites' files): gone from the cloud
        too, so they are never delivered again."""
        view, own = self.views[i], self.sites[i].site_id
        for kind, suffix in (("seg", ".seg"), ("ack", ".ack"), ("ckpt", ".ckpt")):
            for path in (view.base / kind / own).glob(f"*{suffix}"):
                rel = str(path.relative_to(view.folder))
                self.pool.setdefault(rel, path.read_bytes())
        seg_rel = str((view.base / "seg" / own).relative_to(view.folder))
        for rel in [r for r in self.pool if r.startswith(seg_rel + os.sep)]:
            if not (view.folder / rel).exists():
                del self.pool[rel]
                self.compacted += 1

    def _sync(self, i: int) -> Any:
        report = sync_once(self.sites[i], drop=self.views[i])
        self._collect(i)
        return report

    def _pick(self, ws: Workspace, model: Any, seed: int) -> str | None:
        ids = _ids(ws, model)
        return random.Random(seed).choice(ids) if ids else None

    @staticmethod
    def _tolerant(fn: Any, *args: Any, **kw: Any) -> None:
        # e.g. a service that referrals point at cannot be deleted: a real refusal
        with contextlib.suppress(CsnError):
            fn(*args, **kw)

    # -- edits --------------------------------------------------------------------------------
    @precondition(lambda self: self.sites)
    @rule(site=st.integers(0, MAX_SITES - 1), seed=st.integers(0, 999))
    def new_service(self, site: int, seed: int) -> None:
        ws = self.sites[site % len(self.sites)]
        org = self._pick(ws, Organisation, seed)
        assert org is not None
        add_service(ws, ServiceInput(organisation_id=org, name=f"Service {seed}",
                                     categories=("transport",), phone="01325 000000"))

    @precondition(lambda self: self.sites)
    @rule(site=st.integers(0, MAX_SITES - 1), seed=st.integers(0, 999),
          field=st.sampled_from(FIELDS))
    def edit_service(self, site: int, seed: int, field: str) -> None:
        ws = self.sites[site % len(self.sites)]
        sid = self._pick(ws, Service, seed)
        if sid is None:
            return
        value = {"name": f"Renamed {seed}", "description": f"Said by {ws.site_name} {seed}",
                 "phone": f"01325 {seed:06d}",
                 "status": ("active", "inactive")[seed % 2]}[field]
        self._tolerant(update_service, ws, sid, **{field: value})

    @precondition(lambda self: self.sites)
    @rule(site=st.integers(0, MAX_SITES - 1), seed=st.integers(0, 999))
    def remove_service(self, site: int, seed: int) -> None:
        ws = self.sites[site % len(self.sites)]
        sid = self._pick(ws, Service, seed)
        if sid is not None:
            self._tolerant(delete_service, ws, sid)

    @precondition(lambda self: self.sites)
    @rule(site=st.integers(0, MAX_SITES - 1), seed=st.integers(0, 999))
    def edit_organisation(self, site: int, seed: int) -> None:
        ws = self.sites[site % len(self.sites)]
        org = self._pick(ws, Organisation, seed)
        if org is not None:
            self._tolerant(update_organisation, ws, org, phone=f"01325 {seed:06d}")

    @precondition(lambda self: self.sites)
    @rule(site=st.integers(0, MAX_SITES - 1), seed=st.integers(0, 999))
    def new_client(self, site: int, seed: int) -> None:
        ws = self.sites[site % len(self.sites)]
        add_client(ws, ClientInput(given_name=NAMES[seed % len(NAMES)],
                                   family_name=f"Example{seed % 7}"))

    @precondition(lambda self: self.sites)
    @rule(site=st.integers(0, MAX_SITES - 1), seed=st.integers(0, 999),
          which=st.sampled_from(("given_name", "family_name")))
    def rename_client(self, site: int, seed: int, which: str) -> None:
        ws = self.sites[site % len(self.sites)]
        cid = self._pick(ws, Client, seed)
        if cid is not None:
            value = NAMES[seed % len(NAMES)] if which == "given_name" else f"Sample{seed % 5}"
            self._tolerant(update_client, ws, cid, **{which: value})

    @precondition(lambda self: self.sites)
    @rule(site=st.integers(0, MAX_SITES - 1), seed=st.integers(0, 999))
    def enquiry_with_referral(self, site: int, seed: int) -> None:
        ws = self.sites[site % len(self.sites)]
        sid = self._pick(ws, Service, seed)
        client = self._pick(ws, Client, seed)
        referrals = [ReferralDraft(kind="signposted", service_id=sid)] if sid else []
        self._tolerant(save_enquiry, ws, EnquiryDraft(
            channel="walk_in", enquirer_type="self", needs=(NeedInput("transport"),),
            client_id=client), referrals)

    @precondition(lambda self: self.sites)
    @rule(site=st.integers(0, MAX_SITES - 1), seed=st.integers(0, 999))
    def referral_event(self, site: int, seed: int) -> None:
        ws = self.sites[site % len(self.sites)]
        rid = self._pick(ws, Referral, seed)
        if rid is not None:
            self._tolerant(add_event, ws, rid, STATUSES[seed % len(STATUSES)])

    @precondition(lambda self: self.sites)
    @rule(site=st.integers(0, MAX_SITES - 1), seed=st.integers(0, 999),
          restore=st.booleans())
    def letter_template(self, site: int, seed: int, restore: bool) -> None:
        """A derived id: deleting and saving again re-creates the same row."""
        ws = self.sites[site % len(self.sites)]
        if restore:
            self._tolerant(restore_default, ws, "followup_letter")
        else:
            self._tolerant(save_template, ws, "followup_letter", f"Checking in ({seed})",
                           f"Hello,\n\nVersion {seed} from {ws.site_name}.")

    # -- compaction -----------------------------------------------------------------------------
    @precondition(lambda self: self.sites)
    @rule(site=st.integers(0, MAX_SITES - 1), catch=st.booleans())
    def compact_or_catch_up(self, site: int, catch: bool) -> None:
        """A site writes checkpoints and deletes its own segments that every site has acked
        and a checkpoint covers; or it merges the best checkpoints its copy of the folder
        holds into the state it has (what a site away too long does)."""
        i = site % len(self.sites)
        ws, drop = self.sites[i], self.views[i]
        st_i = SiteState.load(ws)
        if catch:
            catch_up(ws, drop, st_i.net, st_i.keys, ws.organisation_id, force=True)
        else:
            write_checkpoints(ws, drop, st_i.net, st_i.ident, st_i.keys, force=True)
            compact(ws, drop, st_i.net)
        self._collect(i)

    # -- the sloppy folder ----------------------------------------------------------------------
    @precondition(lambda self: self.sites)
    @rule(site=st.integers(0, MAX_SITES - 1))
    def sync(self, site: int) -> None:
        self._sync(site % len(self.sites))

    @precondition(lambda self: self.pool)
    @rule(view=st.integers(0, MAX_SITES - 1), seed=st.integers(0, 2**16),
          how=st.sampled_from(("whole", "whole", "partial", "lose", "duplicate")))
    def deliver(self, view: int, seed: int, how: str) -> None:
        drop = self.views[view % len(self.views)]
        rel = random.Random(seed).choice(sorted(self.pool))
        target = drop.folder / rel
        data = self.pool[rel]
        if how == "lose":  # the cloud drops (or has not yet shown) a file it had shown
            if target.exists() and target.parent.name != self._own(view):
                target.unlink()
            return
        if how == "duplicate" and not target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        if how == "partial" and not target.exists():
            target.write_bytes(data[:random.Random(seed).randrange(len(data))])
            return
        target.write_bytes(data)

    def _own(self, view: int) -> str:
        return self.sites[view % len(self.sites)].site_id

    # -- the end ------------------------------------------------------------------------------
    def converge(self) -> None:
        for _round in range(6):
            for i in range(len(self.sites)):
                self._sync(i)
            for drop in self.views:
                for rel, data in self.pool.items():
                    target = drop.folder / rel
                    if not target.exists() or target.read_bytes() != data:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(data)
            reports = [self._sync(i) for i in range(len(self.sites))]
            if all(r.exported_segments == 0 and r.imported_segments == 0 for r in reports):
                return
        raise AssertionError("sync did not settle")


def _check(machine: SloppyDrop) -> None:
    machine.converge()
    dumps = [dump(ws) for ws in machine.sites]
    for other, ws in zip(dumps[1:], machine.sites[1:], strict=True):
        for key in dumps[0]:
            assert other[key] == dumps[0][key], (key, ws.site_name)
    for ws in machine.sites:
        with ws.db.read() as s:
            problems = s.execute(select(col(Service.id))).all()  # readable after all that
        assert problems is not None


class Convergence(SloppyDrop):
    def teardown(self) -> None:
        try:
            if self.sites:
                _check(self)
        finally:
            super().teardown()


_FAST = settings(max_examples=int(os.environ.get("CSN_SYNC_EXAMPLES", "4")),
                 stateful_step_count=25, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow,
                                        HealthCheck.filter_too_much])
_SOAK = settings(max_examples=int(os.environ.get("CSN_SYNC_SOAK_EXAMPLES", "150")),
                 stateful_step_count=60, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow,
                                        HealthCheck.filter_too_much])


def test_sites_converge_through_a_sloppy_drop() -> None:
    Convergence.TestCase.settings = _FAST
    Convergence.TestCase().runTest()


@pytest.mark.slow
@pytest.mark.timeout(4 * 3600)
def test_sites_converge_soak() -> None:
    """``./run test-slow -k soak``; ``CSN_SYNC_SOAK_EXAMPLES`` sets how long it runs."""
    class Soak(Convergence):
        pass

    Soak.TestCase.settings = _SOAK
    Soak.TestCase().runTest()
