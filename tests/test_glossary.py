"""ckanext.migration.glossary: the glossary's data and describe() (no CKAN needed)."""
import re

import pytest

from ckanext.migration import glossary, vocab

BASE = vocab.BASE_URI + "glossary/"
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
KEY_TERMS = ("international-migrant", "migrant-worker", "refugee", "asylum-seeker",
             "internally-displaced-person", "stateless-person", "irregular-migration",
             "remittances", "returnee", "trafficking-in-persons", "smuggling-of-migrants",
             "long-term-migrant", "short-term-migrant")


def test_key_terms_are_there_with_labels_in_every_language():
    terms = glossary.terms()
    assert set(KEY_TERMS) <= set(terms.codes())
    for term in terms:
        assert KEBAB.match(term.code), term.code
        assert term.uri == BASE + term.code
        labels = term.texts("label")
        assert sorted(labels) == sorted(vocab.LANGUAGES), term.code
        assert term.get("definitions"), "%s has no definition" % term.code


def test_every_definition_has_an_agency_a_text_and_a_source():
    agencies = glossary.agencies()
    for term in glossary.terms():
        for d in term.get("definitions"):
            assert d["agency"] in agencies, d["code"]
            assert d["code"] == "%s-%s" % (term.code, d["agency"]) or \
                d["code"] == "%s-%s-%s" % (term.code, d["agency"], d["variant"].lower()), d["code"]
            # stable URIs: <term>/<agency>[-<variant>]
            assert d["uri"] == term.uri + "/" + d["code"][len(term.code) + 1:], d["code"]
            assert d["definition"].strip() and d["source_title"].strip(), d["code"]
            assert d["source_url"].startswith("https://"), d["code"]
            # unverified names only languages the definition is given in
            for lang in d.get("unverified") or ():
                assert lang in vocab.LANGUAGES and lang != "en" and d.get("definition_" + lang)
    expected = {"un", "unhcr", "iom", "ilo", "eu", "oecd"}
    used = {d["agency"] for t in glossary.terms() for d in t.get("definitions")}
    assert expected <= used


def test_codes_and_uris_are_unique_across_terms_and_definitions():
    defs = vocab.get_vocabulary("glossary_definitions")
    uris = [t.uri for t in glossary.terms()] + [d.uri for d in defs]
    assert len(uris) == len(set(uris))
    assert len(defs.codes()) == len(set(defs.codes())) == 26
    # the codes datasets store are never renamed: a few of them, pinned
    for code in ("refugee-unhcr", "refugee-eu", "asylum-seeker-unhcr", "stateless-person-unhcr",
                 "international-migrant-un", "migrant-worker-ilo", "long-term-migrant-eu"):
        assert code in defs


def test_definition_labels_in_every_language():
    d = glossary.definition("refugee-unhcr")
    assert d.text("label", "en") == "Refugee (UNHCR)"
    assert d.text("label", "fr") == "Réfugié (HCR)"
    assert d.text("label", "es") == "Refugiado (ACNUR)"
    assert vocab.label("glossary_definitions", "migrant-worker-ilo-icls") == \
        "Migrant worker (ILO, ICLS)"
    assert vocab.label("glossary_definitions", "migrant-worker-ilo", "fr") == \
        "Travailleur migrant (OIT, C143)"
    assert glossary.definition("nope") is None


