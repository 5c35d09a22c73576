"""The migration fields in DCAT-AP: a ckanext-dcat RDF profile run after ``euro_dcat_ap_3``.

``euro_dcat_ap_3`` maps the DCAT-AP fields the schema reuses (creator = producer, provenance
= methodology, conforms_to, temporal_coverage = collection period, frequency, modified,
spatial_coverage, url, identifier). This profile adds the rest, and parses it back:

* producer: also ``prov:wasAttributedTo`` the ``dct:creator`` agents;
* collection_method: ``prov:wasGeneratedBy [a prov:Activity; dct:type mig:DataCollection]``;
* definitions: ``dct:conformsTo [a dct:Standard; dct:description]``;
* sample_size / unit_of_observation: a ``dqv:QualityMeasurement`` of ``mig:SampleSize``
  (``sdmx-attribute:unitMeasure`` = the unit), and ``mig:unitOfObservation``;
* countries / regions: ``dct:spatial`` EU country / M49 URIs;
* caveats / caveat_flags: ``dqv:QualityAnnotation`` (textual body / the flag's URI);
* topics, gcm_objectives: ``dcat:theme``; disaggregation: ``stat:dimension``;
* population_covered, source_type, geographic_granularity, source_platform,
  also_published_by, withdrawn_at, resource raw_data: ``mig:`` properties.

Parsing maps vocabulary URIs back to codes, ignores URIs outside the vocabularies (they stay
in dcat's generic fields, e.g. ``theme``) and takes our nodes out of those generic fields.
"""
import json
import re

import pycountry
from ckantoolkit import config
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD, Namespace

from ckanext.dcat.profiles.base import DCAT, DCT, FOAF, LOCN, RDFProfile, CleanedURIRef
from ckanext.dcat.utils import resource_uri

from ckanext.migration import vocab

MIG = Namespace("https://w3id.org/migration-catalogue/ns#")
STAT = Namespace("http://data.europa.eu/(xyz)/statdcat-ap/")
DQV = Namespace("http://www.w3.org/ns/dqv#")
OA = Namespace("http://www.w3.org/ns/oa#")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_ATTR = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")

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
)
THEMES = ("gcm_objectives", "topics")
SPATIAL = ("countries", "regions")


def _voc(name):
    return vocab.get_vocabulary(name)


def _scheme(name):
    return URIRef(vocab.BASE_URI + name.replace("_", "-"))


def _list(value):
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [v.strip() for v in value.split(",") if v.strip()]
    return [v for v in value or [] if v not in (None, "")]


