"""Letters: the follow-up letter to the person ("did you manage to contact ...? If not, call
us") and the referral letter to the receiving service (only with consent to share).

``followup_content`` / ``referral_content`` gather what goes in (checks first, then the
template filled in: a plain dataclass, no layout); ``render_letter`` lays it out on A4 with
the site's letterhead, the date, and the recipient's address in the envelope window;
``make_followup_letter`` / ``make_referral_letter`` do both and log the document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, KeepTogether, Paragraph, Spacer
from sqlalchemy import select
from sqlmodel import Session, col

from csn_desk.consents import uk_today
from csn_desk.documents.address import (
    NoPostalAddress,
    Rect,
    draw_address,
    layout_address,
    postal_lines,
)
from csn_desk.documents.formats import PrintFormat, format_for_client, print_format
from csn_desk.documents.log import ProducedDocument, log_document
from csn_desk.documents.settings import PrintSettings, load_print_settings
from csn_desk.documents.templates import FilledLetter, fill, get_template
from csn_desk.documents.typeset import MARGIN, Styles, markup, render
from csn_desk.errors import InvalidInput, NotFound
from csn_desk.protection.consent_rules import missing_consents, refusal_sentence
from csn_desk.protection.roles import require
from csn_desk.sites import SiteDetails, site_details
from csn_desk.store.models import (
    Client,
    Enquiry,
    EnquiryNeed,
    Location,
    Organisation,
    Referral,
    Service,
    ServiceAtLocation,
)
from csn_desk.timefmt import long_date, to_uk
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

FOLLOWUP = "followup_letter"
REFERRAL = "referral_letter"
GAP = 8 * mm  # between the window, the letterhead and the body
MIN_COLUMN = 50 * mm  # narrower than this, the letterhead goes under the window instead
TITLES = {FOLLOWUP: "Follow-up letter", REFERRAL: "Referral letter"}


class LetterRefused(InvalidInput):
    """This letter may not be sent (no consent, anonymous, restricted ...). ``code`` says
    why, for the batch's list of skipped letters; the message never names the person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class LetterContent:
    kind: str  # followup_letter / referral_letter
    referral_id: str
    enquiry_id: str
    client_id: str
    day: date
    fmt: PrintFormat  # the person's format (follow-up) or clear print (referral letter)
    site: SiteDetails
    recipient: tuple[str, ...]  # the address block, UK layout
    subject: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    pages: int
    warnings: tuple[str, ...] = field(default=())


# -- gathering -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Facts:
    referral: Referral
    enquiry: Enquiry
    client: Client
    service: Service | None
    organisation: Organisation | None
    locations: tuple[Location, ...]
    needs: tuple[str, ...]


def _locations(s: Session, service: Service) -> tuple[Location, ...]:
    """The service's own places first, then its organisation's."""
    own = s.execute(select(Location).join(
        ServiceAtLocation, col(ServiceAtLocation.location_id) == col(Location.id))
        .where(col(ServiceAtLocation.service_id) == service.id)
        .order_by(col(Location.id))).scalars().all()
    org = s.execute(select(Location).where(
        col(Location.organisation_id) == service.organisation_id)
        .order_by(col(Location.id))).scalars().all()
    return tuple({loc.id: loc for loc in [*own, *org]}.values())


