"""The referral slip handed over at the counter: the services suggested for one enquiry, in
the client's format (documents.md "Referral slip content").

``slip_content`` reads what goes on it (a plain dataclass, no layout), ``render_slip`` lays
it out at the format's own sizes, ``make_slip`` does both and logs the document."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
)
from sqlalchemy import select
from sqlmodel import Session, col

from csn_desk.consents import uk_today
from csn_desk.documents.formats import PrintFormat, format_for_client, page_size, print_format
from csn_desk.documents.log import ProducedDocument, log_document
from csn_desk.documents.opening_times import (
    Closure,
    Opening,
    notice_lines,
    open_on,
    weekly_lines,
)
from csn_desk.documents.settings import load_print_settings
from csn_desk.documents.typeset import Rendered, Styles, frame_size, markup, render
from csn_desk.errors import InvalidInput, NotFound
from csn_desk.protection.roles import require
from csn_desk.sites import SiteDetails, site_details
from csn_desk.store.models import (
    Client,
    CostOption,
    Enquiry,
    HolidayClosure,
    Location,
    Organisation,
    Referral,
    RegularSchedule,
    Service,
    ServiceAtLocation,
)
from csn_desk.timefmt import long_date
from csn_desk.workspace import Workspace

KIND = "referral_slip"
QR_SIZE = 26 * mm


@dataclass(frozen=True)
class SlipService:
    name: str
    organisation: str
    description: str
    phone: str | None
    email: str | None
    url: str | None
    addresses: tuple[tuple[str, ...], ...]  # each an address as lines, postcode last
    access: tuple[str, ...]  # accessibility notes of the places
    today: str  # "Open today, 9am to 5pm"
    weekly: tuple[str, ...]
    notices: tuple[str, ...]  # alerts, closures, bank holidays coming up
    costs: tuple[str, ...]
    how_to: str | None  # how to get the service (application process)
    what_to_take: str | None
    mention: str  # what to say, or what we have already done for them


@dataclass(frozen=True)
class SlipContent:
    enquiry_id: str
    client_id: str | None
    first_name: str | None
    day: date
    services: tuple[SlipService, ...]
    site: SiteDetails
    fmt: PrintFormat  # the client's recorded (or default) format


def _money(c: CostOption) -> str:
    if c.amount is None:
        text = c.amount_description or "Ask them about the cost"
    elif c.amount == 0:
        text = "Free"
    elif c.currency == "GBP":
        text = f"£{c.amount:,.2f}".replace(".00", "")
    else:
        text = f"{c.amount:,.2f} {c.currency}"
    return f"{text} {c.option}" if c.option and c.amount not in (None, 0) else text


def _mention(kind: str, site: str) -> str:
    if kind in ("referred", "booked"):
        return (f"{site} has passed your details to them, with your permission. If you have "
                "not heard from them within two weeks, please call them or us.")
    return f"When you contact them, you can say that {site} suggested them."


def _service(s: Session, r: Referral, day: date, site: str) -> SlipService:
    """One block of the slip from the directory entry."""
    service = s.get(Service, r.service_id) if r.service_id else None
    if service is None:
        return SlipService(name=r.external_service or "A service we told you about",
                           organisation="", description="", phone=None, email=None, url=None,
                           addresses=(), access=(), today="", weekly=(), notices=(), costs=(),
                           how_to=None, what_to_take=None, mention=_mention(r.kind, site))
    org = s.get(Organisation, service.organisation_id)
    locations = s.execute(select(Location).join(
        ServiceAtLocation, col(ServiceAtLocation.location_id) == col(Location.id))
        .where(col(ServiceAtLocation.service_id) == service.id)).scalars().all()
    sessions = [Opening(r2.weekday, r2.opens_at, r2.closes_at, r2.valid_from, r2.valid_to,
                        r2.description)
                for r2 in s.execute(select(RegularSchedule).where(
                    col(RegularSchedule.service_id) == service.id)).scalars()]
    closures = [Closure(h.start_date, h.end_date, h.closed, h.opens_at, h.closes_at, h.note)
                for h in s.execute(select(HolidayClosure).where(
                    col(HolidayClosure.service_id) == service.id)).scalars()]
    costs = [_money(c) for c in s.execute(select(CostOption).where(
        col(CostOption.service_id) == service.id)).scalars()
        if (c.valid_to is None or c.valid_to >= day)]
    if service.fees_text:
        costs.append(service.fees_text)
    addresses = tuple(tuple(p for p in (loc.name, loc.address_1, loc.address_2,
                                        (loc.city or "").upper() or None, loc.postcode) if p)
                      for loc in locations)
    notices = notice_lines(sessions, closures, day, service.alert, service.alert_until)
    if service.status != "active":
        notices.insert(0, f"Please note: the directory lists this service as {service.status}; "
                          "call before you go.")
    return SlipService(
        name=service.name, organisation=org.name if org else "",
        description=service.description, phone=service.phone or (org.phone if org else None),
        email=service.email or (org.email if org else None),
        url=service.url or (org.url if org else None), addresses=addresses,
        access=tuple(loc.accessibility for loc in locations if loc.accessibility),
        today=open_on(sessions, closures, day) if sessions or closures else "",
        weekly=tuple(weekly_lines(sessions, day)), notices=tuple(notices),
        costs=tuple(costs), how_to=service.application_process,
        what_to_take=service.what_to_take, mention=_mention(r.kind, site))


def slip_content(ws: Workspace, enquiry_id: str, *, referral_ids: tuple[str, ...] | None = None,
                 day: date | None = None) -> SlipContent:
    """What goes on the slip for one enquiry: its referrals (or the ones chosen)."""
    require(ws, "slips.print")
    day = day or uk_today()
    site = site_details(ws)
    with ws.db.read() as s:
        enquiry = s.get(Enquiry, enquiry_id)
        if enquiry is None or enquiry.organisation_id != ws.organisation_id:
            raise NotFound("That enquiry is not in this organisation's records.")
        query = select(Referral).where(col(Referral.enquiry_id) == enquiry_id)
        if referral_ids is not None:
            query = query.where(col(Referral.id).in_(referral_ids))
        referrals = s.execute(query.order_by(col(Referral.created_at),
                                             col(Referral.id))).scalars().all()
        if not referrals:
            raise InvalidInput("This enquiry has no services to put on a slip yet: choose a "
                               "service in the directory and signpost or refer first.")
        client = s.get(Client, enquiry.client_id) if enquiry.client_id else None
        if client is not None and client.restricted:
            raise InvalidInput("This person's record is restricted, so nothing can be printed "
                               "for them. Ask an administrator.")
        named = client is not None and client.erased_at is None
        fmt = format_for_client(client.preferred_format if named and client else None,
                                age_band=(client.age_band if named and client else None)
                                or enquiry.age_band,
                                born=client.date_of_birth if named and client else None,
                                disability=client.disability if named and client else None,
                                condition=client.long_term_condition
                                if named and client else None, today=day)
        services = tuple(_service(s, r, day, site.name) for r in referrals)
        first = (client.given_name.strip() or None) if named and client else None
        return SlipContent(enquiry_id=enquiry_id, client_id=enquiry.client_id if named else None,
                           first_name=first, day=day, services=services, site=site, fmt=fmt)


# -- layout ----------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _qr_modules(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's dark modules, computed once per web address (the encoder is slow)."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.make()
    return tuple(tuple(bool(m) for m in row) for row in code.modules)


class QrCode(Flowable):
    """A QR code drawn as black runs of modules on white, with a quiet zone."""

    QUIET = 4

    def __init__(self, url: str, size: float) -> None:
        super().__init__()
        self.modules = _qr_modules(url)
        self.size = size
        self.width = self.height = size

    def wrap(self, _width: float, _height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        count = len(self.modules) + 2 * self.QUIET
        box = self.size / count
        canvas = self.canv
        canvas.setFillColorRGB(0, 0, 0)
        for r, row in enumerate(self.modules):
            y = self.size - (r + self.QUIET + 1) * box
            for dark, run in itertools.groupby(enumerate(row), key=lambda m: m[1]):
                cells = list(run)
                if dark:
                    x = (cells[0][0] + self.QUIET) * box
                    canvas.rect(x, y, len(cells) * box, box, stroke=0, fill=1)


def _qr(st: Styles, url: str) -> list[Flowable]:
    """A QR code of the web page with its text label; it sits beside the written address,
    never instead of it (documents.md)."""
    return [QrCode(url, QR_SIZE), Paragraph(markup("Scan for the web page"), st.tight)]


def _contact(st: Styles, svc: SlipService, width: float, qr: bool) -> list[Flowable]:
    """Phone first, large and bold; then email, web and where, with the QR code on the
    right when there is a web page."""
    left: list[Flowable] = []
    if svc.phone:
        left.append(Paragraph(f"Phone: {markup(svc.phone)}", st.heading))
    if svc.email:
        left.append(st.labelled("Email", svc.email, st.tight))
    if svc.url:
        left.append(st.labelled("Web", svc.url, st.tight))
    for lines in svc.addresses:
        left.append(st.labelled("Where", ", ".join(lines), st.tight))
    for note in svc.access:
        left.append(st.labelled("Getting in", note, st.tight))
    if not (qr and svc.url):
        return left
    side = QR_SIZE + st.fmt.body * 4
    gap = 5 * mm
    if width - side - gap < st.fmt.body * 17.5:  # under ~35 characters: the code goes below
        return [*left, Spacer(1, st.fmt.leading * 0.3), *_qr(st, svc.url)]
    return [Table([[left, _qr(st, svc.url)]], colWidths=[width - side - gap, side + gap],
                  style=[("VALIGN", (0, 0), (-1, -1), "TOP"),
                         ("LEFTPADDING", (0, 0), (-1, -1), 0),
                         ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                         ("TOPPADDING", (0, 0), (-1, -1), 0),
                         ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                         ("LEFTPADDING", (1, 0), (1, 0), gap)])]


def _sections(st: Styles, svc: SlipService, width: float, qr: bool) -> list[list[Flowable]]:
    """A service block as sections, each of which is never split."""
    gap = Spacer(1, st.fmt.leading * 0.6)
    head: list[Flowable] = [HRFlowable(width="100%", thickness=1.5, color="black",
                                       spaceBefore=0, spaceAfter=st.fmt.leading * 0.5),
                            st.p(svc.name, st.heading)]
    about = " ".join(p for p in (f"Run by {svc.organisation}." if svc.organisation else "",
                                 svc.description) if p)
    if about:
        head += [st.p(about, st.tight), gap]
    sections = [head]
    contact = _contact(st, svc, width, qr)
    if contact:
        sections.append([*contact, gap])
    if svc.today or svc.weekly or svc.notices:
        sections.append([Paragraph("<b>Opening times</b>", st.tight),
                         *[st.p(line, st.tight) for line in (svc.today, *svc.weekly) if line],
                         *[st.p(line, st.tight_bold) for line in svc.notices], gap])
    extra: list[Flowable] = []
    if svc.costs:
        extra.append(st.labelled("Cost", "; ".join(svc.costs), st.tight))
    if svc.how_to:
        extra.append(st.labelled("How to get it", svc.how_to, st.tight))
    if svc.what_to_take:
        extra.append(st.labelled("Take with you", svc.what_to_take, st.tight))
    sections.append([*extra, *([gap] if extra else []), st.p(svc.mention, st.body)])
    return sections


def _height(flowables: list[Flowable], width: float, room: float) -> float:
    total = 0.0
    for f in flowables:
        total += f.wrap(width, room)[1] + f.getSpaceBefore() + f.getSpaceAfter()
    return total


def _block(st: Styles, svc: SlipService, width: float, room: float, qr: bool
           ) -> list[Flowable]:
    """One service, kept on one page. Only a block taller than a whole page (possible at
    24 pt) is split: it starts on a new page and breaks between sections, with "continues on
    the next page" and "(continued)" said on both sides of the break."""
    sections = _sections(st, svc, width, qr)
    whole = [f for section in sections for f in section]
    if _height(whole, width, room) <= room:
        return [KeepTogether(whole)]
    trailer = st.p("This service continues on the next page.", st.tight_bold)
    header = st.p(f"{svc.name} (continued)", st.heading)
    chunks: list[list[Flowable]] = [[]]
    for section in sections:
        trial = [*chunks[-1], *section, trailer]
        if chunks[-1] and _height(trial, width, room) > room:
            chunks[-1].append(trailer)
            chunks.append([header])
        chunks[-1].extend(section)
    out: list[Flowable] = [CondPageBreak(room - 1)]
    for i, chunk in enumerate(chunks):
        if i:
            out.append(PageBreak())
        out.append(KeepTogether(chunk))
    return out


