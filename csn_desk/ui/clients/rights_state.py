"""What the client page's rights actions may do for the open record and the signed-in role,
with the sentence to show when an action is not available. Plain Python (no Qt), so it is
tested without widgets; the services check again whatever the buttons say."""

from __future__ import annotations

from dataclasses import dataclass

from csn_desk.clients import ClientDetail
from csn_desk.protection.roles import can, permission
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

SAR_ACTION = "rights.subject_access"
ERASE_ACTION = "rights.erase"


@dataclass(frozen=True)
class RightsState:
    banner: str  # "" when the record may be used normally
    can_sar: bool
    can_restrict: bool  # restrict or lift, whichever applies
    can_erase: bool
    restricted: bool
    why_not: str  # why some actions are unavailable ("" when all are)


def restricted_banner(detail: ClientDetail) -> str:
    if not detail.restricted:
        return ""
    reason = (vocab("restriction_reasons").label(detail.restricted_reason)
              if detail.restricted_reason else "no reason recorded")
    return (f"Restricted: this record can be viewed and corrected but not used (no enquiries, "
            f"referrals, slips, letters or follow-up contact). Reason: {reason}.")


def rights_state(ws: Workspace, detail: ClientDetail | None) -> RightsState:
    if detail is None:
        return RightsState("", False, False, False, False, "Open a client first.")
    sar, erase = can(ws, SAR_ACTION), can(ws, ERASE_ACTION)
    why = []
    if not sar:
        why.append(permission(SAR_ACTION).refusal)
    if not erase:
        why.append(permission(ERASE_ACTION).refusal)
    return RightsState(restricted_banner(detail), sar, erase, erase, detail.restricted,
                       " ".join(why))


ERASE_WORD = "ERASE"
ERASE_EXPLAINED = (
    "Erasing blanks this person's name, date of birth, address, phone, email, health, "
    "disability and carer details, and the notes written on their enquiries, here and at "
    "every site of the organisation when they next sync. Their consents are withdrawn. "
    "Kept, without anything that identifies them: the age group, and the enquiries with "
    "their needs, referrals and outcomes, so the monthly counts do not change. This cannot "
    "be undone.")
SAR_PLAINTEXT = ("The two files (PDF and JSON) are not encrypted: anyone who opens the folder "
                 "can read them. Give them to the person and keep no other copy.")
