"""Setting up a network and its sites: create (the first site), ask to join, approve by
fingerprint, remove a site (a new key epoch it cannot read), and what the Admin > Network
tab shows.

Scopes and keys: the network scope (the directory, tally snapshots, the sites) has one data
key per epoch, held by every site; each member organisation has its own, held only by its
sites. Keys are wrapped to each site's X25519 key in ``keys/<epoch>/<scope>/<site>.key``. An
administrator hands out keys when approving or removing; after that any site passes its own
scopes' keys (all epochs) to new members of them, so an administrator of another
organisation never needs, and never keeps, an organisation's key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from csn_desk.errors import InvalidInput
from csn_desk.ids import utcnow
from csn_desk.protection.roles import require
from csn_desk.store.models import Client, Enquiry, Organisation
from csn_desk.store.models.sync import SyncMember, SyncNetwork, SyncSegment
from csn_desk.sync import state
from csn_desk.sync.crypto import (
    BadDocument,
    Identity,
    fingerprint,
    new_scope_key,
    normalise_fingerprint,
)
from csn_desk.sync.documents import (
    NETWORK,
    REMOVED,
    JoinRequest,
    Member,
    NetworkDoc,
    NewerFormat,
    Roster,
    join_bytes,
    key_bytes,
    network_bytes,
    newer_rosters,
    org_scope,
    parse_roster,
    read_join,
    read_network,
    roster_bytes,
    scope_tag,
)
from csn_desk.sync.drop import Drop
from csn_desk.sync.errors import (
    AlreadyInNetwork,
    CannotRemoveSelf,
    DemoNeverSyncs,
    DropMissing,
    NetworkExists,
    NewerNetworkFormat,
    NoSuchJoinRequest,
    NoSuchSite,
    NotANetworkFolder,
    NotEnrolled,
    NotInNetwork,
    NotNetworkAdmin,
    PublishCollision,
    RosterChanged,
    SiteHasRecords,
    WrongNetwork,
)
from csn_desk.workspace import Workspace

REQUESTED, JOINED = "requested", "joined"


@dataclass(frozen=True)
class SiteInfo:
    site_id: str
    name: str
    organisation_id: str
    organisation_name: str
    fingerprint: str
    admin: bool
    status: str  # active / removed
    is_self: bool


@dataclass(frozen=True)
class NetworkInfo:
    network_id: str
    name: str
    drop_dir: str
    state: str  # requested / joined
    fingerprint: str  # this site's
    roster_version: int
    epoch: int
    is_admin: bool
    sites: tuple[SiteInfo, ...]


@dataclass(frozen=True)
class JoinRequestInfo:
    site_id: str
    site_name: str
    organisation_name: str
    fingerprint: str
    requested_at: str


@dataclass(frozen=True)
class JoinResult:
    site_id: str
    fingerprint: str
    network_name: str


@dataclass(frozen=True)
class ApproveResult:
    site_id: str
    site_name: str
    organisation_id: str
    organisation_name: str
    new_organisation: bool


@dataclass(frozen=True)
class RemoveResult:
    site_id: str
    site_name: str
    epoch: int


def _require_admin(ws: Workspace) -> None:
    require(ws, "network.manage", "Only an administrator can change the network.")
    if ws.demo:
        raise DemoNeverSyncs()


def _drop_at(folder: Path) -> Drop:
    folder = Path(folder)
    if not folder.is_dir():
        raise DropMissing()
    return Drop(folder)


def check_drop(drop: Drop, net: SyncNetwork) -> NetworkDoc:
    """The drop is this network's, or sync refuses (and says why)."""
    if not drop.folder.is_dir():
        raise DropMissing()
    try:
        doc = read_network(drop)
    except NewerFormat:
        raise NewerNetworkFormat() from None
    except BadDocument:
        raise NotANetworkFolder() from None
    if doc is None:
        raise NotANetworkFolder()
    if doc.network_id != net.network_id or doc.founder_key != net.founder_key:
        raise WrongNetwork()
    return doc


