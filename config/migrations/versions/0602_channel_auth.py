"""Channels that cannot be spoofed: verified customer identities and flagged conversations

Identities get ``verified_at``/``verified_by`` (an address that passed DKIM/SPF alignment on a mail,
or was confirmed by an agent, or imported); replies by e-mail go only to verified addresses.
Conversations get ``flags`` (for example ``thread_mismatch``, ``spoof_suspected``) shown to agents.
Identities that exist before this migration start unverified: nothing proved them.

Revision ID: 0602
Revises: 0601
Create Date: 2026-12-02 10:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0602'
down_revision = '0601'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customer_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verified_by', sa.String(length=64), nullable=True))
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flags', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('flags')
    with op.batch_alter_table('customer_identities', schema=None) as batch_op:
        batch_op.drop_column('verified_by')
        batch_op.drop_column('verified_at')
