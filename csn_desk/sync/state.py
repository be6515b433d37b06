"""This site's sync bookkeeping in its encrypted database: identity, network, roster, scope
keys. Plain functions over a session (the caller owns the unit of work)."""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
from pathlib import Path

from sqlmodel import Session, col, select

from csn_desk.store.models.sync import (
    SyncIdentity,
    SyncMember,
    SyncNetwork,
    SyncScopeKey,
    SyncSegment,
)
from csn_desk.sync.crypto import Identity, b64, unb64
from csn_desk.sync.documents import NETWORK, Member, Roster, org_scope
from csn_desk.workspace import Workspace

INSTALL_FILE = "sync-install.id"


def network(session: Session) -> SyncNetwork | None:
    return session.execute(select(SyncNetwork)).scalars().first()


def identity(session: Session, site_id: str) -> Identity | None:
    row = session.get(SyncIdentity, site_id)
    return None if row is None else Identity.from_b64(site_id, row.sign_private, row.kx_private)


def ensure_identity(session: Session, site_id: str) -> Identity:
    found = identity(session, site_id)
    if found is not None:
        return found
    new = Identity.generate(site_id)
    sign_private, kx_private = new.private_b64()
    session.add(SyncIdentity(site_id=site_id, sign_private=sign_private, kx_private=kx_private))
    session.flush()
    return new


def roster(session: Session, net: SyncNetwork) -> Roster | None:
    """The roster as last verified here (None before the first one)."""
    if net.roster_version == 0:
        return None
    rows = session.execute(select(SyncMember).order_by(col(SyncMember.site_id))).scalars()
    members = tuple(Member(m.site_id, m.name, m.organisation_id, m.sign_key, m.kx_key, m.admin,
                           m.status, m.final_seq) for m in rows)
    return Roster(net.network_id, net.roster_version, net.epoch, members, "", net.roster_hash)


def store_roster(session: Session, net: SyncNetwork, new: Roster) -> None:
    """Take a newer verified roster (keeping what we know about each site)."""
    existing = {m.site_id: m for m in session.execute(select(SyncMember)).scalars()}
    for m in new.members:
        row = existing.get(m.site_id)
        if row is None:
            row = SyncMember(site_id=m.site_id, name=m.name, organisation_id=m.organisation_id,
                             sign_key=m.sign_key, kx_key=m.kx_key)
        row.name, row.organisation_id = m.name, m.organisation_id
        row.sign_key, row.kx_key = m.sign_key, m.kx_key
        row.admin, row.status, row.final_seq = m.admin, m.status, m.final_seq
        session.add(row)
    net.roster_version, net.roster_hash, net.epoch = new.version, new.hash, new.epoch
    session.add(net)
    session.flush()


def scope_keys(session: Session) -> dict[tuple[str, int], bytes]:
    return {(k.scope, k.epoch): unb64(k.key, 32)
            for k in session.execute(select(SyncScopeKey)).scalars()}


def store_key(session: Session, scope: str, epoch: int, key: bytes) -> None:
    if session.get(SyncScopeKey, (scope, epoch)) is None:
        session.add(SyncScopeKey(scope=scope, epoch=epoch, key=b64(key)))
        session.flush()


def our_scopes(organisation_id: str) -> tuple[str, str]:
    return NETWORK, org_scope(organisation_id)


def last_own_seq(session: Session, site_id: str) -> tuple[int, str]:
    """This site's highest seq recorded here (published or re-imported) and its hash."""
    row = session.execute(select(SyncSegment.seq, SyncSegment.hash)
                          .where(col(SyncSegment.site_id) == site_id)
                          .order_by(col(SyncSegment.seq).desc()).limit(1)).first()
    return (0, "") if row is None else (int(row[0]), str(row[1]))


def install_tag(ws: Workspace) -> str:
    """Which installation wrote a segment: a random id kept beside the database (not in it,
    so not in its backups) with the computer's name and the folder. A restored backup keeps
    the tag; a copy of the whole folder on another computer or in another place does not."""
    root = Path(ws.db.paths.root)
    path = root / INSTALL_FILE
    try:
        token = path.read_text(encoding="ascii").strip()
    except OSError:
        token = ""
    if len(token) != 32:
        token = secrets.token_hex(16)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(token)
    seed = f"{token}|{socket.gethostname()}|{root.resolve()}".encode()
    return hashlib.sha256(seed).hexdigest()[:16]