def test_describe():
    out = glossary.describe(["refugee-unhcr", "nope", "refugee-unhcr", "international-migrant-un"])
    assert [d["code"] for d in out] == ["refugee-unhcr", "international-migrant-un"]
    refugee = out[0]
    assert set(refugee) == {"code", "term", "term_label", "agency", "agency_label", "definition",
                            "source_title", "source_url", "uri", "url"}
    assert refugee["term"] == "refugee" and refugee["agency"] == "unhcr"
    assert refugee["definition"].startswith("Any person who, owing to well-founded fear")
    assert "1951" in refugee["source_title"]
    assert refugee["url"] == "/glossary/refugee#refugee-unhcr"
    assert refugee["uri"] == BASE + "refugee/unhcr"
    fr = glossary.describe(["refugee-unhcr"], "fr")[0]
    assert fr["term_label"] == "Réfugié" and fr["agency_label"] == "HCR"
    assert fr["definition"].startswith("Toute personne qui, craignant avec raison")
    # no French text: English
    assert glossary.describe(["returnee-iom"], "fr")[0]["definition"].startswith("Return migration")
    assert glossary.describe([]) == [] and glossary.describe(None) == []
    assert glossary.describe("stateless-person-unhcr")[0]["term"] == "stateless-person"


@pytest.mark.parametrize("lang", ["fr", "es", "ar"])
def test_translations_are_flagged_when_not_checked(lang):
    for d in vocab.get_vocabulary("glossary_definitions"):
        if lang in (d.get("unverified") or ()):
            assert not glossary.verified(d, lang) and glossary.translated(d, lang)
    assert glossary.verified(glossary.definition("refugee-unhcr"), "en")


# -- SKOS ----------------------------------------------------------------------------------

def test_glossary_is_a_skos_scheme_with_definitions_as_narrower_concepts():
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import DCTERMS, RDF, SKOS

    from ckanext.migration import skos

    assert {"glossary", "glossary_agencies"} <= set(skos.scheme_names())
    g = Graph().parse(data=skos.serialize("glossary", "ttl"), format="turtle")
    scheme = skos.scheme_uri("glossary")
    assert str(scheme) == vocab.BASE_URI + "glossary"
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    concepts = set(g.subjects(SKOS.inScheme, scheme))
    assert len(concepts) == len(glossary.terms()) + 26
    refugee, unhcr = URIRef(BASE + "refugee"), URIRef(BASE + "refugee/unhcr")
    assert (refugee, SKOS.topConceptOf, scheme) in g
    assert (unhcr, RDF.type, SKOS.Concept) in g
    assert (unhcr, SKOS.broader, refugee) in g and (refugee, SKOS.narrower, unhcr) in g
    assert (unhcr, SKOS.topConceptOf, scheme) not in g
    assert g.value(unhcr, SKOS.notation) == Literal("refugee-unhcr")
    source = URIRef("https://www.unhcr.org/media/convention-and-protocol-relating-status-refugees")
    assert (unhcr, DCTERMS.source, source) in g
    assert "1951" in str(g.value(source, DCTERMS.title))
    assert (unhcr, DCTERMS.creator, URIRef(vocab.BASE_URI + "agency/unhcr")) in g
    definitions = {o.language: str(o) for o in g.objects(unhcr, SKOS.definition)}
    assert definitions["en"].startswith("Any person who, owing to well-founded fear")
    assert definitions["fr"].startswith("Toute personne qui")
    # integrity: every concept one prefLabel per language; definitions hang under a term
    # of the scheme, and every definition has its source
    for c in concepts:
        langs = sorted(o.language for o in g.objects(c, SKOS.prefLabel))
        assert langs == sorted(vocab.LANGUAGES), c
        broader = list(g.objects(c, SKOS.broader))
        if broader:
            assert len(broader) == 1 and (broader[0], SKOS.topConceptOf, scheme) in g
            assert g.value(c, SKOS.definition) is not None and g.value(c, DCTERMS.source)
        else:
            assert (c, SKOS.topConceptOf, scheme) in g and list(g.objects(c, SKOS.narrower))
    # no concept is both a top concept and narrower (SKOS integrity S... hierarchy disjoint)
    assert not set(g.subjects(SKOS.topConceptOf, scheme)) & set(g.subjects(SKOS.broader, None))
    # skos:prefLabel: at most one per language (SKOS S14)
    for c in concepts:
        langs = [o.language for o in g.objects(c, SKOS.prefLabel)]
        assert len(langs) == len(set(langs))
