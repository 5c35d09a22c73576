"""An embedded search service speaking the part of Solr's HTTP API that CKAN uses.

Backed by tantivy, with Lucene syntax parsed by luqum. It imports nothing from CKAN so
that it can run (and be tested) on its own.
"""
SERVICE_NAME = "ckanext-migration-search"
__version__ = "0.1.0"
