"""Migration fields of a dataset dict from DCAT-AP triples (what serialize.py writes)."""
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from ckanext.dcat.profiles.base import DCAT, DCT, LOCN

from ckanext.migration.countries import to_iso3

from .base import (DATA_COLLECTION, DQV, FILE_TYPE, IANA, MIG, MULTIPLE, OA, SAMPLE_SIZE,
                   SDMX_ATTR, SIMPLE, SPATIAL, STAT, THEMES, voc)

# spatial_coverage key -> predicate, as euro_dcat_ap_3 parses a location
GEODATA = (("geom", LOCN.geometry), ("bbox", DCAT.bbox), ("centroid", DCAT.centroid))


def vocabulary_matches(name, nodes):
    """{node: code} for the URIs among ``nodes`` that name a term of vocabulary ``name``."""
    uris = [n for n in nodes if isinstance(n, URIRef)]
    if name == "countries":
        # the one country normaliser, so DCAT reads countries as harvesting and forms do
        found = {n: to_iso3(str(n), lenient=False) for n in uris}
    else:
        found = {n: getattr(voc(name).by_uri(str(n)), "code", None) for n in uris}
    return {n: code for n, code in found.items() if code}


def in_vocabulary_order(name, codes):
    codes = set(codes)
    return [code for code in voc(name).codes() if code in codes]


def vocabulary_codes(name, nodes):
    """Codes of the vocabulary terms among ``nodes``, in vocabulary order."""
    return in_vocabulary_order(name, vocabulary_matches(name, nodes).values())


class ParseMixin:
    """``_parse_migration_dataset`` for an ``RDFProfile``."""

    def _parse_migration_dataset(self, d, dataset_ref):
        g = self.g
        # our nodes, to take out of the generic fields euro_dcat_ap_3 filled from them
        ours = {"activities": self._parse_collection_method(d, dataset_ref),
                "standards": self._parse_definitions(d, dataset_ref),
                "spatial": set(), "themes": set()}
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
            matches = vocabulary_matches(name, spatial)
            if matches:
                d[name] = in_vocabulary_order(name, matches.values())
                ours["spatial"] |= set(matches)
        themes = list(g.objects(dataset_ref, DCAT.theme))
        for name in THEMES:
            found = vocabulary_codes(name, themes)
            if found:
                d[name] = found
                ours["themes"] |= {voc(name).uri(c) for c in found}
        dims = list(g.objects(dataset_ref, STAT.dimension)) + \
            list(g.objects(dataset_ref, STAT.attribute))
        found = vocabulary_codes("disaggregation", dims)
        if found:
            d["disaggregation"] = found
        self._parse_annotations(d, dataset_ref)
        self._parse_resources(d, dataset_ref)
        self._untangle(d, dataset_ref, ours)
        return d

    def _values(self, subject, predicate, name):
        objects = list(self.g.objects(subject, predicate))
        if name is not None:
            return vocabulary_codes(name, objects)
        return sorted(str(o) for o in objects if isinstance(o, Literal) and str(o))

    def _parse_collection_method(self, d, dataset_ref):
        """Reads collection_method; returns our activity nodes."""
        activities = []
        for activity in self.g.objects(dataset_ref, PROV.wasGeneratedBy):
            if (activity, DCT.type, DATA_COLLECTION) in self.g:
                activities.append(activity)
                text = self._object_value(activity, DCT.description) or \
                    self._object_value(activity, RDFS.label)
                if text:
                    d["collection_method"] = text
        return activities

    def _parse_definitions(self, d, dataset_ref):
        """Reads definitions; returns our standard nodes."""
        g, standards = self.g, []
        for standard in g.objects(dataset_ref, DCT.conformsTo):
            if (standard, RDF.type, MIG.Definitions) in g or (
                    isinstance(standard, BNode) and (standard, DCT.description, None) in g
                    and not (standard, RDFS.label, None) in g):
                standards.append(standard)
                d["definitions"] = self._object_value(standard, DCT.description)
        return standards

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
            unit = vocabulary_codes("units_of_observation",
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
        found = vocabulary_codes("caveat_flags", flags)
        if found:
            d["caveat_flags"] = found

    def _parse_resources(self, d, dataset_ref):
        """raw_data, and format / mimetype back from the IRIs conformance.py wrote."""
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
            # a described country or region stays a location too: its label or geometry
            coverage = [self._location(s) for s in self.g.objects(dataset_ref, DCT.spatial)
                        if s not in ours["spatial"] or self._described(s)]
            coverage = [c for c in coverage if c]
            if coverage:
                d["spatial_coverage"] = coverage
            else:
                d.pop("spatial_coverage", None)

    def _described(self, node):
        predicates = (SKOS.prefLabel, RDFS.label) + tuple(p for _, p in GEODATA)
        return any((node, p, None) in self.g for p in predicates)

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
        for key, predicate in GEODATA:
            value = self._parse_geodata(node, predicate, None)
            if value:
                item[key] = value
        return item
