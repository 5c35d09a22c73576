"""Hostile and broken sources against harvesting/http.py, each served by a local server.

Busy sources (429/503 with Retry-After), a body sent a byte at a time (total deadline), a
name that resolves differently on the second look-up (DNS rebinding: the connection goes
to the address that was checked), and ckanext-dcat's ``dcat_rdf`` harvester going through
the same guard as ours. The servers listen on 127.0.0.1, so the tests that must reach them
allow private addresses; the ones that show a refusal keep the guard on.
"""
import functools
import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ckan import plugins as p
from ckan.tests import helpers

from ckanext.migration.harvesting import http
from ckanext.migration.harvesting.ckan import CKANPortalHarvester
from ckanext.migration.harvesting.http import FetchError, fetch

from .conftest import Harvest, fixture_bytes

ALLOW_PRIVATE = pytest.mark.ckan_config(
    "ckanext.migration.harvest.allow_private_addresses", True)


@functools.lru_cache
def _compressed(megabytes: int, encoding: str) -> bytes:
    """megabytes of zeros, compressed (made once: the tests measure the client's memory)"""
    data = b"\0" * (megabytes << 20)
    if encoding == "gzip":
        return gzip.compress(data, 9)
    return zlib.compress(data, 9)  # HTTP "deflate" is the zlib format


class Hostile:
    """A local server whose routes misbehave; it logs (path, Host header, time)."""

    def __init__(self):
        self.requests = []
        self.stop_event = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status, body=b"", headers=None):
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                path = self.path.split("?", 1)[0]
                server.requests.append((path, self.headers.get("Host"), time.monotonic()))
                hits = [r for r in server.requests if r[0] == path]
                if path == "/busy-once":  # 503 with Retry-After: 1, then the content
                    if len(hits) == 1:
                        self.answer(503, b"busy", {"Retry-After": "1"})
                    else:
                        self.answer(200, b"after the wait")
                elif path == "/always-429":
                    self.answer(429, b"slow down", {"Retry-After": "0"})
                elif path == "/retry-after-forever":
                    self.answer(503, b"come back next year", {"Retry-After": "31536000"})
                elif path == "/drip":  # one byte a second, for 100 seconds
                    self.send_response(200)
                    self.send_header("Content-Length", "100")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    try:
                        for _ in range(100):
                            self.wfile.write(b"x")
                            self.wfile.flush()
                            if server.stop_event.wait(1):
                                return
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                elif path == "/trickle-headers":  # the headers a byte every 0.2 s, forever
                    try:
                        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                        self.wfile.flush()
                        while not server.stop_event.wait(0.2):
                            self.wfile.write(b"a")
                            self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                elif path.startswith("/bomb/"):  # /bomb/<gzip|deflate>/<decoded MB>
                    _, _, encoding, megabytes = path.split("/")
                    self.answer(200, _compressed(int(megabytes), encoding),
                                {"Content-Encoding": encoding})
                elif path == "/silent":  # accepts the request, never answers
                    server.stop_event.wait(120)
                else:
                    self.answer(200, b"hello from the source")

            def do_HEAD(self):  # noqa: N802 - ckanext-dcat asks HEAD first
                self.do_GET()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self):
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def hostile(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = Hostile()
    yield server
    server.close()


# -- busy sources: retries with backoff, Retry-After honoured -------------------------------

@ALLOW_PRIVATE
def test_a_busy_source_is_asked_again_after_its_retry_after(hostile):
    started = time.monotonic()
    assert fetch(hostile.url("/busy-once")) == b"after the wait"
    first, second = [t for path, _, t in hostile.requests]
    assert second - first >= 0.95  # it waited the second the source asked for
    assert time.monotonic() - started < 10


@ALLOW_PRIVATE
def test_a_source_that_stays_busy_is_a_fetch_error_after_the_retries(hostile):
    with pytest.raises(FetchError, match="answered HTTP 429"):
        fetch(hostile.url("/always-429"))
    assert len(hostile.requests) == http.RETRIES + 1


@ALLOW_PRIVATE
def test_a_retry_after_of_a_year_is_capped(hostile, monkeypatch):
    monkeypatch.setattr(http, "MAX_RETRY_AFTER", 0.2)
    started = time.monotonic()
    with pytest.raises(FetchError, match="answered HTTP 503"):
        fetch(hostile.url("/retry-after-forever"))
    assert len(hostile.requests) == http.RETRIES + 1
    assert time.monotonic() - started < 5


# -- a total deadline per answer ----------------------------------------------------------

@ALLOW_PRIVATE
@pytest.mark.ckan_config("ckanext.migration.harvest.timeout", 5)
@pytest.mark.ckan_config("ckanext.migration.harvest.deadline", 2)
def test_a_body_sent_a_byte_a_second_is_cut_off_at_the_deadline(hostile):
    # each byte arrives well within the 5 s read timeout: only a total deadline stops it
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"/drip sent \d bytes but not the whole answer "
                                         r"within the 2s deadline"):
        fetch(hostile.url("/drip"))
    assert 1.5 < time.monotonic() - started < 4


@ALLOW_PRIVATE
@pytest.mark.ckan_config("ckanext.migration.harvest.timeout", 5)
@pytest.mark.ckan_config("ckanext.migration.harvest.deadline", 2)
def test_headers_sent_a_byte_at_a_time_are_cut_off_at_the_deadline(hostile):
    # a byte every 0.2 s never lets the 5 s read timeout pass: only the deadline stops it
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"/trickle-headers did not answer within the 2s "
                                         r"deadline \(ckanext.migration.harvest.deadline\)"):
        fetch(hostile.url("/trickle-headers"))
    assert 1.5 < time.monotonic() - started < 4


