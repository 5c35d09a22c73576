"""The paged catalogue (/catalog.*, profiles/catalog.py) gives the graph ckanext-dcat's own
``serialize_catalog`` gives, for every format and page, Hydra paging triples included."""
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic, to_isomorphic

from ckan.cli.cli import ckan as ckan_command

from ckanext.dcat import logic as dcat_logic

from ..access.conftest import RESTRICTED

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db", "clean_queues")

FORMATS = {"ttl": "turtle", "rdf": "xml", "xml": "xml", "jsonld": "json-ld"}


def stock(app, path, page):
    """ckanext-dcat's own catalogue action (not ours, which chains over it) for the request
    ``path``, as Turtle."""
    with app.flask_app.test_request_context(path):
        return dcat_logic.dcat_catalog_show({"user": ""}, {"page": page, "format": "ttl"})


def graph(text, fmt):
    return Graph().parse(data=text, format=fmt)


@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "4")
def test_catalogue_pages_are_stock_ckanext_dcat_graphs(app, cli, http_replay):
    from ..test_shacl import test_harvested_catalogue_is_valid_dcat_ap  # noqa: F401
    from ..harvesting.conftest import Harvest, fixture_bytes
    from ..harvesting.test_eurostat import CONFIG, TOC_URL
    from ckan import plugins as p
    result = cli.invoke(ckan_command, ["migration", "demo-load"])
    assert result.exit_code == 0, result.output
    http_replay.add("GET", TOC_URL, body=fixture_bytes("eurostat", "table_of_contents_en.txt"))
    harvest = Harvest(p.get_plugin("migration_eurostat"), TOC_URL, CONFIG)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 3}, harvest.errors(job)
    # 8 demo datasets (one restricted) + 3 harvested: pages of 4, 4 and 3
    pages_seen, restricted_seen = 0, False
    for page in (1, 2, 3):
        for ext, fmt in FORMATS.items():
            # stock as Turtle (its RDF/XML, pretty-xml, loses triples), paging links on .ext
            path = "/catalog.%s?page=%d" % (ext, page)
            reference = graph(stock(app, path, page), "turtle")
            assert len(reference) > 100
            restricted_seen |= RESTRICTED in reference.serialize(format="nt")
            body = app.get("/catalog.%s?page=%d" % (ext, page)).get_data(as_text=True)
            ours = graph(body, fmt)
            assert isomorphic(reference, ours), (ext, page, len(reference), len(ours), _diff(reference, ours))
        pages_seen += 1
    assert pages_seen == 3 and restricted_seen
    # the Hydra links are there (and compared above)
    assert "hydra:nextPage" in app.get("/catalog.ttl?page=1").get_data(as_text=True)


def _diff(a, b):
    ia, ib = to_isomorphic(a), to_isomorphic(b)
    return {"missing": sorted(map(str, ia - ib))[:5], "extra": sorted(map(str, ib - ia))[:5]}
