"""QA console: messages get a derived search column, scorecards the total as shown, calibrations

``messages.search_text`` is filled by tickets.conversations (tickets/textsearch.py tokens) for every
new message; rows stored before stay NULL and the QA search matches their ``body`` instead, found on
PostgreSQL through a small partial index. ``qa_scorecards.effective_total`` starts as the reviewer's
total else the automatic one (item overrides without a total are recomputed at the next review).
``qa_calibrations`` holds each QA reviewer's own item results of a scorecard (calibration).
Plain ADD COLUMN (no batch copy), so SQLite keeps its triggers.

Revision ID: 0800
Revises: 0730
Create Date: 2026-12-03 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0800"
down_revision = "0730"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("search_text", sa.Text(), nullable=True))
    op.add_column("qa_scorecards", sa.Column("effective_total", sa.Float(), nullable=True))
    op.execute("UPDATE qa_scorecards SET effective_total = COALESCE(override_total, auto_total)")
    op.create_index("ix_qa_scorecards_effective_total", "qa_scorecards", ["effective_total"])
    op.create_table(
        "qa_calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_name", sa.String(length=128), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["scorecard_id"], ["qa_scorecards.id"],
                                name=op.f("fk_qa_calibrations_scorecard_id_qa_scorecards"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_qa_calibrations_reviewer_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_calibrations")),
        sa.UniqueConstraint("scorecard_id", "reviewer_id", name="uq_qa_calibrations_scorecard_reviewer"),
    )  # fmt: skip
    op.create_index("ix_qa_calibrations_scorecard_id", "qa_calibrations", ["scorecard_id"])
    if op.get_bind().dialect.name == "postgresql":
        # The same GIN expression as tickets and articles (0500): tokens as lexemes, no word parser.
        op.execute(
            "CREATE INDEX ix_messages_search ON messages"
            " USING gin (array_to_tsvector(string_to_array(search_text, ' ')))"
        )
        op.execute("CREATE INDEX ix_messages_unindexed ON messages (id) WHERE search_text IS NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_messages_unindexed")
        op.execute("DROP INDEX IF EXISTS ix_messages_search")
    op.drop_index("ix_qa_calibrations_scorecard_id", table_name="qa_calibrations")
    op.drop_table("qa_calibrations")
    op.drop_index("ix_qa_scorecards_effective_total", table_name="qa_scorecards")
    with op.batch_alter_table("qa_scorecards", schema=None) as batch_op:
        batch_op.drop_column("effective_total")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("search_text")
