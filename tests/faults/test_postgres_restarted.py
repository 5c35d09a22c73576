"""PostgreSQL restarted (``pg_ctl restart -m fast``: every connection cut) in the middle of
a harvest. The cluster is the test's own (initdb in a temporary directory, a free port),
never the machine's; CKAN's schema is made in it by ``ckan db init``."""
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.pool import NullPool

from ..conftest import REPO_ROOT, fixture_bytes
from .conftest import (CKAN, PREFIX, TOTAL, UNFINISHED, assert_whole_and_unique, ckan,
                       completed_guids, index_equals_database, object_errors, states,
                       wait_until)

pytestmark = pytest.mark.usefixtures("harvest_queues")

SITE = """
import json
from ckan.plugins import toolkit as tk
from ckanext.harvest import queue
site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
def act(action, **data):
    return tk.get_action(action)({"user": site, "ignore_auth": True}, data)
"""
SETUP = SITE + """
org = act("organization_create", name="eurostat-org")
source = act("harvest_source_create", name="eurostat-asylum", title="Eurostat asylum",
             url=URL, source_type="migration_eurostat", owner_org=org["id"],
             config=json.dumps({"code_prefixes": [PREFIX]}))
SOURCE = source["id"]
"""
FINISH = SITE + """
from ckanext.harvest.model import HarvestJob
act("harvest_jobs_run")
finished = HarvestJob.get(JOB).status
"""
GATHER = """
job = act("harvest_job_create", source_id=SOURCE, run=True)
consumer = queue.get_gather_consumer()
queue.gather_callback(consumer, *consumer.basic_get("ckan.harvest.gather"))
"""
# `ckan search-index rebuild`, the command itself, in the same process
REBUILD = """
from ckan.cli.search_index import rebuild
rebuild.main(["--quiet"], standalone_mode=False)
"""


