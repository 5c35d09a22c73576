"""DCAT-AP portals through ckanext-dcat's RDF harvester with the migration mapping hooked in."""
import pytest

from ckan import plugins as p
from ckan.tests import helpers

from .conftest import Harvest, fixture_bytes, raw_data_resources

pytestmark = pytest.mark.usefixtures("with_plugins", "harvest_db")


def harvest(http_replay, name, content_type, url):
    body = fixture_bytes("dcat", name)
    # ckanext-dcat asks for the size first (HEAD), then downloads
    http_replay.add("HEAD", url, content_type=content_type,
                    headers={"Content-Length": str(len(body))})
    http_replay.add("GET", url, body=body, content_type=content_type)
    h = Harvest(p.get_plugin("dcat_rdf_harvester"), url)
    job, _ = h.run()
    return h, job


def test_swiss_catalogue_maps_spatial_names_to_countries(http_replay):
    h, job = harvest(http_replay, "catalog_bfs_ogd_collection_opendata.swiss.rdf",
                     "application/rdf+xml", "https://opendata.swiss/catalog.rdf")
    assert h.report(job) == {"added": 2}, h.errors(job)
    found = helpers.call_action("package_search", fq="countries:CHE")
    assert found["count"] == 2
    for pkg in found["results"]:
        assert pkg["source_platform"]  # the harvest source it came from
        assert pkg["title"]


def test_spanish_dataset_keeps_what_the_vocabularies_take(http_replay):
    h, job = harvest(http_replay, "dataset_datos.gob.es.ttl", "text/turtle",
                     "https://datos.gob.es/catalog.ttl")
    assert h.report(job) == {"added": 1}, h.errors(job)
    pkg = helpers.call_action("package_search", q="*:*")["results"][0]
    # its frequency is a local resource, not an EU frequency: dropped, dataset kept
    assert not pkg.get("frequency")


def test_german_dataset(http_replay):
    h, job = harvest(http_replay, "dataset_opendata-hro_govdata_dcatde.rdf",
                     "application/rdf+xml", "https://opendata-hro.de/catalog.rdf")
    assert h.report(job) == {"added": 1}, h.errors(job)


def test_data_distributions_are_raw_data_listed_first(http_replay):
    h, job = harvest(http_replay, "dataset_opendata-hro_govdata_dcatde.rdf",
                     "application/rdf+xml", "https://opendata-hro.de/catalog.rdf")
    assert h.report(job) == {"added": 1}, h.errors(job)
    pkg = helpers.call_action("package_search", q="*:*")["results"][0]
    formats = [r["format"].rsplit("/", 1)[-1].upper() for r in raw_data_resources(pkg)]
    # the files (GeoJSON, XLSX, CSV) are the data; the map services (WMS, WFS) and GML
    # are not flagged
    assert sorted(formats) == ["CSV", "GEOJSON", "XLSX"]
    assert {r["raw_data"] for r in pkg["resources"][3:]} == {"false"}


def test_not_rdf_is_a_clear_job_error(http_replay):
    url = "https://broken.example.org/catalog.rdf"
    http_replay.add("HEAD", url, content_type="application/rdf+xml")
    http_replay.add("GET", url, body=b"<html>this is not RDF", content_type="application/rdf+xml")
    h = Harvest(p.get_plugin("dcat_rdf_harvester"), url)
    job, _ = h.run()
    assert h.report(job) == {}
    errors = h.errors(job)
    assert errors and any("pars" in e.lower() or "rdf" in e.lower() for e in errors)
    assert helpers.call_action("package_search", q="*:*")["count"] == 0


def test_sources_in_several_languages_keep_ours(http_replay):
    """Titles in de/fr (opendata.swiss) and es (datos.gob.es): the languages of this catalogue
    (en, fr, es, ar) are kept per language, German is left out."""
    h, job = harvest(http_replay, "catalog_bfs_ogd_collection_opendata.swiss.rdf",
                     "application/rdf+xml", "https://opendata.swiss/catalog.rdf")
    assert h.report(job) == {"added": 2}, h.errors(job)
    titles = sorted((p["title"], p.get("title_translated")) for p in helpers.call_action(
        "package_search", q="*:*")["results"])
    assert titles == [
        ("Annuaire statistique de la Suisse 1894",
         {"fr": "Annuaire statistique de la Suisse 1894"}),
        ("Annuaire statistique de la Suisse 1901",
         {"fr": "Annuaire statistique de la Suisse 1901"})]
    h, job = harvest(http_replay, "dataset_datos.gob.es.ttl", "text/turtle",
                     "https://datos.gob.es/catalog.ttl")
    [pkg] = helpers.call_action("package_search", fq="title_string:Estudio*")["results"]
    assert pkg["title_translated"] == {"es": pkg["title"]}
    assert pkg["notes_translated"] == {"es": pkg["notes"]}


