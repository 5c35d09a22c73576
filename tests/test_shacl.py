"""/catalog.ttl validates against the official DCAT-AP 3.0.1 SHACL shapes (no violations)."""
import json

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from ckan import plugins as p
from ckan.cli.cli import ckan as ckan_command

from .harvesting.conftest import Harvest, fixture_bytes

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")

SHAPES = ("shacl_dcat-ap-SHACL.ttl", "shacl_ranges.ttl")


@pytest.fixture
def shapes():
    g = Graph()
    for name in SHAPES:
        g.parse(data=fixture_bytes("reference", "dcat-ap-3.0.1", name), format="turtle")
    # The 3.0.1 release lists 5 property shapes (e.g. on dcat:DatasetShape) that it never
    # defines; pyshacl refuses such references. They constrain nothing: drop the references.
    dangling = [(s, o) for s, o in g.subject_objects(SH.property) if (o, SH.path, None) not in g]
    assert len(dangling) <= 5, dangling
    for s, o in dangling:
        g.remove((s, SH.property, o))
    return g


def catalog_graph(app):
    g = Graph()
    g.parse(data=app.get("/catalog.ttl").body, format="turtle")
    return g


def results(data, shapes):
    """{severity local name: [(focus, path, message)]} of validating ``data``."""
    import pyshacl
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                    allow_warnings=True)
    out = {}
    for r in report.subjects(SH.resultSeverity, None):
        severity = str(report.value(r, SH.resultSeverity)).split("#")[-1]
        out.setdefault(severity, []).append((str(report.value(r, SH.focusNode)),
                                             str(report.value(r, SH.resultPath)),
                                             str(report.value(r, SH.resultMessage))))
    return out


def assert_no_violations(g, shapes, datasets):
    from ckanext.dcat.profiles.base import DCAT
    from rdflib.namespace import RDF
    assert len(set(g.subjects(RDF.type, DCAT.Dataset))) == datasets
    found = results(g, shapes)
    print("SHACL results:", {k: len(v) for k, v in found.items()})
    for severity in ("Warning", "Info"):
        for item in sorted(set(found.get(severity, []))):
            print(severity, *item)
    assert not found.get("Violation"), "\n".join(map(str, sorted(set(found["Violation"]))))


def test_demo_catalogue_is_valid_dcat_ap(app, cli, shapes):
    result = cli.invoke(ckan_command, ["migration", "demo-load"])
    assert result.exit_code == 0, result.output
    assert_no_violations(catalog_graph(app), shapes, datasets=8)  # one restricted (access/): accessURL = its request page


@pytest.mark.usefixtures("clean_queues")
def test_harvested_catalogue_is_valid_dcat_ap(app, shapes, http_replay):
    from .harvesting.test_ckan import HDX, SEARCH, search_page
    from .harvesting.test_eurostat import CONFIG, TOC_URL
    hdx = []
    for name in ("package_show_reliefweb-crisis-figures.json",
                 "package_show_result_unhcr-population-data-for-world.json",
                 "package_show_result_global-iom-dtm-from-api.json"):
        data = json.loads(fixture_bytes("hdx", name))
        hdx.append(data.get("result", data))
    http_replay.add("GET", SEARCH, body=search_page(hdx))
    http_replay.add("GET", TOC_URL, body=fixture_bytes("eurostat",
                                                       "table_of_contents_en.txt"))
    for plugin, url, config in (("migration_ckan", HDX, {"fq": "tags:refugees"}),
                                ("migration_eurostat", TOC_URL, CONFIG)):
        harvest = Harvest(p.get_plugin(plugin), url, config)
        job, _ = harvest.run()
        assert harvest.report(job) == {"added": 3}, harvest.errors(job)
    assert_no_violations(catalog_graph(app), shapes, datasets=6)
