"""The migration DCAT-AP profile reads every migration field back from RDF."""
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from ckanext.dcat.profiles.base import DCAT, DCT
from ckanext.dcat.utils import dataset_uri

from ckanext.migration import vocab
from ckanext.migration.profiles import MIG

from .utils import VARIANTS, create, graph_of, migration_fields, one, parse

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")


@pytest.mark.parametrize("changes", VARIANTS.values(), ids=list(VARIANTS))
def test_parsing_the_output_gives_every_field_back(changes):
    pkg = create(**changes)
    data = graph_of(pkg).serialize(format="turtle")
    [parsed] = parse(data)
    assert migration_fields(parsed) == migration_fields(pkg)
    # our nodes do not leak into dcat's generic fields
    assert not parsed.get("theme")
    assert not parsed.get("provenance_activity")
    assert all(c.startswith("http") for c in parsed.get("conforms_to") or [])


def test_years_only_period_round_trips():
    pkg = create(temporal_coverage=[{"start": "2015", "end": "2023"}])
    g = graph_of(pkg)
    period = one(g, URIRef(dataset_uri(pkg)), DCT.temporal)
    assert one(g, period, DCAT.startDate) == Literal("2015", datatype=XSD.gYear)
    [parsed] = parse(g.serialize(format="turtle"))
    assert parsed["temporal_coverage"] == [{"start": "2015", "end": "2023"}]


def test_the_dataset_endpoint_uses_the_profile(app):
    pkg = create()
    body = app.get("/dataset/%s.ttl" % pkg["name"]).body
    [parsed] = parse(body)
    assert migration_fields(parsed) == migration_fields(pkg)


def test_unknown_uris_are_not_half_mapped():
    ttl = """
    @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    @prefix dqv: <http://www.w3.org/ns/dqv#> . @prefix mig: <%(ns)s> .
    <http://example.org/ds> a dcat:Dataset ; dct:title "T" ; dct:description "D" ;
      dct:spatial <http://example.org/place/atlantis>,
                  <http://publications.europa.eu/resource/authority/country/SEN> ;
      dcat:theme <%(base)stopic/not_a_topic>, <%(base)sgcm-objective/24>,
                 <%(base)stopic/remittances> ;
      mig:sourceType <%(base)ssource-type/oracle> ;
      dqv:hasQualityMeasurement [ dqv:isMeasurementOf mig:SampleSize ; dqv:value "many" ] .
    """ % {"ns": str(MIG), "base": vocab.BASE_URI}
    [parsed] = parse(ttl)
    assert parsed["countries"] == ["SEN"]
    assert parsed["topics"] == ["remittances"]
    assert "gcm_objectives" not in parsed
    assert "source_type" not in parsed and "sample_size" not in parsed
    # what the vocabularies do not know stays in dcat's generic fields
    assert sorted(parsed["theme"]) == [vocab.BASE_URI + "gcm-objective/24",
                                       vocab.BASE_URI + "topic/not_a_topic"]
    assert parsed["spatial_coverage"] == [{"uri": "http://example.org/place/atlantis"}]


def test_spatial_countries_go_through_the_country_normaliser():
    ttl = """
    @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    <http://example.org/ds> a dcat:Dataset ; dct:title "T" ; dct:description "D" ;
      dct:spatial <%(eu)ssen>, <%(eu)sDEU>, <%(eu)sXYZ>, <%(eu)sFRA>, <%(base)sm49/002> .
    <%(eu)sDEU> skos:prefLabel "Germany" .
    """ % {"eu": vocab.EU_COUNTRY_URI, "base": vocab.BASE_URI}
    [parsed] = parse(ttl)
    # strict to_iso3: any case of an EU authority code; vocabulary order
    assert parsed["countries"] == ["FRA", "DEU", "SEN"]
    assert parsed["regions"] == ["002"]
    # a labelled country stays a location too; one outside the vocabulary stays only there
    assert sorted(parsed["spatial_coverage"], key=lambda s: s["uri"]) == [
        {"uri": vocab.EU_COUNTRY_URI + "DEU", "text": "Germany"},
        {"uri": vocab.EU_COUNTRY_URI + "XYZ"}]
