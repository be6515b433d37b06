"""Who may change the shared directory: coordinators and administrators. Everyone signed in
may read it and run the review list. The rule itself is "directory.edit" in
resources/permissions.json."""

from __future__ import annotations

from csn_desk.protection.roles import can, permission, require
from csn_desk.workspace import Workspace

ACTION = "directory.edit"
EDITOR_ROLES = tuple(sorted(permission(ACTION).roles))


def can_edit(ws: Workspace) -> bool:
    return can(ws, ACTION)


def require_editor(ws: Workspace) -> None:
    """Raise NotAllowed (audited) unless the signed-in user may change the directory."""
    require(ws, ACTION)
