"""The one country normaliser: codes, names and URIs to ISO 3166-1 alpha-3.

Used by the harvest mapping (lenient: whatever a source writes), the schema's
validators and DCAT parsing (strict: the forms the schema stores or publishes).
This module must not import CKAN.
"""
from __future__ import annotations

import functools
import gettext
import logging
import re

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


# -- names in the catalogue's languages ---------------------------------------------------
# Country names are never typed: pycountry's own ISO 3166-1 gettext translations
# (iso-codes, https://salsa.debian.org/iso-codes-team/iso-codes).

@functools.lru_cache(maxsize=32)
def _translation(lang: str):
    """The ISO 3166-1 gettext catalogue of ``lang``, or None when pycountry has none."""
    import pycountry
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
    except OSError:
        return None


@functools.lru_cache(maxsize=8192)
def _name(iso3: str, lang: str) -> str:
    import pycountry
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return iso3
    short = getattr(country, "common_name", None) or country.name
    translation = _translation(lang) if lang != vocab.DEFAULT_LANG else None
    if translation is None:
        return short
    translated = translation.gettext(short)
    if translated == short and short != country.name:
        # no translation of the common name ("South Korea" in Arabic): the official short name
        official = translation.gettext(country.name)
        if official != country.name:
            return official
    return translated


def name(iso3, lang=None) -> str:
    """The name of country ``iso3`` in ``lang`` (None = the request's language), from
    pycountry's ISO 3166-1 translations; English when a language has none; the value itself
    for an unknown code."""
    code = to_iso3(iso3, lenient=False)
    if code is None:
        return "" if iso3 is None else str(iso3)
    return _name(code, vocab.normalise_lang(lang))


_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")


def strip_arabic_marks(text: str) -> str:
    """Arabic text without its optional vowel marks (harakat, shadda) and tatweel:
    pycountry writes "السّنغال", people search "السنغال"."""
    return _ARABIC_MARKS.sub("", text or "")


@functools.lru_cache(maxsize=4096)
def all_names(iso3) -> list:
    """Every name of a country in the catalogue's languages (vocab.LANGUAGES): its common and
    official short names in each (and the Arabic ones without vowel marks), deduplicated,
    English first. [] for an unknown code."""
    import pycountry
    code = to_iso3(iso3, lenient=False)
    country = pycountry.countries.get(alpha_3=code) if code else None
    if country is None:
        return []
    english = [n for n in (getattr(country, "common_name", None), country.name,
                           getattr(country, "official_name", None)) if n]
    out = []
    for lang in vocab.LANGUAGES:
        translation = _translation(lang) if lang != vocab.DEFAULT_LANG else None
        for text in english[:2]:
            names = [translation.gettext(text) if translation else text]
            names.append(strip_arabic_marks(names[0]))
            for n in names:
                if n and n not in out:
                    out.append(n)
    return out
