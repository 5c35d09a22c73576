"""One search core: a tantivy index on disk built from a Solr schema.

Writes go through a single tantivy writer behind a lock, so requests from many CKAN
processes are serialised; searches use the last committed state only, so they never see
a half-written document, and a commit is durable once it returns.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
import time

import tantivy

from .answers import AnswerCache
from .documents import (SOURCE_FIELD, DocumentBuilder, analyzers_of,
                        build_tantivy_schema, loads)
from .errors import BadRequest
from .request import QueryBuilder, QueryCache
from .schema import SolrSchema, parse_schema

log = logging.getLogger(__name__)

SCHEMA_COPY = "schema.xml"
INDEX_DIR = "index"
FORMAT_VERSION = "3"  # bump when the mapping onto tantivy changes
WRITER_HEAP = 128 * 1024 * 1024


class Core:
    """A named core: schema, tantivy index and the single writer."""

    def __init__(self, name: str, path: str, schema: SolrSchema, autocommit_ms: int = 0):
        self.name = name
        self.path = path
        self.solr_schema = schema
        self.autocommit_ms = autocommit_ms
        self.tantivy_schema = build_tantivy_schema(schema)
        self.doc_builder = DocumentBuilder(schema, self.tantivy_schema)
        self.analyzers = analyzers_of(schema)
        self._lock = threading.RLock()
        self._pending_since = None
        self._closed = False
        os.makedirs(path, exist_ok=True)
        self._open()
        self.queries = QueryBuilder(self)
        self.query_cache = QueryCache()
        # bumped when a commit makes new documents visible (answers older are stale)
        self.generation = 0
        self.answer_cache = AnswerCache()
        if autocommit_ms:
            threading.Thread(target=self._autocommit_loop, daemon=True,
                             name="autocommit-%s" % name).start()

    # -- opening, and rebuilding when the schema changed -------------------------------
    def _stamp(self) -> str:
        return "%s:%s" % (FORMAT_VERSION, self.solr_schema.digest)

    def _open(self):
        index_dir = os.path.join(self.path, INDEX_DIR)
        stamp_file = os.path.join(self.path, "stamp")
        old_stamp = open(stamp_file).read().strip() if os.path.exists(stamp_file) else None
        if os.path.isdir(index_dir) and old_stamp and old_stamp != self._stamp():
            try:
                self._migrate(index_dir)
            except (ValueError, OSError) as e:
                # written by an older mapping that cannot be read back: start empty
                aside = "%s.unreadable-%d" % (index_dir, int(time.time()))
                os.rename(index_dir, aside)
                shutil.rmtree(index_dir + ".new", ignore_errors=True)
                log.error("core %s: could not re-index the old index (%s); it was moved "
                          "to %s and the core starts empty: run `ckan search-index "
                          "rebuild` to refill it", self.name, e, aside)
        os.makedirs(index_dir, exist_ok=True)
        self.index = self._new_index(index_dir, self.tantivy_schema)
        # Only commit() reloads the reader, under the write lock. tantivy's default policy
        # also reloads from a background thread when it notices meta.json change; that
        # reload can read commit N-1 and be stored after commit N's, so a search right after
        # a commit returned would miss it (and counts would go back) until the next reload.
        self.index.config_reader("manual")
        self.writer = self.index.writer(WRITER_HEAP, 1)
        with open(os.path.join(self.path, SCHEMA_COPY), "wb") as f:
            f.write(self.solr_schema.raw)
        with open(stamp_file, "w") as f:
            f.write(self._stamp())

    def _new_index(self, index_dir, tschema):
        index = tantivy.Index(tschema, path=index_dir, reuse=True)
        for key, analyzer in self.analyzers.items():
            index.register_tokenizer(key, analyzer)
            index.register_fast_field_tokenizer(key, analyzer)
        return index

    def _migrate(self, index_dir: str):
        """The schema changed: re-index every stored source document with the new one."""
        log.warning("core %s: schema changed, re-indexing from stored documents", self.name)
        # the old schema copy must still parse, else the index is set aside
        parse_schema(open(os.path.join(self.path, SCHEMA_COPY), "rb").read())
        # opened with the schema it was written with (tokenizer names of an older mapping
        # included): only the stored source documents are read back
        old_index = tantivy.Index.open(index_dir)
        new_dir = index_dir + ".new"
        shutil.rmtree(new_dir, ignore_errors=True)
        os.makedirs(new_dir)
        new_index = self._new_index(new_dir, self.tantivy_schema)
        writer = new_index.writer(WRITER_HEAP, 1)
        searcher = old_index.searcher()
        count = skipped = 0
        total = searcher.num_docs
        batch = 1000
        for offset in range(0, total, batch):
            hits = searcher.search(tantivy.Query.all_query(), batch, count=False,
                                   offset=offset).hits
            for _score, addr in hits:
                source = loads(searcher.doc(addr).get_first(SOURCE_FIELD))
                try:
                    writer.add_document(self.doc_builder.build(
                        self.doc_builder.normalise(source)))
                    count += 1
                except BadRequest as e:
                    skipped += 1
                    log.warning("core %s: document dropped by the new schema: %s",
                                self.name, e)
        writer.commit()
        writer.wait_merging_threads()
        del writer, new_index, old_index, searcher
        shutil.rmtree(index_dir)
        os.rename(new_dir, index_dir)
        log.warning("core %s: re-indexed %d documents (%d rejected by the new schema)",
                    self.name, count, skipped)

    # -- writes -------------------------------------------------------------------------
    def add(self, docs: list, overwrite: bool = True, normalised: bool = False) -> int:
        """Add (or replace, by unique key) documents; all are validated before any is
        written (``normalised``: by ``DocumentBuilder.normalise`` already)."""
        built = []
        key = self.solr_schema.unique_key
        for doc in docs:
            source = doc if normalised else self.doc_builder.normalise(doc)
            built.append((source[key], self.doc_builder.build(source)))
        with self._lock:
            for doc_id, tdoc in built:
                if overwrite:
                    self.writer.delete_documents_by_term(key, doc_id)
                self.writer.add_document(tdoc)
            self._touch()
        return len(built)

    def delete_ids(self, ids: list):
        key = self.solr_schema.unique_key
        with self._lock:
            for doc_id in ids:
                self.writer.delete_documents_by_term(key, str(doc_id))
            self._touch()

    def delete_query(self, text: str):
        query = self.queries.lucene(text, df="text", q_op="OR")
        if query is None:
            return
        with self._lock:
            self.writer.delete_documents_by_query(query)
            self._touch()

    def _touch(self):
        if self._pending_since is None:
            self._pending_since = time.monotonic()

    def commit(self):
        """Durable and visible to every search that starts after this returns."""
        with self._lock:
            self.writer.commit()
            self._pending_since = None
            self.index.reload()
            # after the reload: a search that read the old generation number and then got
            # the new reader keeps a fresher answer under a key no longer asked for
            self.generation += 1

    def rollback(self):
        with self._lock:
            self.writer.rollback()
            self._pending_since = None

    def _autocommit_loop(self):
        while not self._closed:
            time.sleep(self.autocommit_ms / 1000.0 / 2)
            since = self._pending_since
            if since is not None and (time.monotonic() - since) * 1000 >= self.autocommit_ms:
                try:
                    self.commit()
                except Exception:  # keep the loop alive; the next commit reports it
                    log.exception("core %s: autocommit failed", self.name)

    def close(self):
        self._closed = True
        with self._lock:
            if self._pending_since is not None:
                self.writer.rollback()
            self.writer.wait_merging_threads()

    # -- reads --------------------------------------------------------------------------
    def searcher(self):
        return self.index.searcher()

    def num_docs(self) -> int:
        return self.searcher().num_docs


class CoreRegistry:
    """The cores under a data directory, opened on first use."""

    def __init__(self, data_dir: str, schema: SolrSchema, autocreate: bool = True,
                 autocommit_ms: int = 0):
        self.data_dir = data_dir
        self.schema = schema
        self.autocreate = autocreate
        self.autocommit_ms = autocommit_ms
        self._cores = {}
        self._lock = threading.Lock()
        os.makedirs(data_dir, exist_ok=True)

    def get(self, name: str) -> Core:
        core = self._cores.get(name)
        if core is not None:
            return core
        with self._lock:
            core = self._cores.get(name)
            if core is None:
                path = os.path.join(self.data_dir, name)
                if not os.path.isdir(path) and not self.autocreate:
                    raise KeyError(name)
                core = Core(name, path, self.schema, self.autocommit_ms)
                self._cores[name] = core
            return core

    def names(self) -> list:
        on_disk = [d for d in os.listdir(self.data_dir)
                   if os.path.isdir(os.path.join(self.data_dir, d))]
        return sorted(set(on_disk) | set(self._cores))

    def close(self):
        for core in self._cores.values():
            core.close()
