"""knowledge base versions

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("topics", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_versions")),
        sa.UniqueConstraint("checksum", name=op.f("uq_kb_versions_checksum")),
    )
    op.create_table(
        "kb_entry_titles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=128), nullable=False),
        sa.Column("topic_id", sa.String(length=128), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["kb_versions.id"],
            name=op.f("fk_kb_entry_titles_version_id_kb_versions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_entry_titles")),
        sa.UniqueConstraint("version_id", "entry_id", name=op.f("uq_kb_entry_titles_version_id")),
    )
    with op.batch_alter_table("kb_entry_titles") as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_entry_titles_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kb_entry_titles_version_id"), ["version_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kb_entry_titles") as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_entry_titles_version_id"))
        batch_op.drop_index(batch_op.f("ix_kb_entry_titles_entry_id"))
    op.drop_table("kb_entry_titles")
    op.drop_table("kb_versions")
