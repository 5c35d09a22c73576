"""Write-then-read visibility under load, against a real service process.

Solr's promise: once an update sent with ``commit=true`` (or a commit) has returned, every
later search sees it. Writers here commit one unique document at a time and search for it at
once, by id and through a facet count; readers meanwhile check that what they see never goes
back in time (the number of documents only grows).
"""
import glob
import os
import threading
import time

import pysolr

from .conftest import make_doc
from .test_core import _free_port, _start

# commits per writer: before the fix every run of this size failed (dozens of stale
# searches), in about 10 s; VISIBILITY_ROUNDS=... makes a longer soak
ROUNDS = int(os.environ.get("VISIBILITY_ROUNDS", "25"))
WRITERS = 4
READERS = 3


def starve_background_threads(pid, cpu):
    """Run the whole service on one busy CPU, its file-watching threads given it last.

    On a loaded machine a background thread can stall for tens of milliseconds at any
    point; this makes that happen on every run, so a background step that races the
    requests (as tantivy's on-commit reader reload did) shows up in seconds.
    """
    for task in glob.glob("/proc/%d/task/*" % pid):
        try:
            tid = int(os.path.basename(task))
            os.sched_setaffinity(tid, {cpu})
            with open(task + "/comm") as f:
                # tantivy's meta.json watcher; the threads it starts to reload inherit this
                if f.read().startswith("thread-tantivy"):
                    os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
        except (OSError, ValueError):  # the thread ended meanwhile
            continue


def stress(url, cpu, writers=WRITERS, rounds=ROUNDS, readers=READERS):
    """Run the load; returns (checks made, failures) with a line per failure."""
    failures, checks = [], [0]
    done = threading.Event()
    before = pysolr.Solr(url, timeout=60).search("*:*", rows=0).hits

    def writer(n):
        c = pysolr.Solr(url, timeout=60)
        tag = "writer-%d" % n
        for j in range(rounds):
            doc_id = "w%d-%d" % (n, j)
            c.add([make_doc(doc_id, tags=[tag])], commit=True)
            by_id = c.search('id:"id-%s"' % doc_id, rows=1, fl="id").hits
            facet = c.search("*:*", rows=0, **{"facet": "true", "facet.field": "tags",
                                               "facet.limit": -1, "facet.mincount": 1})
            counts = facet.facets["facet_fields"]["tags"]
            seen = dict(zip(counts[::2], counts[1::2])).get(tag, 0)
            checks[0] += 2
            if by_id != 1:
                failures.append("%s: not found by id right after its commit" % doc_id)
            if seen != j + 1:
                failures.append("%s: facet %s counts %d, %d committed"
                                % (doc_id, tag, seen, j + 1))

    def reader():
        c = pysolr.Solr(url, timeout=60)
        last = before
        while not done.is_set():
            found = c.search("*:*", rows=0).hits
            checks[0] += 1
            if found < last:
                failures.append("a search saw %d documents after one saw %d" % (found, last))
            last = max(last, found)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    watchers = [threading.Thread(target=reader) for _ in range(readers)]
    # the clients share the service's CPU and keep it busy (new threads inherit the
    # affinity of the one starting them)
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        for t in threads + watchers:
            t.start()
    finally:
        os.sched_setaffinity(0, affinity)
    for t in threads:
        t.join(300)
    done.set()
    for t in watchers:
        t.join(60)
    total = pysolr.Solr(url, timeout=60).search("*:*", rows=0).hits
    if total != before + writers * rounds:
        failures.append("%d documents at the end, %d committed"
                        % (total, before + writers * rounds))
    return checks[0], failures


def test_every_commit_is_visible_to_the_next_search(tmp_path):
    # the service as scripts/test.sh and run.sh start it: autocommit on, 8 HTTP threads
    proc, conn = _start(tmp_path, _free_port(), autocommit_ms=1000)
    try:
        conn.add([make_doc("first")], commit=True)  # the core and its threads exist
        cpu = min(os.sched_getaffinity(0))
        starve_background_threads(proc.pid, cpu)
        started = time.monotonic()
        checks, failures = stress(conn.url, cpu)
        elapsed = time.monotonic() - started
    finally:
        proc.kill()
        proc.wait()
    assert failures == [], "%d of %d checks failed in %.1f s:\n%s" % (
        len(failures), checks, elapsed, "\n".join(failures[:20]))
    assert checks >= WRITERS * ROUNDS * 2
