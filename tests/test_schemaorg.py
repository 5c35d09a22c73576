"""Schema.org JSON-LD in dataset pages (Google Dataset Search), content negotiation on the
dataset page, and the paged (Hydra) DCAT catalogue endpoint."""
import json
from urllib.parse import parse_qs, urlparse

import pytest
from bs4 import BeautifulSoup
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, RDF

from ckan.tests import factories, helpers

from .factories import dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")

SCHEMA = "http://schema.org/"
HYDRA = "http://www.w3.org/ns/hydra/core#"


def _create(**changes):
    user = factories.Sysadmin()
    org = factories.Organization(title="Eurostat (publisher)")
    return helpers.call_action("package_create", context={"user": user["name"]},
                               **dataset(owner_org=org["id"], **changes))


def _nodes(app, pkg):
    """The JSON-LD nodes embedded in the dataset page, by @id."""
    page = BeautifulSoup(app.get("/dataset/%s" % pkg["name"]).body, "html.parser")
    scripts = page.select('script[type="application/ld+json"]')
    assert len(scripts) == 1
    # full IRIs whatever the @context: the flattened, expanded form
    nodes = jsonld.flatten(json.loads(scripts[0].string))
    return {n["@id"]: n for n in nodes}, scripts[0].string


def _values(node, prop):
    return [v.get("@value", v.get("@id")) for v in node.get(SCHEMA + prop, [])]


def test_dataset_page_has_schemaorg_dataset_for_google(app):
    pkg = _create()
    nodes, raw = _nodes(app, pkg)
    (ds,) = [n for n in nodes.values() if SCHEMA + "Dataset" in n.get("@type", [])]
    # required by Google Dataset Search
    assert _values(ds, "name") == ["Asylum applicants from Senegal"]
    assert _values(ds, "description")[0].startswith("Monthly first-time asylum applicants")
    # recommended
    assert _values(ds, "url") == ["http://test.ckan.net/dataset/asylum-applicants-senegal"]
    assert _values(ds, "identifier") == ["migr_asyappctzm"]
    assert _values(ds, "sameAs") == [dataset()["url"]]
    assert {"asylum", "senegal", "Forced displacement", "Migration flows"} <= set(
        _values(ds, "keywords"))
    assert _values(ds, "license") and _values(ds, "license")[0].startswith("http")
    assert _values(ds, "temporalCoverage") == ["2008-01-01/2024-12-31"]
    assert _values(ds, "measurementTechnique") == [
        "Administrative data from national asylum authorities"]
    # creator: the producer; publisher: the organization publishing in the catalogue
    (creator,) = [nodes[i] for i in _values(ds, "creator")]
    assert SCHEMA + "Organization" in creator["@type"]
    assert _values(creator, "name") == ["Eurostat"]
    (publisher,) = [nodes[i] for i in _values(ds, "publisher")]
    assert _values(publisher, "name") == ["Eurostat (publisher)"]
    # spatialCoverage: a Place per country, identified by its EU authority URI
    places = [nodes[i] for i in _values(ds, "spatialCoverage")]
    assert all(SCHEMA + "Place" in p["@type"] for p in places)
    assert {_values(p, "name")[0] for p in places} == {"Senegal", "Germany", "France"}
    assert "http://publications.europa.eu/resource/authority/country/SEN" in {
        _values(p, "sameAs")[0] for p in places}
    # distribution: a DataDownload with contentUrl and encodingFormat
    (dist,) = [nodes[i] for i in _values(ds, "distribution")]
    assert SCHEMA + "DataDownload" in dist["@type"]
    assert _values(dist, "contentUrl") == [dataset()["resources"][0]["url"]]
    assert _values(dist, "encodingFormat") == ["CSV"]
    # the GCM objectives, as terms of the SKOS scheme served at /vocabulary
    about = {nodes[i]["@id"]: nodes[i] for i in _values(ds, "about")}
    one = about["https://w3id.org/migration-catalogue/vocab/gcm-objective/1"]
    assert _values(one, "termCode") == ["1"]
    assert _values(one, "inDefinedTermSet") == [
        "https://w3id.org/migration-catalogue/vocab/gcm-objectives"]
    assert "</script" not in raw  # safe inside the page


