"""DCAT-AP 3 conformance of what euro_dcat_ap_3 writes: IRIs of the classes the shapes want."""
import re

import pycountry
from ckantoolkit import config
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ckanext.dcat.profiles.base import DCAT, DCT, FOAF

from .base import CATALOG_DESCRIPTION, EU_LANGUAGE, FILE_TYPE, FILE_TYPES, IANA, LANG


class ConformanceMixin:
    """``_conform_dataset`` and ``_conform_catalog`` for an ``RDFProfile``."""

    def _conform_dataset(self, dataset_ref):
        """Formats, media types and concepts as IRIs of the right class."""
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
        for agent in self._agents_to_check(dataset_ref):
            concepts += list(g.objects(agent, DCT.type))
        for concept in concepts:
            if isinstance(concept, URIRef) and (concept, RDF.type, None) not in g:
                g.add((concept, RDF.type, SKOS.Concept))
                # the shapes want a label and none is known: the IRI's last segment stands in
                tail = re.split(r"[/#]", str(concept).rstrip("/#"))[-1]
                label = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", tail).replace("_", " ")
                label = Literal(label or str(concept), lang=LANG)
                g.add((concept, SKOS.prefLabel, label))
                # a catalogue page put together from datasets written apart (fragments.py)
                # writes these only where no dataset before on the page typed the concept
                g.__dict__.setdefault("_migration_fallback_concepts", {})[concept] = label

    def _agents_to_check(self, dataset_ref):
        """The agents whose ``dct:type`` concepts may lack a class: those new in the graph
        and the dataset's own (its profiles add types to its agents only); those of the
        datasets before it on a catalogue page were checked then (a concept once typed stays
        typed), and checking every agent again for each dataset made a page quadratic."""
        g = self.g
        agents = set(g.subjects(RDF.type, FOAF.Agent))
        seen = g.__dict__.setdefault("_migration_agents_checked", set())
        check = (agents - seen) | {o for o in g.objects(dataset_ref, None) if o in agents}
        seen |= agents
        return check

    def _conform_catalog(self, catalog_ref):
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
                # dcat writes ckan.locale_default ("en", "pt_BR"); the shapes want an EU IRI
                found = pycountry.languages.get(alpha_2=str(lang).split("_")[0].lower())
                if found is not None:
                    node = URIRef(EU_LANGUAGE + found.alpha_3.upper())
                    g.add((catalog_ref, DCT.language, node))
                    g.add((node, RDF.type, DCT.LinguisticSystem))
        for page in g.objects(catalog_ref, FOAF.homepage):
            g.add((page, RDF.type, FOAF.Document))