class MigrationDCATAPProfile(RDFProfile):
    """Migration fields on top of ``euro_dcat_ap_3`` (list it after that profile)."""

    # ---- output -------------------------------------------------------------------------

    def graph_from_dataset(self, dataset_dict, dataset_ref):
        g = self.g
        for prefix, ns in (("mig", MIG), ("stat", STAT), ("dqv", DQV), ("oa", OA),
                           ("prov", PROV), ("qb", QB)):
            g.bind(prefix, ns)
        d = dataset_dict
        for agent in list(g.objects(dataset_ref, DCT.creator)):
            g.add((dataset_ref, PROV.wasAttributedTo, agent))
        if d.get("collection_method"):
            activity = BNode()
            g.add((dataset_ref, PROV.wasGeneratedBy, activity))
            g.add((activity, RDF.type, PROV.Activity))
            g.add((activity, DCT.type, DATA_COLLECTION))
            g.add((activity, RDFS.label, Literal(d["collection_method"])))
            g.add((activity, DCT.description, Literal(d["collection_method"])))
        if d.get("definitions"):
            standard = BNode()
            g.add((dataset_ref, DCT.conformsTo, standard))
            g.add((standard, RDF.type, DCT.Standard))
            g.add((standard, RDF.type, MIG.Definitions))
            g.add((standard, DCT.description, Literal(d["definitions"])))
        self._sample_size(d, dataset_ref)
        for field, predicate, name in SIMPLE:
            self._add_values(dataset_ref, predicate, name, _list([d.get(field)]))
        for field, predicate, name in MULTIPLE:
            self._add_values(dataset_ref, predicate, name, _list(d.get(field)))
        if d.get("withdrawn_at"):
            self._add_date_triple(dataset_ref, MIG.withdrawnAt, d["withdrawn_at"])
        for name in SPATIAL:
            for term in self._terms(name, d.get(name)):
                g.add((dataset_ref, DCT.spatial, URIRef(term.uri)))
                g.add((URIRef(term.uri), RDF.type, DCT.Location))
        for name in THEMES:
            for term in self._terms(name, d.get(name)):
                g.add((dataset_ref, DCAT.theme, self._concept(name, term)))
        for term in self._terms("disaggregation", d.get("disaggregation")):
            dim = self._concept("disaggregation", term)
            g.add((dataset_ref, STAT.dimension, dim))
            g.add((dim, RDF.type, QB.DimensionProperty))
        self._annotations(d, dataset_ref)
        for resource in d.get("resources") or []:
            raw = str(resource.get("raw_data") or "").lower()
            if raw in ("true", "false"):
                g.add((CleanedURIRef(resource_uri(resource)), MIG.rawData,
                       Literal(raw == "true")))
        self._conform_dataset(dataset_ref)

    def _terms(self, name, values):
        voc = _voc(name)
        return [t for t in (voc.get(v) or voc.by_uri(v) for v in _list(values)) if t]

    def _concept(self, name, term):
        concept = URIRef(term.uri)
        self.g.add((concept, RDF.type, SKOS.Concept))
        self.g.add((concept, SKOS.prefLabel, Literal(term.label, lang=LANG)))
        self.g.add((concept, SKOS.inScheme, _scheme(name)))
        return concept

    def _add_values(self, subject, predicate, name, values):
        for value in values:
            if name is None:
                self.g.add((subject, predicate, Literal(value)))
            else:
                for term in self._terms(name, [value]):
                    self.g.add((subject, predicate, self._concept(name, term)))

    def _sample_size(self, d, dataset_ref):
        try:
            n = int(d.get("sample_size"))
        except (TypeError, ValueError):
            return
        m = BNode()
        self.g.add((dataset_ref, DQV.hasQualityMeasurement, m))
        self.g.add((m, RDF.type, DQV.QualityMeasurement))
        self.g.add((m, DQV.isMeasurementOf, SAMPLE_SIZE))
        self.g.add((m, DQV.value, Literal(n, datatype=XSD.integer)))
        for term in self._terms("units_of_observation", [d.get("unit_of_observation")]):
            self.g.add((m, SDMX_ATTR.unitMeasure, URIRef(term.uri)))
        self.g.add((SAMPLE_SIZE, RDF.type, DQV.Metric))
        self.g.add((SAMPLE_SIZE, SKOS.prefLabel, Literal("Sample size (N)", lang=LANG)))

    def _annotation(self, dataset_ref, body):
        a = BNode()
        self.g.add((dataset_ref, DQV.hasQualityAnnotation, a))
        self.g.add((a, RDF.type, DQV.QualityAnnotation))
        self.g.add((a, OA.motivatedBy, DQV.qualityAssessment))
        self.g.add((a, OA.hasBody, body))

    def _annotations(self, d, dataset_ref):
        if d.get("caveats"):
            body = BNode()
            self.g.add((body, RDF.type, OA.TextualBody))
            self.g.add((body, RDF.value, Literal(d["caveats"])))
            self.g.add((body, DCT["format"], Literal("text/markdown")))
            self._annotation(dataset_ref, body)
        for term in self._terms("caveat_flags", d.get("caveat_flags")):
            self._annotation(dataset_ref, self._concept("caveat_flags", term))

    # ---- input --------------------------------------------------------------------------

    def parse_dataset(self, dataset_dict, dataset_ref):
        g, d = self.g, dataset_dict
        ours = {"activities": [], "standards": [], "spatial": set(), "themes": set()}
        for activity in g.objects(dataset_ref, PROV.wasGeneratedBy):
            if (activity, DCT.type, DATA_COLLECTION) in g:
                ours["activities"].append(activity)
                text = self._object_value(activity, DCT.description) or \
                    self._object_value(activity, RDFS.label)
                if text:
                    d["collection_method"] = text
        for standard in g.objects(dataset_ref, DCT.conformsTo):
            if (standard, RDF.type, MIG.Definitions) in g or (
                    isinstance(standard, BNode) and (standard, DCT.description, None) in g
                    and not (standard, RDFS.label, None) in g):
                ours["standards"].append(standard)
                d["definitions"] = self._object_value(standard, DCT.description)
        self._parse_sample(d, dataset_ref)
        for field, predicate, name in SIMPLE:
            values = self._values(dataset_ref, predicate, name)
            if values:
                d[field] = values[0]
        for field, predicate, name in MULTIPLE:
            values = self._values(dataset_ref, predicate, name)
            if values:
                d[field] = values
        withdrawn = self._object_value(dataset_ref, MIG.withdrawnAt)
        if withdrawn:
            d["withdrawn_at"] = withdrawn
        spatial = list(g.objects(dataset_ref, DCT.spatial))
        for name in SPATIAL:
            found = self._codes(name, spatial)
            if found:
                d[name] = found
                ours["spatial"] |= {URIRef(_voc(name).uri(c)) for c in found}
        themes = list(g.objects(dataset_ref, DCAT.theme))
        for name in THEMES:
            found = self._codes(name, themes)
            if found:
                d[name] = found
                ours["themes"] |= {_voc(name).uri(c) for c in found}
        dims = list(g.objects(dataset_ref, STAT.dimension)) + \
            list(g.objects(dataset_ref, STAT.attribute))
        if self._codes("disaggregation", dims):
            d["disaggregation"] = self._codes("disaggregation", dims)
        self._parse_annotations(d, dataset_ref)
        self._parse_resources(d, dataset_ref)
        self._untangle(d, dataset_ref, ours)
        return d

    def _codes(self, name, nodes):
        """Codes of the vocabulary terms among ``nodes``, in vocabulary order."""
        voc = _voc(name)
        uris = {str(n) for n in nodes if isinstance(n, URIRef)}
        return [t.code for t in voc if t.uri in uris]

    def _values(self, subject, predicate, name):
        objects = list(self.g.objects(subject, predicate))
        if name is not None:
            return self._codes(name, objects)
        return sorted(str(o) for o in objects if isinstance(o, Literal) and str(o))

    def _parse_sample(self, d, dataset_ref):
        for m in self.g.objects(dataset_ref, DQV.hasQualityMeasurement):
            if (m, DQV.isMeasurementOf, SAMPLE_SIZE) not in self.g:
                continue
            value = self.g.value(m, DQV.value)
            try:
                n = int(str(value))
            except (TypeError, ValueError):
                continue
            if n >= 0:
                d["sample_size"] = n
            unit = self._codes("units_of_observation",
                               self.g.objects(m, SDMX_ATTR.unitMeasure))
            if unit and not d.get("unit_of_observation"):
                d["unit_of_observation"] = unit[0]

    def _parse_annotations(self, d, dataset_ref):
        flags, texts = set(), []
        for a in self.g.objects(dataset_ref, DQV.hasQualityAnnotation):
            for body in self.g.objects(a, OA.hasBody):
                if isinstance(body, URIRef):
                    flags.add(body)
                else:
                    text = self.g.value(body, RDF.value)
                    if text is not None and str(text).strip():
                        texts.append(str(text))
        if texts:
            d["caveats"] = "\n\n".join(sorted(texts))
        found = self._codes("caveat_flags", flags)
        if found:
            d["caveat_flags"] = found

    def _parse_resources(self, d, dataset_ref):
        for resource in d.get("resources") or []:
            ref = resource.get("distribution_ref")
            if not ref:
                continue
            node = URIRef(ref)
            if (dataset_ref, DCAT.distribution, node) not in self.g:
                node = BNode(ref)
            fmt = self.g.value(node, DCT["format"])
            if isinstance(fmt, URIRef) and str(fmt).startswith(FILE_TYPE):
                resource["format"] = str(fmt)[len(FILE_TYPE):]
            elif isinstance(fmt, BNode) and self.g.value(fmt, RDFS.label) is not None:
                resource["format"] = str(self.g.value(fmt, RDFS.label))
            if str(resource.get("mimetype") or "").startswith(IANA):
                resource["mimetype"] = resource["mimetype"][len(IANA):]
            value = self.g.value(node, MIG.rawData)
            if value is not None and str(value).lower() in ("true", "false", "1", "0"):
                resource["raw_data"] = "true" if str(value).lower() in ("true", "1") \
                    else "false"

    def _untangle(self, d, dataset_ref, ours):
        """Take our nodes out of the generic fields euro_dcat_ap_3 filled from them."""
        if isinstance(d.get("theme"), list):
            d["theme"] = [t for t in d["theme"] if t not in ours["themes"]]
            if not d["theme"]:
                d.pop("theme")
        if isinstance(d.get("conforms_to"), list):
            skip = {str(s) for s in ours["standards"]}
            d["conforms_to"] = [c for c in d["conforms_to"] if c not in skip]
            if not d["conforms_to"]:
                d.pop("conforms_to")
        activity = d.get("provenance_activity")
        if activity and activity[0].get("uri") in {str(a) for a in ours["activities"]}:
            d.pop("provenance_activity")
        if "spatial_coverage" in d or ours["spatial"]:
            coverage = [self._location(s) for s in self.g.objects(dataset_ref, DCT.spatial)
                        if s not in ours["spatial"] or self._described(s)]
            coverage = [c for c in coverage if c]
            if coverage:
                d["spatial_coverage"] = coverage
            else:
                d.pop("spatial_coverage", None)

    def _described(self, node):
        return any((node, p, None) in self.g for p in (SKOS.prefLabel, RDFS.label,
                                                       LOCN.geometry, DCAT.bbox,
                                                       DCAT.centroid))

    def _location(self, node):
        """A spatial_coverage item (as euro_dcat_ap_3 parses one) for one dct:spatial node."""
        item = {}
        if isinstance(node, URIRef):
            item["uri"] = str(node)
        elif isinstance(node, Literal):
            item["text"] = str(node)
        for predicate in (SKOS.prefLabel, RDFS.label):
            for label in self.g.objects(node, predicate):
                item["text"] = str(label)
        for key, predicate in (("geom", LOCN.geometry), ("bbox", DCAT.bbox),
                               ("centroid", DCAT.centroid)):
            value = self._parse_geodata(node, predicate, None)
            if value:
                item[key] = value
        return item

    # ---- DCAT-AP 3 conformance of what euro_dcat_ap_3 writes ------------------------------

    def _conform_dataset(self, dataset_ref):
        """IRIs of the right class where the shapes want them (formats, media types, types)."""
        g = self.g
        for dist in g.objects(dataset_ref, DCAT.distribution):
            for fmt in list(g.objects(dist, DCT["format"])):
                if isinstance(fmt, Literal):
                    g.remove((dist, DCT["format"], fmt))
                    code = str(fmt).strip().upper().replace(" ", "_")
                    node = URIRef(FILE_TYPE + code) if code in FILE_TYPES else BNode()
                    g.add((dist, DCT["format"], node))
                    g.add((node, RDF.type, DCT.MediaTypeOrExtent))
                    if isinstance(node, BNode):
                        g.add((node, RDFS.label, fmt))
            for mt in list(g.objects(dist, DCAT.mediaType)):
                if isinstance(mt, Literal):
                    g.remove((dist, DCAT.mediaType, mt))
                    if "/" in str(mt) and " " not in str(mt).strip():
                        node = URIRef(IANA + str(mt).strip())
                        g.add((dist, DCAT.mediaType, node))
                        g.add((node, RDF.type, DCT.MediaType))
        concepts = list(g.objects(dataset_ref, DCAT.theme))
        for agent in g.subjects(RDF.type, FOAF.Agent):
            concepts += list(g.objects(agent, DCT.type))
        for concept in concepts:
            if isinstance(concept, URIRef) and (concept, RDF.type, None) not in g:
                g.add((concept, RDF.type, SKOS.Concept))
                tail = re.split(r"[/#]", str(concept).rstrip("/#"))[-1]
                label = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", tail).replace("_", " ")
                g.add((concept, SKOS.prefLabel, Literal(label or str(concept), lang=LANG)))

    def graph_from_catalog(self, catalog_dict, catalog_ref):
        """Catalogue description, publisher and language as DCAT-AP 3 requires them."""
        g = self.g
        title = config.get("ckan.site_title") or "Migration data catalogue"
        if (catalog_ref, DCT.description, None) not in g:
            g.add((catalog_ref, DCT.description, Literal(
                config.get("ckan.site_description") or CATALOG_DESCRIPTION, lang=LANG)))
        if (catalog_ref, DCT.publisher, None) not in g:
            publisher = BNode()
            g.add((catalog_ref, DCT.publisher, publisher))
            g.add((publisher, RDF.type, FOAF.Agent))
            g.add((publisher, FOAF.name, Literal(title)))
        for lang in list(g.objects(catalog_ref, DCT.language)):
            if isinstance(lang, Literal):
                g.remove((catalog_ref, DCT.language, lang))
                found = pycountry.languages.get(alpha_2=str(lang).split("_")[0].lower())
                if found is not None:
                    node = URIRef(EU_LANGUAGE + found.alpha_3.upper())
                    g.add((catalog_ref, DCT.language, node))
                    g.add((node, RDF.type, DCT.LinguisticSystem))
        for page in g.objects(catalog_ref, FOAF.homepage):
            g.add((page, RDF.type, FOAF.Document))
