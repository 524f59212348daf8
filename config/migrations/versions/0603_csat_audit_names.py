"""csat surveys keep a hashed customer token; users get a public name; the audit log records requests

Revision ID: 0603
Revises: 0602
Create Date: 2026-12-02 10:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0603'
down_revision = '0602'
branch_labels = None
depends_on = ('0404',)  # csat_surveys and its message_id


def upgrade() -> None:
    with op.batch_alter_table('csat_surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_csat_surveys_token_hash'), ['token_hash'], unique=True)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_name', sa.String(length=64), nullable=True))
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('action', existing_type=sa.String(length=64), type_=sa.String(length=255),
                              existing_nullable=False)
        batch_op.alter_column('target', existing_type=sa.String(length=128), type_=sa.String(length=255),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('role', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('status', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('client', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_log_actor'), ['actor'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_actor'))
        batch_op.drop_column('client')
        batch_op.drop_column('status')
        batch_op.drop_column('role')
        batch_op.drop_column('actor_id')
        batch_op.alter_column('target', existing_type=sa.String(length=255), type_=sa.String(length=128),
                              existing_nullable=False)
        batch_op.alter_column('action', existing_type=sa.String(length=255), type_=sa.String(length=64),
                              existing_nullable=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('public_name')
    with op.batch_alter_table('csat_surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_csat_surveys_token_hash'))
        batch_op.drop_column('token_hash')
