"""Shared by the migration DCAT-AP profile's parse and serialise tests."""
from rdflib import Graph

from ckan.tests import factories, helpers
from ckanext.dcat.processors import RDFParser, RDFSerializer

from ..factories import dataset

PROFILES = ["euro_dcat_ap_3", "migration_dcat_ap"]
LISTS = ("topics", "gcm_objectives", "conforms_to", "also_published_by", "population_covered",
         "countries", "regions", "disaggregation", "caveat_flags", "definition_terms")
SCALARS = ("url", "source_type", "collection_method", "provenance", "definitions",
           "source_platform", "identifier", "withdrawn_at", "sample_size",
           "unit_of_observation", "frequency", "modified", "geographic_granularity", "caveats")
MIGRATION_FIELDS = LISTS + SCALARS + ("creator", "temporal_coverage", "spatial_coverage",
                                      "resources")

VARIANTS = {
    "full": {"definition_terms": ["asylum-seeker-eu", "refugee-eu"]},
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
