"""Hostile XML refused before any parser we hand it to (sdmx1, rdflib) sees it."""
from __future__ import annotations

import defusedxml
from defusedxml.ElementTree import DefusedXMLParser


class _RootReached(Exception):
    pass


class _StopAtRoot:
    """Parser target: nothing kept; the scan ends at the root element (a DTD, hence any
    entity declaration, can only come before it)."""

    def start(self, tag, attrib):
        raise _RootReached()

    def close(self):
        return None


def refusal(data: bytes | str) -> str | None:
    """Why ``data`` may not be parsed (a DTD, entities, external references), or None.
    Anything that is not XML (Turtle, JSON-LD...) stops the scan at once: None."""
    return scan(data)[1]


def scan(data) -> tuple:
    """(whether it is XML: its root element reached, refusal or None)."""
    parser = DefusedXMLParser(target=_StopAtRoot(), forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    try:
        parser.feed(data)
        parser.close()
    except _RootReached:
        return True, None
    except defusedxml.DTDForbidden:
        return True, "it declares a DTD (refused: entity expansion and DTD fetches)"
    except defusedxml.EntitiesForbidden:
        return True, "it declares entities (refused: billion-laughs / quadratic blow-up)"
    except defusedxml.ExternalReferenceForbidden:
        return True, "it refers to an external entity (refused)"
    except Exception:  # not well-formed: the real parser reports it in its own words
        return False, None
    return False, None
