"""cell_clock without rowid: the per-cell clocks kept in one B-tree, by their key

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

``cell_clock`` (one row per synced cell) had a composite text primary key on an ordinary
rowid table, so SQLite kept every clock twice: in the table and again in the key's index.
Rebuilt WITHOUT ROWID (same columns, same key, the same rows copied), each clock is stored
once, in key order: a directory import writes ~730,000 of them, and this roughly halves
their cost. Nothing reads the table by rowid.

The ``change_log_base`` trigger (0007) reads cell_clock; it is dropped while the table is
rebuilt (a rename checks every trigger's tables) and created again from its own stored SQL.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = "table_name, row_id, field, hlc, site_id"
TABLE = ("CREATE TABLE {name} (table_name VARCHAR(32) NOT NULL, row_id VARCHAR(36) NOT NULL, "
         "field VARCHAR(48) NOT NULL, hlc VARCHAR(32) NOT NULL, site_id VARCHAR(36) NOT NULL, "
         "PRIMARY KEY (table_name, row_id, field)){options}")


def _rebuild(without_rowid: bool) -> None:
    triggers = [(str(name), str(sql)) for name, sql in op.get_bind().exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        "AND tbl_name != 'cell_clock' AND sql LIKE '%cell_clock%' ORDER BY name").all()]
    for name, _sql in triggers:
        op.execute(f'DROP TRIGGER "{name}"')
    op.execute(TABLE.format(name="cell_clock_rebuilt",
                            options=" WITHOUT ROWID" if without_rowid else ""))
    op.execute(f"INSERT INTO cell_clock_rebuilt ({COLUMNS}) SELECT {COLUMNS} FROM cell_clock "
               "ORDER BY table_name, row_id, field")
    op.execute("DROP TABLE cell_clock")
    op.execute("ALTER TABLE cell_clock_rebuilt RENAME TO cell_clock")
    for _name, sql in triggers:
        op.execute(sql)


def upgrade() -> None:
    _rebuild(without_rowid=True)


def downgrade() -> None:
    _rebuild(without_rowid=False)
