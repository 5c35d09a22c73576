"""Restricted datasets: access requests and their audit trail

Revision ID: 8d3f2a6b9c10
Revises: 5c0a7e1d2b31
Create Date: 2026-11-26 06:40:00

"""
from alembic import op
import sqlalchemy as sa

revision = "8d3f2a6b9c10"
down_revision = "5c0a7e1d2b31"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "migration_access_request",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText,
                  sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.UnicodeText, sa.ForeignKey("user.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("requester_name", sa.UnicodeText, nullable=False),
        sa.Column("email", sa.UnicodeText),
        sa.Column("organisation", sa.UnicodeText),
        sa.Column("purpose", sa.UnicodeText, nullable=False),
        sa.Column("intended_use", sa.UnicodeText),
        sa.Column("wanted_from", sa.Date, nullable=False),
        sa.Column("wanted_until", sa.Date, nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("decided_by", sa.UnicodeText,
                  sa.ForeignKey("user.id", ondelete="SET NULL")),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("decision_message", sa.UnicodeText),
        sa.Column("granted_from", sa.Date),
        sa.Column("granted_until", sa.Date),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    for column in ("package_id", "user_id", "status"):
        op.create_index("ix_migration_access_request_" + column, "migration_access_request",
                        [column])
    op.create_table(
        "migration_access_event",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText,
                  sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False),
        sa.Column("request_id", sa.UnicodeText,
                  sa.ForeignKey("migration_access_request.id", ondelete="SET NULL")),
        sa.Column("user_id", sa.UnicodeText, sa.ForeignKey("user.id", ondelete="SET NULL")),
        sa.Column("actor_id", sa.UnicodeText, sa.ForeignKey("user.id", ondelete="SET NULL")),
        sa.Column("event", sa.UnicodeText, nullable=False),
        sa.Column("resource_id", sa.UnicodeText),
        sa.Column("detail", sa.UnicodeText),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    for column in ("package_id", "user_id", "event", "created"):
        op.create_index("ix_migration_access_event_" + column, "migration_access_event",
                        [column])


def downgrade():
    op.drop_table("migration_access_event")
    op.drop_table("migration_access_request")