def refresh_roster(session: Session, drop: Drop, doc: NetworkDoc, net: SyncNetwork) -> int:
    """Take any newer verified rosters from the drop; returns how many."""
    current = state.roster(session, net)
    newer = newer_rosters(drop, doc, current)
    if newer:
        state.store_roster(session, net, newer[-1])
    return len(newer)


# -- create -----------------------------------------------------------------------------------
def create_network(ws: Workspace, drop_dir: Path, name: str) -> NetworkInfo:
    """Make this site the first of a new network whose shared folder is ``drop_dir``; this
    site's administrator key becomes the founding one."""
    _require_admin(ws)
    name = " ".join(name.split())
    if not 1 <= len(name) <= 100:
        raise InvalidInput("Give the network a name of up to 100 characters.")
    drop = _drop_at(drop_dir)
    if drop.network_file.exists() or drop.root.exists() and any(drop.root.iterdir()):
        raise NetworkExists()
    with ws.db.write(ws.actor) as w:
        if state.network(w.session) is not None:
            raise AlreadyInNetwork()
        ident = state.ensure_identity(w.session, ws.site_id)
    network_id = uuid.uuid4().hex
    me = Member(ws.site_id, ws.site_name or "site", ws.organisation_id, ident.sign_public,
                ident.kx_public, admin=True)
    drop.make_dirs()
    net_data = network_bytes(ident, network_id, name)
    roster_data = roster_bytes(ident, network_id, 1, 1, [me], "")
    drop.publish(drop.network_file, net_data, tag=ws.site_id)
    drop.publish(drop.roster_path(1), roster_data, tag=ws.site_id)
    doc = read_network(drop)
    assert doc is not None
    with ws.db.write(ws.actor) as w:
        s = w.session
        net = SyncNetwork(network_id=network_id, name=name, drop_dir=str(drop.folder.resolve()),
                          founder_key=ident.sign_public, state=JOINED, joined_at=utcnow())
        s.add(net)
        state.store_roster(s, net, parse_roster(roster_data, network=doc, previous=None))
        for scope in state.our_scopes(ws.organisation_id):
            state.store_key(s, scope, 1, new_scope_key())
        w.event("sync:network_create", entity="site", entity_id=ws.site_id)
    info = network_info(ws)
    assert info is not None
    return info


# -- join ---------------------------------------------------------------------------------------
def request_join(ws: Workspace, drop_dir: Path) -> JoinResult:
    """Write this site's request to join into the drop; returns the fingerprint to read out
    to the approving administrator."""
    _require_admin(ws)
    drop = _drop_at(drop_dir)
    try:
        doc = read_network(drop)
    except NewerFormat:
        raise NewerNetworkFormat() from None
    except BadDocument:
        raise NotANetworkFolder() from None
    if doc is None:
        raise NotANetworkFolder()
    with ws.db.write(ws.actor) as w:
        s = w.session
        existing = state.network(s)
        if existing is not None and (existing.network_id != doc.network_id
                                     or existing.state != REQUESTED):
            raise AlreadyInNetwork()
        if _has_records(s):
            raise SiteHasRecords()
        ident = state.ensure_identity(s, ws.site_id)
        if existing is None:
            s.add(SyncNetwork(network_id=doc.network_id, name=doc.name,
                              drop_dir=str(drop.folder.resolve()), founder_key=doc.founder_key,
                              state=REQUESTED))
        w.event("sync:join_request", entity="site", entity_id=ws.site_id)
    path = drop.join_path(ws.site_id)
    if not _request_there(path, doc.network_id, ident):
        drop.publish(path, join_bytes(ident, doc.network_id, ws.site_name or "site",
                                      ws.organisation_name or "organisation"), tag=ws.site_id)
    return JoinResult(ws.site_id, ident.fingerprint, doc.name)


def _request_there(path: Path, network_id: str, ident: Identity) -> bool:
    try:
        req = read_join(path, network_id)
    except BadDocument:
        return False
    return req.sign_key == ident.sign_public and req.kx_key == ident.kx_public


def _has_records(s: Session) -> bool:
    for model in (Client, Enquiry):
        if s.execute(select(model.id).limit(1)).first() is not None:
            return True
    return False


