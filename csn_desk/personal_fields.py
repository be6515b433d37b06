"""Which fields identify or describe a person, and the blank each takes when the person's
details are erased (DP-11) or anonymised at the end of their retention period (DP-06).

One list for the services that blank them (``protection/erasure.py``,
``protection/retention.py``) and for sync, which follows an erasure made at another site
(``sync/erasures.py``)."""

from __future__ import annotations

from typing import Any

# Every client field that could identify or describe the person. Kept: the age band
# (worked out from the date of birth first), the organisation, dates of creation and last
# contact, and the lawful basis (none of them identifies anyone).
CLIENT_BLANKS: dict[str, Any] = {
    "given_name": "", "family_name": "", "family_key": "", "given_key": "",
    "date_of_birth": None, "postcode": None, "address_line1": None, "address_line2": None,
    "address_line3": None, "post_town": None, "phone": None, "email": None, "language": None,
    "interpreter": None, "disability": None, "long_term_condition": None, "carer_status": None,
    "preferred_contact": "none", "preferred_format": "not_asked",
}
# What anonymising blanks: the same less the contact and print preferences (anonymous, and
# kept as they were). Both an erasure and an anonymisation blank at least these.
IDENTIFYING_CLIENT_BLANKS: dict[str, Any] = {
    name: blank for name, blank in CLIENT_BLANKS.items()
    if name not in ("preferred_contact", "preferred_format")}
ENQUIRY_BLANKS: dict[str, Any] = {"notes": ""}  # free text: may name or describe the person
EVENT_BLANKS: dict[str, Any] = {"note": ""}
