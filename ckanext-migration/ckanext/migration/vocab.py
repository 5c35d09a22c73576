"""Controlled vocabularies: one source for validation, facet labels, forms and DCAT.

The vocabularies are data (``vocabularies/<name>.yaml``, a list of terms with ``code``, ``label``,
``uri``, optional ``description`` and extra attributes) plus ``countries``, computed from pycountry.
Everything loads lazily once and is cached. This module must not import CKAN at import time
(``current_lang()`` asks CKAN for the request's language when it is called).

Languages: ``label``, ``title`` and ``description`` are English; their translations are the same
key with a language suffix (``label_fr``, ``title_ar``...). ``label(vocabulary, code, lang)``
reads them, falling back to English when a translation is missing; ``all_labels()`` gives every
language's label and title (search expansion). Country names come from pycountry's ISO 3166
translations (countries.py). Adding a language = adding ``label_<lang>`` keys to the files and
the code to ``LANGUAGES``.
"""
import functools
import os

import yaml

BASE_URI = "https://w3id.org/migration-catalogue/vocab/"
EU_COUNTRY_URI = "http://publications.europa.eu/resource/authority/country/"
EU_FREQUENCY_URI = "http://publications.europa.eu/resource/authority/frequency/"
EU_ACCESS_RIGHT_URI = "http://publications.europa.eu/resource/authority/access-right/"
VOCAB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vocabularies")
COMPUTED = ("countries", "glossary_definitions")
_CORE = ("code", "label", "uri", "description")
# languages the vocabulary files carry labels in (English is the plain key)
LANGUAGES = ("en", "fr", "es", "ar")
DEFAULT_LANG = "en"
# text attributes that have per-language variants (``<attr>_<lang>``)
TEXT_ATTRS = ("label", "title", "description")
# M49 places these in the Channel Islands (830), an intermediate region country_converter lacks.
_M49_OVERRIDES = {"GGY": "830", "JEY": "830"}


class Term:
    """One concept: ``code``, ``label``, ``uri``, ``description`` and any extra ``attrs``."""

    __slots__ = ("code", "label", "uri", "description", "attrs")

    def __init__(self, code, label, uri, description=None, attrs=None):
        self.code, self.label, self.uri = code, label, uri
        self.description = description
        self.attrs = dict(attrs or {})

    def get(self, key, default=None):
        return self.attrs.get(key, default)

    def text(self, attr="label", lang=None):
        """``attr`` (label, title, description) in ``lang``; English when it has no translation.

        ``lang`` None: the current request's language (English outside a request).
        """
        lang = normalise_lang(lang)
        english = getattr(self, attr) if attr in _CORE else self.attrs.get(attr)
        if lang == DEFAULT_LANG:
            return english
        return self.attrs.get("%s_%s" % (attr, lang)) or english

    def texts(self, attr="label"):
        """{language: text} of ``attr`` in every language it is given in, English first."""
        english = getattr(self, attr) if attr in _CORE else self.attrs.get(attr)
        out = {DEFAULT_LANG: english} if english else {}
        prefix = attr + "_"
        for key, value in self.attrs.items():
            if key.startswith(prefix) and value and isinstance(value, str):
                out.setdefault(key[len(prefix):], value)
        return out

    def as_dict(self):
        d = {k: getattr(self, k) for k in _CORE}
        d.update(self.attrs)
        return d

    def __eq__(self, other):
        return isinstance(other, Term) and self.as_dict() == other.as_dict()

    def __repr__(self):
        return f"Term({self.code!r}, {self.label!r})"


