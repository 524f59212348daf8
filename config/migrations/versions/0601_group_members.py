"""Group membership (who works a group's tickets) and an index on conversations' assigned agent

Object-level access (issue 9) reads both on every request: an agent's groups, and the
conversations assigned to them.

Revision ID: 0601
Revises: 0600
Create Date: 2026-12-02 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0601"
down_revision = "0600"
branch_labels = None
depends_on = ("0410",)  # conversations and identities live on that branch


def upgrade() -> None:
    op.create_table(
        "desk_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["desk_groups.id"],
            name=op.f("fk_desk_group_members_group_id_desk_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_desk_group_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_group_members")),
        sa.UniqueConstraint("group_id", "user_id", name="uq_desk_group_members_group_user"),
    )
    with op.batch_alter_table("desk_group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_group_members_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversations_assigned_agent_id"), ["assigned_agent_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_assigned_agent_id"))
    with op.batch_alter_table("desk_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_group_members_user_id"))
    op.drop_table("desk_group_members")
