"""The vocabularies as SKOS concept schemes (ckanext.migration.skos, no CKAN needed)."""
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from ckanext.migration import skos, vocab

BASE = vocab.BASE_URI
GCM = skos.scheme_uri("gcm_objectives")
TOPICS = skos.scheme_uri("topics")


def _concepts(g, scheme):
    return set(g.subjects(SKOS.inScheme, scheme))


def _in(g, subject, predicate, lang="en"):
    """The one literal of ``subject predicate`` in language ``lang``."""
    (value,) = [o for o in g.objects(subject, predicate) if o.language == lang]
    return value


def test_every_vocabulary_file_is_a_scheme_and_countries_are_not():
    names = skos.scheme_names()
    files = [n for n in vocab.vocabulary_names() if n not in vocab.COMPUTED]
    assert set(names) == set(files) | {"migration"}
    assert "countries" not in names
    with pytest.raises(KeyError):
        skos.scheme_graph("countries")
    with pytest.raises(KeyError):
        skos.scheme_graph("nope")


def test_gcm_objectives_scheme():
    g = skos.scheme_graph("gcm_objectives")
    assert (GCM, RDF.type, SKOS.ConceptScheme) in g
    assert str(GCM) == BASE + "gcm-objectives"
    title = g.value(GCM, DCTERMS.title)
    assert "Global Compact" in title and title.language == "en"
    concepts = _concepts(g, GCM)
    assert len(concepts) == 23
    one = URIRef(BASE + "gcm-objective/1")
    assert one in concepts
    assert (one, RDF.type, SKOS.Concept) in g
    assert g.value(one, SKOS.notation) == Literal("1")
    assert _in(g, one, SKOS.prefLabel) == Literal("Accurate and disaggregated data", lang="en")
    assert _in(g, one, SKOS.definition) == Literal(
        "Objective 1: Collect and utilize accurate and disaggregated data as a basis for "
        "evidence-based policies", lang="en")
    assert (one, SKOS.topConceptOf, GCM) in g and (GCM, SKOS.hasTopConcept, one) in g
    # every objective: its official title as definition, numbered like its code
    for term in vocab.get_vocabulary("gcm_objectives"):
        definition = str(_in(g, URIRef(term.uri), SKOS.definition))
        assert definition == term.get("title")
        assert definition.startswith("Objective %s: " % term.code)
    assert sorted(int(n) for n in g.objects(None, SKOS.notation)) == list(range(1, 24))


def test_topics_are_related_to_their_objectives():
    g = skos.scheme_graph("topics")
    concepts = _concepts(g, TOPICS)
    assert len(concepts) == 20
    for term in vocab.get_vocabulary("topics"):
        c = URIRef(term.uri)
        assert (c, SKOS.topConceptOf, TOPICS) in g
        assert _in(g, c, SKOS.prefLabel) == Literal(term.label, lang="en")
        assert g.value(c, SKOS.notation) == Literal(term.code)
        related = {str(o) for o in g.objects(c, SKOS.related)}
        assert related == {BASE + "gcm-objective/%s" % o for o in term.get("gcm_objectives")}
        assert related  # every topic informs at least one objective
    rem = URIRef(BASE + "topic/remittances")
    assert set(g.objects(rem, SKOS.related)) == {URIRef(BASE + "gcm-objective/20")}
    assert "transfers" in _in(g, rem, SKOS.definition)


def test_regions_are_a_hierarchy():
    g = skos.scheme_graph("regions")
    scheme = skos.scheme_uri("regions")
    world, africa = URIRef(BASE + "m49/001"), URIRef(BASE + "m49/002")
    ssa, west = URIRef(BASE + "m49/202"), URIRef(BASE + "m49/011")
    assert set(g.subjects(SKOS.topConceptOf, scheme)) == {world}
    assert (africa, SKOS.broader, world) in g and (ssa, SKOS.broader, africa) in g
    assert (west, SKOS.broader, ssa) in g and (ssa, SKOS.narrower, west) in g
    assert _in(g, west, SKOS.prefLabel) == Literal("Western Africa", lang="en")
    assert g.value(west, SKOS.notation) == Literal("011")
    # every region but World has exactly one broader region, in the scheme
    for c in _concepts(g, scheme) - {world}:
        (parent,) = g.objects(c, SKOS.broader)
        assert (parent, SKOS.inScheme, scheme) in g


def test_migration_scheme_is_objectives_and_topics_together():
    g = skos.scheme_graph("migration")
    assert set(g.subjects(RDF.type, SKOS.ConceptScheme)) == {GCM, TOPICS}
    assert len(_concepts(g, GCM)) == 23 and len(_concepts(g, TOPICS)) == 20
    objective = URIRef(BASE + "gcm-objective/20")
    assert (URIRef(BASE + "topic/remittances"), SKOS.related, objective) in g
    assert (objective, SKOS.related, URIRef(BASE + "topic/remittances")) in g  # symmetric


@pytest.mark.parametrize("name", skos.scheme_names())
@pytest.mark.parametrize("fmt", sorted(skos.FORMATS))
def test_every_scheme_round_trips_in_every_format(name, fmt):
    expected = skos.scheme_graph(name)
    parsed = Graph().parse(data=skos.serialize(name, fmt), format=skos.FORMATS[fmt][0])
    assert len(parsed) == len(expected) > 0
    assert set(parsed) == set(expected)


def test_every_concept_has_label_notation_and_scheme():
    for name in skos.scheme_names():
        g = skos.scheme_graph(name)
        for c in g.subjects(RDF.type, SKOS.Concept):
            assert g.value(c, SKOS.prefLabel) is not None, c
            assert g.value(c, SKOS.notation) is not None, c
            scheme = g.value(c, SKOS.inScheme)
            assert (scheme, RDF.type, SKOS.ConceptScheme) in g
            assert g.value(scheme, DCTERMS.title) is not None


@pytest.mark.parametrize("name", [n for n in skos.scheme_names() if n not in skos.COMBINED])
def test_every_concept_has_a_label_in_every_language(name):
    g = skos.scheme_graph(name)
    for c in _concepts(g, skos.scheme_uri(name)):
        languages = sorted(o.language for o in g.objects(c, SKOS.prefLabel))
        assert languages == sorted(vocab.LANGUAGES), c


def test_labels_in_four_languages_survive_every_format():
    senegal_region = URIRef(BASE + "m49/011")
    data = skos.serialize("regions", "ttl")
    g = Graph().parse(data=data, format="turtle")
    assert _in(g, senegal_region, SKOS.prefLabel, "fr") == Literal("Afrique occidentale", lang="fr")
    assert _in(g, senegal_region, SKOS.prefLabel, "ar") == Literal("غرب أفريقيا", lang="ar")
    one = URIRef(BASE + "gcm-objective/1")
    g = Graph().parse(data=skos.serialize("gcm_objectives", "jsonld"), format="json-ld")
    assert _in(g, one, SKOS.prefLabel, "es") == Literal("Datos", lang="es")
    assert str(_in(g, one, SKOS.definition, "fr")).startswith("Objectif 1 : Collecter")
