"""qa scorecards: a partial index on reviewed_at (analytics reads the few reviewed cards apart)

Revision ID: 0840
Revises: 0860
Create Date: 2026-12-03 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0840'
down_revision = '0860'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        'ix_qa_scorecards_reviewed_at', 'qa_scorecards', ['reviewed_at'], unique=False,
        postgresql_where=sa.text('reviewed_at IS NOT NULL'), sqlite_where=sa.text('reviewed_at IS NOT NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_qa_scorecards_reviewed_at', table_name='qa_scorecards')
