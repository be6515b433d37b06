"""Consent per purpose (keep a record, share with a service we refer to, contact to follow
up): who took it, how, when it needs renewing, and withdrawal.

Each decision is a new row, so the history stays; the decision in force for a purpose is the
latest one. Withdrawal marks the row it withdraws. Dates of renewal are UK calendar dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from csn_desk.errors import InvalidInput, NotFound
from csn_desk.ids import utcnow
from csn_desk.protection.roles import require
from csn_desk.store.models import Client, Consent, User
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

RENEWAL_WARNING_DAYS = 30
# Consent is asked again after a year unless staff choose another date: long enough not to
# pester people who come often, short enough that the record stays a fair account of their
# wishes (ICO: review consent regularly).
RENEWAL_MONTHS = 12
_UK = ZoneInfo("Europe/London")


def uk_today() -> date:
    return datetime.now(_UK).date()


def default_renewal_date(today: date | None = None) -> date:
    """Today plus ``RENEWAL_MONTHS`` (29 February becomes 28 February)."""
    today = today or uk_today()
    years, month = divmod(today.month - 1 + RENEWAL_MONTHS, 12)
    year, month = today.year + years, month + 1
    for day in (today.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


@dataclass(frozen=True)
class ConsentState:
    """The latest decision for one purpose, and what it means today."""

    consent_id: str
    purpose: str
    given: bool
    method: str
    recorded_at: datetime
    taken_by_user_id: str | None
    renewal_due: date | None
    withdrawn_at: datetime | None
    in_force: bool  # given, not withdrawn, and not past its renewal date
    renewal_due_soon: bool  # given and not withdrawn, renewal within 30 days or overdue
    # Display name of who took it; "" when that user is not on this computer (users are local
    # to a site, so a consent taken at another site shows no name here).
    taken_by_name: str = ""

    @property
    def expired(self) -> bool:
        return (self.given and self.withdrawn_at is None and self.renewal_due is not None
                and not self.in_force)

    @property
    def state(self) -> str:
        """A ``consent_states`` code: withdrawn, refused, expired, renewal_due or given."""
        if self.withdrawn_at is not None:
            return "withdrawn"
        if not self.given:
            return "refused"
        if self.expired:
            return "expired"
        return "renewal_due" if self.renewal_due_soon else "given"


def _check_client(session: Session, ws: Workspace, client_id: str) -> None:
    client = session.get(Client, client_id)
    if client is None or client.organisation_id != ws.organisation_id or client.erased_at:
        raise NotFound("That client record was not found; search for them again.")


def record_consent(ws: Workspace, client_id: str, purpose: str, given: bool,  # noqa: PLR0917
                   method: str, renewal_due: date | None = None) -> str:
    """Record a decision (given or refused) for one purpose; returns the consent id."""
    require(ws, "clients.edit")
    vocab("consent_purposes").check(purpose, "consent purpose")
    vocab("consent_methods").check(method, "way consent was given")
    if renewal_due is not None and renewal_due < uk_today():
        raise InvalidInput("The renewal date is in the past; choose a later date.")
    if renewal_due is not None and not given:
        raise InvalidInput("A refusal has no renewal date; leave the renewal date empty.")
    with ws.db.write(ws.actor) as w:
        _check_client(w.session, ws, client_id)
        consent = w.create(Consent(client_id=client_id, purpose=purpose, given=given,
                                   method=method, taken_by_user_id=ws.user.id,
                                   recorded_at=utcnow(), renewal_due=renewal_due))
    return consent.id


def withdraw_consent(ws: Workspace, consent_id: str) -> None:
    """Mark a given consent as withdrawn from now. Withdrawing it again changes nothing."""
    require(ws, "clients.edit")
    with ws.db.write(ws.actor) as w:
        consent = w.session.get(Consent, consent_id)
        if consent is None:
            raise NotFound("That consent was not found; it may have been removed.")
        _check_client(w.session, ws, consent.client_id)
        if not consent.given:
            raise InvalidInput("Only a consent that was given can be withdrawn; this one was "
                               "refused.")
        if consent.withdrawn_at is None:
            w.update(consent, withdrawn_at=utcnow())


def current_consents(ws: Workspace, client_id: str, *,
                     today: date | None = None) -> dict[str, ConsentState]:
    """The latest decision per purpose (purposes never asked about are absent)."""
    require(ws, "clients.view")
    today = today or uk_today()
    with ws.db.read() as s:
        _check_client(s, ws, client_id)
        rows = s.execute(select(Consent).where(col(Consent.client_id) == client_id)).scalars().all()
        latest: dict[str, Consent] = {}
        for row in sorted(rows, key=lambda c: (c.recorded_at, c.id)):
            latest[row.purpose] = row  # later decisions replace earlier ones
        user_ids = {c.taken_by_user_id for c in latest.values() if c.taken_by_user_id}
        names: dict[str, str] = {}
        if user_ids:
            for uid, name in s.execute(select(col(User.id), col(User.display_name))
                                       .where(col(User.id).in_(user_ids))):
                names[uid] = name
    return {purpose: _state(c, today, names.get(c.taken_by_user_id or "", ""))
            for purpose, c in latest.items()}


def _state(c: Consent, today: date, taken_by_name: str) -> ConsentState:
    live = c.given and c.withdrawn_at is None
    lapsed = c.renewal_due is not None and c.renewal_due < today
    soon = (live and c.renewal_due is not None
            and c.renewal_due <= today + timedelta(days=RENEWAL_WARNING_DAYS))
    return ConsentState(c.id, c.purpose, c.given, c.method, c.recorded_at, c.taken_by_user_id,
                        c.renewal_due, c.withdrawn_at, live and not lapsed, soon,
                        taken_by_name)


def has_consent(ws: Workspace, client_id: str, purpose: str, *,
                today: date | None = None) -> bool:
    """Whether consent for ``purpose`` is in force today."""
    require(ws, "clients.view")
    vocab("consent_purposes").check(purpose, "consent purpose")
    state = current_consents(ws, client_id, today=today).get(purpose)
    return state is not None and state.in_force
