"""Consent per purpose on a real encrypted database: record, supersede, withdraw, renew."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from csn_desk.clients import ClientInput, add_client
from csn_desk.consents import (
    current_consents,
    default_renewal_date,
    has_consent,
    record_consent,
    uk_today,
    withdraw_consent,
)
from csn_desk.errors import InvalidInput, NotFound
from csn_desk.ids import utcnow
from csn_desk.store.models import AuditEvent, ChangeLog, Client, Consent
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace


@pytest.fixture
def client_id(ws: Workspace) -> str:
    return add_client(ws, ClientInput(given_name="Agatha", family_name="Pennyfeather"))


def test_consent_is_recorded_with_who_took_it_and_goes_through_the_write_path(
        ws: Workspace, client_id: str) -> None:
    cid = record_consent(ws, client_id, "keep_record", True, "in_person")
    with ws.db.read() as s:
        row = s.get(Consent, cid)
        assert row is not None
        assert (row.taken_by_user_id, row.method, row.given) == (ws.user.id, "in_person", True)
        assert s.execute(select(AuditEvent).where(AuditEvent.action == "create:consent",
                                                  AuditEvent.entity_id == cid)).first()
        assert s.execute(select(ChangeLog).where(ChangeLog.row_id == cid)).first()
    assert has_consent(ws, client_id, "keep_record")
    assert not has_consent(ws, client_id, "share_referral")


def test_latest_decision_per_purpose_wins(ws: Workspace, client_id: str) -> None:
    record_consent(ws, client_id, "share_referral", True, "phone")
    refusal = record_consent(ws, client_id, "share_referral", False, "letter")
    record_consent(ws, client_id, "contact_followup", True, "form")
    states = current_consents(ws, client_id)
    assert set(states) == {"share_referral", "contact_followup"}
    assert (states["share_referral"].consent_id, states["share_referral"].in_force) == (
        refusal, False)
    assert states["contact_followup"].in_force
    record_consent(ws, client_id, "share_referral", True, "in_person")
    assert has_consent(ws, client_id, "share_referral")


def test_withdrawal_ends_consent_and_is_idempotent(ws: Workspace, client_id: str) -> None:
    cid = record_consent(ws, client_id, "contact_followup", True, "in_person")
    withdraw_consent(ws, cid)
    state = current_consents(ws, client_id)["contact_followup"]
    assert state.withdrawn_at is not None
    assert not state.in_force
    assert not state.renewal_due_soon
    first = state.withdrawn_at
    withdraw_consent(ws, cid)
    assert current_consents(ws, client_id)["contact_followup"].withdrawn_at == first
    refused = record_consent(ws, client_id, "keep_record", False, "phone")
    with pytest.raises(InvalidInput, match="refused"):
        withdraw_consent(ws, refused)
    with pytest.raises(NotFound):
        withdraw_consent(ws, "no-such-consent")


def test_renewal_due_soon_and_expiry(ws: Workspace, client_id: str) -> None:
    today = uk_today()
    record_consent(ws, client_id, "keep_record", True, "form",
                   renewal_due=today + timedelta(days=90))
    record_consent(ws, client_id, "share_referral", True, "form",
                   renewal_due=today + timedelta(days=30))
    states = current_consents(ws, client_id)
    assert (states["keep_record"].in_force, states["keep_record"].renewal_due_soon) == (
        True, False)
    assert (states["share_referral"].in_force, states["share_referral"].renewal_due_soon) == (
        True, True)
    later = today + timedelta(days=91)  # both renewal dates have now passed
    states = current_consents(ws, client_id, today=later)
    assert [(s.in_force, s.renewal_due_soon, s.expired) for s in states.values()] == [
        (False, True, True)] * 2
    assert not has_consent(ws, client_id, "keep_record", today=later)
    assert has_consent(ws, client_id, "keep_record", today=today + timedelta(days=90))


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"purpose": "sell_data"}, "consent purpose"),
    ({"method": "telepathy"}, "way consent was given"),
    ({"renewal_due": uk_today() - timedelta(days=1)}, "in the past"),
    ({"given": False, "renewal_due": uk_today() + timedelta(days=5)}, "refusal"),
])
def test_invalid_consents_are_refused(ws: Workspace, client_id: str,
                                      kwargs: dict[str, object], expected: str) -> None:
    args: dict[str, object] = {"purpose": "keep_record", "given": True, "method": "form"}
    args.update(kwargs)
    with pytest.raises(InvalidInput, match=expected) as caught:
        record_consent(ws, client_id, **args)  # type: ignore[arg-type]
    assert "Pennyfeather" not in str(caught.value)
    assert current_consents(ws, client_id) == {}


def test_consent_needs_a_live_client_of_this_organisation(ws: Workspace,
                                                          client_id: str) -> None:
    with pytest.raises(NotFound):
        record_consent(ws, "no-such-client", "keep_record", True, "form")
    cid = record_consent(ws, client_id, "keep_record", True, "form")
    with ws.db.write(ws.actor) as w:
        w.update(w.session.get(Client, client_id), erased_at=utcnow())
    for attempt in (lambda: current_consents(ws, client_id),
                    lambda: record_consent(ws, client_id, "keep_record", True, "form"),
                    lambda: withdraw_consent(ws, cid)):
        with pytest.raises(NotFound) as caught:
            attempt()
        assert "Pennyfeather" not in str(caught.value)


def test_state_words_and_who_took_it(ws: Workspace, client_id: str) -> None:
    today = uk_today()
    record_consent(ws, client_id, "keep_record", True, "in_person",
                   renewal_due=today + timedelta(days=200))
    record_consent(ws, client_id, "share_referral", True, "phone",
                   renewal_due=today + timedelta(days=10))
    withdrawn = record_consent(ws, client_id, "contact_followup", True, "form")
    withdraw_consent(ws, withdrawn)
    states = current_consents(ws, client_id)
    assert {p: s.state for p, s in states.items()} == {
        "keep_record": "given", "share_referral": "renewal_due", "contact_followup": "withdrawn"}
    assert {s.taken_by_name for s in states.values()} == {ws.user.display_name}
    later = current_consents(ws, client_id, today=today + timedelta(days=201))
    assert later["keep_record"].state == "expired"
    record_consent(ws, client_id, "keep_record", False, "letter")
    assert current_consents(ws, client_id)["keep_record"].state == "refused"
    assert set(vocab("consent_states").codes) >= {s.state for s in later.values()}


def test_consent_taken_at_another_site_shows_no_local_name(ws: Workspace,
                                                          client_id: str) -> None:
    cid = record_consent(ws, client_id, "keep_record", True, "form")
    with ws.db.write(ws.actor) as w:  # as sync brings it: a user this computer does not know
        w.update(w.session.get(Consent, cid), taken_by_user_id="user-at-another-site")
    state = current_consents(ws, client_id)["keep_record"]
    assert (state.taken_by_user_id, state.taken_by_name) == ("user-at-another-site", "")


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 3, 15), date(2027, 3, 15)),
    (date(2028, 2, 29), date(2029, 2, 28)),  # no 29 February next year
    (date(2026, 12, 31), date(2027, 12, 31)),
])
def test_default_renewal_is_a_year_on(today: date, expected: date) -> None:
    assert default_renewal_date(today) == expected
