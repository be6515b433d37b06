"""The table model behind the follow-up queue: frozen rows from ``load_queue``; painting
only reads this cache.

Two shapes of the same rows: five one-line columns when they fit the width, and a compact
two-column shape (when and status; who, what and where) whose cells wrap over several lines,
for large text on small screens, so the queue never scrolls sideways."""

from __future__ import annotations

from csn_desk.followups import FollowUpItem
from csn_desk.ui.rows_model import RowsTableModel
from csn_desk.vocab import vocab

COLUMNS = ("Due", "Status", "Person", "Service", "Site")
COMPACT_COLUMNS = ("Due and status", "Person, service and site")
SERVICE_COLUMN, PERSON_COLUMN, DUE_COLUMN = 3, 2, 0


def overdue_text(item: FollowUpItem) -> str:
    """Words, not colour: "due today" / "3 days overdue"."""
    if item.days_overdue <= 0:
        return "due today"
    unit = "day" if item.days_overdue == 1 else "days"
    return f"{item.days_overdue} {unit} overdue"


def due_text(item: FollowUpItem) -> str:
    return f"{item.follow_up_due:%d/%m/%Y} ({overdue_text(item)})"


def person_text(item: FollowUpItem) -> str:
    name = item.client_name or "Anonymous"
    return f"{name} [{'; '.join(item.flags)}]" if item.flags else name


def service_text(item: FollowUpItem) -> str:
    org = f" ({item.organisation_name})" if item.organisation_name else ""
    return (item.service_name or "Service not named") + org


def status_text(item: FollowUpItem) -> str:
    return vocab("referral_statuses").label(item.status)


def full_text(item: FollowUpItem, column: int) -> str:
    """A cell of the five-column shape."""
    if column == DUE_COLUMN:
        return due_text(item)
    if column == 1:
        return status_text(item)
    if column == PERSON_COLUMN:
        return person_text(item)
    if column == SERVICE_COLUMN:
        return service_text(item)
    return item.site_name


def compact_text(item: FollowUpItem, column: int) -> str:
    """A cell of the two-column shape: one fact a line."""
    if column == 0:
        return f"{item.follow_up_due:%d/%m/%Y}\n{overdue_text(item)}\n{status_text(item)}"
    site = f"\nSite: {item.site_name}" if item.site_name else ""
    return f"{person_text(item)}\n{service_text(item)}{site}"


class FollowUpTableModel(RowsTableModel):
    columns: tuple[str, ...] = COLUMNS
    compact = False

    def set_compact(self, compact: bool) -> None:
        """Switch shape (a model reset: the view re-reads columns and rows)."""
        if compact == self.compact:
            return
        self.beginResetModel()
        self.compact = compact
        self.columns = COMPACT_COLUMNS if compact else COLUMNS
        self.endResetModel()

    def rows(self) -> list[FollowUpItem]:
        return self._rows

    def row_at(self, row: int) -> FollowUpItem:
        return self._rows[row]

    def row_of(self, referral_id: str) -> int:
        for i, item in enumerate(self._rows):
            if item.referral_id == referral_id:
                return i
        return -1

    def text(self, item: FollowUpItem, column: int) -> str:
        return compact_text(item, column) if self.compact else full_text(item, column)
