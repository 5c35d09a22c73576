"""Schema.org for the dataset pages (Google Dataset Search): ckanext-dcat's schemaorg profile
completed with the migration schema.

ckanext-dcat's ``structured_data`` plugin embeds ``h.structured_data(pkg)`` as JSON-LD in every
dataset page using the profiles of ``ckanext.dcat.structured_data.profiles``; this profile
(``migration_schemaorg``, entry point in setup.py) is ``schemaorg`` plus what our schema holds
in fields that profile does not read:

- ``creator``: the producers (the ``creator`` list: name, url, email, identifier, uri);
- ``temporalCoverage``: every collection period of ``temporal_coverage`` (ISO 8601 interval,
  ``start/..`` when open);
- ``spatialCoverage``: a ``Place`` per country (its EU authority URI as ``sameAs``) and per
  M49 region, plus the DCAT-AP ``spatial_coverage`` entries;
- ``distribution.contentUrl``: the resource URL when there is no separate download URL;
- ``sameAs``: the original page at the producer (``url``);
- ``keywords``: topic labels besides the tags; ``about``: the GCM objectives as
  ``DefinedTerm`` of the SKOS scheme served at /vocabulary/gcm_objectives;
- ``measurementTechnique``: the collection method.
"""
from rdflib import BNode, Literal, URIRef

from ckanext.dcat.profiles import SchemaOrgProfile
from ckanext.dcat.profiles.base import RDF, SCHEMA, CleanedURIRef

from ckanext.migration import skos, vocab


def _is_uri(value):
    return isinstance(value, str) and value.startswith(("http://", "https://"))


class MigrationSchemaOrgProfile(SchemaOrgProfile):

    def _agent_graph(self, dataset_ref, dataset_dict, agent_type, schema_property_prefix):
        agents = [a for a in dataset_dict.get(schema_property_prefix) or []
                  if isinstance(a, dict) and (a.get("name") or a.get("uri"))]
        if not agents:
            return super()._agent_graph(dataset_ref, dataset_dict, agent_type,
                                        schema_property_prefix)
        for agent in agents:
            node = CleanedURIRef(agent["uri"]) if _is_uri(agent.get("uri")) else BNode()
            self.g.add((dataset_ref, agent_type, node))
            self.g.add((node, RDF.type, SCHEMA.Organization))
            if agent.get("name"):
                self.g.add((node, SCHEMA.name, Literal(agent["name"])))
            if agent.get("url"):
                self.g.add((node, SCHEMA.url, Literal(agent["url"])))
            if agent.get("email"):
                self.g.add((node, SCHEMA.email, Literal(agent["email"])))
            if agent.get("identifier"):
                self.g.add((node, SCHEMA.identifier, Literal(agent["identifier"])))

    def _temporal_graph(self, dataset_ref, dataset_dict):
        periods = [p for p in dataset_dict.get("temporal_coverage") or []
                   if isinstance(p, dict) and (p.get("start") or p.get("end"))]
        if not periods:
            return super()._temporal_graph(dataset_ref, dataset_dict)
        for p in periods:
            value = "%s/%s" % (p.get("start") or "..", p.get("end") or "..")
            self.g.add((dataset_ref, SCHEMA.temporalCoverage, Literal(value)))

    def _spatial_graph(self, dataset_ref, dataset_dict):
        super()._spatial_graph(dataset_ref, dataset_dict)
        countries, regions = vocab.get_vocabulary("countries"), vocab.get_vocabulary("regions")
        for code in dataset_dict.get("countries") or []:
            term = countries.get(code)
            if term is not None:
                self._place(dataset_ref, term.label, term.uri)
        for code in dataset_dict.get("regions") or []:
            term = regions.get(code)
            if term is not None:
                self._place(dataset_ref, term.label, term.uri)
        for place in dataset_dict.get("spatial_coverage") or []:
            if isinstance(place, dict) and (place.get("text") or _is_uri(place.get("uri"))):
                self._place(dataset_ref, place.get("text"), place.get("uri"))

    def _place(self, dataset_ref, name, uri):
        node = BNode()
        self.g.add((dataset_ref, SCHEMA.spatialCoverage, node))
        self.g.add((node, RDF.type, SCHEMA.Place))
        if name:
            self.g.add((node, SCHEMA.name, Literal(name)))
        if _is_uri(uri):
            self.g.add((node, SCHEMA.sameAs, Literal(uri)))

    def _distribution_url_graph(self, distribution, resource_dict):
        super()._distribution_url_graph(distribution, resource_dict)
        url = resource_dict.get("url")
        if url and not resource_dict.get("download_url"):
            self.g.add((distribution, SCHEMA.contentUrl, Literal(url)))

    def additional_fields(self, dataset_ref, dataset_dict):
        g = self.g
        if _is_uri(dataset_dict.get("url")):
            g.add((dataset_ref, SCHEMA.sameAs, Literal(dataset_dict["url"])))
        if dataset_dict.get("collection_method"):
            g.add((dataset_ref, SCHEMA.measurementTechnique,
                   Literal(dataset_dict["collection_method"])))
        topics = vocab.get_vocabulary("topics")
        for code in dataset_dict.get("topics") or []:
            if code in topics:
                g.add((dataset_ref, SCHEMA.keywords, Literal(topics.label(code))))
        objectives = vocab.get_vocabulary("gcm_objectives")
        term_set = Literal(str(skos.scheme_uri("gcm_objectives")))
        for code in dataset_dict.get("gcm_objectives") or []:
            term = objectives.get(str(code))
            if term is None:
                continue
            node = URIRef(term.uri)
            g.add((dataset_ref, SCHEMA.about, node))
            g.add((node, RDF.type, SCHEMA.DefinedTerm))
            g.add((node, SCHEMA.name, Literal(term.get("title") or term.label)))
            g.add((node, SCHEMA.termCode, Literal(term.code)))
            g.add((node, SCHEMA.inDefinedTermSet, term_set))
