"""Who may change the shared directory: coordinators and administrators. Everyone signed in
may read it and run the review list."""

from __future__ import annotations

from csn_desk.errors import NotAllowed
from csn_desk.workspace import Workspace

EDITOR_ROLES = ("coordinator", "admin")


def can_edit(ws: Workspace) -> bool:
    return ws.user.role in EDITOR_ROLES


def require_editor(ws: Workspace) -> None:
    """Raise NotAllowed unless the signed-in user may change the directory."""
    if not can_edit(ws):
        raise NotAllowed("Only coordinators and administrators can change the directory; "
                         "ask one of them to do this.")
