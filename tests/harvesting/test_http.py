"""harvesting/http.py against a real HTTP server on 127.0.0.1 started by the tests.

No mocks: every request goes over a socket to ``http.server`` running in a thread. The
server is on loopback, so the tests that must reach it set
``ckanext.migration.harvest.allow_private_addresses``; the ones that show a refusal
leave it off and check that the server never saw the request.

A redirect from an allowed (public) host to a private one is tested with the same server
acting as the HTTP proxy (``http_proxy``): ``fetch`` asks for ``http://<public IP>/...``,
which ``check_url`` allows, the request travels to the local server through the proxy,
and its redirect to a loopback / private / link-local address must be refused before any
request goes there.
"""
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from ckanext.migration.harvesting import http
from ckanext.migration.harvesting.http import FetchError, check_url, fetch

ALLOW_PRIVATE = pytest.mark.ckan_config(
    "ckanext.migration.harvest.allow_private_addresses", True)
SMALL_LIMIT = pytest.mark.ckan_config("ckanext.migration.harvest.max_bytes", 1000)
# a routable, public address: check_url lets it through without any DNS; the requests
# never leave this machine because the tests that use it route them through the proxy
PUBLIC = "93.184.215.14"


class Server:
    """A local HTTP server whose routes the tests below rely on; it logs what it gets."""

    def __init__(self):
        self.requests = []  # (host the client asked for, path, query, headers)
        self.release = threading.Event()  # wakes handlers that wait (slow, stalled)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                target = urlsplit(self.path)  # absolute when the server is the proxy
                server.requests.append((target.hostname or self.headers.get("Host"),
                                        target.path, parse_qs(target.query),
                                        dict(self.headers)))
                route = target.path.strip("/").split("/")
                getattr(self, "route_" + route[0].replace("-", "_"), self.route_missing)(
                    route[1:], parse_qs(target.query))

            def answer(self, status=200, body=b"", headers=None, length=True):
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                if length:
                    self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def route_missing(self, args, query):
                self.answer(404, b"no such route")

            def route_ok(self, args, query):
                self.answer(200, b"hello from the source")

            def route_echo(self, args, query):
                self.answer(200, json.dumps({
                    "query": query, "user_agent": self.headers.get("User-Agent"),
                    "accept": self.headers.get("Accept")}).encode())

            def route_status(self, args, query):
                self.answer(int(args[0]), b"status page")

            def route_redirect(self, args, query):
                """/redirect?to=<Location> (absolute or relative), status 302 or ?status."""
                self.answer(int(query.get("status", ["302"])[0]),
                            headers={"Location": query["to"][0]})

            def route_chain(self, args, query):
                """/chain/<n>: n redirects (relative Locations) before the content."""
                n = int(args[0])
                if n:
                    self.answer(302, headers={"Location": "%d" % (n - 1)})
                else:
                    self.answer(200, b"end of the chain")

            def route_loop(self, args, query):
                """/loop: redirects to itself, for ever."""
                self.answer(302, headers={"Location": "/loop"})

            def route_bytes(self, args, query):
                """/bytes/<n>: n bytes with a Content-Length."""
                self.answer(200, b"x" * int(args[0]))

            def route_declared(self, args, query):
                """/declared/<n>: says Content-Length n, then sends nothing until released."""
                self.send_response(200)
                self.send_header("Content-Length", args[0])
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.flush()
                server.release.wait(10)

            def route_unsized(self, args, query):
                """/unsized/<n>: n bytes, no Content-Length, the end is the connection close."""
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                self._send_slices(int(args[0]))

            def route_chunked(self, args, query):
                """/chunked/<n>: n bytes in chunked transfer encoding."""
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                left = int(args[0])
                try:
                    while left:
                        piece = min(left, 4096)
                        self.wfile.write(b"%x\r\n%s\r\n" % (piece, b"x" * piece))
                        left -= piece
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send_slices(self, n):
                try:
                    while n:
                        piece = min(n, 4096)
                        self.wfile.write(b"x" * piece)
                        n -= piece
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def route_slow(self, args, query):
                """/slow/<seconds>: answers only after that long (or when released)."""
                server.release.wait(float(args[0]))
                self.answer(200, b"finally")

            def route_stall(self, args, query):
                """/stall: headers and the start of the body, then silence."""
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"x" * 10)
                self.wfile.flush()
                server.release.wait(10)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path):
        return self.base + path

    def paths(self):
        return [path for _, path, _, _ in self.requests]

    def start(self):
        self.thread.start()

    def stop(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    s = Server()
    s.start()
    yield s
    s.stop()


@pytest.fixture
def proxied(server, monkeypatch):
    """The local server is also the HTTP proxy: http://<PUBLIC>/... reaches it."""
    monkeypatch.setenv("http_proxy", server.base)
    return server


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- check_url: schemes and addresses ---------------------------------------------------

@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "ftp://ftp.example.org/data.csv", "gopher://example.org/",
    "javascript:alert(1)", "data:text/plain,hello", "//example.org/no-scheme",
    "example.org/no-scheme",
])
@pytest.mark.parametrize("allow_private", [False, True])
def test_check_url_refuses_other_schemes_even_when_private_addresses_are_allowed(
        url, allow_private):
    with pytest.raises(FetchError, match="only http"):
        check_url(url, allow_private)


