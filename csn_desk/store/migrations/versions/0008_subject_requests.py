"""subject requests: subject access, erasure, rectification and restriction requests

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-26

One row per request a person makes about their data (DP-08 to DP-12): when it came in, when
it is due by the ICO one-month rule, and when it was done. Ids and dates only; local.
A restricted client record also keeps why (a reason code), so every site shows it.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(sa.Column("restricted_reason", S(), nullable=True))
    op.create_table(
        "subject_request",
        sa.Column("id", S(length=36), nullable=False),
        sa.Column("client_id", S(length=36), nullable=False),
        sa.Column("kind", S(length=16), nullable=False),
        sa.Column("received", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("completed", sa.Date(), nullable=True),
        sa.Column("user_id", S(), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_subject_request_client_id", "subject_request", ["client_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_subject_request_client_id", table_name="subject_request")
    op.drop_table("subject_request")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_column("restricted_reason")
