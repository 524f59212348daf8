"""call records: one row per finished call (telephony)

Revision ID: 0300
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0300"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("caller_number", sa.String(length=64), nullable=False),
        sa.Column("dialed_number", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("ivr_path", sa.JSON(), nullable=False),
        sa.Column("ivr_choice", sa.String(length=32), nullable=False),
        sa.Column("queue_id", sa.String(length=64), nullable=True),
        sa.Column("first_queue_id", sa.String(length=64), nullable=True),
        sa.Column("agent_id", sa.String(length=64), nullable=True),
        sa.Column("disposition", sa.String(length=32), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("abandoned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue_wait_s", sa.Float(), nullable=False),
        sa.Column("talk_s", sa.Float(), nullable=False),
        sa.Column("hold_s", sa.Float(), nullable=False),
        sa.Column("wrap_up_s", sa.Float(), nullable=False),
        sa.Column("missed_offers", sa.JSON(), nullable=False),
        sa.Column("callback_requested", sa.Boolean(), nullable=False),
        sa.Column("recording_name", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_records")),
        sa.UniqueConstraint("call_id", name=op.f("uq_call_records_call_id")),
    )
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_records_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_records_disposition"), ["disposition"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_records_offered_at"), ["offered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_records_queue_id"), ["queue_id"], unique=False)


def downgrade() -> None:
    # No enum types here, so nothing PostgreSQL-specific to drop.
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_records_queue_id"))
        batch_op.drop_index(batch_op.f("ix_call_records_offered_at"))
        batch_op.drop_index(batch_op.f("ix_call_records_disposition"))
        batch_op.drop_index(batch_op.f("ix_call_records_agent_id"))
    op.drop_table("call_records")
