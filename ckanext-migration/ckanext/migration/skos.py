"""The controlled vocabularies as SKOS concept schemes (rdflib graphs).

One ``skos:ConceptScheme`` per vocabulary file (``vocabularies/<name>.yaml``), at
``https://w3id.org/migration-catalogue/vocab/<name>`` (``_`` written ``-``), with a
``dct:title``; each term is a ``skos:Concept`` at its own ``uri`` with ``skos:prefLabel``
(one per language: English, French, Spanish, Arabic, from the ``label_<lang>`` keys of the
vocabulary files), ``skos:definition`` (likewise per language) (the description; for GCM objectives their official title in
A/RES/73/195), ``skos:notation`` (the code), ``skos:inScheme`` and, unless it has a parent,
``skos:topConceptOf``. Topics are ``skos:related`` to the GCM objectives they inform; M49
regions are ``skos:broader`` their parent region (and the parent ``skos:narrower`` them).

``migration`` is the GCM objectives and topics schemes together in one graph.
Countries (computed from pycountry, EU authority URIs the Publications Office publishes)
are not served here. This module must not import CKAN.
"""
import functools

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from ckanext.migration import vocab

LANG = "en"

# name -> (title, description)
SCHEMES = {
    "gcm_objectives": (
        "Objectives of the Global Compact for Safe, Orderly and Regular Migration",
        "The 23 objectives of the Global Compact for Migration (UN General Assembly "
        "resolution A/RES/73/195, 19 December 2018), with their official titles."),
    "topics": ("Migration topics",
               "Thematic topics of the migration data catalogue, related to the GCM "
               "objectives they most directly inform."),
    "regions": ("UN M49 geographic regions",
                "World, regions, sub-regions and intermediate regions of the UN M49 standard "
                "(UNSD, Standard country or area codes for statistical use)."),
    "populations": ("Populations covered", "Population a migration dataset covers."),
    "source_types": ("Source types", "Type of source that produced the data."),
    "units_of_observation": ("Units of observation", "Unit of observation of the data."),
    "disaggregation": ("Disaggregation dimensions",
                       "Dimensions by which the data are disaggregated."),
    "geographic_granularity": ("Geographic granularity",
                               "Finest geographic level at which the data are published."),
    "caveat_flags": ("Caveat flags", "Data-quality caveats a dataset can be flagged with."),
    "frequencies": ("Update frequencies",
                    "Update frequencies: the concepts of the EU Publications Office frequency "
                    "authority table used by this catalogue, with freshness thresholds."),
    "access_rights": ("Access rights",
                      "Access rights of a dataset: the concepts of the EU Publications Office "
                      "access-right authority table (public, restricted, non-public)."),
    "glossary": ("Glossary of migration terms",
                 "Key terms of migration statistics; each agency's definition of a term (UN DESA "
                 "/ UN Statistical Commission, UNHCR, IOM, ILO, Eurostat / EU law, OECD, UNODC) "
                 "is a narrower concept with its source document (dct:source)."),
    "glossary_agencies": ("Agencies defining migration terms",
                          "The agencies whose definitions the glossary sets side by side."),
}
# combined schemes: name -> the vocabularies in it
COMBINED = {"migration": ("gcm_objectives", "topics")}
COMBINED_TITLES = {"migration": "GCM objectives and migration topics"}


def scheme_names():
    """Names served: every vocabulary file with a scheme, then the combined ones."""
    files = [n for n in vocab.vocabulary_names() if n not in vocab.COMPUTED]
    return tuple([n for n in SCHEMES if n in files]
                 + sorted(n for n in files if n not in SCHEMES) + list(COMBINED))


def scheme_uri(name):
    return URIRef(vocab.BASE_URI + name.replace("_", "-"))


def scheme_title(name):
    if name in COMBINED:
        return COMBINED_TITLES.get(name, name)
    return SCHEMES.get(name, (name.replace("_", " ").capitalize(), None))[0]


