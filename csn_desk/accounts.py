"""Setting up a data directory and signing in: the first site, its organisation and its
administrator; unlocking by passphrase or recovery key; changing a passphrase; and the
administrators' user management (list, add, disable, enable, change role, reset).

Every change to an account is audited with ids only. A disabled account loses its key slot,
so its old passphrase no longer opens the database even outside this app; enabling it again
sets a new passphrase. There is always at least one active administrator."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from csn_desk.directory.index import sync_taxonomy_labels
from csn_desk.errors import InvalidInput, NotAllowed, UnknownUser, WrongPassphrase
from csn_desk.passphrases import require_strong
from csn_desk.store.database import Database
from csn_desk.store.keys import KdfParams, normalise_recovery_key
from csn_desk.store.models import LocalSetting, Organisation, Site, User
from csn_desk.store.writes import Actor
from csn_desk.vocab import vocab
from csn_desk.workspace import UserInfo, Workspace

SITE_ID = "site_id"
ORGANISATION_ID = "organisation_id"
DEMO = "demo"
ADMIN = "admin"
DISABLED_MESSAGE = ("This account has been disabled. Ask an administrator to enable it "
                    "if you still need it.")


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
        if user is None:
            db.close()
            raise UnknownUser(username)
        if not user.active:
            db.close()
            raise NotAllowed(DISABLED_MESSAGE)
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
    target = _clean_username(username) if username else ws.user.username
    if target != ws.user.username:
        _require_admin(ws)
    user_id = _user_row(ws, target).id
    if check_strength:
        require_strong(new_passphrase, [target])
    ws.db.key_file().set_passphrase(target, new_passphrase, ws.db.key, kdf)
    with ws.db.write(ws.actor) as w:
        w.event("auth:passphrase_changed", entity="user", entity_id=user_id)


CURRENT_WRONG = ("Current passphrase: that is not the passphrase you signed in with. Check "
                 "Caps Lock and type it again; nothing has been changed.")
SAME_AS_CURRENT = ("New passphrase: it is the same as your current one. Choose a different "
                   "one; nothing has been changed.")


def change_own_passphrase(ws: Workspace, current: str, new_passphrase: str, *,
                          kdf: KdfParams | None = None,
                          now: Callable[[], float] | None = None) -> None:
    """The signed-in user changes their own passphrase, proving the current one first.

    The check shares the sign-in throttle (an unlocked screen is no shortcut for guessing a
    passphrase); a wrong current passphrase, a weak or unchanged new one leave the key file
    as it was. Only the signed-in user's slot is rewrapped; the data is untouched."""
    # Imported here: login_throttle builds on this module.
    from csn_desk.login_throttle import LoginThrottle, TooManyAttempts, wait_message

    throttle = LoginThrottle(ws.db.paths.root, now or time.time)
    if (wait := throttle.wait_seconds()) > 0:
        raise TooManyAttempts(wait)
    try:
        opened = ws.db.key_file().unlock(ws.user.username, current) == ws.db.key
    except WrongPassphrase:
        opened = False
    if not opened:
        wait = throttle.record_failure()
        raise InvalidInput(CURRENT_WRONG + (f" {wait_message(wait)}" if wait > 0 else ""))
    failed = throttle.record_success()
    if failed:
        with ws.db.write(ws.actor) as w:
            w.event("auth:failed_attempts", entity="user", entity_id=ws.user.id,
                    detail=f"{failed} failed attempts on this computer before this one")
    if new_passphrase == current:
        raise InvalidInput(SAME_AS_CURRENT)
    require_strong(new_passphrase, [ws.user.username, ws.user.display_name])
    change_passphrase(ws, new_passphrase, kdf=kdf, check_strength=False)


def recovery_key_problem(text: str) -> str | None:
    """Why typed text cannot be a recovery key (its shape only, nothing is unlocked), or
    None; for forms that check as the key is typed."""
    try:
        normalise_recovery_key(text)
    except InvalidInput as exc:
        return str(exc)
    return None


def add_user(ws: Workspace, username: str, display_name: str, role: str, passphrase: str,
             *, kdf: KdfParams | None = None, check_strength: bool = True) -> UserInfo:
    """Add a member of staff at this site with their own key slot."""
    _require_admin(ws)
    name = _clean_username(username)
    if not display_name.strip():
        raise InvalidInput("Give the person's name as colleagues know it, for example "
                           "'Jo Smith'.")
    display_name = display_name.strip()
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


# -- user management (administrators) -----------------------------------------------------
@dataclass(frozen=True)
class UserRow:
    """One account as the Users tab and ``csn-desk users list`` show it."""

    id: str
    username: str
    display_name: str
    role: str
    active: bool
    # False when the key file holds no passphrase for them (after the database was
    # re-encrypted, only the administrator who did it keeps one): they cannot sign in until
    # an administrator resets their passphrase.
    has_passphrase: bool = True

    @property
    def role_label(self) -> str:
        return vocab("roles").label(self.role)

    @property
    def can_sign_in(self) -> bool:
        return self.active and self.has_passphrase


