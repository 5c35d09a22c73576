"""/vocabulary: the controlled vocabularies as SKOS, with content negotiation."""
import pytest
from bs4 import BeautifulSoup
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from ckanext.migration import skos, vocab

pytestmark = pytest.mark.usefixtures("with_plugins")

BASE = vocab.BASE_URI
RDF_TYPES = {"ttl": ("text/turtle", "turtle"), "rdf": ("application/rdf+xml", "xml"),
             "jsonld": ("application/ld+json", "json-ld")}


def _graph(resp, fmt):
    return Graph().parse(data=resp.body, format=RDF_TYPES[fmt][1])


@pytest.mark.parametrize("fmt", sorted(RDF_TYPES))
def test_gcm_objectives_in_every_format(app, fmt):
    resp = app.get("/vocabulary/gcm_objectives.%s" % fmt)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith(RDF_TYPES[fmt][0])
    g = _graph(resp, fmt)
    scheme = URIRef(BASE + "gcm-objectives")
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    objectives = set(g.subjects(SKOS.inScheme, scheme))
    assert len(objectives) == 23
    for term in vocab.get_vocabulary("gcm_objectives"):
        # one definition per language: the official English title among them
        definitions = set(g.objects(URIRef(term.uri), SKOS.definition))
        assert Literal(term.get("title"), lang="en") in definitions
        assert {d.language for d in definitions} == {"en", "fr", "es", "ar"}
    assert (URIRef(BASE + "gcm-objective/23"), SKOS.topConceptOf, scheme) in g


@pytest.mark.parametrize("fmt", sorted(RDF_TYPES))
def test_migration_scheme_topics_related_to_objectives(app, fmt):
    resp = app.get("/vocabulary/migration.%s" % fmt)
    assert resp.status_code == 200
    g = _graph(resp, fmt)
    topics = set(g.subjects(SKOS.inScheme, URIRef(BASE + "topics")))
    objectives = set(g.subjects(SKOS.inScheme, URIRef(BASE + "gcm-objectives")))
    assert len(topics) == 20 and len(objectives) == 23
    for term in vocab.get_vocabulary("topics"):
        related = set(g.objects(URIRef(term.uri), SKOS.related))
        assert related == {URIRef(BASE + "gcm-objective/%s" % o)
                           for o in term.get("gcm_objectives")}
        assert related <= objectives  # the objectives are described in the same document


@pytest.mark.parametrize("name", skos.scheme_names())
def test_every_scheme_is_served_as_turtle(app, name):
    resp = app.get("/vocabulary/%s.ttl" % name)
    assert resp.status_code == 200
    g = Graph().parse(data=resp.body, format="turtle")
    assert set(g) == set(skos.scheme_graph(name))


def test_regions_broader_and_hyphenated_name(app):
    g = Graph().parse(data=app.get("/vocabulary/regions.ttl").body, format="turtle")
    assert (URIRef(BASE + "m49/011"), SKOS.broader, URIRef(BASE + "m49/202")) in g
    assert app.get("/vocabulary/source-types.ttl").status_code == 200


@pytest.mark.parametrize("url", ["/vocabulary/nope", "/vocabulary/nope.ttl",
                                 "/vocabulary/countries.ttl", "/vocabulary/topics.xyz",
                                 "/vocabulary/topics.ttl.gz", "/vocabulary/topics.html"])
def test_unknown_vocabulary_or_format_is_404(app, url):
    assert app.get(url, headers={"Accept": "text/turtle"}).status_code == 404


@pytest.mark.parametrize("accept,media_type", [
    ("text/turtle", "text/turtle"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.9, text/html;q=0.1", "text/turtle"),
    ("*/*", "text/html"),
])
def test_content_negotiation(app, accept, media_type):
    resp = app.get("/vocabulary/topics", headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith(media_type)
    assert "Accept" in resp.headers.get("Vary", "")
    if media_type == "text/html":
        assert "Remittances" in resp.body
    else:
        fmt = {v[0]: k for k, v in RDF_TYPES.items()}[media_type]
        g = _graph(resp, fmt)
        assert len(set(g.subjects(SKOS.inScheme, URIRef(BASE + "topics")))) == 20


def test_negotiation_with_nothing_acceptable_is_406(app):
    resp = app.get("/vocabulary/topics", headers={"Accept": "image/png"})
    assert resp.status_code == 406


def test_scheme_html_page(app):
    resp = app.get("/vocabulary/migration", headers={"Accept": "text/html"})
    page = BeautifulSoup(resp.body, "html.parser")
    sections = page.select("section.migration-scheme")
    assert [s["id"] for s in sections] == ["gcm_objectives", "topics"]
    assert len(sections[0].select("dt")) == 23 and len(sections[1].select("dt")) == 20
    text = sections[1].get_text(" ", strip=True)
    assert "Objective 20: Promote faster, safer and cheaper transfer of remittances" in text
    alternates = {link["type"]: link["href"] for link in page.select("link[rel=alternate]")}
    assert alternates["text/turtle"].endswith("/vocabulary/migration.ttl")


def test_index_html_and_json(app):
    page = BeautifulSoup(app.get("/vocabulary").body, "html.parser")
    rows = page.select("tr.migration-scheme")
    assert [r["data-name"] for r in rows] == list(skos.scheme_names())
    resp = app.get("/vocabulary", headers={"Accept": "application/json"})
    assert resp.headers["Content-Type"].startswith("application/json")
    schemes = {s["name"]: s for s in resp.json}
    assert set(schemes) == set(skos.scheme_names())
    gcm = schemes["gcm_objectives"]
    assert gcm["concepts"] == 23 and gcm["uri"] == BASE + "gcm-objectives"
    assert gcm["formats"]["ttl"].endswith("/vocabulary/gcm_objectives.ttl")
    assert schemes["migration"]["concepts"] == 43
    assert schemes["migration"]["schemes"] == [BASE + "gcm-objectives", BASE + "topics"]