class Vocabulary:
    """An ordered list of terms with lookups by code and by URI."""

    def __init__(self, name, terms):
        self.name = name
        self.terms = list(terms)
        self._by_code, self._by_uri = {}, {}
        for t in self.terms:
            if not isinstance(t.code, str) or not t.code or not t.label or not t.uri:
                raise ValueError(f"{name}: term needs string code, label and uri: {t.as_dict()}")
            if t.code in self._by_code:
                raise ValueError(f"{name}: duplicate code {t.code!r}")
            if t.uri in self._by_uri:
                raise ValueError(f"{name}: duplicate uri {t.uri!r}")
            self._by_code[t.code] = t
            self._by_uri[t.uri] = t

    def get(self, code):
        """The term with this code, or None."""
        try:
            return self._by_code.get(code)
        except TypeError:  # unhashable input
            return None

    def label(self, code, default=None):
        t = self.get(code)
        return t.label if t else default

    def uri(self, code):
        t = self.get(code)
        return t.uri if t else None

    def by_uri(self, uri):
        try:
            return self._by_uri.get(uri)
        except TypeError:
            return None

    def codes(self):
        return [t.code for t in self.terms]

    def choices(self):
        """ckanext-scheming ``choices``."""
        return [{"value": t.code, "label": t.label} for t in self.terms]

    def __contains__(self, code):
        return self.get(code) is not None

    def __iter__(self):
        return iter(self.terms)

    def __len__(self):
        return len(self.terms)

    def __repr__(self):
        return f"Vocabulary({self.name!r}, {len(self.terms)} terms)"


@functools.lru_cache(maxsize=None)
def vocabulary_names():
    """Names accepted by get_vocabulary()."""
    files = [f[:-5] for f in os.listdir(VOCAB_DIR) if f.endswith(".yaml")]
    return tuple(sorted(files + list(COMPUTED)))


def get_vocabulary(name):
    """The vocabulary called ``name``; KeyError for an unknown name."""
    if name not in vocabulary_names():
        raise KeyError(f"unknown vocabulary {name!r}; known: {', '.join(vocabulary_names())}")
    return _load(name)


@functools.lru_cache(maxsize=None)
def _load(name):
    if name == "countries":
        return _countries()
    if name == "glossary_definitions":  # the definitions of glossary.yaml's terms
        from ckanext.migration import glossary
        return glossary.definitions_vocabulary()
    with open(os.path.join(VOCAB_DIR, name + ".yaml"), encoding="utf-8") as f:
        items = yaml.safe_load(f) or []
    terms = [Term(i.get("code"), i.get("label"), i.get("uri"), i.get("description"),
                  {k: v for k, v in i.items() if k not in _CORE}) for i in items]
    return Vocabulary(name, terms)


def _countries():
    import pycountry

    terms = [Term(c.alpha_3, getattr(c, "common_name", None) or c.name,
                  EU_COUNTRY_URI + c.alpha_3, None,
                  {"alpha_2": c.alpha_2, "numeric": c.numeric})
             for c in pycountry.countries]
    return Vocabulary("countries", sorted(terms, key=lambda t: t.label.casefold()))


@functools.lru_cache(maxsize=None)
def _country_regions():
    """{ISO3: (intermediate?, subregion, region)} for every country, most specific first."""
    import country_converter as coco

    regions = get_vocabulary("regions")
    by_label = {t.label: t.code for t in regions}
    iso3s = get_vocabulary("countries").codes()
    names = coco.CountryConverter().convert(iso3s, src="ISO3", to="UNregion", not_found=None)
    mapping = {}
    for iso3, name in zip(iso3s, names):
        code, chain = _M49_OVERRIDES.get(iso3) or by_label.get(name), []
        while code and code != "001":
            chain.append(code)
            code = regions.get(code).get("parent")
        mapping[iso3] = tuple(chain)
    return mapping


def regions_for_country(iso3):
    """M49 codes of the intermediate region (if any), sub-region and region of a country.

    ``regions_for_country("SEN") == ["011", "202", "002"]``; [] for unknown codes (and
    Antarctica, which M49 puts in no region).
    """
    if not isinstance(iso3, str):
        return []
    return list(_country_regions().get(iso3.strip().upper(), ()))


def countries_in_region(m49):
    """ISO3 codes of the countries in an M49 region at any level ("001" = all countries)."""
    if m49 == "001":
        return get_vocabulary("countries").codes()
    return [c for c, chain in _country_regions().items() if m49 in chain]


