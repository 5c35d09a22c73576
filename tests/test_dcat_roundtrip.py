"""Our /catalog.ttl harvested by ckanext-dcat's RDF harvester gives every migration field back."""
import pytest

from ckan import plugins as p
from ckan.tests import factories, helpers

from ckanext.migration import vocab

from .factories import dataset
from .harvesting.conftest import Harvest
from .profiles.utils import VARIANTS, migration_fields

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db", "clean_queues")

URL = "https://catalogue.example.org/catalog.ttl"
MORE = {
    "years only, subnational": dict(
        temporal_coverage=[{"start": "1990", "end": "2020"}], geographic_granularity="subnational",
        frequency="http://publications.europa.eu/resource/authority/frequency/ANNUAL",
        countries=["UKR", "POL"], regions=["151"], sample_size=0),
}


def harvest_turtle(http_replay, body, url=URL):
    # ckanext-dcat asks for the size first (HEAD), then downloads
    http_replay.add("HEAD", url, content_type="text/turtle",
                    headers={"Content-Length": str(len(body))})
    http_replay.add("GET", url, body=body, content_type="text/turtle")
    h = Harvest(p.get_plugin("dcat_rdf_harvester"), url)
    job, _ = h.run()
    return h, job


def all_datasets():
    return helpers.call_action("package_search", q="*:*", rows=100,
                               include_private=True)["results"]


def test_exported_catalogue_harvests_back_field_by_field(app, http_replay):
    user, org = factories.Sysadmin(), factories.Organization()
    variants = dict(VARIANTS, **MORE)
    originals = {}
    for i, changes in enumerate(variants.values()):
        pkg = helpers.call_action(
            "package_create", context={"user": user["name"]},
            **dataset(owner_org=org["id"], name="original-%d" % i, title="Dataset %d" % i,
                      identifier="id-%d" % i, **changes))
        originals[pkg["identifier"]] = migration_fields(pkg)

    body = app.get("/catalog.ttl").body.encode("utf-8")
    for identifier in originals:
        helpers.call_action("dataset_purge", context={"user": user["name"]},
                            id=next(d["id"] for d in all_datasets()
                                    if d["identifier"] == identifier))
    assert all_datasets() == []

    h, job = harvest_turtle(http_replay, body)
    assert h.report(job) == {"added": len(originals)}, h.errors(job)
    imported = {d["identifier"]: migration_fields(d) for d in all_datasets()}
    assert set(imported) == set(originals)
    for identifier, fields in originals.items():
        assert imported[identifier] == fields, identifier


def test_a_document_that_is_not_rdf_is_a_clear_job_error(http_replay):
    h, job = harvest_turtle(http_replay, b"<html><body>Not found</body></html>")
    assert h.report(job) == {}
    errors = h.errors(job)
    assert errors and any("pars" in e.lower() or "rdf" in e.lower() for e in errors), errors
    assert all_datasets() == []


UNKNOWN = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix dqv: <http://www.w3.org/ns/dqv#> . @prefix mig: <https://w3id.org/migration-catalogue/ns#> .
<https://example.org/ds/1> a dcat:Dataset ; dct:identifier "odd-1" ;
  dct:title "Arrivals in Atlantis" ; dct:description "Arrivals by boat." ;
  dct:spatial <http://example.org/place/atlantis>,
              <http://publications.europa.eu/resource/authority/country/GRC> ;
  dcat:theme <%(v)stopic/not_a_topic>, <%(v)sgcm-objective/24>, <%(v)stopic/remittances> ;
  mig:sourceType <%(v)ssource-type/oracle> ; mig:populationCovered <%(v)spopulation/martians> ;
  dqv:hasQualityMeasurement [ dqv:isMeasurementOf mig:SampleSize ; dqv:value "-5" ] .
<https://example.org/ds/2> a dcat:Dataset ; dct:identifier "plain-2" ;
  dct:title "A plain DCAT-AP dataset" ; dct:description "Nothing of ours." .
""" % {"v": vocab.BASE_URI}


def test_values_the_vocabularies_do_not_know_are_not_half_mapped(http_replay):
    """Chosen behaviour: the dataset is imported; only known vocabulary URIs become migration
    fields, the others stay in ckanext-dcat's generic fields (theme, spatial_coverage)."""
    h, job = harvest_turtle(http_replay, UNKNOWN.encode("utf-8"))
    assert h.report(job) == {"added": 2}, h.errors(job)
    found = {d["identifier"]: d for d in all_datasets()}
    odd = found["odd-1"]
    assert odd["countries"] == ["GRC"]
    assert "remittances" in odd["topics"] and "not_a_topic" not in odd["topics"]
    assert "24" not in odd["gcm_objectives"]
    assert sorted(odd["theme"]) == [vocab.BASE_URI + "gcm-objective/24",
                                    vocab.BASE_URI + "topic/not_a_topic"]
    assert odd["spatial_coverage"] == [{"uri": "http://example.org/place/atlantis"}]
    assert not odd.get("source_type") and odd["population_covered"] == []
    assert odd.get("sample_size") in (None, "")
    plain = found["plain-2"]
    assert plain["countries"] == [] and not plain.get("caveats")