@pytest.mark.parametrize("url", ["http:///path", "http://:80/", "https://?q=1"])
def test_check_url_refuses_urls_without_a_host(url):
    with pytest.raises(FetchError, match="no host"):
        check_url(url, allow_private=True)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://127.0.0.1:8983/solr", "http://127.1/", "http://2130706433/",
    "http://0x7f000001/", "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data", "http://100.100.100.200/latest/meta-data",
    "http://0.0.0.0/", "http://224.0.0.1/", "http://[::1]/", "http://[::1]:8080/x",
    "http://[fe80::1]/", "http://[fc00::1]/", "http://[::]/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/", "http://localhost/", "http://LOCALHOST:5000/",
    "http://localhost./", "http://foo.localhost/", "http://foo.localhost./",
    "https://a.b.localhost/x", "http://user:pw@127.0.0.1/", "http://93.184.215.14@127.0.0.1/",
])
def test_check_url_refuses_loopback_private_and_link_local_addresses(url):
    with pytest.raises(FetchError, match="refusing to fetch"):
        check_url(url)
    with pytest.raises(FetchError, match="allow_private_addresses"):
        check_url(url, allow_private=False)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://10.1.2.3/", "http://169.254.169.254/", "http://[::1]/",
    "http://localhost/", "http://foo.localhost/",
])
def test_check_url_allows_private_addresses_when_configured(url):
    check_url(url, allow_private=True)


@pytest.mark.parametrize("url", [
    "http://%s/" % PUBLIC, "https://8.8.8.8/path?x=1", "HTTP://%s/" % PUBLIC,
    "https://[2001:4860:4860::8888]/", "http://%s:8080/" % PUBLIC,
])
def test_check_url_allows_public_addresses(url):
    check_url(url)


@pytest.mark.parametrize("url", ["http://example.org:99999/", "http://example.org:port/"])
def test_check_url_says_an_invalid_port_is_an_invalid_url(url):
    # a FetchError (the harvesters report it), not a ValueError that stops the gather
    with pytest.raises(FetchError, match="invalid URL"):
        check_url(url)


# -- fetch against the local server -------------------------------------------------------

@ALLOW_PRIVATE
def test_fetch_returns_the_body_and_sends_params_and_headers(server):
    body = fetch(server.url("/echo"), params={"lang": "en", "q": "asylum"},
                 headers={"Accept": "text/csv"})
    sent = json.loads(body)
    assert sent["query"] == {"lang": ["en"], "q": ["asylum"]}
    assert sent["user_agent"] == http.USER_AGENT
    assert sent["accept"] == "text/csv"
    assert fetch(server.url("/ok")) == b"hello from the source"


def test_the_same_local_url_is_refused_without_allow_private(server):
    with pytest.raises(FetchError, match="refusing to fetch .*127.0.0.1"):
        fetch(server.url("/ok"))
    assert server.requests == []


@pytest.mark.ckan_config("ckanext.migration.harvest.allow_private_addresses", False)
def test_allow_private_false_refuses_even_when_set_explicitly(server):
    with pytest.raises(FetchError, match="refusing to fetch"):
        fetch(server.url("/ok"))
    assert server.requests == []


@ALLOW_PRIVATE
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_followed(server, status):
    target = quote(server.url("/ok"), safe="")
    assert fetch(server.url("/redirect?status=%d&to=%s" % (status, target))) == \
        b"hello from the source"
    assert server.paths() == ["/redirect", "/ok"]


@ALLOW_PRIVATE
def test_relative_redirects_are_resolved_and_params_not_repeated(server):
    assert fetch(server.url("/chain/2"), params={"page": "1"}) == b"end of the chain"
    assert server.paths() == ["/chain/2", "/chain/1", "/chain/0"]
    # the query was for the first address; the source's Location decides the rest
    assert [query for _, _, query, _ in server.requests] == [{"page": ["1"]}, {}, {}]


@ALLOW_PRIVATE
@pytest.mark.parametrize("location", [
    "file:///etc/passwd", "ftp://ftp.example.org/secret.csv", "gopher://127.0.0.1:6379/_INFO",
])
def test_redirect_to_another_scheme_is_refused_even_with_allow_private(server, location):
    with pytest.raises(FetchError, match="only http"):
        fetch(server.url("/redirect?to=%s" % quote(location, safe="")))
    assert server.paths() == ["/redirect"]