def _facts(ws: Workspace, referral_id: str) -> _Facts:
    """Everything about the referral a letter needs, and the checks every letter shares."""
    with ws.db.read() as s:
        referral = s.get(Referral, referral_id)
        enquiry = s.get(Enquiry, referral.enquiry_id) if referral else None
        if referral is None or enquiry is None or enquiry.organisation_id != ws.organisation_id:
            raise NotFound("That referral is not in this organisation's records.")
        if enquiry.client_id is None:
            raise LetterRefused("anonymous", "This enquiry was anonymous, so there is no one "
                                "to write to. Add the person to the enquiry first if they want "
                                "a letter.")
        client = s.get(Client, enquiry.client_id)
        if client is None or client.erased_at is not None:
            raise LetterRefused("erased", "This person's record has been erased, so no letter "
                                "can be printed for them.")
        if client.restricted:
            raise LetterRefused("restricted", "This person's record is restricted, so nothing "
                                "can be printed for them. Ask an administrator.")
        service = s.get(Service, referral.service_id) if referral.service_id else None
        organisation = s.get(Organisation, service.organisation_id) if service else None
        locations = _locations(s, service) if service else ()
        needs = tuple(s.execute(select(col(EnquiryNeed.need_code))
                                .where(col(EnquiryNeed.enquiry_id) == enquiry.id)
                                .order_by(col(EnquiryNeed.id))).scalars().all())
        for row in (referral, enquiry, client, service, organisation, *locations):
            if row is not None:
                s.expunge(row)  # plain values from here on; the session closes
        return _Facts(referral, enquiry, client, service, organisation, locations, needs)


def person_name(client: Client) -> str:
    return " ".join(f"{client.given_name} {client.family_name}".split())


def client_address(client: Client) -> tuple[str, ...]:
    """The person's address block, or ``NoPostalAddress`` saying what to add."""
    return postal_lines([person_name(client)], [client.address_line1, client.address_line2,
                                                client.address_line3],
                        client.post_town, client.postcode, whose="This person's record",
                        fix="their record")


def service_address(service: Service, organisation: Organisation | None,
                    locations: Sequence[Location]) -> tuple[str, ...]:
    """The receiving service's address block from its first place with a full address."""
    names = [service.name, organisation.name if organisation else None]
    for loc in locations:
        try:
            return postal_lines([*names, loc.name], [loc.address_1, loc.address_2], loc.city,
                                loc.postcode, whose="The service",
                                fix="its directory entry")
        except NoPostalAddress:
            continue
    raise NoPostalAddress("The service has no full postal address (street, town and "
                          "postcode) in the directory; add one to its directory entry first.")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _web(url: str | None) -> str | None:
    if not url:
        return None
    text = url.strip()
    for prefix in ("https://", "http://"):
        text = text.removeprefix(prefix)
    return text.rstrip("/") or None


def _values(ws: Workspace, f: _Facts, site: SiteDetails, day: date,
            recipient_person: tuple[str, ...] | None) -> dict[str, str | None]:
    """A value (or None: not recorded) for every placeholder a letter may use."""
    c, svc, org = f.client, f.service, f.organisation
    formats = vocab("formats")
    fmt_label = (_lower_first(formats.label(c.preferred_format))
                 if c.preferred_format in formats.codes
                 and c.preferred_format not in ("not_asked", "other") else None)
    contact = c.preferred_contact if c.preferred_contact in ("letter", "phone", "email") \
        else None
    needs = "; ".join(_lower_first(vocab("needs").label(n)) for n in f.needs
                      if n != "other") or None
    return {
        "client_first_name": c.given_name.strip() or person_name(c) or None,
        "client_name": person_name(c) or None,
        "client_address": ", ".join(recipient_person[1:]) if recipient_person else None,
        "client_phone": c.phone,
        "client_email": c.email,
        "client_date_of_birth": long_date(c.date_of_birth) if c.date_of_birth else None,
        "client_preferred_contact": contact,
        "client_format": fmt_label,
        "client_needs": needs,
        "referral_date": long_date(to_uk(f.referral.created_at).date()),
        "follow_up_date": long_date(f.referral.follow_up_due) if f.referral.follow_up_due
        else None,
        "letter_date": long_date(day),
        "service_name": (svc.name if svc else f.referral.external_service) or None,
        "service_organisation": org.name if org else None,
        "service_phone": (svc.phone or (org.phone if org else None)) if svc else None,
        "service_email": (svc.email or (org.email if org else None)) if svc else None,
        "service_website": _web((svc.url or (org.url if org else None)) if svc else None),
        "site_name": site.name,
        "site_phone": site.phone,
        "site_email": site.email,
        "site_address": ", ".join(site.address_lines) or None,
        "organisation_name": site.organisation or ws.organisation_name or None,
        "staff_name": ws.user.display_name,
    }


