"""The glossary: key migration terms with each agency's definition side by side.

Data: ``vocabularies/glossary.yaml`` (the terms, each with its ``definitions``) and
``vocabularies/glossary_agencies.yaml``. Datasets name the definitions they follow in their
``definition_terms`` field by definition code (``refugee-unhcr``); those codes form the computed
vocabulary ``glossary_definitions`` (vocab.get_vocabulary), so the field is validated,
labelled and faceted like every other vocabulary field. This module must not import CKAN at
import time.
"""
from __future__ import annotations

import functools

from ckanext.migration import vocab

FIELD = "definition_terms"
DEFINITIONS = "glossary_definitions"
# per-language keys of a definition (``definition_fr``...)
_TEXT_KEYS = ("definition",)


def terms():
    """The glossary's terms (a vocab.Vocabulary; each term's ``definitions`` a list of dicts)."""
    return vocab.get_vocabulary("glossary")


def agencies():
    return vocab.get_vocabulary("glossary_agencies")


@functools.lru_cache(maxsize=None)
def definitions_vocabulary():
    """Every agency definition as a vocab.Term: code ``refugee-unhcr``, label "Refugee (UNHCR)"
    in each language, ``description`` the definition, attrs ``term``, ``agency``, sources."""
    out = []
    agency_voc = agencies()
    for term in terms():
        for d in term.get("definitions") or ():
            agency = agency_voc.get(d.get("agency"))
            if agency is None:
                raise ValueError("glossary %s: unknown agency %r"
                                 % (d.get("code"), d.get("agency")))
            attrs = {k: v for k, v in d.items() if k not in ("code", "uri", "definition")}
            attrs["term"] = term.code
            for lang in vocab.LANGUAGES:
                suffix = "" if lang == vocab.DEFAULT_LANG else "_" + lang
                name = agency.text("label", lang)
                if d.get("variant"):
                    name = "%s, %s" % (name, d["variant"])
                attrs["label" + suffix] = "%s (%s)" % (term.text("label", lang), name)
                if lang != vocab.DEFAULT_LANG and d.get("definition_" + lang):
                    attrs["description_" + lang] = d["definition_" + lang]
            label = attrs.pop("label")
            out.append(vocab.Term(d.get("code"), label, d.get("uri"), d.get("definition"), attrs))
    return vocab.Vocabulary(DEFINITIONS, out)


def definition(code):
    """The definition Term of ``code`` (``refugee-unhcr``), or None."""
    return vocab.get_vocabulary(DEFINITIONS).get(code)


def url(term_code, definition_code=None):
    """The glossary page of a term (``/glossary/refugee``), with the definition's anchor."""
    return "/glossary/%s%s" % (term_code, "#" + definition_code if definition_code else "")


def describe(codes, lang=None):
    """The definitions of ``codes`` in ``lang`` (None: the request's; English fallback).

    One dict per known code, in the order given (unknown codes skipped): code, term,
    term_label, agency, agency_label, definition, source_title, source_url, uri, url.
    """
    lang = vocab.normalise_lang(lang)
    if isinstance(codes, str):
        codes = [codes]
    out, seen = [], set()
    for code in codes or ():
        d = definition(code) if isinstance(code, str) else None
        if d is None or d.code in seen:
            continue
        seen.add(d.code)
        term = terms().get(d.get("term"))
        agency = agencies().get(d.get("agency"))
        out.append({
            "code": d.code, "term": term.code, "term_label": term.text("label", lang),
            "agency": agency.code, "agency_label": agency.text("label", lang),
            "definition": d.text("description", lang),
            "source_title": d.get("source_title"), "source_url": d.get("source_url"),
            "uri": d.uri, "url": url(term.code, d.code)})
    return out


def translated(d, lang):
    """Whether definition Term ``d`` has its own text in ``lang`` (not the English fallback)."""
    lang = vocab.normalise_lang(lang)
    return lang == vocab.DEFAULT_LANG or bool(d.get("definition_" + lang))


def verified(d, lang):
    """False when ``lang``'s text of definition Term ``d`` was not checked against its source."""
    return vocab.normalise_lang(lang) not in (d.get("unverified") or ())


def codes_of_term(term_code):
    """The definition codes of a term, in the file's order."""
    term = terms().get(term_code)
    return [d["code"] for d in term.get("definitions") or ()] if term else []


def add_definitions(g, scheme):
    """Add each agency definition to SKOS graph ``g`` as a ``skos:Concept`` of ``scheme``,
    ``skos:narrower`` its term, with ``skos:definition`` per language, ``dct:source`` the
    document (with its ``dct:title``) and ``dct:creator`` the agency."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, RDF, SKOS

    for d in vocab.get_vocabulary(DEFINITIONS):
        concept, term = URIRef(d.uri), URIRef(terms().get(d.get("term")).uri)
        g.add((concept, RDF.type, SKOS.Concept))
        for lang, text in d.texts("label").items():
            g.add((concept, SKOS.prefLabel, Literal(text, lang=lang)))
        for lang, text in d.texts("description").items():
            g.add((concept, SKOS.definition, Literal(text, lang=lang)))
        g.add((concept, SKOS.notation, Literal(d.code)))
        g.add((concept, SKOS.inScheme, scheme))
        g.add((concept, SKOS.broader, term))
        g.add((term, SKOS.narrower, concept))
        g.add((concept, DCTERMS.creator, URIRef(agencies().get(d.get("agency")).uri)))
        source = URIRef(d.get("source_url"))
        g.add((concept, DCTERMS.source, source))
        g.add((source, DCTERMS.title, Literal(d.get("source_title"), lang="en")))
        unverified = d.get("unverified") or ()
        if unverified:
            g.add((concept, SKOS.editorialNote, Literal(
                "Translations not checked against the source's official text: %s"
                % ", ".join(unverified), lang="en")))
        if d.get("verbatim") is False:
            g.add((concept, SKOS.editorialNote, Literal(
                "A summary of the source, not a quotation.", lang="en")))