def current_lang():
    """The language of the current CKAN request ("en" outside a request or without CKAN)."""
    try:
        from ckan.lib.i18n import get_lang
        return get_lang() or DEFAULT_LANG
    except Exception:  # no request context, no CKAN: English
        return DEFAULT_LANG


def normalise_lang(lang=None):
    """``lang`` (None = the request's) as a bare language code: "fr_CA" -> "fr"."""
    if lang is None:
        lang = current_lang()
    lang = str(lang or DEFAULT_LANG).strip().replace("-", "_")
    return lang.split("_", 1)[0].lower() or DEFAULT_LANG


def _term(vocabulary_name, code):
    voc = get_vocabulary(vocabulary_name)
    return voc.get(code) or voc.by_uri(code)


def label(vocabulary_name, code, lang=None, default=None):
    """The label of ``code`` (or term URI) in ``vocabulary_name``, in ``lang``.

    ``lang`` None = the current request's language. Falls back to English when a translation
    is missing, and to ``default`` (else the code itself, as a string) for an unknown code.
    Countries are named by pycountry's ISO 3166 translations (countries.name).
    """
    if vocabulary_name == "countries":
        from ckanext.migration import countries
        iso3 = countries.to_iso3(code, lenient=False)
        if iso3:
            return countries.name(iso3, lang)
        return default if default is not None else ("" if code is None else str(code))
    term = _term(vocabulary_name, code)
    if term is None:
        return default if default is not None else ("" if code is None else str(code))
    return term.text("label", lang)


def title(vocabulary_name, code, lang=None, default=None):
    """A term's ``title`` (GCM objectives: the official title) in ``lang``, else its label."""
    term = None if vocabulary_name == "countries" else _term(vocabulary_name, code)
    if term is None:
        return label(vocabulary_name, code, lang, default)
    return term.text("title", lang) or term.text("label", lang)


def description(vocabulary_name, code, lang=None):
    """A term's description in ``lang`` (English fallback), or None."""
    term = None if vocabulary_name == "countries" else _term(vocabulary_name, code)
    return term.text("description", lang) if term is not None else None


def labels(vocabulary_name, code):
    """{language: label} of a term in every language of LANGUAGES it has one in."""
    if vocabulary_name == "countries":
        from ckanext.migration import countries
        iso3 = countries.to_iso3(code, lenient=False)
        return {lang: countries.name(iso3, lang) for lang in LANGUAGES} if iso3 else {}
    term = _term(vocabulary_name, code)
    return term.texts("label") if term is not None else {}


def all_labels(vocabulary_name, code):
    """Every language's label and title of a term, deduplicated (for search expansion).

    [] for an unknown code.
    """
    if vocabulary_name == "countries":
        from ckanext.migration import countries
        iso3 = countries.to_iso3(code, lenient=False)
        return countries.all_names(iso3) if iso3 else []
    term = _term(vocabulary_name, code)
    if term is None:
        return []
    out = []
    for attr in ("label", "title"):
        for text in term.texts(attr).values():
            if text not in out:
                out.append(text)
    return out


def choices(vocabulary_name, lang=None):
    """ckanext-scheming ``choices`` labelled in ``lang`` (None = the request's language)."""
    return [{"value": t.code, "label": label(vocabulary_name, t.code, lang)}
            for t in get_vocabulary(vocabulary_name)]


def frequency_thresholds(code_or_uri):
    """(due_after, overdue_after, delinquent_after) in days, or None if not applicable/unknown."""
    vocab = get_vocabulary("frequencies")
    t = vocab.get(code_or_uri) or vocab.by_uri(code_or_uri)
    if t is None or t.get("due_after") is None:
        return None
    return (t.get("due_after"), t.get("overdue_after"), t.get("delinquent_after"))


def gcm_for_topics(topic_codes):
    """Sorted unique GCM objective codes the given topics inform (unknown topics ignored)."""
    if isinstance(topic_codes, str):
        topic_codes = [topic_codes]
    topics = get_vocabulary("topics")
    found = {o for c in topic_codes or () if c in topics
             for o in topics.get(c).get("gcm_objectives", ())}
    return sorted(found, key=int)
