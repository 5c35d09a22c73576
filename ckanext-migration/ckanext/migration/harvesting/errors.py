"""What a harvest says when a record, the search service or the database fails: the
messages of the job's report, one place for every stage (gather, fetch, import, the
source form's dry run)."""
from __future__ import annotations

import logging

import ckan.plugins.toolkit as tk

from ckanext.migration.harvesting.http import FetchError

log = logging.getLogger(__name__)


class RecordError(ValueError):
    """A record the source published cannot be mapped (said in the job's report)."""


def describe(error: Exception, harvester: str) -> str:
    """The message of an error a harvester raises on purpose; else its type as well, and
    the traceback in the log (a KeyError or IndexError says little without them)."""
    if isinstance(error, (FetchError, RecordError, ValueError)):
        return str(error)
    log.error("%s: unexpected error", harvester, exc_info=error)
    return "%s: %s" % (type(error).__name__, error)


def index_error(guid, error) -> str:
    url = tk.config.get("solr_url") or "(solr_url not set)"
    text = str(error)
    unreachable = any(m in text for m in ("Failed to connect", "timed out",
                                          "Connection refused", "Connection aborted"))
    what = ("the search service could not be reached at %s" % url if unreachable else
            "the search service at %s refused the dataset" % url)
    return ("%s: %s, so the dataset was not saved; it will be harvested again on the next "
            "run (%s)" % (guid, what, text))


def database_error(guid, error) -> str:
    what = ("the connection to the database was lost" if error.connection_invalidated
            else "the database refused the change")
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return ("%s: %s, so the dataset was not saved; it will be harvested again on the next "
            "run (%s)" % (guid, what, reason))


def validation_errors(error_dict) -> str:
    parts = []
    for key, value in error_dict.items():
        parts.append("%s: %s" % (key, "; ".join(map(str, value))
                                 if isinstance(value, list) else value))
    return ", ".join(parts)
