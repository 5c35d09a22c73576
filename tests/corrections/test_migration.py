"""The plugin's alembic migration: up, down and up again."""
import pytest
import sqlalchemy as sa

from ckan import model

TABLES = {"migration_correction", "migration_correction_comment"}


def _tables():
    model.Session.remove()
    return TABLES & set(sa.inspect(model.meta.engine).get_table_names())


@pytest.mark.usefixtures("with_plugins", "migration_db")
def test_upgrade_downgrade_upgrade(migrate_db_for):
    migrate_db_for("migration")
    assert _tables() == TABLES
    columns = {c["name"] for c in sa.inspect(model.meta.engine).get_columns(
        "migration_correction")}
    assert {"package_id", "resource_id", "field", "kind", "status", "description",
            "evidence_url", "user_id", "reporter_email", "created", "modified",
            "answered_at", "answer"} <= columns
    migrate_db_for("migration", "base", False)
    assert _tables() == set()
    migrate_db_for("migration")
    assert _tables() == TABLES
