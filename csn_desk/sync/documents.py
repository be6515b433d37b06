"""The small signed files in the drop besides segments: ``network.json``, the numbered roster,
join requests and wrapped scope keys. Each is canonical JSON ``{"body", "signer", "sig"}``.

Trust flows from the founding administrator's key in ``network.json`` (compared by the
people joining): roster 1 is signed by the founder, roster n+1 by an administrator active in
roster n, and a key file by a site that the current roster says may hold that scope's key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csn_desk.ids import utcnow
from csn_desk.sync.crypto import (
    BadDocument,
    Identity,
    canonical_json,
    parse_document,
    sha256_hex,
    sign_document,
    unb64,
    unwrap_key,
    verify_document,
    wrap_key,
)
from csn_desk.sync.drop import SITE_RE, Drop, read_file

NETWORK_FORMAT = "csn-desk-network"
NETWORK_VERSION = 1
NETWORK = "network"
ORG_PREFIX = "organisation:"
MAX_DOC = 1 << 20
ACTIVE, REMOVED = "active", "removed"


def org_scope(organisation_id: str) -> str:
    return ORG_PREFIX + organisation_id


def scope_tag(scope: str) -> str:
    """The folder name of a scope under ``keys/<epoch>/``: "network" or the organisation id."""
    return scope[len(ORG_PREFIX):] if scope.startswith(ORG_PREFIX) else scope


def tag_scope(tag: str) -> str:
    return NETWORK if tag == NETWORK else org_scope(tag)


def _text(body: dict[str, Any], name: str, limit: int = 200) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise BadDocument(f"field {name}")
    return value


def _site(body: dict[str, Any], name: str) -> str:
    value = _text(body, name, 36)
    if not SITE_RE.match(value):
        raise BadDocument(f"field {name}")
    return value


def _key(body: dict[str, Any], name: str) -> str:
    value = _text(body, name, 64)
    unb64(value, 32)
    return value


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**12:
        raise BadDocument(f"field {name}")
    return value


# -- network.json ----------------------------------------------------------------------------
@dataclass(frozen=True)
class NetworkDoc:
    network_id: str
    name: str
    founder_site: str
    founder_key: str


def network_bytes(identity: Identity, network_id: str, name: str) -> bytes:
    body = {"format": NETWORK_FORMAT, "version": NETWORK_VERSION, "network_id": network_id,
            "name": name, "founder_site": identity.site_id, "founder_key": identity.sign_public,
            "created": utcnow().isoformat()}
    return sign_document(identity, body, "network")


class NewerFormat(BadDocument):
    pass


def read_network(drop: Drop) -> NetworkDoc | None:
    """The verified network.json, or None if there is none; BadDocument if it is not valid,
    NewerFormat if a newer app wrote it."""
    data = read_file(drop.network_file, MAX_DOC)
    if data is None:
        return None
    body, signer, sig = parse_document(data, MAX_DOC)
    if body.get("format") != NETWORK_FORMAT:
        raise BadDocument("not a network file")
    version = body.get("version")
    if not isinstance(version, int) or version < 1:
        raise BadDocument("version")
    if version > NETWORK_VERSION:
        raise NewerFormat("newer")
    doc = NetworkDoc(_text(body, "network_id", 64), _text(body, "name"),
                     _site(body, "founder_site"), _key(body, "founder_key"))
    if signer != doc.founder_site:
        raise BadDocument("signer")
    verify_document(body, sig, doc.founder_key, "network")
    return doc


# -- the roster --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Member:
    site_id: str
    name: str
    organisation_id: str
    sign_key: str
    kx_key: str
    admin: bool = False
    status: str = ACTIVE
    final_seq: int | None = None

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def to_json(self) -> dict[str, Any]:
        return {"site_id": self.site_id, "name": self.name,
                "organisation_id": self.organisation_id, "sign_key": self.sign_key,
                "kx_key": self.kx_key, "admin": self.admin, "status": self.status,
                "final_seq": self.final_seq}

    @classmethod
    def from_json(cls, data: Any) -> Member:
        if not isinstance(data, dict):
            raise BadDocument("member")
        status = data.get("status")
        if status not in (ACTIVE, REMOVED) or not isinstance(data.get("admin"), bool):
            raise BadDocument("member status")
        final = data.get("final_seq")
        if final is not None:
            final = _int(data, "final_seq")
        return cls(_site(data, "site_id"), _text(data, "name"), _site(data, "organisation_id"),
                   _key(data, "sign_key"), _key(data, "kx_key"), bool(data["admin"]),
                   str(status), final)


@dataclass(frozen=True)
class Roster:
    network_id: str
    version: int
    epoch: int
    members: tuple[Member, ...]
    prev: str
    hash: str

    def member(self, site_id: str) -> Member | None:
        for m in self.members:
            if m.site_id == site_id:
                return m
        return None

    def active(self) -> list[Member]:
        return [m for m in self.members if m.active]


def roster_bytes(identity: Identity, network_id: str, version: int, epoch: int,
                 members: list[Member], prev: str) -> bytes:
    body = {"format": "csn-desk-roster", "network_id": network_id, "version": version,
            "epoch": epoch, "prev": prev, "members": [m.to_json() for m in members],
            "created": utcnow().isoformat()}
    return sign_document(identity, body, "roster")


def parse_roster(data: bytes, *, network: NetworkDoc, previous: Roster | None) -> Roster:
    """Verify roster ``previous.version + 1`` (or 1) against the one before it."""
    body, signer, sig = parse_document(data, MAX_DOC)
    if body.get("format") != "csn-desk-roster" or body.get("network_id") != network.network_id:
        raise BadDocument("not this network's roster")
    version, epoch = _int(body, "version"), _int(body, "epoch")
    want = 1 if previous is None else previous.version + 1
    if version != want:
        raise BadDocument("out of order")
    raw_members = body.get("members")
    if not isinstance(raw_members, list) or not raw_members or len(raw_members) > 10_000:
        raise BadDocument("members")
    members = tuple(Member.from_json(m) for m in raw_members)
    if len({m.site_id for m in members}) != len(members):
        raise BadDocument("a site listed twice")
    prev = body.get("prev")
    if previous is None:
        if prev != "" or signer != network.founder_site or epoch != 1:
            raise BadDocument("first roster")
        signer_key = network.founder_key
    else:
        if prev != previous.hash or epoch < previous.epoch:
            raise BadDocument("does not follow")
        admin = previous.member(signer)
        if admin is None or not admin.active or not admin.admin:
            raise BadDocument("not signed by an administrator")
        signer_key = admin.sign_key
        for old in previous.members:
            new = next((m for m in members if m.site_id == old.site_id), None)
            if new is None or (not old.active and new.active):
                raise BadDocument("a site dropped or brought back")
    verify_document(body, sig, signer_key, "roster")
    return Roster(network.network_id, version, epoch, members, str(prev), sha256_hex(data))


def newer_rosters(drop: Drop, network: NetworkDoc, current: Roster | None) -> list[Roster]:
    """Verified rosters after ``current``, in order, up to the first gap or bad file. An
    older roster put back in the folder is never taken (the version only goes up)."""
    files = drop.rosters()
    out: list[Roster] = []
    previous = current
    version = 1 if current is None else current.version + 1
    while version in files:
        data = read_file(files[version], MAX_DOC)
        if data is None:
            break
        try:
            roster = parse_roster(data, network=network, previous=previous)
        except BadDocument:
            break
        out.append(roster)
        previous, version = roster, version + 1
    return out


# -- join requests -----------------------------------------------------------------------------
@dataclass(frozen=True)
class JoinRequest:
    network_id: str
    site_id: str
    site_name: str
    organisation_name: str
    sign_key: str
    kx_key: str
    created: str


def join_bytes(identity: Identity, network_id: str, site_name: str,
               organisation_name: str) -> bytes:
    body = {"format": "csn-desk-join", "network_id": network_id, "site_id": identity.site_id,
            "site_name": site_name, "organisation_name": organisation_name,
            "sign_key": identity.sign_public, "kx_key": identity.kx_public,
            "created": utcnow().isoformat()}
    return sign_document(identity, body, "join")


def read_join(path: Path, network_id: str) -> JoinRequest:
    data = read_file(path, MAX_DOC)
    if data is None:
        raise BadDocument("unreadable")
    body, signer, sig = parse_document(data, MAX_DOC)
    if body.get("format") != "csn-desk-join" or body.get("network_id") != network_id:
        raise BadDocument("not a join request for this network")
    req = JoinRequest(network_id, _site(body, "site_id"), _text(body, "site_name"),
                      _text(body, "organisation_name"), _key(body, "sign_key"),
                      _key(body, "kx_key"), _text(body, "created", 64))
    if signer != req.site_id or path.stem != req.site_id:
        raise BadDocument("signer")
    verify_document(body, sig, req.sign_key, "join")
    return req


# -- wrapped scope keys ------------------------------------------------------------------------
def _key_context(network_id: str, epoch: int, scope: str, recipient: str) -> bytes:
    return canonical_json({"network_id": network_id, "epoch": epoch, "scope": scope,
                           "recipient": recipient})


def key_bytes(identity: Identity, network_id: str, epoch: int, scope: str,
              recipient: Member, key: bytes) -> bytes:
    context = _key_context(network_id, epoch, scope, recipient.site_id)
    body = {"format": "csn-desk-key", "network_id": network_id, "epoch": epoch, "scope": scope,
            "recipient": recipient.site_id,
            "wrapped": wrap_key(key, recipient.kx_key, context)}
    return sign_document(identity, body, "key")


def read_key(data: bytes, *, network_id: str, epoch: int, scope: str, identity: Identity,
             roster: Roster) -> bytes:
    """Open a scope key addressed to us, written by a site the roster trusts with it."""
    body, signer, sig = parse_document(data, MAX_DOC)
    if (body.get("format") != "csn-desk-key" or body.get("network_id") != network_id
            or body.get("epoch") != epoch or body.get("scope") != scope
            or body.get("recipient") != identity.site_id):
        raise BadDocument("not the key it should be")
    wrapper = roster.member(signer)
    if wrapper is None or not wrapper.active or not may_hold(wrapper, scope):
        raise BadDocument("written by a site that may not hand out this key")
    verify_document(body, sig, wrapper.sign_key, "key")
    wrapped = body.get("wrapped")
    if not isinstance(wrapped, dict):
        raise BadDocument("wrapped")
    return unwrap_key(wrapped, identity,
                      _key_context(network_id, epoch, scope, identity.site_id))


def may_hold(member: Member, scope: str) -> bool:
    """Administrators hand out keys when they approve or remove sites; otherwise a site may
    pass on the keys of its own scopes."""
    if member.admin or scope == NETWORK:
        return True
    return scope == org_scope(member.organisation_id)