def test_proxy_set_up_reaches_a_public_address_without_allow_private(proxied):
    # control for the next test: the public address itself is allowed and answered
    assert fetch("http://%s/ok" % PUBLIC) == b"hello from the source"
    assert [(host, path) for host, path, _, _ in proxied.requests] == [(PUBLIC, "/ok")]


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{port}/ok", "http://localhost:{port}/ok", "http://[::1]:{port}/ok",
    "http://10.0.0.8/ok", "http://169.254.169.254/latest/meta-data",
    "http://foo.localhost:{port}/ok",
])
def test_redirect_from_a_public_host_to_a_private_address_is_refused(proxied, target):
    target = target.format(port=proxied.port)
    with pytest.raises(FetchError, match="refusing to fetch"):
        fetch("http://%s/redirect?to=%s" % (PUBLIC, quote(target, safe="")))
    # the public host was asked, the private target never
    assert [(host, path) for host, path, _, _ in proxied.requests] == \
        [(PUBLIC, "/redirect")]


@ALLOW_PRIVATE
@SMALL_LIMIT
def test_declared_size_over_the_limit_is_refused_before_reading(server):
    started = time.monotonic()
    with pytest.raises(FetchError, match="is 5000 bytes, over the 1000 byte limit"):
        fetch(server.url("/declared/5000"))
    # the server sends no body at all: only the header can have told
    assert time.monotonic() - started < 5


@ALLOW_PRIVATE
@SMALL_LIMIT
@pytest.mark.parametrize("route", ["unsized", "chunked"])
def test_streamed_size_over_the_limit_is_refused_without_content_length(server, route):
    with pytest.raises(FetchError, match="over the 1000 byte limit"):
        fetch(server.url("/%s/200000" % route))


@ALLOW_PRIVATE
@SMALL_LIMIT
@pytest.mark.parametrize("route", ["bytes", "unsized", "chunked"])
def test_a_body_at_the_limit_is_read_whole(server, route):
    assert fetch(server.url("/%s/1000" % route)) == b"x" * 1000
    with pytest.raises(FetchError, match="over the 1000 byte limit"):
        fetch(server.url("/%s/1001" % route))


@ALLOW_PRIVATE
@pytest.mark.ckan_config("ckanext.migration.harvest.timeout", 0.5)
def test_a_source_that_does_not_answer_in_time_is_a_timeout(server):
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0.5s fetching .*/slow/30"):
        fetch(server.url("/slow/30"))
    assert time.monotonic() - started < 5


@ALLOW_PRIVATE
@pytest.mark.ckan_config("ckanext.migration.harvest.timeout", 0.5)
def test_a_source_that_stops_sending_mid_body_times_out(server):
    started = time.monotonic()
    with pytest.raises(FetchError, match="could not read .*timed out"):
        fetch(server.url("/stall"))
    assert time.monotonic() - started < 5


@ALLOW_PRIVATE
@pytest.mark.ckan_config("ckanext.migration.harvest.timeout", 5)
def test_a_slow_source_within_the_timeout_is_read(server):
    assert fetch(server.url("/slow/0.3")) == b"finally"


@ALLOW_PRIVATE
@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 429, 500, 502, 503])
def test_http_errors_are_fetch_errors(server, status):
    url = server.url("/status/%d" % status)
    with pytest.raises(FetchError, match="answered HTTP %d" % status):
        fetch(url)


@ALLOW_PRIVATE
def test_http_error_after_a_redirect_names_the_final_address(server):
    with pytest.raises(FetchError, match=r"/status/404 answered HTTP 404"):
        fetch(server.url("/redirect?to=/status/404"))


@ALLOW_PRIVATE
def test_a_closed_port_is_a_fetch_error():
    with pytest.raises(FetchError, match="could not fetch"):
        fetch("http://127.0.0.1:%d/ok" % _closed_port())


@ALLOW_PRIVATE
def test_the_redirect_limit_is_followed_exactly(server):
    assert fetch(server.url("/chain/%d" % http.MAX_REDIRECTS)) == b"end of the chain"
    assert len(server.requests) == http.MAX_REDIRECTS + 1


@ALLOW_PRIVATE
def test_too_many_redirects_is_refused(server):
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(server.url("/chain/%d" % (http.MAX_REDIRECTS + 1)))
    # it stopped at the limit: the content at the end was never requested
    assert len(server.requests) == http.MAX_REDIRECTS + 1
    assert "/chain/0" not in server.paths()


@ALLOW_PRIVATE
def test_a_redirect_loop_is_refused(server):
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(server.url("/loop"))
    assert server.paths() == ["/loop"] * (http.MAX_REDIRECTS + 1)
