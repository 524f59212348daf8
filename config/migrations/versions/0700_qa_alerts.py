"""qa_alerts: stored compliance findings of calls and text conversations

Revision ID: 0700
Revises: 0603
Create Date: 2026-12-02 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0700'
down_revision = '0603'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'qa_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.String(length=64), nullable=True),
        sa.Column('conversation_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('agent', sa.String(length=128), nullable=True),
        sa.Column('rule_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('severity', sa.String(length=16), nullable=False),
        sa.Column('speaker', sa.String(length=16), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('start', sa.Float(), nullable=False),
        sa.Column('end', sa.Float(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('action', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_qa_alerts_call_start', 'qa_alerts', ['call_id', 'start'], unique=False)
    op.create_index('ix_qa_alerts_conversation', 'qa_alerts', ['conversation_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_qa_alerts_conversation', table_name='qa_alerts')
    op.drop_index('ix_qa_alerts_call_start', table_name='qa_alerts')
    op.drop_table('qa_alerts')
