"""Durability: committed documents survive restarts and crashes; schema changes re-index."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pysolr

from ckanext.migration.searchservice.core import CoreRegistry
from ckanext.migration.searchservice.schema import parse_schema

from ..conftest import SCHEMA_XML
from .conftest import Solr, make_doc


def test_committed_documents_survive_a_restart(tmp_path, solr_schema):
    reg = CoreRegistry(str(tmp_path), solr_schema)
    Solr(reg).add([make_doc(i) for i in range(3)])
    reg.close()
    reg2 = CoreRegistry(str(tmp_path), solr_schema)
    assert Solr(reg2).names(q="*:*", sort="name asc") == ["ds-0", "ds-1", "ds-2"]
    reg2.close()


def test_cores_are_separate(registry):
    a, b = Solr(registry, "ckan"), Solr(registry, "ckan_test")
    a.add([make_doc(1)])
    assert b.select(q="*:*")["response"]["numFound"] == 0
    assert sorted(registry.names()) == ["ckan", "ckan_test"]


def test_schema_change_reindexes_stored_documents(tmp_path, solr_schema):
    reg = CoreRegistry(str(tmp_path), solr_schema)
    Solr(reg).add([make_doc(1, gcm_objectives="8"), make_doc(2)])
    reg.close()
    raw = solr_schema.raw.replace(
        b"</fields>",
        b'<field name="gcm_objectives" type="string" indexed="true" stored="true" '
        b'multiValued="true"/></fields>')
    new_schema = parse_schema(raw)
    reg2 = CoreRegistry(str(tmp_path), new_schema)
    s = Solr(reg2)
    assert s.names(q="gcm_objectives:8") == ["ds-1"]
    # now a stored, multi-valued field
    doc = s.select(q="gcm_objectives:8", fl="gcm_objectives")["response"]["docs"][0]
    assert doc == {"gcm_objectives": ["8"]}
    reg2.close()


def test_index_of_an_older_analysis_mapping_is_reindexed(tmp_path, solr_schema):
    """An index written when the analyzers had other names (the Sénégal fix changed them)
    is re-indexed from its stored documents with today's analysis, not dropped."""
    import tantivy

    from ckanext.migration.searchservice import core as core_module
    from ckanext.migration.searchservice.documents import SOURCE_FIELD

    path = tmp_path / "ckan"
    index_dir = path / "index"
    index_dir.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", tokenizer_name="a_simple_lowercase_stem_ascii_fold",
                           index_option="position")
    builder.add_bytes_field(SOURCE_FIELD, stored=True, indexed=False)
    old = tantivy.Index(builder.build(), path=str(index_dir))
    old.register_tokenizer("a_simple_lowercase_stem_ascii_fold", tantivy.TextAnalyzerBuilder(
        tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase()).build())
    writer = old.writer(15_000_000, 1)
    doc = tantivy.Document()
    doc.add_text("title", "Migration au Sénégal")
    doc.add_bytes(SOURCE_FIELD, json.dumps(make_doc(1, title="Migration au Sénégal"))
                  .encode("utf-8"))
    writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    del writer, old
    (path / "schema.xml").write_bytes(solr_schema.raw)
    (path / "stamp").write_text("2:%s" % solr_schema.digest)
    assert core_module.FORMAT_VERSION != "2"

    reg = CoreRegistry(str(tmp_path), solr_schema)
    s = Solr(reg)
    assert s.names(q="Senegal", defType="dismax", qf="text") == ["ds-1"]
    assert not [p for p in os.listdir(path) if "unreadable" in p]
    reg.close()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(data_dir, port, autocommit_ms=0):
    proc = subprocess.Popen(
        [sys.executable, "-m", "ckanext.migration.searchservice.cli", "--port", str(port),
         "--data-dir", str(data_dir), "--schema", SCHEMA_XML,
         "--autocommit-ms", str(autocommit_ms)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = "http://127.0.0.1:%d/solr/ckan" % port
    for _ in range(100):
        try:
            pysolr.Solr(url, timeout=2).ping()
            return proc, pysolr.Solr(url, timeout=10)
        except Exception:
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read().decode())
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("search service did not start")


def test_a_crash_loses_nothing_committed(tmp_path):
    port = _free_port()
    proc, conn = _start(tmp_path, port)
    try:
        conn.add([make_doc(i) for i in range(50)], commit=True)
        conn.add([make_doc(i) for i in range(50, 60)], commit=False)  # never committed
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc, conn = _start(tmp_path, port)
        assert conn.search("*:*", rows=0).hits == 50
        conn.add([make_doc(100)], commit=True)  # and it still writes
        assert conn.search("*:*", rows=0).hits == 51
    finally:
        proc.kill()
        proc.wait()


def test_second_service_on_same_data_dir_refuses_to_start(tmp_path):
    proc, _conn = _start(tmp_path, _free_port())
    try:
        other = subprocess.run(
            [sys.executable, "-m", "ckanext.migration.searchservice.cli", "--port",
             str(_free_port()), "--data-dir", str(tmp_path), "--schema", SCHEMA_XML],
            capture_output=True, text=True, timeout=30)
        assert other.returncode != 0
        assert "another search service already uses" in other.stderr
    finally:
        proc.kill()
        proc.wait()


def test_port_taken_is_reported(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        other = subprocess.run(
            [sys.executable, "-m", "ckanext.migration.searchservice.cli", "--port", str(port),
             "--data-dir", str(tmp_path), "--schema", SCHEMA_XML],
            capture_output=True, text=True, timeout=30)
    assert other.returncode != 0
    assert "is already in use" in other.stderr


def test_concurrent_writers_and_readers(tmp_path):
    """Many clients add and search at once; every committed doc is found, none torn."""
    import threading
    proc, conn = _start(tmp_path, _free_port())
    errors = []
    url = conn.url

    def writer(n):
        c = pysolr.Solr(url, timeout=30)
        try:
            for j in range(10):
                c.add([make_doc("w%d-%d" % (n, j), title="Writer %d doc %d" % (n, j))],
                      commit=True)
        except Exception as e:  # collected and asserted below
            errors.append(e)

    def reader():
        c = pysolr.Solr(url, timeout=30)
        try:
            for _ in range(20):
                for doc in c.search("*:*", rows=50, fl="id,name,title").docs:
                    # a document is complete or absent, never half-written
                    assert doc["name"] == "ds-" + doc["id"][3:]
                    assert doc["title"].startswith("Writer")
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        assert conn.search("*:*", rows=0).hits == 40
    finally:
        proc.kill()
        proc.wait()


def test_an_unreadable_old_index_is_set_aside_and_the_core_starts_empty(tmp_path, solr_schema):
    reg = CoreRegistry(str(tmp_path), solr_schema)
    Solr(reg).add([make_doc(1)])
    reg.close()
    # an index written by an older mapping: the stamp says another format
    stamp = tmp_path / "ckan" / "stamp"
    stamp.write_text("0:" + stamp.read_text().split(":", 1)[1])
    (tmp_path / "ckan" / "schema.xml").write_bytes(b"<not-a-schema")
    reg2 = CoreRegistry(str(tmp_path), solr_schema)
    s = Solr(reg2)
    assert s.select(q="*:*")["response"]["numFound"] == 0
    s.add([make_doc(2)])
    assert s.names(q="*:*") == ["ds-2"]
    assert any(p.name.startswith("index.unreadable-") for p in (tmp_path / "ckan").iterdir())
    reg2.close()
