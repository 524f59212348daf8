"""call conversations know their call: IVR path, agent, outcome, disposition, recording

Revision ID: 0410
Revises: 0404
Create Date: 2026-12-02 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0410'
down_revision = '0404'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'conversation_calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.String(length=64), nullable=False),
        sa.Column('caller_number', sa.String(length=64), nullable=False),
        sa.Column('dialed_number', sa.String(length=64), nullable=False),
        sa.Column('ivr_path', sa.JSON(), nullable=False),
        sa.Column('ivr_choice', sa.String(length=64), nullable=True),
        sa.Column('queue_id', sa.String(length=64), nullable=True),
        sa.Column('language', sa.String(length=16), nullable=True),
        sa.Column('agent_id', sa.String(length=64), nullable=True),
        sa.Column('outcome', sa.String(length=32), nullable=True),
        sa.Column('disposition', sa.String(length=32), nullable=True),
        sa.Column('disposition_by', sa.Integer(), nullable=True),
        sa.Column('recording_name', sa.String(length=128), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('talk_s', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_calls_conversation_id_conversations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['disposition_by'], ['users.id'], name=op.f('fk_conversation_calls_disposition_by_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_calls')),
        sa.UniqueConstraint('call_id', name=op.f('uq_conversation_calls_call_id')),
        sa.UniqueConstraint('conversation_id', name=op.f('uq_conversation_calls_conversation_id')),
    )


def downgrade() -> None:
    op.drop_table('conversation_calls')
