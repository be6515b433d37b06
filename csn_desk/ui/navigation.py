"""The main window's pages; which staff roles see each comes from resources/permissions.json.

Role codes come from resources/vocab/roles.json (a test checks every role is covered).
Pages not built yet show an honest placeholder naming the work that brings them."""

from __future__ import annotations

from dataclasses import dataclass

from csn_desk.protection.roles import page_allowed
from csn_desk.vocab import vocab


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    arrives_with: str  # shown on the placeholder until the page is built
    shortcut: str      # Ctrl+<n> jumps to it


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("today", "Today", "", "Ctrl+1"),
    NavItem("new_enquiry", "New enquiry", "the counter work (logging an enquiry)", "Ctrl+2"),
    NavItem("clients", "Clients", "the counter work (client records)", "Ctrl+3"),
    NavItem("directory", "Directory", "the counter work (searching the directory)", "Ctrl+4"),
    NavItem("follow_ups", "Follow-ups", "the counter work (the follow-up queue)", "Ctrl+5"),
    NavItem("reports", "Reports", "the reporting work (monthly tallies and exports)", "Ctrl+6"),
    NavItem("admin", "Admin", "the administration work (users, backups, sync)", "Ctrl+7"),
)

# Which pages each role sees: derived from the one permission table (resources/
# permissions.json "pages"), so a page is shown exactly when its services would allow it.
ROLE_PAGES: dict[str, frozenset[str]] = {
    role: frozenset(item.key for item in NAV_ITEMS if page_allowed(role, item.key))
    for role in vocab("roles").codes
}


def items_for_role(role: str) -> list[NavItem]:
    """The pages this role sees, in navigation order (an unknown role sees only Today)."""
    allowed = ROLE_PAGES.get(role, frozenset({"today"}))
    return [item for item in NAV_ITEMS if item.key in allowed]