def _joined(ws: Workspace, s: Session) -> tuple[SyncNetwork, Identity]:
    net = state.network(s)
    if net is None:
        raise NotInNetwork()
    if net.state != JOINED:
        raise NotEnrolled()
    ident = state.identity(s, ws.site_id)
    assert ident is not None
    return net, ident


def _as_admin(ws: Workspace) -> tuple[SyncNetwork, Identity, Roster, Drop, NetworkDoc]:
    """An administrator at an enrolled administrator site, with the freshest roster."""
    _require_admin(ws)
    with ws.db.write(ws.actor) as w:
        net, ident = _joined(ws, w.session)
        drop = Drop(Path(net.drop_dir))
        doc = check_drop(drop, net)
        refresh_roster(w.session, drop, doc, net)
        roster = state.roster(w.session, net)
    assert roster is not None
    me = roster.member(ws.site_id)
    if me is None or not me.admin or not me.active:
        raise NotNetworkAdmin()
    return net, ident, roster, drop, doc


def list_join_requests(ws: Workspace) -> list[JoinRequestInfo]:
    """Requests in the drop from sites not yet on the roster (for the approve dialog)."""
    net, _ident, roster, drop, _doc = _as_admin(ws)
    out = []
    for site_id, path in sorted(drop.join_requests().items()):
        if roster.member(site_id) is not None:
            continue
        try:
            req = read_join(path, net.network_id)
        except BadDocument:
            continue
        out.append(JoinRequestInfo(req.site_id, req.site_name, req.organisation_name,
                                   fingerprint(req.site_id, req.sign_key, req.kx_key),
                                   req.created))
    return out


def _find_request(drop: Drop, network_id: str, wanted: str) -> JoinRequest:
    for _site, path in sorted(drop.join_requests().items()):
        try:
            req = read_join(path, network_id)
        except BadDocument:
            continue
        if fingerprint(req.site_id, req.sign_key, req.kx_key) == wanted:
            return req
    raise NoSuchJoinRequest()


def approve_join(ws: Workspace, fingerprint_text: str, organisation: str) -> ApproveResult:
    """Add the site whose request has this fingerprint to the roster, in the member
    organisation of that name (made if there is none), and hand it the keys this site may."""
    net, ident, roster, drop, doc = _as_admin(ws)
    wanted = normalise_fingerprint(fingerprint_text)
    if not wanted:
        raise NoSuchJoinRequest()
    org_name = " ".join(organisation.split())
    if not 1 <= len(org_name) <= 200:
        raise InvalidInput("Give the organisation's name, as in the directory.")
    req = _find_request(drop, net.network_id, wanted)
    if roster.member(req.site_id) is not None:
        raise AlreadyInNetwork()
    with ws.db.write(ws.actor) as w:
        s = w.session
        org = _member_organisation(s, org_name)
        created = org is None
        if org is None:
            org = w.create(Organisation(name=org_name, is_member=True, needs_checking=False))
        org_id, org_label = org.id, org.name
        keys = state.scope_keys(s)
    member = Member(req.site_id, req.site_name, org_id, req.sign_key, req.kx_key)
    gifts: dict[tuple[str, int], bytes] = {
        (scope, epoch): key for (scope, epoch), key in keys.items()
        if scope == NETWORK or scope == org_scope(org_id)}
    if created:
        gifts[(org_scope(org_id), net.epoch)] = new_scope_key()  # handed over, not kept
    for (scope, epoch), key in sorted(gifts.items()):
        data = key_bytes(ident, net.network_id, epoch, scope, member, key)
        drop.publish(drop.key_path(epoch, scope_tag(scope), member.site_id), data,
                     tag=ws.site_id)
    _publish_roster(ws, drop, doc, net, ident, roster, [*roster.members, member], net.epoch)
    with ws.db.write(ws.actor) as w:
        w.event("sync:approve", entity="site", entity_id=req.site_id,
                detail=f"organisation={org_id}")
    return ApproveResult(req.site_id, req.site_name, org_id, org_label, created)


