"""Correction activities typed "... package", so CKAN hides a private dataset's from others

Revision ID: 2b7e4c9d1f03
Revises: 8d3f2a6b9c10
Create Date: 2026-11-26 06:45:00

"""
from alembic import op

revision = "2b7e4c9d1f03"
down_revision = "8d3f2a6b9c10"
branch_labels = None
depends_on = None

RENAMED = (("reported problem", "reported problem with package"),
           ("answered correction", "answered correction of package"))


def upgrade():
    for old, new in RENAMED:
        op.execute("UPDATE activity SET activity_type = '%s' WHERE activity_type = '%s'"
                   % (new, old))


def downgrade():
    for old, new in RENAMED:
        op.execute("UPDATE activity SET activity_type = '%s' WHERE activity_type = '%s'"
                   % (old, new))
