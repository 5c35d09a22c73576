"""The migration DCAT-AP profile writes every migration field as RDF."""
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from ckanext.dcat.profiles.base import DCAT, DCT
from ckanext.dcat.utils import dataset_uri

from ckanext.migration import vocab
from ckanext.migration.profiles import DQV, MIG, OA, SAMPLE_SIZE, SDMX_ATTR, STAT

from .utils import create, graph_of, one

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")


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
