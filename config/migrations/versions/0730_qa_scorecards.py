"""qa scorecards (one per call, automatic result and review) and coaching notes

Revision ID: 0730
Revises: 0710
Create Date: 2026-12-02 13:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0730'
down_revision = '0710'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('qa_scorecards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('queue_id', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('call_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('auto_items', sa.JSON(), nullable=False),
    sa.Column('auto_total', sa.Float(), nullable=False),
    sa.Column('segments_scored', sa.Integer(), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('overrides', sa.JSON(), nullable=False),
    sa.Column('override_total', sa.Float(), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('reviewed', sa.Boolean(), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_qa_scorecards_reviewed_by_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_scorecards')),
    sa.UniqueConstraint('call_id', name=op.f('uq_qa_scorecards_call_id'))
    )
    with op.batch_alter_table('qa_scorecards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qa_scorecards_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_scorecards_call_at'), ['call_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_scorecards_reviewed'), ['reviewed'], unique=False)

    op.create_table('qa_coaching_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scorecard_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=128), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_qa_coaching_notes_author_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scorecard_id'], ['qa_scorecards.id'],
                            name=op.f('fk_qa_coaching_notes_scorecard_id_qa_scorecards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_coaching_notes'))
    )
    with op.batch_alter_table('qa_coaching_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qa_coaching_notes_scorecard_id'), ['scorecard_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('qa_coaching_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qa_coaching_notes_scorecard_id'))
    op.drop_table('qa_coaching_notes')
    with op.batch_alter_table('qa_scorecards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qa_scorecards_reviewed'))
        batch_op.drop_index(batch_op.f('ix_qa_scorecards_call_at'))
        batch_op.drop_index(batch_op.f('ix_qa_scorecards_agent_id'))
    op.drop_table('qa_scorecards')
