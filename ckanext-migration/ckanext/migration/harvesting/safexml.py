"""Hostile XML refused before any parser we hand it to (sdmx1, rdflib) sees it."""
from __future__ import annotations

import defusedxml
import defusedxml.ElementTree


def refusal(data: bytes) -> str | None:
    """Why ``data`` may not be parsed (a DTD, entities, external references), or None."""
    try:
        defusedxml.ElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                          forbid_external=True)
    except defusedxml.DTDForbidden:
        return "it declares a DTD (refused: entity expansion and DTD fetches)"
    except defusedxml.EntitiesForbidden:
        return "it declares entities (refused: billion-laughs / quadratic blow-up)"
    except defusedxml.ExternalReferenceForbidden:
        return "it refers to an external entity (refused)"
    except Exception:  # not well-formed: the real parser reports it in its own words
        return None
    return None