def test_swiss_statistics_office_catalogue_is_no_migration_producer(http_replay):
    """The only recorded catalogue of a national statistical office (the Swiss FSO's
    collection for opendata.swiss) holds two statistical yearbooks: countries and period
    map, but it states no frequency and nothing about migration, so no objective; it is
    therefore not in the source registry."""
    h, job = harvest(http_replay, "catalog_bfs_ogd_collection_opendata.swiss.rdf",
                     "application/rdf+xml", "https://opendata.swiss/catalog.rdf")
    assert h.report(job) == {"added": 2}, h.errors(job)
    found = helpers.call_action("package_search", q="*:*", sort="name asc")["results"]
    for pkg in found:
        pkg = helpers.call_action("package_show", id=pkg["id"])
        assert "Statistisches Jahrbuch der Schweiz" in pkg["title"] or \
            "Annuaire statistique de la Suisse" in pkg["title"]
        assert pkg["countries"] == ["CHE"]
        year = pkg["title"][-4:]
        assert pkg["temporal_coverage"][0]["start"].startswith(year)
        assert not pkg.get("frequency")
        assert not pkg["gcm_objectives"] and not pkg["topics"]


def test_republished_datasets_are_linked_to_the_twins_we_hold(http_replay, app):
    """A DCAT-AP catalogue republishing what we already hold (here our own DCAT output,
    made from the real HDX recordings) links each copy to its original both ways."""
    import json
    from .conftest import hdx_records
    search = "https://data.humdata.org/api/3/action/package_search"
    http_replay.add("GET", search, body=json.dumps(
        {"success": True, "result": {"count": 3, "results": hdx_records()}}))
    h = Harvest(p.get_plugin("migration_ckan"), "https://data.humdata.org")
    job, _ = h.run()
    assert h.report(job) == {"added": 3}, h.errors(job)
    ours = app.get("/catalog.ttl").body
    url = "https://mirror.example.org/catalog.ttl"
    http_replay.add("HEAD", url, content_type="text/turtle",
                    headers={"Content-Length": str(len(ours))})
    http_replay.add("GET", url, body=ours, content_type="text/turtle")
    h = Harvest(p.get_plugin("dcat_rdf_harvester"), url)
    job, _ = h.run()
    assert h.report(job) == {"added": 3}, h.errors(job)
    for name in ("hdx-unhcr-population-data-for-world", "hdx-global-iom-dtm-from-api",
                 "hdx-reliefweb-crisis-figures"):
        original = helpers.call_action("package_show", id=name)
        [copy_name] = original["also_published_by"]
        copy = helpers.call_action("package_show", id=copy_name)
        assert copy["also_published_by"] == [name]
        assert copy["url"] == original["url"]
        assert copy["source_platform"] == original["source_platform"] == "HDX"
    # harvested again: still one link each, nothing new
    job, _ = h.run()
    assert helpers.call_action("package_search", q="*:*")["count"] == 6
    for pkg in helpers.call_action("package_search", q="*:*", rows=10)["results"]:
        assert len(helpers.call_action("package_show", id=pkg["id"])["also_published_by"]) == 1


def test_countries_named_in_the_title_are_inferred_when_none_are_stated():
    from ckanext.migration.harvesting.dcat import enrich
    stated = enrich({"title": "Refugees in Chad", "spatial_coverage": [
        {"uri": "http://publications.europa.eu/resource/authority/country/NER"}]}, None)
    assert stated["countries"] == ["NER"] and "countries_inferred" not in stated
    named = enrich({"title": "Réfugiés au Tchad", "notes": "Camps près du Soudan."}, None)
    assert named["countries"] == ["TCD", "SDN"] and named["countries_inferred"] is True
    regional = enrich({"title": "Refugees in Chad", "regions": ["017"]}, None)
    assert regional["countries"] == [] and "countries_inferred" not in regional
