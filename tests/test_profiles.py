"""The migration DCAT-AP profile: every migration field out as RDF, and back."""
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from ckan.tests import factories, helpers
from ckanext.dcat.processors import RDFParser, RDFSerializer
from ckanext.dcat.profiles.base import DCAT, DCT
from ckanext.dcat.utils import dataset_uri

from ckanext.migration import vocab
from ckanext.migration.profiles import DQV, MIG, OA, SAMPLE_SIZE, SDMX_ATTR, STAT

from .factories import dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")

PROFILES = ["euro_dcat_ap_3", "migration_dcat_ap"]
LISTS = ("topics", "gcm_objectives", "conforms_to", "also_published_by", "population_covered",
         "countries", "regions", "disaggregation", "caveat_flags")
SCALARS = ("url", "source_type", "collection_method", "provenance", "definitions",
           "source_platform", "identifier", "withdrawn_at", "sample_size",
           "unit_of_observation", "frequency", "modified", "geographic_granularity", "caveats")
MIGRATION_FIELDS = LISTS + SCALARS + ("creator", "temporal_coverage", "spatial_coverage",
                                      "resources")


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def migration_fields(pkg):
    """The migration fields of a dataset dict, normalised for comparison (RDF is unordered:
    lists compare as sorted; empty values as absent)."""
    out = {f: sorted(pkg.get(f) or []) for f in LISTS}
    out.update({f: pkg.get(f) if pkg.get(f) not in ("", []) else None for f in SCALARS})
    if out["sample_size"] is not None:
        out["sample_size"] = int(out["sample_size"])
    out["creator"] = _clean(pkg.get("creator") or [])
    out["temporal_coverage"] = _clean(pkg.get("temporal_coverage") or [])
    out["spatial_coverage"] = sorted(_clean(pkg.get("spatial_coverage") or []),
                                     key=lambda s: sorted(s.items()))
    out["resources"] = sorted((r.get("url"), r.get("format"), r.get("raw_data"))
                              for r in pkg.get("resources") or [])
    return out


def create(**changes):
    user = factories.Sysadmin()
    org = factories.Organization()
    return helpers.call_action("package_create", context={"user": user["name"]},
                               **dataset(owner_org=org["id"], **changes))


def graph_of(pkg):
    serializer = RDFSerializer(profiles=PROFILES)
    serializer.graph_from_dataset(pkg)
    g = Graph()
    for triple in serializer.g:
        g.add(triple)
    return g


def parse(data, fmt="turtle"):
    parser = RDFParser(profiles=PROFILES)
    parser.parse(data, _format=fmt)
    return list(parser.datasets())


def one(g, s, p):
    values = list(g.objects(s, p))
    assert len(values) == 1, (s, p, values)
    return values[0]


