"""The paged DCAT catalogue (``/catalog.{ttl,n3,rdf,xml,jsonld}``), faster than ckanext-dcat's
``serialize_catalog`` and giving the same graph (tests/profiles/test_catalog.py). Turtle pages
are put together from fragments written at indexing (fragments.py, with :class:`TurtleWriter`);
this module serves the other formats, ``?profiles=`` pages and sites with sub-catalogues.

The graph is built as ckanext-dcat builds it (its ``RDFSerializer`` with the configured
profiles, dataset after dataset, then the Hydra paging triples); only writing it changes:

* Turtle is written by :func:`turtle`, one subject after
  another with its predicates grouped, blank nodes labelled: rdflib's Turtle serializer sorts
  the subjects and nests the blank nodes, which took about as long as building the graph;
* RDF/XML uses rdflib's flat ``xml`` serializer instead of ``pretty-xml`` (which looks up
  every node's references to nest them);
* JSON-LD and N3 stay rdflib's.
"""
import re

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF

from ckanext.dcat.processors import RDFSerializer
from ckanext.dcat.profiles.base import DCAT
from ckanext.dcat.utils import url_to_rdflib_format

# conservative PN_PREFIX / PN_LOCAL: a name outside these is written as a full <IRI>
_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def serialize_catalog(dataset_dicts, _format, pagination_info=None, profiles=None):
    """The catalogue page of ``dataset_dicts`` in ``_format`` (an endpoint extension)."""
    serializer = RDFSerializer(profiles=profiles)
    g = serializer.g
    catalog_ref = serializer.graph_from_catalog({})
    for dataset_dict in dataset_dicts or []:
        dataset_ref = serializer.graph_from_dataset(dataset_dict)
        if not serializer._add_source_catalog(catalog_ref, dataset_dict, dataset_ref):
            g.add((catalog_ref, DCAT.dataset, dataset_ref))
    if pagination_info:
        serializer._add_pagination_triples(pagination_info)
    fmt = url_to_rdflib_format(_format or "xml")
    if fmt == "turtle":
        return turtle(g)
    if fmt == "pretty-xml":
        fmt = "xml"
    return g.serialize(format=fmt)


def turtle(g):
    """``g`` as Turtle text: prefixes used, then each subject with its predicates grouped."""
    writer = TurtleWriter(graph_namespaces(g))
    by_subject = {}
    for s, p, o in g.triples((None, None, None)):
        by_subject.setdefault(s, {}).setdefault(p, []).append(o)
    # named subjects first (the catalogue, datasets...), blank nodes after
    body = [writer.block(s, by_subject[s])
            for s in sorted(by_subject, key=lambda s: isinstance(s, BNode))]
    return writer.head() + "\n" + "\n".join(body)


def graph_namespaces(g):
    """The (namespace, prefix) bindings of ``g`` a Turtle name can use, longest first."""
    return sorted(((str(ns), prefix) for prefix, ns in g.namespace_manager.namespaces()
                   if _PREFIX.match(prefix)), key=lambda item: -len(item[0]))


class TurtleWriter:
    """Subject blocks as Turtle text, names shortened with ``namespaces`` (the prefixes used
    are kept in ``used``); blank nodes labelled ``bnode_prefix`` + a counter, or from rdflib's
    own label when no prefix is given."""

    def __init__(self, namespaces, bnode_prefix=None):
        self.namespaces = namespaces
        self.used = {}
        self.names = {RDF.type: "a"}
        self.bnode_prefix = bnode_prefix
        self.bnodes = {}

    def iri(self, term):
        name = self.names.get(term)
        if name is None:
            text = str(term)
            name = "<%s>" % text if _safe_iri(text) else term.n3()
            for ns, prefix in self.namespaces:
                if text.startswith(ns) and _LOCAL.match(text[len(ns):]):
                    name = "%s:%s" % (prefix, text[len(ns):])
                    self.used[prefix] = ns
                    break
            self.names[term] = name
        return name

    def node(self, term):
        if isinstance(term, URIRef):
            return self.iri(term)
        if isinstance(term, BNode):
            if self.bnode_prefix is None:
                return "_:" + _bnode_label(term)
            label = self.bnodes.get(term)
            if label is None:
                label = self.bnodes[term] = "_:%s%d" % (self.bnode_prefix, len(self.bnodes))
            return label
        if isinstance(term, Literal):
            if term.datatype is not None and term.language is None:
                return "%s^^%s" % (Literal(str(term)).n3(), self.iri(term.datatype))
            return term.n3()
        return term.n3()

    def block(self, subject, predicates):
        """``subject``'s block for ``predicates`` ({predicate: [objects]}), rdf:type first."""
        lines = []
        for p in sorted(predicates, key=lambda p: p != RDF.type):
            lines.append("    %s %s" % (self.iri(p), " ,\n        ".join(
                self.node(o) for o in predicates[p])))
        return "%s\n%s .\n" % (self.node(subject), " ;\n".join(lines))

    def head(self, used=None):
        """The @prefix lines of the prefixes used (and of ``used``, {prefix: namespace})."""
        prefixes = dict(used or {}, **self.used)
        return "".join("@prefix %s: <%s> .\n" % (prefix, ns)
                       for prefix, ns in sorted(prefixes.items()))


_BNODE_SAFE = re.compile(r"[A-Za-z0-9_]+\Z")


def _bnode_label(term):
    text = str(term)
    return text if _BNODE_SAFE.match(text) else "b" + re.sub(r"[^A-Za-z0-9_]", "_", text)


def _safe_iri(text):
    return not any(c in text for c in '<>"{}|^`\\ \n\r\t')
