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
* title, description, methodology, definitions, caveats given per language: one
  language-tagged literal each (translations.py);
* population_covered, source_type, geographic_granularity, source_platform,
  also_published_by, withdrawn_at, resource raw_data: ``mig:`` properties.

Parsing maps vocabulary URIs back to codes (countries through ``countries.to_iso3``), ignores
URIs outside the vocabularies (they stay in dcat's generic fields, e.g. ``theme``) and takes
our nodes out of those generic fields.
"""
from ckanext.dcat.profiles.base import RDFProfile

from .conformance import ConformanceMixin
from .parse import ParseMixin
from .serialize import SerializeMixin
from .translations import TranslationsMixin


class MigrationDCATAPProfile(ParseMixin, SerializeMixin, TranslationsMixin, ConformanceMixin,
                             RDFProfile):
    """Migration fields on top of ``euro_dcat_ap_3`` (list it after that profile)."""

    def parse_dataset(self, dataset_dict, dataset_ref):
        self._parse_migration_dataset(dataset_dict, dataset_ref)
        self._parse_translations(dataset_dict, dataset_ref)
        return dataset_dict

    def graph_from_dataset(self, dataset_dict, dataset_ref):
        self._graph_from_migration_dataset(dataset_dict, dataset_ref)
        self._graph_from_translations(dataset_dict, dataset_ref)
        self._conform_dataset(dataset_ref)

    def graph_from_catalog(self, catalog_dict, catalog_ref):
        self._conform_catalog(catalog_ref)
