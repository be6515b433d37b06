"""The table model behind the follow-up queue: frozen rows from ``load_queue``; painting
only reads this cache."""

from __future__ import annotations

from csn_desk.followups import FollowUpItem
from csn_desk.ui.rows_model import RowsTableModel
from csn_desk.vocab import vocab

COLUMNS = ("Due", "Status", "Person", "Service", "Site")


def due_text(item: FollowUpItem) -> str:
    """Words, not colour: "Due today" / "3 days overdue"."""
    day = f"{item.follow_up_due:%d/%m/%Y}"
    if item.days_overdue <= 0:
        return f"{day} (due today)"
    unit = "day" if item.days_overdue == 1 else "days"
    return f"{day} ({item.days_overdue} {unit} overdue)"


def person_text(item: FollowUpItem) -> str:
    name = item.client_name or "Anonymous"
    return f"{name} [{'; '.join(item.flags)}]" if item.flags else name


SERVICE_COLUMN, PERSON_COLUMN, DUE_COLUMN = 3, 2, 0


class FollowUpTableModel(RowsTableModel):
    columns = COLUMNS

    def row_at(self, row: int) -> FollowUpItem:
        return self._rows[row]

    def row_of(self, referral_id: str) -> int:
        for i, item in enumerate(self._rows):
            if item.referral_id == referral_id:
                return i
        return -1

    def text(self, item: FollowUpItem, column: int) -> str:
        if column == 0:
            return due_text(item)
        if column == 1:
            return vocab("referral_statuses").label(item.status)
        if column == 2:
            return person_text(item)
        if column == 3:
            org = f" ({item.organisation_name})" if item.organisation_name else ""
            return (item.service_name or "Service not named") + org
        return item.site_name

