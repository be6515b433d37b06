"""Restriction (DP-12): a restricted record can be opened and corrected but not used (no new
enquiry linked, no referral, no slip or letter, no follow-up outcome) until an administrator
lifts it; setting and lifting are audited with a reason code and reach the change log."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from csn_desk.accounts import add_user, sign_in
from csn_desk.clients import get_client, update_client
from csn_desk.documents.letters import LetterRefused, make_followup_letter
from csn_desk.documents.slip import make_slip
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.errors import InvalidInput, NotAllowed
from csn_desk.followups import record_outcome
from csn_desk.protection.restriction import (
    lift_restriction,
    restrict_client,
    restriction_reason,
)
from csn_desk.protection.subject_requests import requests_for
from csn_desk.referrals import ReferralDraft, record_referral
from csn_desk.store.models import AuditEvent, ChangeLog
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.protection.rightskit import make_person


def _enquiry(ws: Workspace, client_id: str) -> str:
    return save_enquiry(ws, EnquiryDraft(channel="walk_in", enquirer_type="self",
                                         needs=(NeedInput("information"),),
                                         client_id=client_id))


def test_restricted_record_is_viewable_but_not_used(ws: Workspace) -> None:
    p = make_person(ws)
    restrict_client(ws, p.client_id, "accuracy_contested")
    assert restriction_reason(ws, p.client_id) == "accuracy_contested"
    detail = get_client(ws, p.client_id)  # still opens, flagged
    assert detail.restricted
    update_client(ws, p.client_id, given_name="Quenberta")  # and can be corrected (DP-10)

    refusals = [
        lambda: _enquiry(ws, p.client_id),
        lambda: record_referral(ws, p.enquiry_id, ReferralDraft(
            kind="signposted", external_service="Lunch club")),
        lambda: record_outcome(ws, p.referral_id, "started"),
    ]
    for call in refusals:
        with pytest.raises(NotAllowed, match="restricted, so it can be viewed but not used"):
            call()
    with pytest.raises(InvalidInput, match="restricted"):
        make_slip(ws, p.enquiry_id)
    with pytest.raises(LetterRefused, match="restricted"):
        make_followup_letter(ws, p.referral_id)
    with pytest.raises(InvalidInput, match="already restricted"):
        restrict_client(ws, p.client_id, "legal_claim")
    # Another person is not affected.
    assert _enquiry(ws, p.other_id)

    lift_restriction(ws, p.client_id)
    assert restriction_reason(ws, p.client_id) is None
    assert _enquiry(ws, p.client_id)
    assert record_outcome(ws, p.referral_id, "started").status == "started"
    with pytest.raises(InvalidInput, match="not restricted"):
        lift_restriction(ws, p.client_id)

    with ws.db.read() as s:
        actions = s.execute(select(col(AuditEvent.action), col(AuditEvent.detail)).where(
            col(AuditEvent.entity_id) == p.client_id)).all()
        synced = set(s.execute(select(col(ChangeLog.field)).where(
            col(ChangeLog.row_id) == p.client_id)).scalars())
    assert ("restrict:client", "reason=accuracy_contested") in actions
    assert ("unrestrict:client", None) in actions
    assert {"restricted", "restricted_reason"} <= synced  # travels to the other sites
    assert [r.kind for r in requests_for(ws, p.client_id)] == ["restriction"]


def test_restriction_needs_an_administrator_and_a_reason(ws: Workspace, data_dir: Path
                                                         ) -> None:
    p = make_person(ws)
    with pytest.raises(InvalidInput, match="reason for the restriction"):
        restrict_client(ws, p.client_id, "just because")
    add_user(ws, "cal.c", "Cal Counter", "counter", PASSPHRASE, check_strength=False)
    cal = sign_in(data_dir, "cal.c", PASSPHRASE)
    try:
        with pytest.raises(NotAllowed, match="Only administrators"):
            restrict_client(cal, p.client_id, "legal_claim")
    finally:
        cal.close()
    assert not get_client(ws, p.client_id).restricted
