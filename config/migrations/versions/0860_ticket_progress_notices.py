"""customers are told on their channel when their ticket moves: one row per move told

Revision ID: 0860
Revises: 0730
Create Date: 2026-12-03 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0860"
down_revision = "0730"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_progress_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("move_key", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "move_key", name="uq_ticket_progress_notices_move"),
    )
    op.create_index(
        op.f("ix_ticket_progress_notices_ticket_id"), "ticket_progress_notices", ["ticket_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_progress_notices_ticket_id"), table_name="ticket_progress_notices")
    op.drop_table("ticket_progress_notices")