def scheme_info(name):
    """{name, title, uri, description, concepts} of a served scheme (KeyError if unknown)."""
    if name not in scheme_names():
        raise KeyError(name)
    parts = COMBINED.get(name, (name,))
    description = None if name in COMBINED else SCHEMES.get(name, (None, None))[1]
    return {"name": name, "title": scheme_title(name), "uri": str(scheme_uri(name)),
            "description": description,
            "schemes": [str(scheme_uri(p)) for p in parts] if name in COMBINED else None,
            "concepts": sum(len(vocab.get_vocabulary(p)) for p in parts)}


def new_graph():
    g = Graph()
    g.bind("skos", SKOS)
    g.bind("dct", DCTERMS)
    return g


def add_scheme(g, name):
    """Add the concept scheme of vocabulary ``name`` to graph ``g``; returns its URI."""
    voc = vocab.get_vocabulary(name)
    scheme = scheme_uri(name)
    title, description = SCHEMES.get(name, (scheme_title(name), None))
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, DCTERMS.title, Literal(title, lang=LANG)))
    if description:
        g.add((scheme, DCTERMS.description, Literal(description, lang=LANG)))
    for term in voc:
        concept = URIRef(term.uri)
        g.add((concept, RDF.type, SKOS.Concept))
        # one skos:prefLabel per language the term has a label in (vocab.LANGUAGES)
        for lang, text in term.texts("label").items():
            g.add((concept, SKOS.prefLabel, Literal(text, lang=lang)))
        g.add((concept, SKOS.notation, Literal(term.code)))
        g.add((concept, SKOS.inScheme, scheme))
        definitions = term.texts("title" if name == "gcm_objectives" else "description")
        for lang, text in definitions.items():
            g.add((concept, SKOS.definition, Literal(text, lang=lang)))
        if name == "gcm_objectives" and term.description:
            for lang, text in term.texts("description").items():
                g.add((concept, SKOS.scopeNote, Literal(text, lang=lang)))
        parent = voc.get(term.get("parent")) if term.get("parent") else None
        if parent is not None:
            g.add((concept, SKOS.broader, URIRef(parent.uri)))
            g.add((URIRef(parent.uri), SKOS.narrower, concept))
        else:
            g.add((concept, SKOS.topConceptOf, scheme))
            g.add((scheme, SKOS.hasTopConcept, concept))
        if name == "topics":
            objectives = vocab.get_vocabulary("gcm_objectives")
            for code in term.get("gcm_objectives") or ():
                objective = objectives.get(str(code))
                if objective is not None:
                    g.add((concept, SKOS.related, URIRef(objective.uri)))
    if name == "glossary":
        from ckanext.migration import glossary
        glossary.add_definitions(g, scheme)
    return scheme


def scheme_graph(name):
    """A new rdflib Graph of scheme ``name`` (a vocabulary or a combined scheme).

    KeyError for an unknown name.
    """
    if name not in scheme_names():
        raise KeyError(f"unknown concept scheme {name!r}; known: {', '.join(scheme_names())}")
    g = new_graph()
    for part in COMBINED.get(name, (name,)):
        add_scheme(g, part)
    if {"topics", "gcm_objectives"} <= set(COMBINED.get(name, ())):
        # skos:related is symmetric: stated both ways where both ends are described
        for s, o in list(g.subject_objects(SKOS.related)):
            g.add((o, SKOS.related, s))
    return g


# format (URL extension) -> (rdflib format, media type)
FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("xml", "application/rdf+xml"),
    "jsonld": ("json-ld", "application/ld+json"),
}
JSONLD_CONTEXT = {"skos": str(SKOS), "dct": str(DCTERMS)}


@functools.lru_cache(maxsize=64)
def serialize(name, fmt):
    """Scheme ``name`` serialized as ``fmt`` (a FORMATS key), as bytes.

    KeyError for an unknown scheme or format. Cached: the vocabularies are static files.
    """
    rdflib_format, _ = FORMATS[fmt]
    g = scheme_graph(name)
    kwargs = {"context": JSONLD_CONTEXT, "auto_compact": True} if fmt == "jsonld" else {}
    return g.serialize(format=rdflib_format, encoding="utf-8", **kwargs)
