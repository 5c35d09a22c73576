"""Link-check benchmark (a script, not a test): 10,000 URLs on several local hosts.

A separate process serves N "hosts" (127.0.0.1 on N ports: the checker's politeness limit
is per host:port) that answer after a fixed latency, as a remote server would: 85% of the
URLs work, 5% are missing (404), 5% refuse HEAD (405, then a ranged GET) and 5% redirect.
The URLs come grouped by host, as the catalogue's resources do (by dataset).

In the same run:

- baseline: one request at a time (concurrency 1) on a sample, extrapolated to all URLs;
- ours: ``linkcheck.check_many``, the code ``ckan migration check-links`` runs, with the
  shipped ``ckanext.migration.linkcheck.concurrency`` and ``per_host`` (or the options).

Prints URLs/s of each, the most requests one host had in flight at once (as the server
saw them; it must not exceed ``per_host``) and checks every result. Exits 1 when a check
fails or ours takes longer than ``--max-seconds``.

    python benchmarks/linkcheck.py [--urls 10000] [--hosts 4] [--latency 0.02]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DECLARATION = os.path.join(ROOT, "ckanext-migration", "ckanext", "migration",
                           "config_declaration.yaml")
# (route, share of the URLs, the status the checker must report)
MIX = (("ok", 85, "ok"), ("missing", 5, "broken"), ("nohead", 5, "ok"),
       ("redirect", 5, "ok"))


def declared_defaults() -> dict:
    """The shipped defaults of the ckanext.migration.linkcheck.* options."""
    with open(DECLARATION) as f:
        declared = yaml.safe_load(f)
    out = {}
    for group in declared["groups"]:
        for option in group["options"]:
            if option["key"].startswith("ckanext.migration.linkcheck."):
                out[option["key"].rsplit(".", 1)[1]] = option["default"]
    return out


# --- the servers (their own process, so that they do not share the checker's GIL) ---------

def serve(hosts: int, latency: float, conn):
    """N HTTP servers; answers "stats" (most in flight per port, requests) and "reset"."""
    lock = threading.Lock()
    state = {"in_flight": Counter(), "most": Counter(), "requests": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers
        log_message = staticmethod(lambda *args: None)

        def do_HEAD(self):  # noqa: N802 - http.server's naming
            self.answer(head=True)

        def do_GET(self):  # noqa: N802
            self.answer(head=False)

        def answer(self, head):
            port = self.server.server_address[1]
            with lock:
                state["requests"] += 1
                state["in_flight"][port] += 1
                state["most"][port] = max(state["most"][port], state["in_flight"][port])
            try:
                time.sleep(latency)
                status, headers = self.route(head)
            finally:
                with lock:
                    state["in_flight"][port] -= 1
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if not head and status < 300:
                self.wfile.write(b"x" * int(headers["Content-Length"]))

        def route(self, head):
            kind = self.path.strip("/").split("/")[0]
            if kind == "ok":
                return 200, {"Content-Type": "text/csv", "Content-Length": "5"}
            if kind == "nohead":
                if head:
                    return 405, {"Content-Length": "0"}
                return 206, {"Content-Type": "application/zip", "Content-Length": "1",
                             "Content-Range": "bytes 0-0/1234"}
            if kind == "redirect":
                return 302, {"Location": "/ok" + self.path[len("/redirect"):],
                             "Content-Length": "0"}
            return 404, {"Content-Length": "0"}

    servers = []
    for _ in range(hosts):
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        # a client closing a kept-alive connection is no error worth a traceback
        httpd.handle_error = lambda request, address: None
        httpd.request_queue_size = 128
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
    conn.send([s.server_address[1] for s in servers])
    while True:
        command = conn.recv()
        with lock:
            if command == "stats":
                conn.send({"most": dict(state["most"]), "requests": state["requests"]})
            elif command == "reset":
                state["most"].clear()
                state["requests"] = 0
                conn.send("ok")
            else:
                return


def start_servers(hosts: int, latency: float):
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=serve, args=(hosts, latency, child), daemon=True)
    process.start()
    return process, parent, parent.recv()


# --- the checks ------------------------------------------------------------------------------

def make_urls(ports: list, total: int) -> list:
    """(url, expected status), grouped by host like resources grouped by dataset."""
    kinds = [(route, expected) for route, share, expected in MIX for _ in range(share)]
    urls = []
    per_host = -(-total // len(ports))
    for port in ports:
        for i in range(per_host):
            if len(urls) == total:
                break
            route, expected = kinds[i % len(kinds)]
            urls.append(("http://127.0.0.1:%d/%s/%d" % (port, route, i), expected))
    return urls


def timed_run(urls: list, conf: dict, control) -> dict:
    from ckanext.migration import linkcheck

    control.send("reset"), control.recv()
    wrong = []
    started = time.perf_counter()
    for (url, expected), result in linkcheck.check_many(urls, conf, url=lambda u: u[0]):
        if result["status"] != expected:
            wrong.append((url, expected, result))
    seconds = time.perf_counter() - started
    control.send("stats")
    stats = control.recv()
    return {"urls": len(urls), "seconds": seconds, "rate": len(urls) / seconds,
            "most_per_host": max(stats["most"].values()), "requests": stats["requests"],
            "wrong": wrong}


def main():
    defaults = declared_defaults()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--urls", type=int, default=10000)
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--latency", type=float, default=0.02,
                    help="seconds each answer takes (default 0.02)")
    ap.add_argument("--baseline-sample", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=int(defaults["concurrency"]))
    ap.add_argument("--per-host", type=int, default=int(defaults["per_host"]))
    ap.add_argument("--max-seconds", type=float, default=60.0)
    args = ap.parse_args()
    # the servers are local: no proxy may stand between
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        os.environ.pop(name, None)

    process, control, ports = start_servers(args.hosts, args.latency)
    urls = make_urls(ports, args.urls)
    # 127.0.0.1 passes the SSRF guard only when allowed, as
    # ckanext.migration.harvest.allow_private_addresses does in the tests
    conf = {"allow_private": True, "timeout": float(defaults["timeout"]),
            "concurrency": args.concurrency, "per_host": args.per_host}
    print("link-check benchmark: %d URLs on %d hosts (127.0.0.1, one port each), %g ms per "
          "answer; %s" % (len(urls), len(ports), args.latency * 1000,
                          ", ".join("%d%% %s" % (share, route) for route, share, _ in MIX)))
    sample = urls[::max(1, len(urls) // args.baseline_sample)][:args.baseline_sample]
    base = timed_run(sample, dict(conf, concurrency=1, per_host=1), control)
    ours = timed_run(urls, conf, control)
    control.send("stop")
    process.join(5)

    print("%-44s %8s %8s %10s %14s" % ("", "URLs", "seconds", "URLs/s", "most/host"))
    print("%-44s %8d %8.1f %10.1f %14d" % (
        "baseline: one at a time (sample)", base["urls"], base["seconds"], base["rate"],
        base["most_per_host"]))
    print("%-44s %8d %8.1f %10s %14s" % (
        "  extrapolated to all URLs", len(urls), len(urls) / base["rate"], "", ""))
    print("%-44s %8d %8.1f %10.1f %14d" % (
        "ours: concurrency %d, per_host %d" % (args.concurrency, args.per_host),
        ours["urls"], ours["seconds"], ours["rate"], ours["most_per_host"]))
    print("speed-up x%.1f; requests seen by the servers: %d for %d URLs (405 -> GET, "
          "redirects)" % (ours["rate"] / base["rate"], ours["requests"], ours["urls"]))

    failures = []
    for name, run in (("baseline", base), ("ours", ours)):
        if run["wrong"]:
            url, expected, result = run["wrong"][0]
            failures.append("%s: %d results wrong, e.g. %s expected %s, got %s" % (
                name, len(run["wrong"]), url, expected, result))
    if ours["most_per_host"] > args.per_host:
        failures.append("a host had %d requests in flight (per_host %d)"
                        % (ours["most_per_host"], args.per_host))
    if ours["seconds"] > args.max_seconds:
        failures.append("%d URLs took %.1f s (target %g s)"
                        % (ours["urls"], ours["seconds"], args.max_seconds))
    for failure in failures:
        print("FAIL: " + failure)
    if failures:
        sys.exit(1)
    print("OK: %d URLs in %.1f s (target %g s), at most %d requests per host (per_host %d)"
          % (ours["urls"], ours["seconds"], args.max_seconds, ours["most_per_host"],
             args.per_host))


if __name__ == "__main__":
    main()
