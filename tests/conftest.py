"""Shared test configuration and the recorded fixtures of tests/fixtures/.

Fixtures for tests that need real servers:

``live_server``
    CKAN's WSGI app (``make_app`` with this run's test config, plugins loaded, clean
    database and index) served by werkzeug on 127.0.0.1 and a free port from a background
    thread. ``.url`` is its base URL, ``.url_for(path)`` a full URL. Data made by actions
    in the test is committed, so the server's threads see it.
``data_server``
    A local HTTP server standing in for a producer's download server: ``.serve(path,
    body, status=200, headers=None, delay=0)`` and ``.serve_fixture(path, *parts)`` (a
    recording of tests/fixtures/), ``.url_for(path)``. Requests are counted in ``.hits``.
``datastore_db``
    An empty DataStore database (every resource table dropped), with ``migration_db``.
``xloader``
    ckanext-xloader wired to the live server (API token of a sysadmin, call-back address);
    ``xloader.load(resource_id)`` submits through ``xloader_submit`` (CKAN's job queue in
    Redis) and runs the queued jobs in a CKAN worker (burst mode), then returns
    ``xloader_status``.
"""
import gzip
import logging
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO_ROOT, "tests", "fixtures")
SCHEMA_XML = os.path.join(REPO_ROOT, "config", "solr", "schema.xml")


def fixture_path(*parts) -> str:
    """Where a fixture is: as named, or gzip-compressed beside it (``name.gz``)."""
    path = os.path.join(FIXTURES, *parts)
    return path if os.path.exists(path) else path + ".gz"


def fixture_bytes(*parts) -> bytes:
    """A recorded (or hand-written) response of tests/fixtures/, decompressed when stored
    gzip-compressed; see tests/fixtures/SOURCES.md for where each comes from."""
    path = fixture_path(*parts)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


@pytest.fixture
def migration_db(clean_db, clean_index, migrate_db_for):
    """A clean database with the tables of the plugins test.ini enables, and an empty index."""
    migrate_db_for("activity")
    migrate_db_for("harvest")
    migrate_db_for("migration")  # the plugin's own tables (corrections): dataset pages read them


@pytest.fixture
def http_replay():
    """Recorded HTTP responses at the transport layer; the real search service passes."""
    import responses
    import ckan.plugins.toolkit as tk
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru(tk.config["solr_url"].split("/solr")[0])
        yield rsps


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, url: str):
        self.url = url

    def url_for(self, path: str) -> str:
        return self.url + (path if path.startswith("/") else "/" + path)


@pytest.fixture
def live_server(with_plugins, migration_db, ckan_config, monkeypatch, make_app):
    """The test app served over HTTP from a background thread (see the module doc)."""
    from werkzeug.serving import make_server
    from ckan import model

    port = free_port()
    url = "http://127.0.0.1:%d" % port
    monkeypatch.setitem(ckan_config, "ckan.site_url", url)
    # test.ini's cookie domain (test.ckan.net) would make the browser drop every cookie
    monkeypatch.setitem(ckan_config, "SESSION_COOKIE_DOMAIN", None)
    monkeypatch.setitem(ckan_config, "REMEMBER_COOKIE_DOMAIN", None)
    wsgi_app = make_app().app
    # one line per request (and asset) would bury the test output
    monkeypatch.setattr(logging.getLogger("werkzeug"), "level", logging.WARNING)
    server = make_server("127.0.0.1", port, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="ckan-live-server",
                              daemon=True)
    thread.start()
    # whatever the test thread read so far must not keep a transaction open while the
    # server's threads work
    model.Session.commit()
    try:
        yield LiveServer(url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        model.Session.remove()


class DataServer:
    """Routes of a local HTTP server: path -> (status, headers, body, delay)."""

    def __init__(self):
        self.routes = {}
        self.hits = {}
        self.url = ""

    def serve(self, path, body, status=200, headers=None, delay=0.0):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = (status, dict(headers or {}), body, delay)
        return self.url_for(path)

    def serve_fixture(self, path, *parts, content_type="text/csv"):
        return self.serve(path, fixture_bytes(*parts),
                          headers={"Content-Type": content_type})

    def url_for(self, path):
        return self.url + path


@pytest.fixture
def data_server():
    routes = DataServer()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, with_body):
            path = self.path.split("?", 1)[0]
            routes.hits[path] = routes.hits.get(path, 0) + 1
            if path not in routes.routes:
                self.send_error(404)
                return
            status, headers, body, delay = routes.routes[path]
            if delay:
                time.sleep(delay)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def do_GET(self):  # noqa: N802 - http.server's naming
            self._answer(True)

        def do_HEAD(self):  # noqa: N802
            self._answer(False)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    routes.url = "http://127.0.0.1:%d" % server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield routes
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def datastore_db(migration_db):
    """Every DataStore table dropped (the DataStore database is shared by the run)."""
    from ckanext.datastore.tests.helpers import rebuild_all_dbs
    from ckanext.datastore.backend.postgres import get_write_engine
    from sqlalchemy import orm
    rebuild_all_dbs(orm.scoped_session(orm.sessionmaker(bind=get_write_engine())))


class Xloader:
    def __init__(self, user):
        self.user = user

    def submit(self, resource_id):
        from ckan.tests import helpers
        return helpers.call_action("xloader_submit", context={"user": self.user["name"]},
                                   resource_id=resource_id, ignore_hash=True)

    def work(self):
        """Run every queued job in a CKAN worker, the way `ckan jobs worker` does."""
        from ckan.lib import jobs
        from ckan import model
        model.Session.commit()
        jobs.Worker(["default"]).work(burst=True)
        model.Session.remove()

    def status(self, resource_id):
        from ckan.tests import helpers
        return helpers.call_action("xloader_status", context={"user": self.user["name"]},
                                   resource_id=resource_id)

    def load(self, resource_id):
        """Submit and work off the queue: the pre-flight check, then xloader's job."""
        self.submit(resource_id)
        self.work()
        return self.status(resource_id)


@pytest.fixture
def xloader(live_server, datastore_db, ckan_config, monkeypatch, clean_queues):
    from ckan.tests import factories
    user = factories.Sysadmin()
    token = factories.APIToken(user=user["name"])
    monkeypatch.setitem(ckan_config, "ckanext.xloader.api_token", token["token"])
    monkeypatch.setitem(ckan_config, "ckanext.xloader.site_url", live_server.url)
    # the pre-flight check fetches through harvesting's guarded HTTP, and data_server
    # listens on 127.0.0.1
    monkeypatch.setitem(ckan_config, "ckanext.migration.harvest.allow_private_addresses", True)
    return Xloader(user)
