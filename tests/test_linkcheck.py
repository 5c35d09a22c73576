"""`ckan migration check-links` and `migration_broken_links` against a real HTTP server on
127.0.0.1 started by the tests, with the real database and search service."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from ckan.cli.cli import ckan as ckan_command
from ckan.tests import factories, helpers

from ckanext.migration import linkcheck

from .factories import dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")
ALLOW_PRIVATE = pytest.mark.ckan_config(
    "ckanext.migration.harvest.allow_private_addresses", True)
# a public address check_url lets through; the test routes it to the local server (proxy)
PUBLIC = "93.184.215.14"
SHORT_TIMEOUT = pytest.mark.ckan_config("ckanext.migration.linkcheck.timeout", 0.5)


class Server:
    """Routes: /ok, /missing (404), /error (500), /nohead (HEAD 405, ranged GET 206),
    /redirect (to /ok), /tolocal (to 127.0.0.1), /slow/<s>, /flip (200 or 404 as `flip_ok` says)."""

    def __init__(self):
        self.flip_ok = False
        self.in_flight = self.most_in_flight = 0
        self.seen = []  # (method, path, Range header)
        self.release = threading.Event()
        lock, server = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            log_message = staticmethod(lambda *args: None)

            def do_HEAD(self):
                self.handle_any(head=True)

            def do_GET(self):
                self.handle_any(head=False)

            def handle_any(self, head):
                with lock:
                    server.seen.append((self.command, self.path, self.headers.get("Range")))
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                try:
                    status, headers = self.route(head)
                finally:
                    with lock:
                        server.in_flight -= 1
                self.send_response(status)
                for key, value in dict(headers, Connection="close").items():
                    self.send_header(key, value)
                self.end_headers()
                if not head:
                    self.wfile.write(b"x" * int(headers.get("Content-Length", 0)))

            def route(self, head):
                path = urlsplit(self.path).path.strip("/").split("/")
                text = {"Content-Type": "text/csv", "Content-Length": "5"}
                if path[0] == "ok" or (path[0] == "flip" and server.flip_ok):
                    return 200, text
                if path[0] == "error":
                    return 500, {"Content-Length": "0"}
                if path[0] == "nohead":
                    if head:
                        return 405, {"Content-Length": "0"}
                    assert self.headers.get("Range") == "bytes=0-0"
                    return 206, {"Content-Type": "application/zip", "Content-Length": "1",
                                 "Content-Range": "bytes 0-0/1234"}
                if path[0] == "redirect":
                    return 302, {"Location": "/ok", "Content-Length": "0"}
                if path[0] == "tolocal":
                    return 302, {"Location": server.url + "/ok", "Content-Length": "0"}
                if path[0] == "slow":
                    server.release.wait(float(path[1]))
                    return 200, text
                return 404, {"Content-Length": "0"}

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    s = Server()
    yield s
    s.release.set()  # slow handlers answer now
    s.httpd.shutdown(), s.httpd.server_close()


@pytest.fixture
def org():
    return factories.Organization()


def _dataset(org, name, urls, creator="Eurostat", private=False):
    user = factories.Sysadmin()
    resources = [{"url": url, "name": "r%d" % i, "format": "CSV"}
                 for i, url in enumerate(urls)]
    return helpers.call_action(
        "package_create", context={"user": user["name"]},
        **dataset(name=name, owner_org=org["id"], private=private, resources=resources,
                  creator=[{"name": creator,
                            "type": "http://purl.org/adms/publishertype/NationalAuthority"}]))


def _resources(name):
    found = helpers.call_action("package_show", id=name)["resources"]
    return {r["url"].rsplit("/", 1)[-1] if "/slow/" not in r["url"] else r["name"]: r
            for r in found}


def _check_links(cli):
    result = cli.invoke(ckan_command, ["migration", "check-links"])
    assert result.exit_code == 0, result.output
    return result.output


@ALLOW_PRIVATE
@SHORT_TIMEOUT
def test_statuses_are_stored_on_each_resource(cli, server, org):
    paths = ["ok", "missing", "error", "nohead", "redirect", "slow/5"]
    _dataset(org, "links", [server.url + "/" + p for p in paths] + ["ftp://example.org/x"])
    output = _check_links(cli)
    assert "checked 6, ok 3, broken 3, skipped 1, duration" in output

    res = _resources("links")
    ok = res["ok"]
    assert (ok["link_status"], ok["link_http_status"], ok["link_content_type"],
            ok["link_size"], ok["link_error"], ok["link_broken_since"]) == (
        "ok", 200, "text/csv", 5, "", "")
    assert ok["link_last_ok"] == ok["link_checked_at"]
    assert (res["missing"]["link_status"], res["missing"]["link_error"]) == ("broken", "HTTP 404")
    assert res["missing"]["link_broken_since"] == res["missing"]["link_checked_at"]
    assert res["missing"]["link_last_ok"] == ""
    assert (res["error"]["link_http_status"], res["error"]["link_error"]) == (500, "HTTP 500")
    nohead = res["nohead"]
    assert (nohead["link_status"], nohead["link_http_status"], nohead["link_content_type"],
            nohead["link_size"]) == ("ok", 206, "application/zip", 1234)
    assert ("GET", "/nohead", "bytes=0-0") in server.seen
    assert ("HEAD", "/missing", None) in server.seen
    assert ("GET", "/missing", "bytes=0-0") not in server.seen  # a 404 is an answer
    assert (res["redirect"]["link_status"], res["redirect"]["link_http_status"]) == ("ok", 200)
    slow = res["r5"]
    assert (slow["link_status"], slow["link_error"]) == ("broken", "timed out after 0.5s")
    assert "link_status" not in res["x"]
    # in the index too: what package_search returns carries them
    found = helpers.call_action("package_search", q="name:links")["results"][0]
    assert {r["link_status"] for r in found["resources"] if "link_status" in r} == {
        "ok", "broken"}


def test_private_addresses_are_refused_like_harvesting(cli, server, org):
    _dataset(org, "local", [server.url + "/ok"])
    assert "checked 1, ok 0, broken 1" in _check_links(cli)
    res = _resources("local")["ok"]
    assert res["link_status"] == "broken" and res["link_http_status"] == ""
    assert "127.0.0.1 is a private, loopback or link-local address" in res["link_error"]
    assert "allow_private_addresses" in res["link_error"]
    assert server.seen == []


def test_a_redirect_to_a_private_address_is_refused(cli, server, org, monkeypatch):
    monkeypatch.setenv("http_proxy", server.url)  # http://PUBLIC/... reaches the server
    monkeypatch.setenv("no_proxy", "127.0.0.1")  # the search service and the redirect do not
    _dataset(org, "proxied", ["http://%s/ok" % PUBLIC, "http://%s/tolocal" % PUBLIC])
    assert "checked 2, ok 1, broken 1" in _check_links(cli)
    res = _resources("proxied")
    assert res["ok"]["link_status"] == "ok"
    assert res["tolocal"]["link_status"] == "broken"
    assert "127.0.0.1 is a private, loopback or link-local" in res["tolocal"]["link_error"]
    assert [p for _m, p, _r in server.seen if "/ok" in p] == ["http://%s/ok" % PUBLIC]


@ALLOW_PRIVATE
def test_broken_since_persists_and_clears_when_the_link_recovers(cli, server, org):
    before = _dataset(org, "flipping", [server.url + "/flip"])
    _check_links(cli)
    after = helpers.call_action("package_show", id="flipping")
    # nothing but the link fields changes: a link check is no edit, so the modification
    # dates (which freshness falls back on) stay as they were
    assert after["resources"][0] == dict(
        before["resources"][0], **linkcheck.fields(
            {k: after["resources"][0]["link_" + k] for k in (
                "status", "http_status", "content_type", "size", "error")},
            {}, after["resources"][0]["link_checked_at"]))
    # (but the computed link health, which is what the check is for)
    assert (before["link_health"], after["link_health"]) == ("unchecked", "some_broken")
    assert dict(after, resources=None) == dict(before, resources=None,
                                               link_health="some_broken")
    first = _resources("flipping")["flip"]
    assert first["link_status"] == "broken"
    time.sleep(1.1)  # timestamps are to the second
    _check_links(cli)
    second = _resources("flipping")["flip"]
    assert second["link_checked_at"] > first["link_checked_at"]
    assert second["link_broken_since"] == first["link_broken_since"]

    server.flip_ok = True
    _check_links(cli)
    third = _resources("flipping")["flip"]
    assert (third["link_status"], third["link_broken_since"], third["link_error"]) == (
        "ok", "", "")
    assert third["link_last_ok"] == third["link_checked_at"]

    server.flip_ok = False
    time.sleep(1.1)
    _check_links(cli)
    fourth = _resources("flipping")["flip"]
    assert fourth["link_last_ok"] == third["link_last_ok"]
    assert fourth["link_broken_since"] == fourth["link_checked_at"] > third["link_checked_at"]


@ALLOW_PRIVATE
def test_broken_links_by_producer_and_hidden_from_who_may_not_see_them(cli, server, org):
    _dataset(org, "eurostat-public", [server.url + "/ok", server.url + "/missing"])
    _dataset(org, "unhcr-private", [server.url + "/error"], creator="UNHCR", private=True)
    _dataset(org, "all-good", [server.url + "/ok"], creator="IOM")
    _check_links(cli)

    admin = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=admin["name"],
                        role="admin")
    seen = helpers.call_action("migration_broken_links", context={"user": admin["name"]})
    assert seen["count"] == 2
    assert [g["producer"] for g in seen["producers"]] == ["Eurostat", "UNHCR"]
    link = seen["producers"][1]["links"][0]
    assert (link["dataset_name"], link["resource_name"], link["url"], link["error"]) == (
        "unhcr-private", "r0", server.url + "/error", "HTTP 500")
    assert link["broken_since"] and link["resource_id"]

    anonymous = helpers.call_action("migration_broken_links", context={"user": ""})
    assert anonymous["count"] == 1
    assert [g["producer"] for g in anonymous["producers"]] == ["Eurostat"]
    assert anonymous["producers"][0]["links"][0]["dataset_name"] == "eurostat-public"
    sysadmin = factories.Sysadmin()
    assert helpers.call_action("migration_broken_links",
                               context={"user": sysadmin["name"]})["count"] == 2


@ALLOW_PRIVATE
@pytest.mark.ckan_config("ckanext.migration.linkcheck.per_host", 2)
@pytest.mark.ckan_config("ckanext.migration.linkcheck.concurrency", 8)
def test_per_host_limit_is_never_exceeded(server, org):
    _dataset(org, "slow-ones", [server.url + "/slow/0.3?n=%d" % i for i in range(10)])
    counts = linkcheck.run()
    assert (counts["checked"], counts["ok"]) == (10, 10)
    assert server.most_in_flight == 2


def test_hosts_take_turns():
    """Resources come grouped by dataset, hence by host: a run of one host's URLs would leave
    all but per_host workers waiting on that host's limit (bench-linkcheck.sh: x3.7)."""
    urls = ["http://a.org/1", "http://a.org/2", "http://a.org/3", "http://b.org/1",
            "http://b.org:8080/1", "http://a.org:bad/x", "http://b.org/2"]
    assert linkcheck.by_host_in_turn(urls) == [
        "http://a.org/1", "http://b.org/1", "http://b.org:8080/1",
        "http://a.org/2", "http://b.org/2", "http://a.org/3", "http://a.org:bad/x"]
    items = [{"url": u} for u in urls[:4]]
    assert linkcheck.by_host_in_turn(items, url=lambda r: r["url"]) == [
        items[0], items[3], items[1], items[2]]