def _require_admin(ws: Workspace) -> None:
    # Imported here: protection.roles builds on workspace, as this module does.
    from csn_desk.protection.roles import require

    require(ws, "users.manage")


def _user_row(ws: Workspace, username: str) -> User:
    name = username.strip().lower()
    with ws.db.read() as s:
        user = s.execute(select(User).where(col(User.username) == name)).scalar_one_or_none()
    if user is None:
        raise UnknownUser(name)
    return user


def _row(user: User, with_passphrase: Collection[str]) -> UserRow:
    return UserRow(user.id, user.username, user.display_name, user.role, user.active,
                   user.username in with_passphrase)


def list_users(ws: Workspace) -> list[UserRow]:
    """Every account on this computer, active ones first, then by username; each says
    whether the key file holds a passphrase for them."""
    _require_admin(ws)
    slots = set(ws.db.key_file().usernames())
    with ws.db.read() as s:
        users = s.execute(select(User)).scalars().all()
        return sorted((_row(u, slots) for u in users), key=lambda r: (not r.active, r.username))


def _other_active_admins(ws: Workspace, user_id: str) -> int:
    with ws.db.read() as s:
        rows = s.execute(select(User.id).where(col(User.role) == ADMIN,
                                               col(User.active).is_(True),
                                               col(User.id) != user_id)).all()
    return len(rows)


def _keep_an_admin(ws: Workspace, user: User) -> None:
    if user.role == ADMIN and user.active and _other_active_admins(ws, user.id) == 0:
        raise NotAllowed("This is the last active administrator; make someone else an "
                         "administrator first.")


def disable_user(ws: Workspace, username: str) -> UserRow:
    """Stop someone signing in: the account stays (its history keeps its name) but its key
    slot is removed, so the old passphrase no longer opens the data at all."""
    _require_admin(ws)
    user = _user_row(ws, username)
    if user.id == ws.user.id:
        raise NotAllowed("You cannot disable the account you are signed in with; ask "
                         "another administrator.")
    _keep_an_admin(ws, user)
    if user.active:
        with ws.db.write(ws.actor) as w:
            w.update(w.session.merge(user), active=False)
            w.event("users:disable", entity="user", entity_id=user.id)
    ws.db.key_file().remove_user(user.username)
    return _row(_user_row(ws, username), ws.db.key_file().usernames())


def enable_user(ws: Workspace, username: str, new_passphrase: str, *,
                kdf: KdfParams | None = None, check_strength: bool = True) -> UserRow:
    """Let a disabled account sign in again, with a new passphrase (its old slot is gone)."""
    _require_admin(ws)
    user = _user_row(ws, username)
    if check_strength:
        require_strong(new_passphrase, [user.username, user.display_name])
    ws.db.key_file().set_passphrase(user.username, new_passphrase, ws.db.key, kdf)
    with ws.db.write(ws.actor) as w:
        if not user.active:
            w.update(w.session.merge(user), active=True)
        w.event("users:enable", entity="user", entity_id=user.id)
    return _row(_user_row(ws, username), ws.db.key_file().usernames())


def change_role(ws: Workspace, username: str, role: str) -> UserRow:
    """Give someone another role; the last active administrator cannot be demoted."""
    _require_admin(ws)
    vocab("roles").check(role, "role")
    user = _user_row(ws, username)
    if role != ADMIN:
        _keep_an_admin(ws, user)
    if user.role != role:
        with ws.db.write(ws.actor) as w:
            w.update(w.session.merge(user), role=role)
            w.event("users:role", entity="user", entity_id=user.id, detail=role)
    return _row(_user_row(ws, username), ws.db.key_file().usernames())


def reset_passphrase(ws: Workspace, username: str, recovery_key: str, new_passphrase: str, *,
                     kdf: KdfParams | None = None, check_strength: bool = True) -> None:
    """Set a forgotten passphrase for someone, proven with the printed recovery key."""
    _require_admin(ws)
    user = _user_row(ws, username)
    if not user.active:
        raise InvalidInput("That account is disabled; enable it instead, which sets a new "
                           "passphrase.")
    if ws.db.key_file().unlock_with_recovery(recovery_key) != ws.db.key:
        raise InvalidInput("That recovery key does not open this database. Check it against "
                           "the printed copy.")
    if check_strength:
        require_strong(new_passphrase, [user.username, user.display_name])
    ws.db.key_file().set_passphrase(user.username, new_passphrase, ws.db.key, kdf)
    with ws.db.write(ws.actor) as w:
        w.event("users:passphrase_reset", entity="user", entity_id=user.id)
