"""Catalogue pages (``/catalog.ttl``) from datasets written when they are indexed.

A dataset's share of ckanext-dcat's page graph depends on the dataset alone, so it is written
as Turtle once, when the dataset is indexed (:func:`before_index`), and kept in the search
document (``dcat_fragment``, stored, not indexed). A page read asks the search for those
fragments and puts them together (:func:`catalog_turtle`): the catalogue's own triples and
Hydra paging as ckanext-dcat builds them, then each dataset's blocks. The page graph is the one
ckanext-dcat gives (tests/profiles/test_fragments.py) because:

* a fragment is built by ckanext-dcat's ``RDFSerializer`` with the configured profiles, from
  the dict package_search gives (the index's ``validated_data_dict``, links of restricted
  datasets already scrubbed by ``access.before_index``);
* nodes datasets share are written once a page: vocabulary concepts (named in the fragment,
  written from the vocabularies) and other named nodes (agents, places, formats: blocks kept
  once by their text);
* the DCAT-AP conformance pass gives a concept nothing typed a stand-in label
  (conformance.py); on a page it does so only where no dataset before it typed the concept, so
  a fragment keeps those apart with the IRIs it types, and the page applies the same rule;
* blank nodes are labelled from the dataset id: no two fragments share one.

A fragment carries a key of what it was written with (profiles, catalogue URI, ckanext.dcat
settings, the vocabularies and the profiles' code, library versions); a dataset whose fragment
is missing or has another key is written on the page read by the same function.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import os
import re
import zlib
from importlib import metadata

import orjson
from ckantoolkit import asbool, config, get_action
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from ckanext.dcat.processors import HYDRA, RDFSerializer
from ckanext.dcat.profiles.base import DCAT, VCARD
from ckanext.dcat.utils import DCAT_EXPOSE_SUBCATALOGS, catalog_uri

from ckanext.migration import vocab

from .base import MULTIPLE, PREFIXES, SDMX_ATTR, SIMPLE, THEMES, scheme, voc
from .catalog import TurtleWriter, graph_namespaces

log = logging.getLogger(__name__)

FIELD = "dcat_fragment"
# bump when what a fragment holds changes shape
VERSION = "2"
# settings that do not change a dataset's triples
_PAGE_SETTINGS = ("ckanext.dcat.datasets_per_page", "ckanext.dcat.enable_content_negotiation",
                  "ckanext.dcat.enable_rdf_endpoints")
# the vocabularies the profile writes concepts of (serialize.SerializeMixin._concept)
_CONCEPT_VOCABULARIES = tuple(THEMES) + tuple(
    name for _, _, name in SIMPLE + MULTIPLE if name) + ("disaggregation", "caveat_flags")


@functools.lru_cache(maxsize=None)
def _code_digest() -> str:
    """The profiles' code, the vocabulary files and the RDF libraries' versions."""
    h = hashlib.sha256(VERSION.encode())
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (here, vocab.VOCAB_DIR):
        for name in sorted(os.listdir(folder)):
            if name.endswith((".py", ".yaml")):
                with open(os.path.join(folder, name), "rb") as f:
                    h.update(name.encode() + b"\0" + f.read())
    for dist in ("ckanext-dcat", "rdflib"):
        try:
            h.update(("%s=%s" % (dist, metadata.version(dist))).encode())
        except metadata.PackageNotFoundError:
            pass
    return h.hexdigest()


def config_key() -> str | None:
    """The key of fragments written under the current configuration; None when fragments
    cannot stand for the page graph (sub-catalogues: a dataset's triples then depend on those
    before it on the page)."""
    if asbool(config.get(DCAT_EXPOSE_SUBCATALOGS, False)):
        return None
    settings = sorted((k, str(v)) for k, v in config.items()
                      if k.startswith("ckanext.dcat.") and k not in _PAGE_SETTINGS)
    settings += [("catalog_uri", catalog_uri()),
                 ("ckan.locale_default", str(config.get("ckan.locale_default", "en")))]
    h = hashlib.sha256(_code_digest().encode())
    h.update(json.dumps(settings).encode())
    return h.hexdigest()[:20]


@functools.lru_cache(maxsize=8)
def _serializer_template(key: str) -> RDFSerializer:
    return RDFSerializer()


def _serializer(key: str) -> RDFSerializer:
    """A serializer with the configured profiles and an empty graph: ckanext-dcat's, without
    looking the profiles up in the package metadata again (30 ms, more than building a
    dataset's graph)."""
    serializer = RDFSerializer.__new__(RDFSerializer)
    serializer.__dict__.update(_serializer_template(key).__dict__)
    serializer.g = Graph()
    return serializer


@functools.lru_cache(maxsize=8)
def _namespaces(key: str):
    """One prefix table for every fragment and page written under ``key``."""
    g = _serializer(key).g
    # (vcard and sdmx-attribute are not bound by ckanext-dcat: names in full otherwise)
    for prefix, ns in PREFIXES + (("hydra", HYDRA), ("vcard", VCARD),
                                  ("sdmx-attribute", SDMX_ATTR)):
        g.bind(prefix, ns)
    return graph_namespaces(g)


class _Concepts:
    """Vocabulary concepts as the profile writes them: {IRI: {predicate: [objects]}} and their
    Turtle blocks, written once a page."""

    def __init__(self, namespaces):
        self.triples, by_uri = {}, {}
        for name in _CONCEPT_VOCABULARIES:
            for term in voc(name):
                concept = URIRef(term.uri)
                predicates = {RDF.type: [SKOS.Concept],
                              SKOS.prefLabel: [Literal(text, lang=lang)
                                               for lang, text in term.texts("label").items()],
                              SKOS.inScheme: [scheme(name)]}
                by_uri.setdefault(concept, []).append(predicates)
        # an IRI in two vocabularies is written whole by each fragment instead
        self.triples = {uri: found[0] for uri, found in by_uri.items() if len(found) == 1}
        writer = TurtleWriter(namespaces)
        self.blocks = {str(uri): writer.block(uri, p) for uri, p in self.triples.items()}
        self.prefixes = writer.used

    def take(self, subject, predicates) -> bool:
        """Takes the concept's triples out of ``predicates`` when all are there."""
        known = self.triples.get(subject)
        if known is None or any(o not in predicates.get(p, ()) for p, objects in known.items()
                                for o in objects):
            return False
        for p, objects in known.items():
            predicates[p] = [o for o in predicates[p] if o not in objects]
            if not predicates[p]:
                del predicates[p]
        return True


@functools.lru_cache(maxsize=8)
def _concepts(key: str) -> _Concepts:
    return _Concepts(_namespaces(key))


def _by_subject(g):
    out = {}
    for s, p, o in g.triples((None, None, None)):
        out.setdefault(s, {}).setdefault(p, []).append(o)
    return out


def build(dataset_dict: dict, key: str | None = None) -> dict | None:
    """The fragment of ``dataset_dict`` (a dataset as package_search gives it): a dict of
    ``key``, ``own`` (Turtle of the dataset, its distributions and blank nodes, and the
    catalogue's link to it), ``shared`` (blocks of named nodes other datasets may have too),
    ``concepts`` (vocabulary concept IRIs), ``fallback`` ({concept IRI: stand-in block}),
    ``typed`` (other IRIs it gives a class) and ``prefixes`` (the prefixes used)."""
    key = key or config_key()
    if key is None:
        return None
    serializer = _serializer(key)
    g = serializer.g
    dataset_ref = serializer.graph_from_dataset(dataset_dict)
    catalog_ref = URIRef(catalog_uri())
    stand_ins = g.__dict__.get("_migration_fallback_concepts") or {}
    concepts = _concepts(key)
    own_subjects = {dataset_ref, *g.objects(dataset_ref, DCAT.distribution)}
    writer = TurtleWriter(_namespaces(key),
                          "b%s_" % re.sub(r"[^A-Za-z0-9]", "", str(dataset_dict.get("id"))))
    own = [writer.block(catalog_ref, {DCAT.dataset: [dataset_ref]})]
    shared, named, fallback, typed = [], [], {}, []
    for s, predicates in _by_subject(g).items():
        if isinstance(s, BNode) or s in own_subjects:
            own.append(writer.block(s, predicates))
            if isinstance(s, URIRef) and RDF.type in predicates:
                typed.append(str(s))
            continue
        if s in stand_ins:
            label = stand_ins[s]
            fallback[str(s)] = writer.block(s, {RDF.type: [SKOS.Concept],
                                                SKOS.prefLabel: [label]})
            predicates[RDF.type].remove(SKOS.Concept)
            predicates[SKOS.prefLabel].remove(label)
            predicates = {p: o for p, o in predicates.items() if o}
        elif concepts.take(s, predicates):
            named.append(str(s))
        if RDF.type in predicates:
            typed.append(str(s))
        if predicates:
            shared.append(writer.block(s, predicates))
    return {"key": key, "own": "\n".join(own), "shared": shared, "concepts": named,
            "fallback": fallback, "typed": typed, "prefixes": sorted(writer.used)}


def before_index(index_doc: dict) -> dict:
    """The index document with the dataset's fragment (public, active datasets: those the
    catalogue pages list); the document's ``validated_data_dict`` is what package_search
    gives the catalogue, so this runs after ``access.before_index`` scrubbed it."""
    index_doc.pop(FIELD, None)
    try:
        validated = json.loads(index_doc.get("validated_data_dict") or "{}")
        if (validated.get("state", "active") != "active" or validated.get("private")
                or validated.get("type") in ("harvest", "showcase")):
            return index_doc
        fragment = build(validated)
    except Exception:  # the page writes it on the read: an index update must not fail
        log.exception("catalogue fragment of %s not written", index_doc.get("id"))
        return index_doc
    if fragment is not None:
        index_doc[FIELD] = encode(fragment)
    return index_doc


def encode(fragment: dict) -> str:
    """The fragment as stored: compressed JSON (a third of the size the search service keeps
    and sends for a page), base64 as the field is text."""
    return base64.b64encode(zlib.compress(orjson.dumps(fragment), 6)).decode("ascii")


def decode(text: str | None) -> dict | None:
    """The stored fragment, or None for none or one not readable (another format: stale)."""
    if not text:
        return None
    try:
        return orjson.loads(zlib.decompress(base64.b64decode(text)))
    except (ValueError, zlib.error, orjson.JSONDecodeError):
        return None


def _fragments(context, results, key):
    """The fragments of the page's ``results`` (search documents with ``id`` and
    ``dcat_fragment``), in order; those missing or stale written now."""
    fragments, stale = [], []
    for result in results:
        fragment = decode(result.get(FIELD))
        if not fragment or fragment.get("key") != key:
            stale.append(result["id"])
        fragments.append(fragment)
    if stale:
        # the datasets as the catalogue's own search would give them
        found = get_action("package_search")(dict(context), {
            "fq": "id:(%s)" % " OR ".join('"%s"' % i for i in stale), "rows": len(stale)})
        dicts = {d["id"]: d for d in found["results"]}
        for n, result in enumerate(results):
            if fragments[n] is None or fragments[n].get("key") != key:
                d = dicts.get(result["id"])
                fragments[n] = build(d, key) if d else None
    return [f for f in fragments if f]


def catalog_turtle(context, results, pagination_info, key) -> str:
    """The catalogue page as Turtle from the search ``results`` (with ``dcat_fragment``)."""
    fragments = _fragments(context, results, key)
    serializer = _serializer(key)
    g = serializer.g
    serializer.graph_from_catalog({})
    if pagination_info:
        serializer._add_pagination_triples(pagination_info)
    writer = TurtleWriter(_namespaces(key), "c")
    by_subject = _by_subject(g)
    body = [writer.block(s, by_subject[s])
            for s in sorted(by_subject, key=lambda s: isinstance(s, BNode))]
    typed = {str(s) for s in g.subjects(RDF.type, None) if isinstance(s, URIRef)}
    shared, concepts, prefixes = set(), {}, set()
    for fragment in fragments:
        body.append(fragment["own"])
        for block in fragment["shared"]:
            if block not in shared:
                shared.add(block)
                body.append(block)
        for uri, block in fragment["fallback"].items():
            # as the conformance pass on a page: only for a concept nothing before typed
            if uri not in typed:
                body.append(block)
        for uri in fragment["concepts"]:
            concepts[uri] = True
        typed.update(fragment["typed"], fragment["concepts"], fragment["fallback"])
        prefixes.update(fragment["prefixes"])
    vocabulary = _concepts(key)
    body.extend(vocabulary.blocks[uri] for uri in concepts)
    if concepts:
        prefixes.update(vocabulary.prefixes)
    table = {prefix: ns for ns, prefix in _namespaces(key)}
    return writer.head({prefix: table[prefix] for prefix in prefixes}) + "\n" + "\n".join(body)
