"""Corrections: reports of problems on datasets, and their threads

Revision ID: 5c0a7e1d2b31
Revises:
Create Date: 2026-11-26 03:40:00

"""
from alembic import op
import sqlalchemy as sa

revision = "5c0a7e1d2b31"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "migration_correction",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText,
                  sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False),
        sa.Column("resource_id", sa.UnicodeText),
        sa.Column("field", sa.UnicodeText),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("description", sa.UnicodeText, nullable=False),
        sa.Column("evidence_url", sa.UnicodeText),
        sa.Column("user_id", sa.UnicodeText, sa.ForeignKey("user.id", ondelete="SET NULL")),
        sa.Column("reporter_email", sa.UnicodeText),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
        sa.Column("answered_at", sa.DateTime),
        sa.Column("answer", sa.UnicodeText),
    )
    op.create_index("ix_migration_correction_package_id", "migration_correction",
                    ["package_id"])
    op.create_index("ix_migration_correction_status", "migration_correction", ["status"])
    op.create_index("ix_migration_correction_user_id", "migration_correction", ["user_id"])
    op.create_table(
        "migration_correction_comment",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("correction_id", sa.UnicodeText,
                  sa.ForeignKey("migration_correction.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("user_id", sa.UnicodeText, sa.ForeignKey("user.id", ondelete="SET NULL")),
        sa.Column("body", sa.UnicodeText, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("status_change", sa.UnicodeText),
    )
    op.create_index("ix_migration_correction_comment_correction_id",
                    "migration_correction_comment", ["correction_id"])


def downgrade():
    op.drop_table("migration_correction_comment")
    op.drop_table("migration_correction")