def _filled(ws: Workspace, kind: str, values: dict[str, str | None],
            template: tuple[str, str] | None) -> FilledLetter:
    if template is None:
        view = get_template(ws, kind)
        template = (view.subject, view.body)
    return fill(kind, template[0], template[1], values)


def followup_content(ws: Workspace, referral_id: str, *, day: date | None = None,
                     format_code: str | None = None, site: SiteDetails | None = None,
                     template: tuple[str, str] | None = None,
                     letters_only: bool = False) -> LetterContent:
    """What goes in the follow-up letter, or a refusal saying what to fix. ``letters_only``
    (the batch) also refuses people who prefer to be contacted another way."""
    require(ws, "letters.print")
    day = day or uk_today()
    f = _facts(ws, referral_id)
    if missing_consents(ws, f.client.id, "followup_letter", today=day):
        raise LetterRefused("no_consent", refusal_sentence("contact_followup"))
    contact = f.client.preferred_contact
    if contact == "none":
        raise LetterRefused("no_contact", "This person asked not to be contacted, so no "
                            "follow-up letter can be sent.")
    if letters_only and contact != "letter":
        raise LetterRefused(f"prefers_{contact}", f"This person prefers to be contacted by "
                            f"{vocab('contact_methods').label(contact).lower()}, so no letter "
                            "was made; contact them that way.")
    recipient = client_address(f.client)
    site = site or site_details(ws)
    filled = _filled(ws, FOLLOWUP, _values(ws, f, site, day, recipient), template)
    enquiry_age = f.enquiry.age_band
    fmt = print_format(format_code) if format_code else format_for_client(
        f.client.preferred_format, age_band=f.client.age_band or enquiry_age,
        born=f.client.date_of_birth, disability=f.client.disability,
        condition=f.client.long_term_condition, today=day)
    return LetterContent(FOLLOWUP, referral_id, f.enquiry.id, f.client.id, day, fmt, site,
                         recipient, filled.subject, filled.paragraphs)


def referral_content(ws: Workspace, referral_id: str, *, day: date | None = None,
                     site: SiteDetails | None = None,
                     template: tuple[str, str] | None = None) -> LetterContent:
    """What goes in the referral letter to the service: only with the person's consent to
    share, recorded on the referral and still in force."""
    require(ws, "letters.print")
    day = day or uk_today()
    f = _facts(ws, referral_id)
    if not f.referral.consent_to_share or missing_consents(ws, f.client.id,
                                                           "referral_letter", today=day):
        raise LetterRefused("no_consent", refusal_sentence("share_referral"))
    if f.service is None:
        raise LetterRefused("no_service_address", "This service is not in the directory, so "
                            "there is no address for the letter; add the service to the "
                            "directory and choose it on the referral first.")
    recipient = service_address(f.service, f.organisation, f.locations)
    try:
        person: tuple[str, ...] | None = client_address(f.client)
    except NoPostalAddress:
        person = None  # only a problem if the template asks for {client_address}
    site = site or site_details(ws)
    filled = _filled(ws, REFERRAL, _values(ws, f, site, day, person), template)
    return LetterContent(REFERRAL, referral_id, f.enquiry.id, f.client.id, day,
                         print_format("standard"), site, recipient, filled.subject,
                         filled.paragraphs)


# -- layout ----------------------------------------------------------------------------------
def _letterhead(site: SiteDetails, *, compact: bool = False) -> str:
    """The sender block as paragraph markup: who wrote and how to reach them. ``compact``
    (under the window, in large print) runs the address on, to leave room for the letter."""
    lines = [f"<b>{markup(site.name)}</b>"]
    about = []
    if site.organisation and site.organisation.lower() not in site.name.lower():
        about.append(site.organisation)
    about += list(site.address_lines)
    if compact and about:
        lines.append(markup(", ".join(about)))
    else:
        lines += [markup(line) for line in about]
    if site.phone:
        lines.append(f"Phone {markup(site.phone)}")
    if site.email:
        lines.append(f"Email {markup(site.email)}")
    return "<br/>".join(lines)