def render_slip(content: SlipContent, fmt: PrintFormat | None = None, *, paper: str = "A4",
                qr: bool = True) -> Rendered:
    """The slip as PDF bytes, laid out at ``fmt``'s own sizes (default: the client's)."""
    fmt = fmt or content.fmt
    st = Styles.for_format(fmt)
    page = page_size(fmt, paper)
    width, room = frame_size(page, fmt)
    site = content.site
    story: list[Flowable] = [st.p("Services we suggested for you", st.title)]
    if content.first_name:
        story.append(st.labelled("For", content.first_name, st.tight))
    story += [st.labelled("Date", long_date(content.day), st.body),
              st.p("We suggested you contact:", st.bold)]
    blocks = [_block(st, svc, width, room, qr) for svc in content.services]
    first = blocks[0]
    # The heading and date go on the same page as the first service when both fit.
    if len(first) == 1 and isinstance(first[0], KeepTogether):
        joined = [*story, *first[0]._content]
        if _height(joined, width, room) <= room:
            story, blocks[0] = [], [KeepTogether(joined)]
    for block in blocks:
        story.extend(block)
    help_lines = [f"{site.name} gave you this slip."]
    if site.phone:
        help_lines.append(f"If you need help, call us on {site.phone}.")
    if site.address_lines:
        help_lines.append("Or come and see us at " + ", ".join(site.address_lines) + ".")
    story.append(KeepTogether([
        HRFlowable(width="100%", thickness=1.5, color="black", spaceAfter=st.fmt.leading * 0.5),
        st.p("If you need help", st.heading), *[st.p(line, st.tight) for line in help_lines]]))
    return render(story, st, page, title="Referral slip", footer=site.contact_line)


def make_slip(ws: Workspace, enquiry_id: str, *, format_code: str | None = None,
              referral_ids: tuple[str, ...] | None = None, day: date | None = None
              ) -> ProducedDocument:
    """Produce the slip (the client's format unless one is chosen) and log it."""
    require(ws, "slips.print")
    content = slip_content(ws, enquiry_id, referral_ids=referral_ids, day=day)
    fmt = print_format(format_code) if format_code else content.fmt
    settings = load_print_settings(ws)
    rendered = render_slip(content, fmt, paper=settings.slip_paper, qr=settings.slip_qr)
    with ws.db.write(ws.actor) as w:
        doc_id = log_document(w, KIND, fmt=fmt.code, pages=rendered.pages,
                              client_id=content.client_id, enquiry_id=enquiry_id)
    return ProducedDocument(pdf=rendered.pdf, pages=rendered.pages, fmt=fmt.code,
                            document_id=doc_id)
