"""The messages a harvest job reports (harvesting/errors.py): what failed, for which
record, and what happens next. The stages that say them are tested in test_base.py and
tests/faults/."""
import logging

import pytest
import sqlalchemy as sa
from ckan.lib.search import SearchIndexError

from ckanext.migration.harvesting import errors
from ckanext.migration.harvesting.http import FetchError


@pytest.mark.parametrize("error,message", [
    (FetchError("https://x.test answered HTTP 500"), "https://x.test answered HTTP 500"),
    (errors.RecordError("no title"), "no title"),
    (ValueError("bad date"), "bad date"),
    (KeyError("title"), "KeyError: 'title'"),
])
def test_describe_names_the_type_of_unexpected_errors_only(error, message, caplog):
    # CKAN's logging configuration does not pass ckanext's records up to pytest's
    # handler, and a CLI test's fileConfig may have disabled the logger
    logger = errors.log
    was = logger.disabled, logger.level
    logger.disabled = False
    logger.setLevel(logging.ERROR)
    logger.addHandler(caplog.handler)
    try:
        assert errors.describe(error, "eurostat") == message
    finally:
        logger.removeHandler(caplog.handler)
        logger.disabled, logger.level = was
    # the traceback of an unexpected error is in the log, not in the job's report
    assert bool(caplog.records) is isinstance(error, KeyError)


def test_validation_errors_name_each_field():
    said = errors.validation_errors({"modified": ["Date format incorrect"],
                                     "resources": [{}, {"url": ["Missing value"]}],
                                     "name": "That URL is already in use."})
    assert said == ("modified: Date format incorrect, resources: {}; {'url': ['Missing "
                    "value']}, name: That URL is already in use.")


@pytest.mark.ckan_config("solr_url", "http://127.0.0.1:8999/solr/ckan")
@pytest.mark.parametrize("text,what", [
    ("Failed to connect to server", "could not be reached at http://127.0.0.1:8999"),
    ("Solr responded with an error (HTTP 400): undefined field", "refused the dataset"),
])
def test_index_error_says_whether_the_service_was_down_or_refused(text, what):
    said = errors.index_error("env_mig", SearchIndexError(text))
    assert said.startswith("env_mig: the search service ") and what in said
    assert "will be harvested again on the next run (%s)" % text in said


@pytest.mark.parametrize("invalidated,what", [
    (True, "the connection to the database was lost"),
    (False, "the database refused the change"),
])
def test_database_error_keeps_the_first_line_of_the_reason(invalidated, what):
    error = sa.exc.OperationalError("INSERT ...", {}, Exception(
        "server closed the connection unexpectedly\n\tThis probably means..."),
        connection_invalidated=invalidated)
    assert errors.database_error("env_mig", error) == (
        "env_mig: %s, so the dataset was not saved; it will be harvested again on the next "
        "run (server closed the connection unexpectedly)" % what)