@ALLOW_PRIVATE
@pytest.mark.ckan_config("ckanext.migration.harvest.timeout", 30)
@pytest.mark.ckan_config("ckanext.migration.harvest.deadline", 2)
def test_a_source_that_never_answers_is_cut_off_at_the_deadline(hostile):
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"/silent did not answer within the 2s deadline"):
        fetch(hostile.url("/silent"))
    assert 1.5 < time.monotonic() - started < 4


@ALLOW_PRIVATE
@pytest.mark.ckan_config("ckanext.migration.harvest.timeout", 2)
@pytest.mark.ckan_config("ckanext.migration.harvest.deadline", 30)
def test_a_source_that_never_answers_is_cut_off_at_the_timeout(hostile):
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 2(\.0)?s fetching .*/silent"):
        fetch(hostile.url("/silent"))
    assert 1.5 < time.monotonic() - started < 4


# -- a compressed answer is limited on its decoded size --------------------------------------

@ALLOW_PRIVATE
@pytest.mark.ckan_config("ckanext.migration.harvest.max_bytes", 1 << 20)
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compression_bomb_is_cut_at_the_limit_without_decoding_it_all(hostile, encoding):
    # 50 MB of zeros, about 50 KB on the wire: under the limit as sent, far over decoded
    assert len(_compressed(50, encoding)) < 100 << 10
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match=r"/bomb/%s/50 is over the 1048576 byte limit"
                                             % encoding):
            fetch(hostile.url("/bomb/%s/50" % encoding))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, "%d bytes held while reading a 50 MB bomb" % peak


@ALLOW_PRIVATE
@pytest.mark.ckan_config("ckanext.migration.harvest.max_bytes", 1 << 20)
def test_a_compressed_answer_within_the_limit_is_decoded(hostile):
    assert fetch(hostile.url("/bomb/gzip/1")) == b"\0" * (1 << 20)


# -- DNS rebinding: the connection goes to the address that was checked -----------------------

@ALLOW_PRIVATE
def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(hostile, monkeypatch):
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        # first answer: the server; any later one: an address where nothing listens
        address = "127.0.0.1" if len(lookups) == 1 else "127.0.0.2"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    assert fetch("http://rebind.test:%d/ok" % hostile.port) == b"hello from the source"
    assert lookups == ["rebind.test"]
    # the source was asked for its own name, not the address
    assert hostile.requests[0][1] == "rebind.test:%d" % hostile.port


def test_a_name_that_resolves_to_loopback_is_refused_before_connecting(hostile, monkeypatch):
    real = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):
        if host == "internal.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with pytest.raises(FetchError, match="refusing to fetch .*127.0.0.1 is a private"):
        fetch("http://internal.test:%d/ok" % hostile.port)
    assert hostile.requests == []


# -- ckanext-dcat's dcat_rdf harvester goes through the same guard ---------------------------

pytest_dcat = pytest.mark.usefixtures("with_plugins", "harvest_db")


def _serve_catalog(data_server):
    return data_server.serve("/catalog.ttl", fixture_bytes("dcat", "dataset_datos.gob.es.ttl"),
                             headers={"Content-Type": "text/turtle"})


@pytest_dcat
def test_dcat_rdf_refuses_a_loopback_source_like_migration_ckan(data_server):
    url = _serve_catalog(data_server)
    h = Harvest(p.get_plugin("dcat_rdf_harvester"), url)
    job, _ = h.run()
    assert h.report(job) == {}
    errors = h.errors(job)
    assert any("refusing to fetch %s: 127.0.0.1 is a private, loopback or link-local address"
               % url in e for e in errors), errors
    assert data_server.hits == {}  # not even the HEAD request reached it
    assert helpers.call_action("package_search", q="*:*")["count"] == 0

    # migration_ckan refuses the same address with the same words
    h = Harvest(CKANPortalHarvester(), data_server.url)
    job, _ = h.run()
    assert any("refusing to fetch" in e and "127.0.0.1 is a private" in e
               for e in h.errors(job)), h.errors(job)


@pytest_dcat
@ALLOW_PRIVATE
@pytest.mark.ckan_config("ckanext.migration.harvest.timeout", 30)
@pytest.mark.ckan_config("ckanext.migration.harvest.deadline", 2)
@pytest.mark.parametrize("path", ["/silent", "/trickle-headers", "/drip"])
def test_dcat_rdf_gives_up_on_a_source_that_never_finishes_answering(hostile, path):
    # ckanext-dcat sets no timeout of its own: the guard's deadline covers its requests
    started = time.monotonic()
    h = Harvest(p.get_plugin("dcat_rdf_harvester"), hostile.url(path))
    job, _ = h.run()
    assert time.monotonic() - started < 10
    errors = h.errors(job)
    assert len(errors) == 1 and errors[0].startswith(
        "Could not get content from %s" % hostile.url(path)), errors
    assert "timed out" in errors[0], errors
    assert h.report(job) == {}
    assert helpers.call_action("package_search", q="*:*")["count"] == 0


@pytest_dcat
@ALLOW_PRIVATE
def test_dcat_rdf_imports_from_a_local_source_when_private_addresses_are_allowed(data_server):
    url = _serve_catalog(data_server)
    h = Harvest(p.get_plugin("dcat_rdf_harvester"), url)
    job, _ = h.run()
    assert h.report(job) == {"added": 1}, h.errors(job)
    assert data_server.hits["/catalog.ttl"] >= 1
