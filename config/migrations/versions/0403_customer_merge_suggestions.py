"""customer merge suggestions: unverified web-chat claims wait for an agent

Revision ID: 0403
Revises: 0402
Create Date: 2026-11-26 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0403'
down_revision = '0402'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer_merge_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visitor_customer_id', sa.Integer(), nullable=False),
    sa.Column('matched_customer_id', sa.Integer(), nullable=False),
    sa.Column('identity_kind', sa.String(length=32), nullable=False),
    sa.Column('identity_value', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('merge_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['matched_customer_id'], ['customers.id'], name=op.f('fk_customer_merge_suggestions_matched_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merge_id'], ['customer_merges.id'], name=op.f('fk_customer_merge_suggestions_merge_id_customer_merges'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['visitor_customer_id'], ['customers.id'], name=op.f('fk_customer_merge_suggestions_visitor_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_merge_suggestions')),
    sa.UniqueConstraint('visitor_customer_id', 'matched_customer_id', 'identity_kind', 'identity_value', name='uq_customer_merge_suggestions_claim')
    )
    with op.batch_alter_table('customer_merge_suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_merge_suggestions_matched_customer_id'), ['matched_customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_merge_suggestions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_merge_suggestions_visitor_customer_id'), ['visitor_customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('customer_merge_suggestions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_merge_suggestions_visitor_customer_id'))
        batch_op.drop_index(batch_op.f('ix_customer_merge_suggestions_status'))
        batch_op.drop_index(batch_op.f('ix_customer_merge_suggestions_matched_customer_id'))

    op.drop_table('customer_merge_suggestions')