def test_a_malformed_port_is_a_broken_link_not_a_crash():
    conf = {"allow_private": False, "timeout": 1, "concurrency": 2, "per_host": 1}
    [(url, result)] = linkcheck.check_many(["http://example.org:bad/x"], conf)
    assert result["status"] == "broken"
    assert result["error"] == ("invalid URL 'http://example.org:bad/x': Port could not be cast "
                               "to integer value as 'bad'")


def test_an_uploaded_file_is_checked_in_storage_not_over_http(org, create_with_upload):
    # the site's own address (127.0.0.1 here) is one the HTTP check refuses. Run in this
    # process: test.ini's storage is in memory, which a CLI run's fresh app would not see
    from ckanext.migration import linkcheck
    pkg = _dataset(org, "uploaded", [])
    user = factories.Sysadmin()
    res = create_with_upload("Year,Refugees\n2024,10\n", "refugees.csv", package_id=pkg["id"],
                             context={"user": user["name"]}, format="CSV")
    counts = linkcheck.run()
    assert (counts["checked"], counts["ok"], counts["broken"]) == (1, 1, 0)
    stored = helpers.call_action("resource_show", id=res["id"])
    assert (stored["link_status"], stored["link_size"], stored["link_error"]) == ("ok", 22, "")

    # the file disappears from storage: broken, and said so
    from ckan.lib import files, uploader
    upload = uploader.get_resource_uploader(stored)
    upload.storage.remove(files.FileData(files.Location(upload.get_path(res["id"]))))
    counts = linkcheck.run()
    assert (counts["checked"], counts["ok"], counts["broken"]) == (1, 0, 1)
    stored = helpers.call_action("resource_show", id=res["id"])
    assert stored["link_status"] == "broken"
    assert "missing from this site's storage" in stored["link_error"]
