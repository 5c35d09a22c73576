"""Fields given per language in DCAT-AP: language-tagged literals out, the same dict back."""
import pytest
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from ckanext.dcat.profiles.base import DCT
from ckanext.dcat.utils import dataset_uri

from ckanext.migration.profiles import DQV, MIG, OA

from .utils import create, graph_of, migration_fields, one, parse

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")

FIELDS = ("title", "notes", "provenance", "definitions", "caveats")
TRANSLATED = dict(
    title_translated={"fr": "Demandeurs d'asile", "es": "Solicitantes de asilo",
                      "ar": "طالبو اللجوء"},
    notes_translated={"fr": "Demandes d'asile mensuelles."},
    provenance_translated={"fr": "Collecte mensuelle.", "ar": "جمع شهري."},
    definitions_translated={"es": "Un solicitante de asilo es..."},
    caveats_translated={"fr": "Chiffres **provisoires**."})


def translations(pkg):
    return {f: (pkg.get(f), pkg.get(f + "_translated")) for f in FIELDS}


def test_every_language_is_a_tagged_literal():
    pkg = create(**TRANSLATED)
    g = graph_of(pkg)
    ref = URIRef(dataset_uri(pkg))
    assert set(g.objects(ref, DCT.title)) == {
        Literal(pkg["title"], lang="en"), Literal("Demandeurs d'asile", lang="fr"),
        Literal("Solicitantes de asilo", lang="es"), Literal("طالبو اللجوء", lang="ar")}
    assert set(g.objects(ref, DCT.description)) == {
        Literal(pkg["notes"], lang="en"), Literal("Demandes d'asile mensuelles.", lang="fr")}
    statement = one(g, ref, DCT.provenance)
    assert Literal("جمع شهري.", lang="ar") in set(g.objects(statement, RDFS.label))
    [definitions] = [s for s in g.objects(ref, DCT.conformsTo)
                     if (s, RDF.type, MIG.Definitions) in g]
    assert Literal("Un solicitante de asilo es...", lang="es") in \
        set(g.objects(definitions, DCT.description))
    bodies = [b for a in g.objects(ref, DQV.hasQualityAnnotation)
              for b in g.objects(a, OA.hasBody) if (b, RDF.type, OA.TextualBody) in g]
    assert set(g.objects(bodies[0], RDF.value)) == {
        Literal(pkg["caveats"], lang="en"), Literal("Chiffres **provisoires**.", lang="fr")}


def test_parsing_gives_the_same_dict_and_graph_back():
    pkg = create(**TRANSLATED)
    g = graph_of(pkg)
    [parsed] = parse(g.serialize(format="turtle"))
    assert translations(parsed) == translations(pkg)
    assert migration_fields(parsed) == migration_fields(pkg)
    # the parsed dataset, stored and written out again, is the same graph
    again = create(name="again", **{k: v for k, v in parsed.items() if k in {
        f + s for f in FIELDS for s in ("", "_translated")}})
    assert translations(again) == translations(pkg)
    assert isomorphic(*[graph_of_fields(p) for p in (pkg, again)])


def graph_of_fields(pkg):
    """The graph of a dataset's translated fields only (ids and dates differ per dataset)."""
    from rdflib import Graph
    g, ref = graph_of(pkg), URIRef(dataset_uri(pkg))
    out = Graph()
    for predicate in (DCT.title, DCT.description):
        for o in g.objects(ref, predicate):
            out.add((URIRef("urn:d"), predicate, o))
    for predicate, inner in ((DCT.provenance, RDFS.label), (DCT.conformsTo, DCT.description)):
        for node in g.objects(ref, predicate):
            for o in g.objects(node, inner):
                if isinstance(o, Literal):
                    out.add((URIRef("urn:d"), inner, o))
    return out


def test_a_dataset_without_translations_keeps_plain_literals():
    pkg = create()
    g = graph_of(pkg)
    ref = URIRef(dataset_uri(pkg))
    assert list(g.objects(ref, DCT.title)) == [Literal(pkg["title"])]
    [parsed] = parse(g.serialize(format="turtle"))
    assert parsed["title"] == pkg["title"]
    assert not any(parsed.get(f + "_translated") for f in FIELDS)


def test_other_languages_of_a_source_are_left_out():
    data = """
    @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    <https://example.org/d1> a dcat:Dataset ;
        dct:title "Asylgesuche"@de, "Demandes d'asile"@fr, "Richieste d'asilo"@it,
                  "Asylum applications"@en ;
        dct:description "Nur Deutsch"@de .
    """
    [parsed] = parse(data)
    assert parsed["title"] == "Asylum applications"
    assert parsed["title_translated"] == {"en": "Asylum applications",
                                          "fr": "Demandes d'asile"}
    # only in German: the German original, no translations recorded
    assert parsed["notes"] == "Nur Deutsch"
    assert "notes_translated" not in parsed
    data = """
    @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    <https://example.org/d1> a dcat:Dataset ;
        dct:title "Asylgesuche"@de, "Demandes d'asile"@fr, "Richieste d'asilo"@it .
    """
    [parsed] = parse(data)
    # a source in French (and German, Italian) only: French is its original here
    assert parsed["title"] == "Demandes d'asile"
    assert parsed["title_translated"] == {"fr": "Demandes d'asile"}
