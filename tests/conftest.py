"""Shared test configuration: where the recorded fixtures in ../shared live."""
import os

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(REPO_ROOT), "shared")
SCHEMA_XML = os.path.join(REPO_ROOT, "config", "solr", "schema.xml")


@pytest.fixture
def shared_dir():
    if not os.path.isdir(os.path.join(SHARED, "fixtures")):
        pytest.skip("../shared/fixtures is not beside this clone (it holds the recorded "
                    "responses; only the project's CI and developers have it)")
    return SHARED


@pytest.fixture
def migration_db(clean_db, clean_index, migrate_db_for):
    """A clean database with the tables of the plugins test.ini enables, and an empty index."""
    migrate_db_for("activity")
    migrate_db_for("harvest")


@pytest.fixture
def http_replay():
    """Recorded HTTP responses at the transport layer; the real search service passes."""
    import responses
    import ckan.plugins.toolkit as tk
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru(tk.config["solr_url"].split("/solr")[0])
        yield rsps
