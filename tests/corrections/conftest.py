"""Corrections tests: the plugin's own tables on top of migration_db."""
import pytest


@pytest.fixture
def corrections_db(migration_db, migrate_db_for):
    migrate_db_for("migration")


@pytest.fixture
def publisher():
    """An organisation with an admin, an editor and a plain member, and a public and a
    private dataset of the migration schema."""
    from ckan.tests import factories, helpers
    from ..factories import dataset
    admin, editor, member = factories.User(), factories.User(), factories.User()
    org = factories.Organization(users=[{"name": admin["name"], "capacity": "admin"},
                                        {"name": editor["name"], "capacity": "editor"},
                                        {"name": member["name"], "capacity": "member"}])
    context = {"user": admin["name"]}
    public = helpers.call_action("package_create", context=dict(context), **dataset(
        name="public-data", owner_org=org["id"]))
    private = helpers.call_action("package_create", context=dict(context), **dataset(
        name="private-data", owner_org=org["id"], private=True))

    class Publisher:
        pass
    p = Publisher()
    p.admin, p.editor, p.member, p.org = admin, editor, member, org
    p.public, p.private = public, private
    return p
