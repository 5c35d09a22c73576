"""``kill -9`` of a running search service, then a restart on the same data directory.

tantivy's commit writes the new segments, fsyncs them, then replaces meta.json atomically
(written aside, fsynced, renamed): a commit that returned is on disk, and the index on disk
is always the last complete commit. What was added or deleted since the last commit lives
only in the writer's memory and is lost with the process; with ``--autocommit-ms`` that is
at most the last autocommit interval.
"""
import json
import os
import threading
import time

import pytest
import requests

from ..processes import Processes
from .conftest import make_doc


@pytest.fixture
def processes(tmp_path):
    owner = Processes(tmp_path)
    yield owner
    owner.close()


def post(service, body, **params):
    r = requests.post(service.url + "/update", params=params, data=json.dumps(body),
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text
    return r


def ids(service):
    return set(service.ids())


def assert_index_sound(service, data_dir, expected):
    """Opens, meta.json is complete JSON naming the segments on disk, searches work, and
    it still takes writes."""
    meta_path = os.path.join(data_dir, "ckan", "index", "meta.json")
    meta = json.load(open(meta_path))
    assert meta["segments"], meta
    files = os.listdir(os.path.dirname(meta_path))
    for segment in meta["segments"]:
        seg_id = segment["segment_id"].replace("-", "")
        assert any(f.startswith(seg_id) for f in files), (seg_id, files)
    assert service.select(q="*:*", rows=0)["response"]["numFound"] == len(expected)
    some = sorted(expected)[0]
    assert [d["id"] for d in service.select(q="name:ds-%s" % some.split("-", 1)[1],
                                            fl="id")["response"]["docs"]] == [some]
    post(service, [make_doc("after-restart")], commit="true")
    assert ids(service) == set(expected) | {"id-after-restart"}


def test_committed_documents_survive_kill_9_uncommitted_ones_are_lost(processes, tmp_path):
    data = tmp_path / "search"
    service = processes.search_service(data, autocommit_ms=0)
    post(service, [make_doc(i) for i in range(20)], commit="true")
    # after the commit: 10 more added, one replaced, one deleted, none committed
    post(service, [make_doc(i) for i in range(20, 30)])
    post(service, [make_doc(5, title="Replaced but not committed")])
    post(service, {"delete": {"id": "idx-7"}})
    assert service.select(q="*:*", rows=0)["response"]["numFound"] == 20  # not visible yet

    service.kill()
    service.start()
    committed = {"id-%d" % i for i in range(20)}
    assert ids(service) == committed
    # the uncommitted replacement and deletion are lost with the rest
    [doc] = service.select(q="id:id-5", fl="title")["response"]["docs"]
    assert doc["title"] == "Dataset 5"
    assert_index_sound(service, str(data), committed)


def test_autocommitted_documents_survive_kill_9(processes, tmp_path):
    data = tmp_path / "search"
    service = processes.search_service(data, autocommit_ms=200)
    post(service, [make_doc(i) for i in range(10)])  # no commit asked: autocommit does it
    deadline = time.monotonic() + 10
    while service.select(q="*:*", rows=0)["response"]["numFound"] < 10:
        assert time.monotonic() < deadline, "autocommit did not commit within 10 s"
        time.sleep(0.05)
    service.kill()
    service.start()
    assert_index_sound(service, str(data), {"id-%d" % i for i in range(10)})


def test_kill_9_while_writing_keeps_every_acknowledged_commit(processes, tmp_path):
    """Batches of 5 documents, each sent with commit=true, from 3 threads; kill -9 in the
    middle: every batch whose answer came back is there, and every batch is all or
    nothing (a commit is atomic), whatever the moment of the kill."""
    data = tmp_path / "search"
    service = processes.search_service(data, autocommit_ms=0)
    acknowledged, attempted, lock = [], [], threading.Lock()
    stop = threading.Event()

    def writer(n):
        batch = 0
        while not stop.is_set():
            docs = [make_doc("%d-%d-%d" % (n, batch, k)) for k in range(5)]
            with lock:
                attempted.append({d["id"] for d in docs})
            try:
                r = requests.post(service.url + "/update", params={"commit": "true"},
                                  data=json.dumps(docs), timeout=10,
                                  headers={"Content-Type": "application/json"})
            except requests.RequestException:
                return  # the service is gone
            if r.status_code == 200:
                with lock:
                    acknowledged.append({d["id"] for d in docs})
            batch += 1

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 30:
        assert time.monotonic() < deadline, "the writers did not get 30 commits through"
        time.sleep(0.01)
    service.kill()
    stop.set()
    for t in threads:
        t.join(15)

    service.start()
    found = ids(service)
    for batch in acknowledged:
        assert batch <= found, "an acknowledged commit was lost: %s" % sorted(batch - found)
    for batch in attempted:
        assert batch <= found or not (batch & found), "half a batch: %s" % sorted(batch)
    assert found == set().union(*[b for b in attempted if b <= found])
    assert_index_sound(service, str(data), found)