def test_output_has_every_migration_triple():
    pkg = create()
    g = graph_of(pkg)
    ds = URIRef(dataset_uri(pkg))
    V = vocab.get_vocabulary

    creator = one(g, ds, DCT.creator)
    assert (ds, PROV.wasAttributedTo, creator) in g
    activity = one(g, ds, PROV.wasGeneratedBy)
    assert (activity, RDF.type, PROV.Activity) in g
    assert str(one(g, activity, DCT.description)) == pkg["collection_method"]
    assert str(one(g, activity, RDFS.label)) == pkg["collection_method"]
    # methodology is dcat's dct:provenance
    statement = one(g, ds, DCT.provenance)
    assert str(one(g, statement, RDFS.label)) == pkg["provenance"]
    # definitions: a dct:Standard beside dcat's conforms_to links
    standards = list(g.objects(ds, DCT.conformsTo))
    assert URIRef(pkg["conforms_to"][0]) in standards
    [definitions] = [s for s in standards if isinstance(s, BNode)]
    assert (definitions, RDF.type, DCT.Standard) in g
    assert str(one(g, definitions, DCT.description)) == pkg["definitions"]
    # sample size and unit
    m = one(g, ds, DQV.hasQualityMeasurement)
    assert (m, RDF.type, DQV.QualityMeasurement) in g
    assert (m, DQV.isMeasurementOf, SAMPLE_SIZE) in g
    assert one(g, m, DQV.value) == Literal(1000, datatype=XSD.integer)
    unit = URIRef(V("units_of_observation").uri("applications"))
    assert (m, SDMX_ATTR.unitMeasure, unit) in g
    assert (ds, MIG.unitOfObservation, unit) in g
    # collection period (years-only variant: see test_years_only_period_round_trips)
    period = one(g, ds, DCT.temporal)
    assert one(g, period, DCAT.startDate) == Literal("2008-01-01", datatype=XSD.date)
    assert one(g, period, DCAT.endDate) == Literal("2024-12-31", datatype=XSD.date)
    assert one(g, ds, DCT.accrualPeriodicity) == URIRef(pkg["frequency"])
    # countries and regions
    spatial = set(g.objects(ds, DCT.spatial))
    for code in ("SEN", "DEU", "FRA"):
        assert URIRef(vocab.EU_COUNTRY_URI + code) in spatial
    # caveats and flags
    bodies = [one(g, a, OA.hasBody) for a in g.objects(ds, DQV.hasQualityAnnotation)]
    for a in g.objects(ds, DQV.hasQualityAnnotation):
        assert (a, RDF.type, DQV.QualityAnnotation) in g
        assert (a, OA.motivatedBy, DQV.qualityAssessment) in g
    [text] = [b for b in bodies if isinstance(b, BNode)]
    assert (text, RDF.type, OA.TextualBody) in g
    assert str(one(g, text, RDF.value)) == pkg["caveats"]
    assert {b for b in bodies if isinstance(b, URIRef)} == {
        URIRef(V("caveat_flags").uri(c)) for c in pkg["caveat_flags"]}
    # themes: GCM objectives and topics
    themes = set(g.objects(ds, DCAT.theme))
    for name in ("gcm_objectives", "topics"):
        for code in pkg[name]:
            assert URIRef(V(name).uri(code)) in themes
    # disaggregation
    assert set(g.objects(ds, STAT.dimension)) == {
        URIRef(V("disaggregation").uri(c)) for c in pkg["disaggregation"]}
    # our namespace
    assert one(g, ds, MIG.sourceType) == URIRef(V("source_types").uri("administrative_records"))
    assert one(g, ds, MIG.geographicGranularity) == URIRef(
        V("geographic_granularity").uri("national"))
    assert one(g, ds, MIG.populationCovered) == URIRef(V("populations").uri("asylum_seekers"))
    assert one(g, ds, MIG.sourcePlatform) == Literal("Eurostat")
    [res] = pkg["resources"]
    dist = one(g, ds, DCAT.distribution)
    assert one(g, dist, MIG.rawData) == Literal(True)


def test_regions_withdrawn_and_twins_are_output():
    pkg = create(regions=["002", "202"], withdrawn_at="2025-04-01",
                 also_published_by=["hdx-asylum-senegal"])
    g = graph_of(pkg)
    ds = URIRef(dataset_uri(pkg))
    spatial = set(g.objects(ds, DCT.spatial))
    assert URIRef(vocab.BASE_URI + "m49/002") in spatial
    assert URIRef(vocab.BASE_URI + "m49/202") in spatial
    assert one(g, ds, MIG.withdrawnAt) == Literal("2025-04-01", datatype=XSD.date)
    assert one(g, ds, MIG.alsoPublishedBy) == Literal("hdx-asylum-senegal")


VARIANTS = {
    "full": {},
    "regions, years, twins": dict(
        regions=["002", "150"], countries=[], withdrawn_at="2025-04-01",
        temporal_coverage=[{"start": "2015", "end": "2023"}],
        also_published_by=["hdx-asylum", "unhcr-asylum"], caveat_flags=[], caveats="",
        spatial_coverage=[{"text": "Africa", "uri":
                           "http://publications.europa.eu/resource/authority/continent/AFRICA"}]),
    "sparse": dict(
        topics=[], gcm_objectives=["23"], sample_size=None, unit_of_observation="",
        collection_method="", definitions="", provenance="", disaggregation=[],
        population_covered=[], conforms_to=[], source_type="", geographic_granularity="",
        resources=[{"url": "https://example.org/report.pdf", "format": "PDF",
                    "raw_data": "false"}]),
}


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
