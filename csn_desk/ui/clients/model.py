"""The list of clients matching what was typed (personal data, shown only inside the app)."""

from __future__ import annotations

from csn_desk.ui.clients.data import ClientRow
from csn_desk.ui.rows_model import RowsTableModel

# Communication needs second, so the flag stays in sight in a narrow list.
COLUMNS = ("Name", "Communication needs", "Date of birth", "Postcode")


class ClientTableModel(RowsTableModel):
    columns = COLUMNS

    def row_at(self, row: int) -> ClientRow:
        return self._rows[row]

    def text(self, row: ClientRow, column: int) -> str:
        m = row.match
        if column == 0:
            return m.display_name + (" (restricted)" if m.restricted else "")
        if column == 1:
            return "; ".join(row.flags) or "None recorded"
        if column == 2:
            return f"{m.date_of_birth:%d/%m/%Y}" if m.date_of_birth else "Not known"
        return m.postcode or "Not known"

