"""This access point's own details: the letterhead and "how to get help" on every document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from csn_desk.errors import InvalidInput, NotFound
from csn_desk.postcodes import normalise
from csn_desk.protection.roles import require
from csn_desk.store.models import Organisation, Site
from csn_desk.workspace import Workspace

EDITABLE = ("name", "phone", "email", "address_line1", "address_line2", "post_town",
            "postcode")


@dataclass(frozen=True)
class SiteDetails:
    id: str
    name: str
    organisation: str
    phone: str | None
    email: str | None
    address_line1: str | None
    address_line2: str | None
    post_town: str | None
    postcode: str | None

    @property
    def address_lines(self) -> tuple[str, ...]:
        """UK layout: post town in capitals, postcode on its own line (PA-03, PA-04)."""
        lines = [self.address_line1, self.address_line2,
                 (self.post_town or "").upper() or None, self.postcode]
        return tuple(line for line in lines if line)

    @property
    def contact_line(self) -> str:
        """"Age UK Darlington, phone 01325 000000" (or just the name)."""
        return f"{self.name}, phone {self.phone}" if self.phone else self.name


def site_details(ws: Workspace, site_id: str | None = None) -> SiteDetails:
    with ws.db.read() as s:
        site = s.get(Site, site_id or ws.site_id)
        if site is None:
            raise NotFound("This site's details are missing; run csn-desk check.")
        org = s.get(Organisation, site.organisation_id)
        return SiteDetails(id=site.id, name=site.name, organisation=org.name if org else "",
                           phone=site.phone, email=site.email,
                           address_line1=site.address_line1, address_line2=site.address_line2,
                           post_town=site.post_town, postcode=site.postcode)


def update_site_details(ws: Workspace, **changes: Any) -> SiteDetails:
    """Administrators keep the letterhead right (name, phone, email, postal address)."""
    require(ws, "settings.edit", "Only an administrator can change the site's details.")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput("Only the site's name, phone, email and address can be changed.")
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        text = (value or "").strip() or None
        if key == "name" and not text:
            raise InvalidInput("The site needs a name.")
        if key == "postcode" and text:
            text = normalise(text)
        clean[key] = text
    with ws.db.write(ws.actor) as w:
        site = w.session.get(Site, ws.site_id)
        if site is None:
            raise NotFound("This site's details are missing; run csn-desk check.")
        w.update(site, **clean)
    return site_details(ws)
