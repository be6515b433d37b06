"""Setting up a data directory and signing in: the first site, its organisation and its
administrator; unlocking by passphrase or recovery key; changing a passphrase."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from csn_desk.directory.index import sync_taxonomy_labels
from csn_desk.errors import InvalidInput, UnknownUser
from csn_desk.passphrases import require_strong
from csn_desk.store.database import Database
from csn_desk.store.keys import KdfParams
from csn_desk.store.models import LocalSetting, Organisation, Site, User
from csn_desk.store.writes import Actor
from csn_desk.vocab import vocab
from csn_desk.workspace import UserInfo, Workspace

SITE_ID = "site_id"
ORGANISATION_ID = "organisation_id"
DEMO = "demo"


def _clean_username(username: str) -> str:
    name = username.strip().lower()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name):
        raise InvalidInput("A username is letters, digits, dots, dashes or underscores "
                           "(up to 64), for example 'j.smith'.")
    return name


def initialise(data_dir: Path, *, site_name: str, organisation_name: str, admin_username: str,
               passphrase: str, admin_display_name: str | None = None,
               kdf: KdfParams | None = None, demo: bool = False,
               check_strength: bool = True) -> tuple[Workspace, str]:
    """Create a new data directory: returns the signed-in admin and the one-time recovery key."""
    username = _clean_username(admin_username)
    if not site_name.strip() or not organisation_name.strip():
        raise InvalidInput("Give both a site name and an organisation name.")
    if check_strength:
        require_strong(passphrase, [username, site_name, organisation_name])
    db, recovery = Database.create(data_dir, username, passphrase, kdf)
    # The very first writes have no user yet; the site id is minted first so every change-log
    # entry carries it.
    site = Site(name=site_name.strip(), organisation_id="")
    org = Organisation(name=organisation_name.strip(), is_member=True, needs_checking=False)
    site.organisation_id = org.id
    actor = Actor(user_id=None, site_id=site.id)
    with db.write(actor) as w:
        w.create(org)
        w.create(site)
        w.create(User(site_id=site.id, username=username,
                      display_name=(admin_display_name or username), role="admin"))
        w.session.add(LocalSetting(key=SITE_ID, value=site.id))
        w.session.add(LocalSetting(key=ORGANISATION_ID, value=org.id))
        if demo:
            w.session.add(LocalSetting(key=DEMO, value="1"))
        w.event("setup:initialise", entity="site", entity_id=site.id)
    return _workspace(db, username), recovery


def _workspace(db: Database, username: str) -> Workspace:
    with db.read() as s:
        user = s.execute(select(User).where(col(User.username) == username)).scalar_one_or_none()
        if user is None or not user.active:
            db.close()
            raise UnknownUser(username)
        settings = {k: v for k, v in s.execute(select(LocalSetting.key, LocalSetting.value))}
        site = s.get(Site, settings[SITE_ID])
        org = s.get(Organisation, settings[ORGANISATION_ID])
        info = UserInfo(user.id, user.username, user.display_name, user.role, user.site_id)
    return Workspace(db=db, user=info, site_id=settings[SITE_ID],
                     organisation_id=settings[ORGANISATION_ID],
                     site_name=site.name if site else "", organisation_name=org.name if org else "",
                     demo=settings.get(DEMO) == "1")


def sign_in(data_dir: Path, username: str, passphrase: str) -> Workspace:
    """Unlock with a passphrase; a wrong one raises WrongPassphrase and changes nothing."""
    name = username.strip().lower()
    db = Database.open(data_dir, name, passphrase)
    ws = _workspace(db, name)
    with db.write(ws.actor) as w:
        w.event("auth:login", entity="user", entity_id=ws.user.id)
        # Category labels live in resources/; the search index reads them from the database.
        sync_taxonomy_labels(w.session)
    return ws


def sign_in_with_recovery(data_dir: Path, recovery_key: str, username: str) -> Workspace:
    db = Database.open_with_recovery(data_dir, recovery_key)
    ws = _workspace(db, username.strip().lower())
    with db.write(ws.actor) as w:
        w.event("auth:recovery_unlock", entity="user", entity_id=ws.user.id)
    return ws


def change_passphrase(ws: Workspace, new_passphrase: str, *, username: str | None = None,
                      kdf: KdfParams | None = None, check_strength: bool = True) -> None:
    """Rewrap the database key for a user (the signed-in one by default); data is untouched."""
    target = username or ws.user.username
    if check_strength:
        require_strong(new_passphrase, [target])
    ws.db.key_file().set_passphrase(target, new_passphrase, ws.db.key, kdf)
    with ws.db.write(ws.actor) as w:
        w.event("auth:passphrase_changed", entity="user", entity_id=ws.user.id)


def add_user(ws: Workspace, username: str, display_name: str, role: str, passphrase: str,
             *, kdf: KdfParams | None = None, check_strength: bool = True) -> UserInfo:
    """Add a member of staff at this site with their own key slot."""
    name = _clean_username(username)
    vocab("roles").check(role, "role")
    if check_strength:
        require_strong(passphrase, [name, display_name])
    with ws.db.write(ws.actor) as w:
        exists = w.session.execute(select(User.id).where(col(User.username) == name)).first()
        if exists:
            raise InvalidInput(f"There is already a user called '{name}'. Choose another username.")
        user = w.create(User(site_id=ws.site_id, username=name, display_name=display_name,
                             role=role))
    ws.db.key_file().set_passphrase(name, passphrase, ws.db.key, kdf)
    return UserInfo(user.id, user.username, user.display_name, user.role, user.site_id)


def usernames(data_dir: Path) -> list[str]:
    """Who can sign in here (read from the key file, no passphrase needed)."""
    return Database.key_file_at(data_dir).usernames()
