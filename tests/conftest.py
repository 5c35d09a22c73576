"""Shared test configuration and the recorded fixtures of tests/fixtures/."""
import gzip
import os

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO_ROOT, "tests", "fixtures")
SCHEMA_XML = os.path.join(REPO_ROOT, "config", "solr", "schema.xml")


def fixture_path(*parts) -> str:
    """Where a fixture is: as named, or gzip-compressed beside it (``name.gz``)."""
    path = os.path.join(FIXTURES, *parts)
    return path if os.path.exists(path) else path + ".gz"


def fixture_bytes(*parts) -> bytes:
    """A recorded (or hand-written) response of tests/fixtures/, decompressed when stored
    gzip-compressed; see tests/fixtures/SOURCES.md for where each comes from."""
    path = fixture_path(*parts)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


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
