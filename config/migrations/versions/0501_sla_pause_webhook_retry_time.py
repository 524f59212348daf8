"""SLA timers pause while a ticket is pending; webhook deliveries remember when their retry is due

Revision ID: 0501
Revises: 0500
Create Date: 2026-12-01 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0501'
down_revision = '0500'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_column('next_attempt_at')
    with op.batch_alter_table('sla_timers', schema=None) as batch_op:
        batch_op.drop_column('paused_at')
