"""Languages of the metadata and of the data.

* The language of the data (``language``, DCAT ``dct:language``): stored as given (EU
  language authority URIs such as ``http://publications.europa.eu/resource/authority/language/FRA``,
  or codes and names from harvested sources), indexed and faceted as the authority's
  three-letter code (``FRA``), shown as the language's name in the visitor's language
  (pycountry's ISO 639-3 names and their ``iso639-3`` gettext translations: never typed).
* Metadata in several languages: ``title``, ``notes``, ``provenance`` (methodology),
  ``caveats`` and ``definitions`` hold the original text; ``<field>_translated`` holds it per
  language (``{"en": ..., "fr": ...}``, ckanext-fluent's convention) for the languages of
  ``LANGUAGES``. The original language of a field is the language whose translation is the
  field's own text (the site's default language when none is). ``localise()`` gives the text a
  visitor reads: their language's, else the original with a note saying so.

This module must not import CKAN at import time.
"""
from __future__ import annotations

import functools
import gettext
import json

import pycountry

# the catalogue's languages (metadata, vocabularies, interface) are declared once, in vocab
from ckanext.migration.vocab import DEFAULT_LANG, LANGUAGES, normalise_lang
# fields given per language: field -> its translations' field (ckanext-fluent naming)
TRANSLATED = ("title", "notes", "provenance", "caveats", "definitions")
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"


def translated_field(field: str) -> str:
    return field + "_translated"


def current_lang() -> str:
    """The current request's language as a bare code ("en" outside a request)."""
    return normalise_lang()


# --- the language of the data ---------------------------------------------------------------

def _language(value):
    value = str(value or "").strip()
    if not value:
        return None
    if value.startswith(EU_LANGUAGE) or value.startswith("http"):
        value = value.rstrip("/").rsplit("/", 1)[-1]
    value = value.replace("-", "_").split("_", 1)[0] if len(value) <= 6 else value
    for key in ("alpha_2", "alpha_3", "bibliographic"):
        if len(value) == (2 if key == "alpha_2" else 3):
            found = pycountry.languages.get(**{key: value.lower()})
            if found is not None:
                return found
    try:
        return pycountry.languages.lookup(value)
    except LookupError:
        return None


@functools.lru_cache(maxsize=1024)
def language_code(value) -> str | None:
    """The EU language authority code (ISO 639-3, upper case) of a ``language`` value: an
    authority URI, an ISO 639-1/639-2/639-3 code or an English name; None if unknown."""
    found = _language(value)
    return found.alpha_3.upper() if found is not None else None


def language_codes(values) -> list:
    """The distinct codes of a ``language`` field's values (a list, JSON or one value)."""
    if isinstance(values, str):
        try:
            values = json.loads(values)
        except ValueError:
            values = [v for v in values.split(",")]
    if isinstance(values, str):
        values = [values]
    out = []
    for value in values or []:
        code = language_code(value)
        if code and code not in out:
            out.append(code)
    return out


@functools.lru_cache(maxsize=None)
def _iso639(lang):
    try:
        return gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[lang])
    except OSError:
        return None


def language_name(code, lang: str | None = None) -> str:
    """The name of language ``code`` (any form ``language_code`` reads) in ``lang`` (None:
    the request's), from pycountry's ISO 639-3 names and their translations."""
    found = _language(code)
    if found is None:
        return str(code)
    lang = current_lang() if lang is None else lang
    name = found.name
    if lang != "en":
        translation = _iso639(lang)
        if translation is not None:
            name = translation.gettext(name)
    return name[:1].upper() + name[1:]


# --- metadata in several languages ----------------------------------------------------------

