"""Catalogue pages put together from the fragments written at indexing (profiles/fragments.py):
the graph stock ckanext-dcat gives, the fragments read from the index (not written again on
the read), a dataset's new content after an update, stale and missing fragments written on the
read, and a restricted dataset's fragment without its links."""
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from ckan.cli.cli import ckan as ckan_command
from ckan.tests import helpers

from ckanext.migration.profiles import fragments

from ..access.conftest import LINK, RESTRICTED, restricted  # noqa: F401 (fixture)
from .test_catalog import _diff, stock

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db", "clean_queues")


@pytest.fixture
def builds(monkeypatch):
    """The datasets whose fragment is written (ids), from now on."""
    seen = []
    original = fragments.build

    def build(dataset_dict, key=None):
        seen.append(dataset_dict["id"])
        return original(dataset_dict, key)
    monkeypatch.setattr(fragments, "build", build)
    return seen


def demo_and_harvest(cli, http_replay):
    from ..harvesting.conftest import Harvest, fixture_bytes
    from ..harvesting.test_eurostat import CONFIG, TOC_URL
    from ckan import plugins as p
    result = cli.invoke(ckan_command, ["migration", "demo-load"])
    assert result.exit_code == 0, result.output
    http_replay.add("GET", TOC_URL, body=fixture_bytes("eurostat", "table_of_contents_en.txt"))
    harvest = Harvest(p.get_plugin("migration_eurostat"), TOC_URL, CONFIG)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 3}, harvest.errors(job)


def assert_pages_are_stock(app, pages):
    text = ""
    for page in range(1, pages + 1):
        reference = Graph().parse(data=stock(app, "/catalog.ttl?page=%d" % page, page),
                                  format="turtle")
        body = app.get("/catalog.ttl?page=%d" % page).get_data(as_text=True)
        ours = Graph().parse(data=body, format="turtle")
        assert len(reference) > 100
        assert isomorphic(reference, ours), (page, _diff(reference, ours))
        text += reference.serialize(format="nt")
    return text


def patch(name, **fields):
    from ckan.tests import factories
    return helpers.call_action("package_patch", context={"user": factories.Sysadmin()["name"]},
                               id=name, **fields)


def stored_fragment(dataset_id):
    found = helpers.call_action("package_search", fq='id:"%s"' % dataset_id,
                                fl=["id", fragments.FIELD])["results"]
    return fragments.decode(found[0].get(fragments.FIELD))


@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "4")
def test_pages_from_fragments_are_stock_graphs(app, cli, http_replay, builds):
    demo_and_harvest(cli, http_replay)
    written = len(builds)
    assert written >= 11  # at indexing: 8 demo datasets (one restricted), 3 harvested
    text = assert_pages_are_stock(app, 3)
    assert RESTRICTED in text and "eurostat" in text.lower()
    # the pages read the fragments from the index: none written again
    assert len(builds) == written


@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "100")
def test_updated_dataset_shows_its_new_content(app, cli, http_replay):
    demo_and_harvest(cli, http_replay)
    name = helpers.call_action("package_search", rows=1)["results"][0]["name"]
    patch(name, title="Remittance corridors, revised", caveats="Revised after the 2025 survey.")
    body = app.get("/catalog.ttl").get_data(as_text=True)
    assert "Remittance corridors, revised" in body and "Revised after the 2025 survey." in body
    assert_pages_are_stock(app, 1)


@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "100")
def test_stale_and_missing_fragments_are_written_on_the_read(app, cli, http_replay, builds,
                                                             monkeypatch, ckan_config):
    demo_and_harvest(cli, http_replay)
    # one dataset indexed without a fragment (writing it failed)
    name = helpers.call_action("package_search", rows=1)["results"][0]["name"]
    original = fragments.build

    def failing(dataset_dict, key=None):
        raise RuntimeError("no fragment")
    monkeypatch.setattr(fragments, "build", failing)
    dataset = patch(name, notes="Indexed without fragment.")
    assert stored_fragment(dataset["id"]) is None
    monkeypatch.setattr(fragments, "build", original)  # (counting the builds again)
    builds.clear()
    assert_pages_are_stock(app, 1)
    assert builds == [dataset["id"]]
    # every fragment stale: written under other settings of ckanext-dcat
    builds.clear()
    monkeypatch.setitem(ckan_config, "ckanext.dcat.base_uri", "https://catalogue.example.org")
    assert_pages_are_stock(app, 1)
    assert len(builds) == helpers.call_action("package_search", rows=0)["count"]
    assert "https://catalogue.example.org/dataset/" in app.get("/catalog.ttl").get_data(
        as_text=True)


def test_restricted_dataset_fragment_has_no_links(app, restricted):
    fragment = stored_fragment(restricted.dataset["id"])
    assert fragment is not None and fragment["key"] == fragments.config_key()
    text = fragment["own"] + "".join(fragment["shared"])
    assert "dcat:Distribution" in text and RESTRICTED in text
    assert "downloadURL" not in text and LINK not in text
    body = app.get("/catalog.ttl").get_data(as_text=True)
    assert "crimes-restricted" in body or restricted.dataset["id"] in body
    assert LINK not in body and "downloadURL" not in body


def test_private_dataset_has_no_fragment(app):
    from ckan.tests import factories
    from ..factories import dataset
    org, admin = factories.Organization(), factories.Sysadmin()
    private = helpers.call_action("package_create", context={"user": admin["name"]},
                                  **dataset(name="private-one", owner_org=org["id"],
                                            private=True))
    found = helpers.call_action("package_search", context={"user": admin["name"]},
                                fq='id:"%s"' % private["id"], include_private=True,
                                fl=["id", fragments.FIELD])["results"]
    assert len(found) == 1 and not found[0].get(fragments.FIELD)
    assert private["id"] not in app.get("/catalog.ttl").get_data(as_text=True)