def _beside_column(window: Rect, page_width: float) -> tuple[float, float]:
    """(x, width) of the wider free column beside the window, for the letterhead."""
    right = (window.right + GAP, page_width - MARGIN - window.right - GAP)
    left = (MARGIN, window.left - GAP - MARGIN)
    return max(right, left, key=lambda c: c[1])


def render_letter(content: LetterContent, fmt: PrintFormat | None = None,
                  settings: PrintSettings | None = None) -> RenderedLetter:
    """The letter as PDF bytes on A4, laid out at ``fmt``'s own sizes (LP-14)."""
    fmt = fmt or content.fmt
    settings = settings or PrintSettings()
    st = Styles.for_format(fmt)
    page_width, page_height = A4
    window = Rect.window(settings)
    address = layout_address(content.recipient, window, fmt.body)
    head = Paragraph(_letterhead(content.site), st.tight)
    col_x, col_w = _beside_column(window, page_width)
    beside = col_w >= MIN_COLUMN and head.minWidth() <= col_w
    head_h = head.wrap(col_w, page_height)[1] if beside else 0.0
    body_top = max(window.bottom, MARGIN + head_h) + GAP  # from the top of the page

    def first_page(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        draw_address(canvas, address)
        if beside:
            head.drawOn(canvas, col_x, page_height - MARGIN - head_h)

    story: list[Flowable] = [Spacer(1, body_top - MARGIN)]
    if not beside:
        story.append(Paragraph(_letterhead(content.site, compact=True), st.body))
    story.append(st.p(long_date(content.day), st.body))
    if content.subject:
        story.append(st.p(content.subject, st.bold))
    paragraphs = [st.p(text, st.body) for text in content.paragraphs]
    # The sign-off stays with the paragraph before it: never alone on the last page.
    tail = paragraphs[-3:] if len(paragraphs) >= 3 else paragraphs
    story += [*paragraphs[:len(paragraphs) - len(tail)], KeepTogether(tail)]
    rendered = render(story, st, A4, title=TITLES[content.kind],
                      footer=content.site.contact_line, first_page=first_page)
    warnings = (address.warning,) if address.warning else ()
    return RenderedLetter(rendered.pdf, rendered.pages, warnings)


# -- produce and log -------------------------------------------------------------------------
def _produce(ws: Workspace, content: LetterContent, settings: PrintSettings
             ) -> ProducedDocument:
    rendered = render_letter(content, settings=settings)
    with ws.db.write(ws.actor) as w:
        doc_id = log_document(w, content.kind, fmt=content.fmt.code, pages=rendered.pages,
                              client_id=content.client_id, enquiry_id=content.enquiry_id,
                              referral_id=content.referral_id)
    return ProducedDocument(pdf=rendered.pdf, pages=rendered.pages, fmt=content.fmt.code,
                            document_id=doc_id, warnings=rendered.warnings)


def make_followup_letter(ws: Workspace, referral_id: str, *, format_code: str | None = None,
                         day: date | None = None) -> ProducedDocument:
    """The follow-up letter for one referral, in the person's format unless one is chosen;
    logged."""
    require(ws, "letters.print")
    content = followup_content(ws, referral_id, day=day, format_code=format_code)
    return _produce(ws, content, load_print_settings(ws))


def make_referral_letter(ws: Workspace, referral_id: str, *, day: date | None = None
                         ) -> ProducedDocument:
    """The referral letter to the receiving service, in clear print; logged."""
    require(ws, "letters.print")
    content = referral_content(ws, referral_id, day=day)
    return _produce(ws, content, load_print_settings(ws))


__all__ = ["FOLLOWUP", "REFERRAL", "LetterContent", "LetterRefused", "RenderedLetter",
           "client_address", "followup_content", "make_followup_letter",
           "make_referral_letter", "referral_content", "render_letter", "service_address"]
