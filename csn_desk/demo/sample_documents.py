"""Three richly described, clearly fictional services and one enquiry that uses them: what
the sample slips in ``docs/samples/``, the slip tests and the slip benchmark print.

Every name says "(fictional)"; phone numbers are in Ofcom's drama range (01632 960xxx);
web addresses are at example.org."""

from __future__ import annotations

from datetime import date, time, timedelta

from csn_desk.clients import ClientInput, add_client
from csn_desk.consents import record_consent
from csn_desk.directory.editing import (
    ClosureInput,
    CostInput,
    LocationInput,
    OrganisationInput,
    ScheduleInput,
    ServiceInput,
    add_organisation,
    add_service,
)
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.referrals import ReferralDraft
from csn_desk.workspace import Workspace

SAMPLE_DAY = date(2026, 12, 21)  # a Monday: Christmas closures and bank holidays are ahead


def add_sample_services(ws: Workspace, day: date = SAMPLE_DAY) -> list[str]:
    """Three services with everything a slip can show; returns their ids."""
    centre = add_organisation(ws, OrganisationInput(
        name="Example Street Community Centre (fictional)", phone="01632 960100",
        url="https://example.org/community-centre"))
    advice = add_organisation(ws, OrganisationInput(
        name="Fictional Advice Partnership", phone="01632 960200",
        email="help@example.org"))
    weekdays = tuple(ScheduleInput(weekday=d, opens_at=time(9), closes_at=time(17))
                     for d in range(1, 6))
    lunch = add_service(ws, ServiceInput(
        organisation_id=centre, name="Warm Welcome Lunch Club (fictional)",
        description="A hot two-course lunch and a friendly chat, with transport for people "
                    "who cannot get there on their own.",
        categories=("clubs_groups",), phone="01632 960123",
        url="https://example.org/lunch-club",
        schedules=tuple(ScheduleInput(weekday=d, opens_at=time(11, 30), closes_at=time(14))
                        for d in (1, 3, 5)),
        closures=(ClosureInput(start_date=date(day.year, 12, 24),
                               end_date=date(day.year + 1, 1, 2), note="Christmas break"),),
        costs=(CostInput(amount=3.5, option="per meal"),),
        alert="From 5 January the club meets in the church hall next door.",
        alert_until=day + timedelta(days=40),
        location=LocationInput(name="Example Street Community Centre",
                               address_1="12 Example Street", city="Darlington",
                               postcode="DL1 1AA",
                               accessibility="Step-free entrance at the side door; "
                                             "accessible toilet.")))
    benefits = add_service(ws, ServiceInput(
        organisation_id=advice, name="Benefits Check Helpline (fictional)",
        description="Free, confidential help to check you get all the money you are "
                    "entitled to, and to fill in the forms.",
        categories=("money_benefits",), phone="01632 960456", email="benefits@example.org",
        schedules=weekdays, costs=(CostInput(amount=0),),
        application_process="Call and ask for a benefits check. They can call you back.",
        what_to_take="Your latest benefit letters, your bank statements and your National "
                     "Insurance number.",
        location=LocationInput(name="Fictional Advice Partnership", address_1="Unit 3",
                               address_2="40 Sample Road", city="Darlington",
                               postcode="DL3 7AB")))
    repairs = add_service(ws, ServiceInput(
        organisation_id=centre, name="Handy Person Small Repairs (fictional)",
        description="Small jobs around the home to keep you safe: grab rails, key safes, "
                    "smoke alarms and loose carpets.",
        categories=("practical_support", "staying_safe"), phone="01632 960789",
        url="https://example.org/small-repairs",
        schedules=(ScheduleInput(weekday=2, opens_at=time(9), closes_at=time(12, 30)),
                   ScheduleInput(weekday=4, opens_at=time(9), closes_at=time(12, 30))),
        costs=(CostInput(amount=10, option="an hour", amount_description="Materials extra"),),
        location=LocationInput(name="Example Street Community Centre",
                               address_1="12 Example Street", city="Darlington",
                               postcode="DL1 1AA")))
    return [lunch, benefits, repairs]


def add_sample_enquiry(ws: Workspace, service_ids: list[str], *, given_name: str = "Zoë",
                       family_name: str = "O'Neill (fictional)", preferred_format: str = "large18"
                       ) -> str:
    """A client who agreed to all three consent purposes, and an enquiry signposting or
    referring them to the services given."""
    client = add_client(ws, ClientInput(
        given_name=given_name, family_name=family_name, age_band="80_plus",
        address_line1="7 Example Street", post_town="Darlington", postcode="DL1 1AA",
        preferred_format=preferred_format))
    for purpose in ("keep_record", "share_referral", "contact_followup"):
        record_consent(ws, client, purpose, True, "in_person")
    kinds = ["signposted", "signposted", "referred"]
    drafts = [ReferralDraft(kind=kinds[i % 3], service_id=sid,
                            consent_to_share=kinds[i % 3] == "referred",
                            follow_up_due=SAMPLE_DAY + timedelta(days=14))
              for i, sid in enumerate(service_ids)]
    return save_enquiry(ws, EnquiryDraft(channel="walk_in", enquirer_type="self",
                                         needs=(NeedInput(code="clubs_groups"),),
                                         client_id=client), drafts)
