"""All tables. Importing this module registers them on ``SQLModel.metadata``.

``SYNCED`` says which tables travel through sync and in which scope; a table not listed is
local to this copy (users, settings, audit, sync bookkeeping)."""

from __future__ import annotations

from sqlmodel import SQLModel

from csn_desk.store.models.audit import AuditEvent
from csn_desk.store.models.directory import (
    CostOption,
    DirectoryReview,
    HolidayClosure,
    Location,
    Organisation,
    RegularSchedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomy,
)
from csn_desk.store.models.enquiries import (
    Document,
    Enquiry,
    EnquiryNeed,
    LetterTemplate,
    Referral,
    ReferralEvent,
    ReferralState,
)
from csn_desk.store.models.organisation import LocalSetting, Site, User
from csn_desk.store.models.people import Client, Consent
from csn_desk.store.models.reports import TallyClientMonth, TallyMonth, TallySnapshot
from csn_desk.store.models.rights import SubjectRequest
from csn_desk.store.models.sync import CellClock, ChangeLog, HlcState

NETWORK = "network"
ORGANISATION = "organisation"

SYNCED: dict[type[SQLModel], str] = {
    Organisation: NETWORK,
    Site: NETWORK,
    Service: NETWORK,
    Location: NETWORK,
    ServiceAtLocation: NETWORK,
    RegularSchedule: NETWORK,
    HolidayClosure: NETWORK,
    CostOption: NETWORK,
    ServiceArea: NETWORK,
    ServiceTaxonomy: NETWORK,
    DirectoryReview: NETWORK,
    Client: ORGANISATION,
    Consent: ORGANISATION,
    Enquiry: ORGANISATION,
    EnquiryNeed: ORGANISATION,
    Referral: ORGANISATION,
    ReferralEvent: ORGANISATION,
    Document: ORGANISATION,
    LetterTemplate: ORGANISATION,
    TallySnapshot: NETWORK,  # counts only: how network figures are built without personal data
}

metadata = SQLModel.metadata

__all__ = [
    "NETWORK", "ORGANISATION", "SYNCED", "AuditEvent", "CellClock", "ChangeLog", "Client",
    "Consent", "CostOption", "DirectoryReview", "Document", "Enquiry", "EnquiryNeed",
    "HlcState", "HolidayClosure", "LetterTemplate", "LocalSetting", "Location", "Organisation",
    "Referral",
    "ReferralEvent", "ReferralState", "RegularSchedule", "Service", "ServiceArea",
    "ServiceAtLocation", "ServiceTaxonomy", "Site", "SubjectRequest", "TallyClientMonth",
    "TallyMonth", "TallySnapshot", "User", "metadata",
]
