"""csat surveys remember the message that carried their link

Revision ID: 0404
Revises: 0403
Create Date: 2026-11-26 10:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0404'
down_revision = '0403'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('csat_surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_csat_surveys_message_id_messages'), 'messages', ['message_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('csat_surveys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_csat_surveys_message_id_messages'), type_='foreignkey')
        batch_op.drop_column('message_id')