def _member_organisation(s: Session, name: str) -> Organisation | None:
    wanted = name.casefold()
    rows = s.execute(select(Organisation).where(col(Organisation.is_member).is_(True))
                     .order_by(col(Organisation.id))).scalars()
    for org in rows:
        if org.name.casefold() == wanted:
            return org
    return None


def _publish_roster(ws: Workspace, drop: Drop, doc: NetworkDoc, net: SyncNetwork,
                    ident: Identity, roster: Roster, members: list[Member],
                    epoch: int) -> Roster:
    version = roster.version + 1
    data = roster_bytes(ident, net.network_id, version, epoch, members, roster.hash)
    new = parse_roster(data, network=doc, previous=roster)
    try:
        drop.publish(drop.roster_path(version), data, tag=ws.site_id)
    except PublishCollision:
        raise RosterChanged() from None
    with ws.db.write(ws.actor) as w:
        current = state.network(w.session)
        assert current is not None
        if current.roster_version != roster.version:
            raise RosterChanged()
        state.store_roster(w.session, current, new)
    return new


# -- remove -----------------------------------------------------------------------------------
def remove_site(ws: Workspace, site: str) -> RemoveResult:
    """Take a site (by name or id) off the network: a new key epoch begins whose keys it
    never gets; its segments after the last one seen here are refused everywhere."""
    net, ident, roster, drop, doc = _as_admin(ws)
    wanted = " ".join(site.split()).casefold()
    matches = [m for m in roster.active() if m.site_id == wanted or m.name.casefold() == wanted]
    if len(matches) != 1:
        raise NoSuchSite()
    target = matches[0]
    if target.site_id == ws.site_id:
        raise CannotRemoveSelf()
    with ws.db.read() as s:
        recorded = s.execute(select(SyncSegment.seq).where(
            col(SyncSegment.site_id) == target.site_id)
            .order_by(col(SyncSegment.seq).desc()).limit(1)).scalar()
    final_seq = max([int(recorded or 0), *drop.segments(target.site_id)])
    epoch = roster.epoch + 1
    members = [Member(m.site_id, m.name, m.organisation_id, m.sign_key, m.kx_key, m.admin,
                      REMOVED, final_seq) if m.site_id == target.site_id else m
               for m in roster.members]
    active = [m for m in members if m.active]
    keep: dict[str, bytes] = {}
    scopes = {NETWORK} | {org_scope(m.organisation_id) for m in active}
    for scope in sorted(scopes):
        key = new_scope_key()
        if scope in state.our_scopes(ws.organisation_id):
            keep[scope] = key
        for m in active:
            if scope == NETWORK or scope == org_scope(m.organisation_id):
                data = key_bytes(ident, net.network_id, epoch, scope, m, key)
                drop.publish(drop.key_path(epoch, scope_tag(scope), m.site_id), data,
                             tag=ws.site_id)
    with ws.db.write(ws.actor) as w:
        for scope, key in keep.items():
            state.store_key(w.session, scope, epoch, key)
    _publish_roster(ws, drop, doc, net, ident, roster, members, epoch)
    with ws.db.write(ws.actor) as w:
        w.event("sync:remove", entity="site", entity_id=target.site_id, detail=f"epoch={epoch}")
    return RemoveResult(target.site_id, target.name, epoch)


# -- what the Network tab shows ---------------------------------------------------------------
def network_info(ws: Workspace) -> NetworkInfo | None:
    with ws.db.read() as s:
        net = state.network(s)
        if net is None:
            return None
        ident = state.identity(s, ws.site_id)
        members = list(s.execute(select(SyncMember).order_by(col(SyncMember.name))).scalars())
        names = {o.id: o.name for o in s.execute(select(Organisation)).scalars()}
    sites = tuple(SiteInfo(m.site_id, m.name, m.organisation_id,
                           names.get(m.organisation_id, ""),
                           fingerprint(m.site_id, m.sign_key, m.kx_key), m.admin, m.status,
                           m.site_id == ws.site_id) for m in members)
    me = next((m for m in sites if m.is_self), None)
    return NetworkInfo(net.network_id, net.name, net.drop_dir, net.state,
                       ident.fingerprint if ident else "", net.roster_version, net.epoch,
                       bool(me and me.admin and me.status == "active"), sites)
