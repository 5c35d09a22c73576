"""The one country normaliser: codes, names and URIs to ISO 3166-1 alpha-3.

Used by the harvest mapping (lenient: whatever a source writes), the schema's
validators and DCAT parsing (strict: the forms the schema stores or publishes).
This module must not import CKAN.
"""
from __future__ import annotations

import functools
import gettext
import logging

from ckanext.migration import vocab

# codes some statistical offices use instead of ISO 3166-1 alpha-2
_ALPHA2_ALIASES = {"EL": "GR", "UK": "GB"}
# portals in these languages name countries in them (opendata.swiss: "Schweiz")
NAME_LANGUAGES = ("de", "fr", "es", "it", "pt", "nl", "sv", "pl")


def _countries():
    return vocab.get_vocabulary("countries")


@functools.lru_cache(maxsize=1)
def _by_alternative_code() -> dict:
    """Alpha-2 codes (with their aliases) and zero-padded M49 numbers -> alpha-3."""
    out = {}
    for term in _countries():
        out[term.get("alpha_2")] = term.code
        out[term.get("numeric")] = term.code
    for alias, alpha2 in _ALPHA2_ALIASES.items():
        out[alias] = out[alpha2]
    return out


@functools.lru_cache(maxsize=8192)
def to_iso3(value, lenient: bool = True) -> str | None:
    """ISO 3166-1 alpha-3 for ``value``, or None for aggregates and unknowns.

    Strict (``lenient=False``): an alpha-3 code in any case or an EU country authority
    URI. Lenient adds alpha-2 codes (and Eurostat's ``EL``/``UK``), M49 numbers and
    country names in English and ``NAME_LANGUAGES``.
    """
    text = str(value or "").strip()
    if not text:
        return None
    term = _countries().by_uri(text)
    if term is not None:
        return term.code
    if text.startswith(vocab.EU_COUNTRY_URI):
        text = text[len(vocab.EU_COUNTRY_URI):]
    upper = text.upper()
    if upper in _countries():
        return upper
    if not lenient:
        return None
    if (len(upper) == 2 and upper.isalpha()) or text.isdigit():
        return _by_alternative_code().get(text.zfill(3) if text.isdigit() else upper)
    if len(text) > 3:
        return _by_name(text)
    return None


@functools.lru_cache(maxsize=1)
def _localised_names() -> dict:
    """Lower-cased country names in NAME_LANGUAGES -> alpha-3, from pycountry's locales."""
    import pycountry
    out = {}
    for language in NAME_LANGUAGES:
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR,
                                              languages=[language])
        except OSError:
            continue
        for country in pycountry.countries:
            for name in {country.name, getattr(country, "common_name", country.name)}:
                out.setdefault(translation.gettext(name).lower(), country.alpha_3)
    return out


def _by_name(name: str) -> str | None:
    code = _localised_names().get(name.lower())
    if code is None:
        import country_converter as coco
        logging.getLogger("country_converter").setLevel(logging.ERROR)
        code = coco.convert(name, to="ISO3", not_found="")
        if isinstance(code, list):
            code = None
    return code if code and code in _countries() else None
