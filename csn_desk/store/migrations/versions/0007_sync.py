"""sync: keys, roster, segments, bad files, shadow rows, conflict log, change-log bases

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-26

File-drop sync (issue 5). All tables are local bookkeeping (never synced themselves). The
change log gains the (hlc, site) each write overwrote, filled by a trigger from cell_clock
before the write path moves the cell's clock on, so sync can tell a concurrent write (a
conflict) from a later edit without any change to the write path's statements.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString

# The write path inserts the change-log rows first and only then upserts cell_clock, so at
# this moment cell_clock still holds the value being overwritten.
BASE_TRIGGER = """CREATE TRIGGER change_log_base AFTER INSERT ON change_log
    WHEN NEW.base_hlc IS NULL AND EXISTS (
        SELECT 1 FROM cell_clock WHERE table_name = NEW.table_name AND row_id = NEW.row_id
        AND field = NEW.field)
    BEGIN
        UPDATE change_log SET (base_hlc, base_site) = (
            SELECT hlc, site_id FROM cell_clock WHERE table_name = NEW.table_name
            AND row_id = NEW.row_id AND field = NEW.field)
        WHERE seq = NEW.seq;
    END"""


def upgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base_hlc", S(length=32), nullable=True))
        batch_op.add_column(sa.Column("base_site", S(length=36), nullable=True))
    op.execute(BASE_TRIGGER)

    op.create_table(
        "sync_identity",
        sa.Column("site_id", S(length=36), nullable=False),
        sa.Column("sign_private", S(), nullable=False),
        sa.Column("kx_private", S(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("site_id"),
    )
    op.create_table(
        "sync_network",
        sa.Column("network_id", S(length=64), nullable=False),
        sa.Column("name", S(), nullable=False),
        sa.Column("drop_dir", S(), nullable=False),
        sa.Column("founder_key", S(), nullable=False),
        sa.Column("state", S(length=16), nullable=False),
        sa.Column("roster_version", sa.Integer(), nullable=False),
        sa.Column("roster_hash", S(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("joined_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_sync_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", S(), nullable=True),
        sa.Column("paused_reason", S(), nullable=True),
        sa.Column("ack_n", sa.Integer(), nullable=False),
        sa.Column("ack_json", S(), nullable=False),
        sa.Column("ack_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("network_id"),
    )
    op.create_table(
        "sync_member",
        sa.Column("site_id", S(length=36), nullable=False),
        sa.Column("name", S(), nullable=False),
        sa.Column("organisation_id", S(length=36), nullable=False),
        sa.Column("sign_key", S(), nullable=False),
        sa.Column("kx_key", S(), nullable=False),
        sa.Column("admin", sa.Boolean(), nullable=False),
        sa.Column("status", S(length=16), nullable=False),
        sa.Column("final_seq", sa.Integer(), nullable=True),
        sa.Column("last_heard_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("paused_reason", S(), nullable=True),
        sa.Column("ack_n", sa.Integer(), nullable=False),
        sa.Column("acked_json", S(), nullable=False),
        sa.PrimaryKeyConstraint("site_id"),
    )
    op.create_table(
        "sync_scope_key",
        sa.Column("scope", S(length=64), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("key", S(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "epoch"),
    )
    op.create_table(
        "sync_segment",
        sa.Column("site_id", S(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", S(length=64), nullable=False),
        sa.Column("prev_hash", S(length=64), nullable=False),
        sa.Column("scope", S(length=64), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("ops", sa.Integer(), nullable=False),
        sa.Column("state", S(length=16), nullable=False),
        sa.Column("install", S(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "seq"),
    )
    op.create_table(
        "sync_export_mark",
        sa.Column("scope_kind", S(length=16), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope_kind"),
    )
    op.create_table(
        "sync_bad_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", S(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", S(length=64), nullable=False),
        sa.Column("kind", S(length=16), nullable=False),
        sa.Column("reason", S(), nullable=False),
        sa.Column("first_seen", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "seq", "hash", name="uq_sync_bad_file"),
    )
    op.create_table(
        "sync_shadow_row",
        sa.Column("table_name", S(length=32), nullable=False),
        sa.Column("row_id", S(length=36), nullable=False),
        sa.Column("dead", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id"),
    )
    op.create_index("ix_sync_shadow_row_pending", "sync_shadow_row", ["table_name", "dead"],
                    unique=False)
    op.create_table(
        "sync_shadow",
        sa.Column("table_name", S(length=32), nullable=False),
        sa.Column("row_id", S(length=36), nullable=False),
        sa.Column("field", S(length=48), nullable=False),
        sa.Column("value_json", S(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id", "field"),
    )
    op.create_table(
        "sync_covered",
        sa.Column("table_name", S(length=32), nullable=False),
        sa.Column("row_id", S(length=36), nullable=False),
        sa.Column("field", S(length=48), nullable=False),
        sa.Column("hlc", S(length=32), nullable=False),
        sa.Column("site_id", S(length=36), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id", "field", "hlc", "site_id"),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", S(length=32), nullable=False),
        sa.Column("row_id", S(length=36), nullable=False),
        sa.Column("field", S(length=48), nullable=False),
        sa.Column("hlc", S(length=32), nullable=False),
        sa.Column("site_id", S(length=36), nullable=False),
        sa.Column("value_json", S(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("table_name", "row_id", "field", "hlc", "site_id",
                            name="uq_sync_conflict"),
    )
    op.create_index("ix_sync_conflict_row_id", "sync_conflict", ["row_id"], unique=False)
    op.create_table(
        "sync_pending_op",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", S(length=32), nullable=False),
        sa.Column("row_id", S(length=36), nullable=False),
        sa.Column("field", S(length=48), nullable=False),
        sa.Column("value_json", S(), nullable=False),
        sa.Column("hlc", S(length=32), nullable=False),
        sa.Column("site_id", S(length=36), nullable=False),
        sa.Column("base_hlc", S(length=32), nullable=True),
        sa.Column("base_site", S(length=36), nullable=True),
        sa.Column("op", S(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("sync_pending_op")
    op.drop_index("ix_sync_conflict_row_id", table_name="sync_conflict")
    op.drop_table("sync_conflict")
    op.drop_table("sync_covered")
    op.drop_table("sync_shadow")
    op.drop_index("ix_sync_shadow_row_pending", table_name="sync_shadow_row")
    op.drop_table("sync_shadow_row")
    op.drop_table("sync_bad_file")
    op.drop_table("sync_export_mark")
    op.drop_table("sync_segment")
    op.drop_table("sync_scope_key")
    op.drop_table("sync_member")
    op.drop_table("sync_network")
    op.drop_table("sync_identity")
    op.execute("DROP TRIGGER IF EXISTS change_log_base")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_column("base_site")
        batch_op.drop_column("base_hlc")