def test_schemaorg_parses_as_rdf_and_handles_open_periods_and_no_creator(app):
    pkg = _create(name="open-period", temporal_coverage=[{"start": "2015"}], creator=[],
                  countries=[], regions=["002"])
    page = BeautifulSoup(app.get("/dataset/open-period").body, "html.parser")
    g = Graph().parse(data=str(page.select_one('script[type="application/ld+json"]').string),
                      format="json-ld")
    (ds,) = g.subjects(RDF.type, URIRef(SCHEMA + "Dataset"))
    s = lambda p: URIRef(SCHEMA + p)  # noqa: E731
    assert g.value(ds, s("temporalCoverage")) == Literal("2015/..")
    assert {str(g.value(p, s("name"))) for p in g.objects(ds, s("spatialCoverage"))} == {"Africa"}
    # no producer given: the creator falls back to the publishing organization
    assert g.value(g.value(ds, s("creator")), s("name")) == Literal("Eurostat (publisher)")
    assert g.value(ds, s("name")) == Literal(pkg["title"])


def test_dataset_page_content_negotiation(app):
    pkg = _create()
    resp = app.get("/dataset/%s" % pkg["name"], headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=resp.body, format="turtle")
    (ds,) = g.subjects(RDF.type, DCAT.Dataset)
    assert "asylum-applicants-senegal" in str(ds) or pkg["id"] in str(ds)
    resp = app.get("/dataset/%s" % pkg["name"], headers={"Accept": "application/rdf+xml"})
    assert resp.headers["Content-Type"].startswith("application/rdf+xml")
    assert len(Graph().parse(data=resp.body, format="xml")) > 10
    # browsers still get the HTML page
    resp = app.get("/dataset/%s" % pkg["name"],
                   headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "migration-provenance" in resp.body
    # the home page negotiates to the catalogue
    resp = app.get("/", headers={"Accept": "text/turtle"})
    assert resp.headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=resp.body, format="turtle")
    assert len(set(g.subjects(RDF.type, DCAT.Catalog))) == 1
    assert len(set(g.subjects(RDF.type, DCAT.Dataset))) == 1
    assert app.get("/").headers["Content-Type"].startswith("text/html")


def test_catalog_endpoint_pages_with_q_fq_and_modified_since(app, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.dcat.datasets_per_page", 2)
    for i in range(5):
        _create(name="remittances-%d" % i, title="Remittances %d" % i, topics=["remittances"])
    _create(name="other", title="Asylum other")
    params = "q=Remittances&fq=topics:remittances&modified_since=2000-01-01"
    seen = set()
    url = "/catalog.ttl?%s&page=1" % params
    pages = 0
    while url:
        resp = app.get(url)
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/turtle")
        g = Graph().parse(data=resp.body, format="turtle")
        datasets = set(g.subjects(RDF.type, DCAT.Dataset))
        assert 0 < len(datasets) <= 2
        seen |= {str(g.value(d, URIRef("http://purl.org/dc/terms/title"))) for d in datasets}
        (view,) = g.subjects(RDF.type, URIRef(HYDRA + "PagedCollection"))
        assert int(g.value(view, URIRef(HYDRA + "totalItems"))) == 5
        assert int(g.value(view, URIRef(HYDRA + "itemsPerPage"))) == 2
        last = urlparse(str(g.value(view, URIRef(HYDRA + "lastPage"))))
        assert parse_qs(last.query)["page"] == ["3"]
        assert parse_qs(last.query)["fq"] == ["topics:remittances"]
        nxt = g.value(view, URIRef(HYDRA + "nextPage"))
        url = None
        if nxt:
            parts = urlparse(str(nxt))
            url = "%s?%s" % (parts.path, parts.query)
        pages += 1
    assert pages == 3
    assert seen == {"Remittances %d" % i for i in range(5)}
    # nothing modified since the future: an empty catalogue
    resp = app.get("/catalog.ttl?modified_since=2999-01-01")
    g = Graph().parse(data=resp.body, format="turtle")
    assert not set(g.subjects(RDF.type, DCAT.Dataset))
    assert app.get("/catalog.ttl?page=0").status_code == 409
    assert app.get("/catalog.ttl?modified_since=notadate").status_code == 409