def as_translations(value) -> dict:
    """A ``*_translated`` value as a dict (stored as JSON text; {} when empty or unreadable)."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, str) and v.strip()}


def original_language(pkg: dict, field: str) -> str:
    """The language of ``pkg[field]``: the one whose translation is that text, the site's
    default language when none is (or when it is one of several)."""
    text = (pkg.get(field) or "").strip()
    translations = as_translations(pkg.get(translated_field(field)))
    same = [lang for lang, value in translations.items() if value.strip() == text]
    if not same or DEFAULT_LANG in same:
        return DEFAULT_LANG
    return same[0]


def language_map(pkg: dict, field: str) -> dict:
    """{language: text} of ``field``: its translations and the original in its language
    (empty when the field has no translations: its text is then in no stated language)."""
    translations = as_translations(pkg.get(translated_field(field)))
    if not translations:
        return {}
    text = (pkg.get(field) or "").strip()
    if text:
        translations.setdefault(original_language(pkg, field), pkg[field])
    return {lang: translations[lang] for lang in sorted(translations, key=_lang_order)}


def _lang_order(lang):
    return (LANGUAGES.index(lang) if lang in LANGUAGES else len(LANGUAGES), lang)


def field_in(pkg: dict, field: str, lang: str) -> tuple:
    """(text, language of the text, whether it is the original shown for lack of ``lang``)."""
    translations = as_translations(pkg.get(translated_field(field)))
    if translations.get(lang):
        return translations[lang], lang, False
    original = original_language(pkg, field)
    text = pkg.get(field) or translations.get(original) or ""
    if not text and translations:
        # no original text: the first language it is given in
        original = sorted(translations, key=_lang_order)[0]
        text = translations[original]
    return text, original, bool(text) and original != lang


def localise(pkg: dict, lang: str | None = None) -> dict:
    """``pkg`` with the translated fields in ``lang`` (None: the request's language), in
    place; ``migration_language`` says, per field, which language is shown and whether it
    is the original shown for lack of a translation."""
    lang = current_lang() if lang is None else lang
    shown = {}
    for field in TRANSLATED:
        if not pkg.get(field) and not pkg.get(translated_field(field)):
            continue
        text, text_lang, fallback = field_in(pkg, field, lang)
        if text:
            pkg[field] = text
        shown[field] = {"lang": text_lang, "fallback": fallback}
    pkg["migration_language"] = {"lang": lang, "fields": shown}
    return pkg


# the HTML pages that show datasets in the visitor's language (not the API, not the forms)
# (ckanext-dcat's content negotiation serves /dataset/<id> as dcat.read_dataset: its RDF
# path reads the dataset without ``for_view``, so stays untouched)
PAGES = ("dataset.read", "dcat.read_dataset", "resource.read", "dataset.search",
         "home.index", "organization.read", "group.read")


def on_page() -> bool:
    """Whether the current request renders one of ``PAGES``."""
    try:
        from flask import has_request_context, request
    except ImportError:
        return False
    return has_request_context() and request.endpoint in PAGES


def localise_for_page(pkg: dict) -> dict:
    """``localise(pkg)`` on the pages of ``PAGES`` only: the API and the edit form keep the
    stored fields."""
    if on_page() and isinstance(pkg, dict):
        localise(pkg)
    return pkg


def note(pkg: dict) -> dict | None:
    """What the page says when it shows originals for lack of a translation: {"original":
    language name, "wanted": language name, "fields": labels of the fields concerned,
    "title": whether the title or description is among them}; None when nothing falls back."""
    shown = (pkg.get("migration_language") or {})
    fields = {f: s for f, s in (shown.get("fields") or {}).items() if s.get("fallback")}
    if not fields:
        return None
    originals = sorted({s["lang"] for s in fields.values()}, key=_lang_order)
    return {"original": ", ".join(language_name(lang) for lang in originals),
            "original_codes": originals,
            "wanted": language_name(shown["lang"]),
            "fields": [f for f in TRANSLATED if f in fields],
            "title": "title" in fields or "notes" in fields}


def template_helpers() -> dict:
    def migration_metadata_languages():
        return list(LANGUAGES)

    def migration_language_name(code):
        return language_name(code)

    def migration_translations(value):
        return as_translations(value)

    def migration_original_language_note(pkg):
        return note(pkg)

    return {f.__name__: f for f in (
        migration_metadata_languages, migration_language_name, migration_translations,
        migration_original_language_note)}
