"""Errors that become HTTP 400 answers with a Solr-style body."""


class BadRequest(ValueError):
    """The request is malformed: reported to the client, never fatal to the service."""

    code = 400
