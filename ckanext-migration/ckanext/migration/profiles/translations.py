"""Fields given per language in DCAT-AP: language-tagged literals, out and back.

A dataset with translations (``title_translated``... see ckanext/migration/multilingual.py)
has its title, description, methodology, definitions and caveats written as one literal per
language (``"Demandeurs d'asile"@fr``), the original tagged with its language; a dataset
without keeps its plain literals as before. Parsing reads the tagged literals back into the
``*_translated`` fields, for the languages of ``multilingual.LANGUAGES`` only (a source's
German or Italian texts are not kept; its original, when in one of them only, stays the
field's text): the original is the default language's literal, else the untagged one, else
the first language in ``LANGUAGES`` order.
"""
from rdflib import BNode, Literal
from rdflib.namespace import RDF, RDFS

from ckanext.dcat.profiles.base import DCT

from ckanext.migration import multilingual

from .base import DQV, MIG, OA


class TranslationsMixin:
    """``_graph_from_translations`` and ``_parse_translations`` for an ``RDFProfile``."""

    def _translation_places(self, dataset_ref):
        """field -> [(node, predicate)] holding its literals (what euro_dcat_ap_3 and
        serialize.py wrote)."""
        g = self.g
        places = {"title": [(dataset_ref, DCT.title)],
                  "notes": [(dataset_ref, DCT.description)],
                  "provenance": [(node, RDFS.label)
                                 for node in g.objects(dataset_ref, DCT.provenance)
                                 if isinstance(node, BNode)],
                  "definitions": [(node, DCT.description)
                                  for node in g.objects(dataset_ref, DCT.conformsTo)
                                  if (node, RDF.type, MIG.Definitions) in g],
                  "caveats": []}
        for annotation in g.objects(dataset_ref, DQV.hasQualityAnnotation):
            for body in g.objects(annotation, OA.hasBody):
                if (body, RDF.type, OA.TextualBody) in g:
                    places["caveats"].append((body, RDF.value))
        return places

    def _graph_from_translations(self, d, dataset_ref):
        g = self.g
        for field, places in self._translation_places(dataset_ref).items():
            texts = multilingual.language_map(d, field)
            for node, predicate in places:
                if texts:
                    for literal in list(g.objects(node, predicate)):
                        g.remove((node, predicate, literal))
                    for lang, text in texts.items():
                        g.add((node, predicate, Literal(text, lang=lang)))
                elif field in ("title", "notes") and d.get(field) and \
                        (node, predicate, None) not in g:
                    # euro_dcat_ap_3 writes *_translated instead of the field when present
                    g.add((node, predicate, Literal(d[field])))

    def _parse_translations(self, d, dataset_ref):
        for field, places in self._translation_places(dataset_ref).items():
            literals = [o for node, predicate in places
                        for o in self.g.objects(node, predicate) if isinstance(o, Literal)]
            if not any(o.language for o in literals):
                continue
            ours = {}
            for o in sorted(literals, key=lambda o: (o.language or "", str(o))):
                lang = (o.language or "").lower().replace("_", "-").split("-")[0]
                if lang in multilingual.LANGUAGES and str(o).strip():
                    ours.setdefault(lang, str(o))
            plain = [str(o) for o in literals if not o.language and str(o).strip()]
            others = sorted((o.language, str(o)) for o in literals if o.language)
            if multilingual.DEFAULT_LANG in ours:
                # (an untagged literal beside it is dropped: one original per field)
                original = ours[multilingual.DEFAULT_LANG]
            elif plain:
                original = plain[0]
            elif ours:
                original = ours[sorted(ours, key=multilingual.LANGUAGES.index)[0]]
            else:
                original = others[0][1]
            d[field] = original
            if len(ours) > 1 or (ours and multilingual.DEFAULT_LANG not in ours):
                d[multilingual.translated_field(field)] = ours
