"""referral_state: each referral's latest status, kept by triggers, for a fast follow-up queue

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

The referral's status stays derived from its append-only events; this table is a local cache of
that derivation (never synced), maintained by triggers so every writer keeps it true: the
services, the demo bulk loader and sync imports alike.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The statuses that end a referral (resources/vocab/referral_statuses.json, "final": true).
# A test checks that this list and the vocabulary agree; changing it needs a new revision.
FINAL = "('started', 'declined', 'not_eligible', 'no_response', 'closed')"

TRIGGERS = [
    f"""CREATE TRIGGER referral_state_after_referral_insert AFTER INSERT ON referral BEGIN
        INSERT INTO referral_state (referral_id, organisation_id, follow_up_due, is_open)
        VALUES (NEW.id, (SELECT organisation_id FROM enquiry WHERE id = NEW.enquiry_id),
                NEW.follow_up_due, 1)
        ON CONFLICT (referral_id) DO UPDATE SET organisation_id = excluded.organisation_id,
            follow_up_due = excluded.follow_up_due;
    END""",
    """CREATE TRIGGER referral_state_after_referral_update
        AFTER UPDATE OF follow_up_due, enquiry_id ON referral BEGIN
        UPDATE referral_state SET follow_up_due = NEW.follow_up_due,
            organisation_id = (SELECT organisation_id FROM enquiry WHERE id = NEW.enquiry_id)
        WHERE referral_id = NEW.id;
    END""",
    """CREATE TRIGGER referral_state_after_referral_delete AFTER DELETE ON referral BEGIN
        DELETE FROM referral_state WHERE referral_id = OLD.id;
    END""",
    f"""CREATE TRIGGER referral_state_after_event_insert AFTER INSERT ON referral_event BEGIN
        UPDATE referral_state SET status = NEW.status, status_at = NEW.at,
            status_event_id = NEW.id, is_open = NEW.status NOT IN {FINAL}
        WHERE referral_id = NEW.referral_id
          AND (status_at IS NULL OR NEW.at > status_at
               OR (NEW.at = status_at AND NEW.id > status_event_id));
    END""",
    f"""CREATE TRIGGER referral_state_after_event_delete AFTER DELETE ON referral_event BEGIN
        UPDATE referral_state SET (status, status_at, status_event_id) = (
            SELECT status, at, id FROM referral_event WHERE referral_id = OLD.referral_id
            ORDER BY at DESC, id DESC LIMIT 1)
        WHERE referral_id = OLD.referral_id;
        UPDATE referral_state SET is_open = coalesce(status NOT IN {FINAL}, 1)
        WHERE referral_id = OLD.referral_id;
    END""",
]


def upgrade() -> None:
    op.create_table(
        "referral_state",
        sa.Column("referral_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("organisation_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("follow_up_due", sa.Date(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("status_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("status_event_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("referral_id"),
    )
    op.create_index("ix_referral_state_queue", "referral_state",
                    ["organisation_id", "is_open", "follow_up_due"], unique=False)
    # Existing referrals: the latest event of each (by time, then id).
    op.execute(f"""
        INSERT INTO referral_state (referral_id, organisation_id, follow_up_due, status,
                                    status_at, status_event_id, is_open)
        SELECT r.id, e.organisation_id, r.follow_up_due, last.status, last.at, last.id,
               coalesce(last.status NOT IN {FINAL}, 1)
        FROM referral r JOIN enquiry e ON e.id = r.enquiry_id
        LEFT JOIN referral_event last ON last.id = (
            SELECT id FROM referral_event WHERE referral_id = r.id
            ORDER BY at DESC, id DESC LIMIT 1)
    """)
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for name in ("referral_state_after_referral_insert", "referral_state_after_referral_update",
                 "referral_state_after_referral_delete", "referral_state_after_event_insert",
                 "referral_state_after_event_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_referral_state_queue", table_name="referral_state")
    op.drop_table("referral_state")
