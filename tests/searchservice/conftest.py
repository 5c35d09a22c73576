import json

import pytest
from werkzeug.test import Client

from ckanext.migration.searchservice.app import SearchApp
from ckanext.migration.searchservice.core import CoreRegistry
from ckanext.migration.searchservice.schema import load_schema

from ..conftest import SCHEMA_XML


class Solr:
    """A small client over the WSGI app, speaking Solr's wire format."""

    def __init__(self, registry, core="ckan"):
        self.registry = registry
        self.client = Client(SearchApp(registry))
        self.core = core

    def url(self, path):
        return "/solr/%s/%s" % (self.core, path)

    def add(self, docs, commit=True):
        r = self.client.post(self.url("update"), query_string={"commit": str(commit).lower()},
                             data=json.dumps(docs), content_type="application/json")
        assert r.status_code == 200, r.get_data(as_text=True)
        return r

    def update_raw(self, body, content_type="application/json", **params):
        return self.client.post(self.url("update"), query_string=params, data=body,
                                content_type=content_type)

    def select_raw(self, **params):
        pairs = []
        for key, value in params.items():
            key = key.replace("_", ".") if key.startswith("facet_") else key
            for v in (value if isinstance(value, list) else [value]):
                pairs.append((key, v))
        return self.client.get(self.url("select"), query_string=pairs)

    def select(self, **params):
        r = self.select_raw(**params)
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.get_json()

    def names(self, **params):
        params.setdefault("fl", "name")
        params.setdefault("rows", 100)
        return [d["name"] for d in self.select(**params)["response"]["docs"]]


@pytest.fixture
def solr_schema():
    return load_schema(SCHEMA_XML)


@pytest.fixture
def registry(tmp_path, solr_schema):
    reg = CoreRegistry(str(tmp_path / "data"), solr_schema)
    yield reg
    reg.close()


@pytest.fixture
def solr(registry):
    return Solr(registry)


def make_doc(i, **extra):
    doc = {"index_id": "idx-%s" % i, "id": "id-%s" % i, "site_id": "default",
           "name": "ds-%s" % i, "title": "Dataset %s" % i, "entity_type": "package",
           "state": "active", "capacity": "public",
           "metadata_created": "2021-01-01T00:00:00Z",
           "metadata_modified": "2021-01-%02dT00:00:00Z" % (int(i) % 28 + 1)
           if str(i).isdigit() else "2021-01-01T00:00:00Z"}
    doc.update(extra)
    return doc
