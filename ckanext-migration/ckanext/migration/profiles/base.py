"""Namespaces, constants and helpers the migration DCAT-AP profile's modules share."""
import json

from rdflib import URIRef
from rdflib.namespace import PROV, Namespace

from ckanext.migration import vocab

MIG = Namespace("https://w3id.org/migration-catalogue/ns#")
STAT = Namespace("http://data.europa.eu/(xyz)/statdcat-ap/")
DQV = Namespace("http://www.w3.org/ns/dqv#")
OA = Namespace("http://www.w3.org/ns/oa#")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_ATTR = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
PREFIXES = (("mig", MIG), ("stat", STAT), ("dqv", DQV), ("oa", OA), ("prov", PROV), ("qb", QB))

LANG = "en"
CATALOG_DESCRIPTION = "Datasets on international migration, with their provenance and caveats."
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
FILE_TYPES = {"CSV", "TSV", "XLS", "XLSX", "ODS", "JSON", "XML", "PDF", "ZIP", "HTML", "TXT",
              "DOC", "DOCX", "GEOJSON", "KML", "GML", "SHP", "RDF_XML", "RDF_TURTLE", "JSON_LD"}
IANA = "https://www.iana.org/assignments/media-types/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
SAMPLE_SIZE = MIG.SampleSize
DATA_COLLECTION = MIG.DataCollection
# field -> (our predicate, vocabulary or None) for one-to-one dataset properties
SIMPLE = (
    ("source_type", MIG.sourceType, "source_types"),
    ("geographic_granularity", MIG.geographicGranularity, "geographic_granularity"),
    ("unit_of_observation", MIG.unitOfObservation, "units_of_observation"),
    ("source_platform", MIG.sourcePlatform, None),
)
MULTIPLE = (
    ("population_covered", MIG.populationCovered, "populations"),
    ("also_published_by", MIG.alsoPublishedBy, None),
    # the glossary definitions followed (glossary.py): concepts of the glossary scheme
    ("definition_terms", MIG.definition, "glossary_definitions"),
)
THEMES = ("gcm_objectives", "topics")
SPATIAL = ("countries", "regions")


def voc(name):
    return vocab.get_vocabulary(name)


def scheme(name):
    """The SKOS concept scheme of vocabulary ``name``."""
    name = {"glossary_definitions": "glossary"}.get(name, name)
    return URIRef(vocab.BASE_URI + name.replace("_", "-"))


def as_list(value):
    """A field's non-empty values, whether stored as a list, JSON or comma-separated text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [v.strip() for v in value.split(",") if v.strip()]
    return [v for v in value or [] if v not in (None, "")]
