"""/update: Solr XML and JSON bodies, deletes, commits and rejected input."""
import json

import pysolr
import pytest

from .conftest import make_doc

XML_ADD = b"""<add><doc>
<field name="index_id">x1</field><field name="id">id-x1</field>
<field name="site_id">default</field><field name="name">xml-doc</field>
<field name="title">Asylum applicants</field><field name="tags">asylum</field>
<field name="tags">eurostat</field><field name="capacity">public</field>
<field name="state">active</field><field name="entity_type">package</field>
<field name="metadata_modified">2023-05-06T07:08:09.123456Z</field>
</doc></add>"""


def test_xml_add_and_commit(solr):
    r = solr.update_raw(XML_ADD, content_type="text/xml", commit="true")
    assert r.status_code == 200
    doc = solr.select(q="name:xml-doc")["response"]["docs"][0]
    assert doc["tags"] == ["asylum", "eurostat"]
    assert doc["metadata_modified"] == "2023-05-06T07:08:09.123Z"


def test_uncommitted_adds_are_invisible_until_commit(solr):
    solr.update_raw(XML_ADD, content_type="text/xml")
    assert solr.select(q="*:*")["response"]["numFound"] == 0
    solr.update_raw(b"<commit/>", content_type="text/xml")
    assert solr.select(q="*:*")["response"]["numFound"] == 1


def test_same_unique_key_replaces_the_document(solr):
    solr.add([make_doc(1, title="Old title")])
    solr.add([make_doc(1, title="New title")])
    body = solr.select(q="*:*", fl="title")
    assert body["response"]["numFound"] == 1
    assert body["response"]["docs"][0]["title"] == "New title"


def test_json_commands(solr):
    body = json.dumps({"add": {"doc": make_doc(1)}, "commit": {}}).encode()
    # a second "add" key in the same object, as Solr allows
    body = body[:-1] + b', "add": {"doc": %s}}' % json.dumps(make_doc(2)).encode()
    r = solr.update_raw(body, commit="true")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert solr.names(q="*:*", sort="name asc") == ["ds-1", "ds-2"]
    r = solr.update_raw(json.dumps({"delete": {"id": "idx-1"}}), commit="true")
    assert solr.names(q="*:*") == ["ds-2"]


def test_delete_by_id_and_by_query_xml(solr):
    solr.add([make_doc(i) for i in range(5)])
    solr.update_raw(b"<delete><id>idx-0</id><id>idx-1</id></delete>", "text/xml", commit="true")
    assert solr.select(q="*:*")["response"]["numFound"] == 3
    # the query CKAN sends to delete one dataset
    q = b'<delete><query>+entity_type:package AND +(id:"id-3" OR name:"id-3") AND ' \
        b'+site_id:"default"</query></delete>'
    solr.update_raw(q, "text/xml", commit="true")
    assert solr.names(q="*:*", sort="name asc") == ["ds-2", "ds-4"]
    solr.update_raw(b"<delete><query>*:*</query></delete>", "text/xml", commit="true")
    assert solr.select(q="*:*")["response"]["numFound"] == 0


@pytest.mark.parametrize("doc,message", [
    ({"id": "a", "site_id": "x"}, "missing mandatory uniqueKey field: index_id"),
    ({"index_id": "a", "id": "a"}, "missing required field: site_id"),
    ({"index_id": "a", "id": "a", "site_id": "x", "views_total": "many"},
     "Error adding field 'views_total'='many'"),
    ({"index_id": "a", "id": "a", "site_id": "x", "metadata_modified": "yesterday"},
     "Error adding field 'metadata_modified'"),
    ({"index_id": "a", "id": "a", "site_id": "x", "name": ["one", "two"]},
     "multiple values encountered for non multiValued field name"),
    ({"index_id": "a", "id": "a", "site_id": "x", "title": ["one", "two"]},
     "multiple values encountered for non multiValued field title"),
])
def test_invalid_documents_are_rejected_with_solr_messages(solr, doc, message):
    r = solr.update_raw(json.dumps([doc]), commit="true")
    assert r.status_code == 400
    assert message in r.get_json()["error"]["msg"]


def test_a_rejected_batch_writes_nothing_and_keeps_committed_docs(solr):
    solr.add([make_doc(1)])
    batch = [make_doc(2), {"index_id": "bad", "id": "bad", "site_id": "x",
                           "views_total": "NaN-ish"}]
    r = solr.update_raw(json.dumps(batch), commit="true")
    assert r.status_code == 400
    assert solr.names(q="*:*") == ["ds-1"]


@pytest.mark.parametrize("body,ctype", [
    (b"<add><doc><field name='id'>1</field>", "text/xml"),
    (b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><add><doc>"
     b"<field name='index_id'>&e;</field></doc></add>", "text/xml"),
    (b"{not json", "application/json"),
    (b'{"frobnicate": {}}', "application/json"),
    (b"<explode/>", "text/xml"),
])
def test_malformed_update_bodies_answer_400(solr, body, ctype):
    solr.add([make_doc(1)])
    r = solr.update_raw(body, ctype, commit="true")
    assert r.status_code == 400, r.get_data(as_text=True)
    assert solr.names(q="*:*") == ["ds-1"]


def test_copy_fields_feed_the_text_field(solr):
    solr.add([make_doc(1, notes="Border crossings", res_description=["Daily counts"],
                       extras_method="Household survey", vocab_topics=["remittances"])])
    for word in ("border", "daily", "household", "remittances", "ds-1"):
        assert solr.names(q="text:%s" % word) == ["ds-1"], word


def test_pysolr_encoded_adds_are_understood(solr):
    """pysolr (CKAN's client) encodes adds as a JSON array; None values are dropped."""
    kind, body, _n = pysolr.Solr("http://unused")._build_docs(
        [make_doc(7, tags=["a", "b"], private=None, views_total=3)])
    assert kind == "JSON"
    r = solr.update_raw(body, "application/json", commit="true")
    assert r.status_code == 200
    doc = solr.select(q="views_total:3")["response"]["docs"][0]
    assert doc["tags"] == ["a", "b"]


def test_empty_lists_and_objects_in_json_docs(solr):
    r = solr.update_raw(json.dumps([make_doc(1, groups=[], tags=[])]), commit="true")
    assert r.status_code == 200
    body = solr.select(q="*:*", facet="true", facet_field="groups")
    assert body["facet_counts"]["facet_fields"]["groups"] == []