def in_ckan(ini, code, **values):
    """Run ``code`` in a CKAN process of its own configured by ``ini``; what it printed
    last, as JSON."""
    head = "".join("%s = %r\n" % item for item in values.items())
    result = subprocess.run([sys.executable, "-m", "tests.faults.in_ckan", ini],
                            input=head + code, capture_output=True, text=True,
                            cwd=REPO_ROOT, timeout=120, start_new_session=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


class HoldingProxy:
    """Between CKAN and the search service: while ``hold`` is set, an /update request
    waits (``held`` is set) until ``release``; everything else passes."""

    def __init__(self, target):
        self.hold, self.held, self.release = (threading.Event(), threading.Event(),
                                              threading.Event())
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if "/update" in self.path and proxy.hold.is_set():
                    proxy.held.set()
                    proxy.release.wait(60)
                request = urllib.request.Request(target + self.path, data=body,
                                                 method=self.command)
                if self.headers.get("Content-Type"):
                    request.add_header("Content-Type", self.headers["Content-Type"])
                try:
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        status, data, ctype = (answer.status, answer.read(),
                                               answer.headers.get("Content-Type"))
                except urllib.error.HTTPError as e:
                    status, data, ctype = e.code, e.read(), e.headers.get("Content-Type")
                self.send_response(status)
                self.send_header("Content-Type", ctype or "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = forward

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def own_site(processes, derive_ini, data_server, tmp_path):
    """A CKAN site on a PostgreSQL cluster and a search service of the test's own, with
    the Eurostat source (its table of contents served locally)."""
    pg = processes.postgres()
    pg.psql("CREATE ROLE ckan_default LOGIN PASSWORD 'pass'")
    pg.psql("CREATE DATABASE ckan_faults OWNER ckan_default ENCODING 'UTF8' "
            "TEMPLATE template0")
    search = processes.search_service(tmp_path / "search", core="ckan_faults",
                                      autocommit_ms=1000)
    proxy = HoldingProxy("http://127.0.0.1:%d" % search.port)
    processes.on_close(proxy.close)
    solr_url = proxy.url + "/solr/ckan_faults"
    db_url = pg.url("ckan_faults")
    ini = derive_ini(**{
        "sqlalchemy.url": db_url, "ckanext.xloader.jobs_db.uri": db_url,
        "solr_url": solr_url, "ckanext.migration.search_service_url": solr_url,
        "ckanext.migration.harvest.allow_private_addresses": "true"})
    ckan(ini, "db", "init")
    toc = data_server.serve("/toc.txt", fixture_bytes("eurostat", "table_of_contents_en.txt"),
                            headers={"Content-Type": "text/plain"})
    source_id, job_id = in_ckan(ini, SETUP + GATHER + "print(json.dumps([SOURCE, job['id']]))",
                                URL=toc, PREFIX=PREFIX)
    engine = sa.create_engine(db_url, poolclass=NullPool)
    session = orm.scoped_session(orm.sessionmaker(bind=engine))
    yield {"pg": pg, "search": search, "proxy": proxy, "ini": ini, "source_id": source_id,
           "job_id": job_id, "session": session, "engine": engine}
    session.remove()
    engine.dispose()


def test_postgres_restarted_mid_harvest(own_site, processes):
    ini, session, pg = own_site["ini"], own_site["session"], own_site["pg"]
    job_id = own_site["job_id"]
    consumer = processes.spawn("fetch-consumer", [CKAN, "-c", ini, "harvester",
                                                  "fetch-consumer"])
    wait_until(lambda: states(job_id, session).get("COMPLETE", 0) >= 8, 60,
               "8 datasets imported", consumer)
    # the restart must cut an import in the middle of its transaction: hold the next
    # dataset's INSERT on a lock until then
    session.remove()
    locker = own_site["engine"].connect()
    locker.execute(sa.text("LOCK TABLE package IN SHARE MODE"))
    wait_until(lambda: session.execute(sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).scalar(),
        30, "an import waiting on the lock", consumer)
    in_hand = states(job_id, session)["COMPLETE"]
    session.remove()
    pg.restart()
    locker.invalidate()
    # the consumer goes on (a new connection per object, checked before use); the
    # object whose import the restart cut is an error, saved once the database is back
    wait_until(lambda: states(job_id, session).get("ERROR"), 60,
               "the cut import's error saved", consumer)
    wait_until(lambda: states(job_id, session).get("COMPLETE", 0) > in_hand, 30,
               "the next object imported", consumer)

    # cut again between CKAN's index write and its COMMIT: the index write is held until
    # the database has restarted
    proxy = own_site["proxy"]
    proxy.hold.set()
    wait_until(proxy.held.is_set, 30, "an index write held", consumer)
    session.remove()
    pg.restart()
    proxy.hold.clear()
    proxy.release.set()
    wait_until(lambda: not any(states(job_id, session).get(s) for s in UNFINISHED), 60,
               "every object processed after the restarts", consumer)
    assert states(job_id, session) == {"COMPLETE": TOTAL - 2, "ERROR": 2}
    errors = object_errors(job_id, session)
    assert len(errors) == 2
    for guid, [message] in errors.items():
        assert message.startswith(
            "%s: the connection to the database was lost, so the dataset was not saved; it "
            "will be harvested again on the next run (" % guid), message
        assert "server closed the connection" in message or \
            "terminating connection" in message, message
    assert set(assert_whole_and_unique(session)) == completed_guids(job_id, session)
    # the second cut dataset was indexed before the commit that failed: taken out of the
    # index again (no search result that is not in the database)
    indexed, in_db = index_equals_database(own_site["search"], session)
    assert set(indexed) - set(in_db) == set()

    # ckanext-harvest's `harvester run` finishes it; the next run starts
    finished, job2 = in_ckan(ini, FINISH + GATHER + "print(json.dumps([finished, job['id']]))",
                             JOB=job_id, SOURCE=own_site["source_id"])
    assert finished == "Finished"
    wait_until(lambda: not any(states(job2, session).get(s) for s in UNFINISHED), 60,
               "the next run", consumer)
    assert states(job2, session) == {"COMPLETE": TOTAL}
    assert object_errors(job2, session) == {}
    assert len(assert_whole_and_unique(session)) == TOTAL
    # finished, then `ckan search-index rebuild`
    assert in_ckan(ini, FINISH + REBUILD + "print(json.dumps(finished))", JOB=job2) == \
        "Finished"
    indexed, in_db = index_equals_database(own_site["search"], session)
    assert indexed == in_db and len(in_db) == TOTAL + 1
