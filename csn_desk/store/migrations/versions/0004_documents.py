"""documents: site letterhead details, pages on the documents log, edited letter templates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Slips and letters say who produced them and how to get help, so a site now has a phone, an
email and a postal address, and a service says what to take with you. Letter templates an administrator edits are data (organisation
scope); the defaults stay in ``resources/templates/``.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SITE_COLUMNS = ("phone", "email", "address_line1", "address_line2", "post_town", "postcode")


def upgrade() -> None:
    with op.batch_alter_table("site", schema=None) as batch_op:
        for name in SITE_COLUMNS:
            batch_op.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(),
                                          nullable=True))
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pages", sa.Integer(), nullable=True))
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("what_to_take", sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=True))
    op.create_table(
        "letter_template",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("organisation_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("letter_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letter_template_organisation_id"),
                              ["organisation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("letter_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_template_organisation_id"))
    op.drop_table("letter_template")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("what_to_take")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("pages")
    with op.batch_alter_table("site", schema=None) as batch_op:
        for name in reversed(SITE_COLUMNS):
            batch_op.drop_column(name)
