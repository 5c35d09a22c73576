"""Migration fields of a dataset dict out as DCAT-AP triples."""
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from ckanext.dcat.profiles.base import DCAT, DCT, CleanedURIRef
from ckanext.dcat.utils import resource_uri

from .base import (DATA_COLLECTION, DQV, LANG, MIG, MULTIPLE, OA, PREFIXES, QB, SAMPLE_SIZE,
                   SDMX_ATTR, SIMPLE, SPATIAL, STAT, THEMES, as_list, scheme, voc)


class SerializeMixin:
    """``_graph_from_migration_dataset`` for an ``RDFProfile``."""

    def _graph_from_migration_dataset(self, d, dataset_ref):
        g = self.g
        for prefix, ns in PREFIXES:
            g.bind(prefix, ns)
        # euro_dcat_ap_3 wrote the producers as dct:creator; PROV readers want attribution
        for agent in list(g.objects(dataset_ref, DCT.creator)):
            g.add((dataset_ref, PROV.wasAttributedTo, agent))
        self._collection_method(d, dataset_ref)
        self._definitions(d, dataset_ref)
        self._sample_size(d, dataset_ref)
        for field, predicate, name in SIMPLE:
            self._add_values(dataset_ref, predicate, name, as_list([d.get(field)]))
        for field, predicate, name in MULTIPLE:
            self._add_values(dataset_ref, predicate, name, as_list(d.get(field)))
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
        self._raw_data(d)

    def _terms(self, name, values):
        vocabulary = voc(name)
        return [t for t in (vocabulary.get(v) or vocabulary.by_uri(v) for v in as_list(values))
                if t]

    def _concept(self, name, term):
        concept = URIRef(term.uri)
        in_scheme = (concept, SKOS.inScheme, scheme(name))
        if in_scheme in self.g:
            # written whole for an earlier dataset of the catalogue page (added last below)
            return concept
        self.g.add((concept, RDF.type, SKOS.Concept))
        # the vocabulary's label in every language it has (English, French, Spanish, Arabic)
        for lang, text in term.texts("label").items():
            self.g.add((concept, SKOS.prefLabel, Literal(text, lang=lang)))
        self.g.add(in_scheme)
        return concept

    def _add_values(self, subject, predicate, name, values):
        for value in values:
            if name is None:
                self.g.add((subject, predicate, Literal(value)))
            else:
                for term in self._terms(name, [value]):
                    self.g.add((subject, predicate, self._concept(name, term)))

    def _blank(self, subject, predicate, *properties):
        """Adds ``subject predicate [p o; ...]`` for the (p, o) ``properties``; returns the node."""
        node = BNode()
        self.g.add((subject, predicate, node))
        for p, o in properties:
            self.g.add((node, p, o))
        return node

    def _collection_method(self, d, dataset_ref):
        if d.get("collection_method"):
            text = Literal(d["collection_method"])
            self._blank(dataset_ref, PROV.wasGeneratedBy, (RDF.type, PROV.Activity),
                        (DCT.type, DATA_COLLECTION), (RDFS.label, text),
                        (DCT.description, text))

    def _definitions(self, d, dataset_ref):
        if d.get("definitions"):
            self._blank(dataset_ref, DCT.conformsTo, (RDF.type, DCT.Standard),
                        (RDF.type, MIG.Definitions),
                        (DCT.description, Literal(d["definitions"])))

    def _sample_size(self, d, dataset_ref):
        try:
            n = int(d.get("sample_size"))
        except (TypeError, ValueError):
            return
        m = self._blank(dataset_ref, DQV.hasQualityMeasurement,
                        (RDF.type, DQV.QualityMeasurement), (DQV.isMeasurementOf, SAMPLE_SIZE),
                        (DQV.value, Literal(n, datatype=XSD.integer)))
        for term in self._terms("units_of_observation", [d.get("unit_of_observation")]):
            self.g.add((m, SDMX_ATTR.unitMeasure, URIRef(term.uri)))
        self.g.add((SAMPLE_SIZE, RDF.type, DQV.Metric))
        self.g.add((SAMPLE_SIZE, SKOS.prefLabel, Literal("Sample size (N)", lang=LANG)))

    def _annotation(self, dataset_ref, body):
        self._blank(dataset_ref, DQV.hasQualityAnnotation, (RDF.type, DQV.QualityAnnotation),
                    (OA.motivatedBy, DQV.qualityAssessment), (OA.hasBody, body))

    def _annotations(self, d, dataset_ref):
        if d.get("caveats"):
            body = BNode()
            self.g.add((body, RDF.type, OA.TextualBody))
            self.g.add((body, RDF.value, Literal(d["caveats"])))
            self.g.add((body, DCT["format"], Literal("text/markdown")))
            self._annotation(dataset_ref, body)
        for term in self._terms("caveat_flags", d.get("caveat_flags")):
            self._annotation(dataset_ref, self._concept("caveat_flags", term))

    def _raw_data(self, d):
        for resource in d.get("resources") or []:
            raw = str(resource.get("raw_data") or "").lower()
            if raw in ("true", "false"):
                self.g.add((CleanedURIRef(resource_uri(resource)), MIG.rawData,
                            Literal(raw == "true")))
