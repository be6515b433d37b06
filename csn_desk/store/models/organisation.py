"""Sites, users and local settings: who is working where.

Member organisations are directory organisations with ``is_member`` set (see directory.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from csn_desk.store.models.base import created_field, id_field


class Site(SQLModel, table=True):
    """An access point (a counter, an office, the hub). Synced network-wide."""

    __tablename__ = "site"
    id: str = id_field()
    name: str
    organisation_id: str = Field(foreign_key="organisation.id", index=True)
    created_at: datetime = created_field()
    # The letterhead and "how to get help" lines on every slip and letter.
    phone: str | None = None
    email: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    post_town: str | None = None
    postcode: str | None = None


class User(SQLModel, table=True):
    """A member of staff at this site. Local to a site: never synced."""

    __tablename__ = "user"
    id: str = id_field()
    site_id: str = Field(foreign_key="site.id", index=True)
    username: str = Field(unique=True, max_length=64)
    display_name: str
    role: str = Field(max_length=16)  # counter / coordinator / manager / admin (resources/vocab)
    active: bool = True
    created_at: datetime = created_field()


class LocalSetting(SQLModel, table=True):
    """Key/value facts about this copy: which site it is, whether it holds demo data."""

    __tablename__ = "local_setting"
    key: str = Field(primary_key=True, max_length=64)
    value: str
