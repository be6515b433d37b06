"""A signed-in workspace: the open database plus who is using it, at which site.

Services take a ``Workspace`` so they know the actor for the audit log and the organisation
whose records they may see."""

from __future__ import annotations

from dataclasses import dataclass

from csn_desk.store.database import Database
from csn_desk.store.writes import Actor


@dataclass(frozen=True)
class UserInfo:
    id: str
    username: str
    display_name: str
    role: str
    site_id: str


@dataclass
class Workspace:
    db: Database
    user: UserInfo
    site_id: str
    organisation_id: str
    site_name: str = ""
    organisation_name: str = ""
    demo: bool = False

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user.id, site_id=self.site_id, role=self.user.role)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
