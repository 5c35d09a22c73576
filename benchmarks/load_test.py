"""Load benchmark of the catalogue (a script, not a test): locust, and the cost of access
checks in package_search. scripts/bench-locust.sh renders the config and runs it.

The catalogue: ``--docs`` synthetic migration datasets (``catalog_stream.synthetic_dataset``,
made into index documents by ``catalog_stream.index_document``, which calls
``indexing.index_fields``, and by the access package's ``before_index``) loaded straight into
a fresh search-service core, plus ``--real`` datasets created through ``package_create`` in
the benchmark's own database (so that dataset pages and ``/dataset/<id>.ttl``, which read
the database, have something to show; they are indexed in the same core).

``--mode load`` (default): a fresh CKAN (``ckan run --threaded``, as scripts/run.sh) and
a bounded locust run (headless, 127.0.0.1, ``--run-time``), ``--users`` concurrent users
mixing package_search, the /dataset search page with facets, dataset pages and DCAT pages
(``/dataset/<id>.ttl``, ``/catalog.ttl?page=N``); p50/p95 per endpoint and the error rate.

``--mode access``: two cores of ``--docs`` datasets, one with no restricted nor private
dataset, one with ``--restricted`` restricted (access_rights RESTRICTED) and ``--private``
private ones; a fresh CKAN on each times package_search (the search page's query: free
text, facets) as an anonymous visitor and as a logged-in user who is a member of no
organisation (CKAN's permission labels), ``--requests`` each; p95s and their ratio against
the target (access checks add at most 10% to package_search p95).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from benchmarks.catalog_stream import (ORGS, bench_index_batch, index_document,  # noqa: E402
                                       synthetic_dataset)
from benchmarks.search_service import WORDS, percentiles, start_service  # noqa: E402

RESTRICTED = "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
ACCESS_TARGET = 1.10
SEARCHES = [("migrants", ["countries", "gcm_objectives", "topics", "organization",
                          "res_format", "freshness"]),
            ("refugees asylum", ["countries", "regions", "source_type"]),
            ("remittances", ["gcm_objectives", "producer", "language"]),
            ("", ["countries", "topics", "res_format", "license_id"])]


class App:
    """CKAN's app for ``ini`` in this process (actions, and the access package's
    ``before_index``, which builds URLs), made once."""
    _app = None

    @classmethod
    def get(cls, ini):
        if cls._app is None:
            import logging
            from ckan.cli import load_config
            from ckan.config.middleware import make_app
            logging.disable(logging.WARNING)
            cls._app = make_app(load_config(ini))
        return cls._app


def access_hook(ini):
    """The access package's index hook, or None before it exists (older checkouts)."""
    try:
        from ckanext.migration import access
    except ImportError:
        return None
    if not hasattr(access, "before_index"):
        return None
    flask_app = App.get(ini)._wsgi_app

    def hook(doc):
        with flask_app.test_request_context():
            return access.before_index(doc)
    return hook


def load(url, args, restricted=0.0, private=0.0):
    """Index ``args.docs`` synthetic datasets, a share restricted and a share private."""
    rnd, extra = random.Random(42), random.Random(4343)
    hook = access_hook(args.ckan_ini) if restricted else None
    session = requests.Session()
    started = time.perf_counter()
    counts = {"restricted": 0, "private": 0}
    for first in range(0, args.docs, args.batch):
        docs = []
        for i in range(first, min(args.docs, first + args.batch)):
            pkg = synthetic_dataset(i, rnd)
            draw = extra.random()
            if draw < private:
                pkg["private"] = True
            elif draw < private + restricted:
                pkg["access_rights"] = RESTRICTED
            doc = index_document(pkg, args.site_id)
            if pkg["private"]:
                doc.update(capacity="private", private="true",
                           permission_labels=["member-%s" % pkg["owner_org"]])
                counts["private"] += 1
            elif pkg.get("access_rights"):
                doc["access_rights"] = RESTRICTED
                if hook:
                    doc = hook(doc)
                counts["restricted"] += 1
            docs.append(doc)
        bench_index_batch(session, url, docs)
        if (first // args.batch) % 40 == 0:
            print("  %d/%d (%.0f s)" % (first + len(docs), args.docs,
                                        time.perf_counter() - started), flush=True)
    session.post(url + "/update?commit=true", data=b"[]",
                 headers={"Content-Type": "application/json"}).raise_for_status()
    rate = args.docs / (time.perf_counter() - started)
    print("  indexed %d (%d restricted, %d private), %.0f docs/s"
          % (args.docs, counts["restricted"], counts["private"], rate), flush=True)
    return counts


def create_real(args):
    """``--real`` datasets through package_create (database + index), a sysadmin, and a
    user who is a member of no organisation with an API token. Returns (names, token)."""
    App.get(args.ckan_ini)
    import ckan.plugins.toolkit as tk
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    ctx = lambda: {"user": site, "ignore_auth": True}  # noqa: E731
    org_name, org_title = ORGS[0]
    try:
        org = tk.get_action("organization_show")(ctx(), {"id": org_name})
    except tk.ObjectNotFound:
        org = tk.get_action("organization_create")(ctx(), {"name": org_name,
                                                            "title": org_title})
    try:
        tk.get_action("user_show")(ctx(), {"id": "bench-visitor"})
    except tk.ObjectNotFound:
        tk.get_action("user_create")(ctx(), {"name": "bench-visitor",
                                             "email": "visitor@example.org",
                                             "password": "Bench-visitor-2026!"})
    token = tk.get_action("api_token_create")(ctx(), {"user": "bench-visitor",
                                                       "name": "bench"})["token"]
    rnd = random.Random(7)
    names = []
    for i in range(args.real):
        pkg = synthetic_dataset(10 ** 7 + i, rnd)
        data = {k: pkg[k] for k in (
            "title", "notes", "url", "license_id", "topics", "gcm_objectives", "creator",
            "source_type", "collection_method", "provenance", "definitions",
            "source_platform", "identifier", "sample_size", "unit_of_observation",
            "population_covered", "temporal_coverage", "frequency", "modified",
            "countries", "geographic_granularity", "disaggregation", "caveats",
            "caveat_flags")}
        data.update(name="real-%d" % i, owner_org=org["id"],
                    tags=[{"name": t["name"]} for t in pkg["tags"]],
                    resources=[{"name": r["name"], "format": r["format"], "url": r["url"],
                                "description": r["description"]} for r in pkg["resources"]])
        for _ in range(6):  # a synthetic value the schema refuses is left out
            try:
                tk.get_action("package_create")(ctx(), dict(data))
                names.append(data["name"])
                break
            except tk.ValidationError as e:
                for key in e.error_dict:
                    data.pop(key, None)
        if i % 50 == 0:
            print("  created %d/%d" % (i + 1, args.real), flush=True)
    return names, token


class CKAN:
    """``ckan run --disable-reloader --threaded`` (as scripts/run.sh) on ``ini``."""

    def __init__(self, ini, port, log):
        self.url = "http://127.0.0.1:%d" % port
        self.proc = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", ini, "run",
             "-H", "127.0.0.1", "-p", str(port), "--disable-reloader", "--threaded"],
            stdout=open(log, "a"), stderr=subprocess.STDOUT)
        for _ in range(240):
            if self.proc.poll() is not None:
                raise SystemExit("CKAN exited; see %s" % log)
            try:
                if requests.get(self.url + "/api/3/action/status_show", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise SystemExit("CKAN did not start; see %s" % log)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def with_core(ini, core_url, out):
    """A copy of ``ini`` searching ``core_url``."""
    text = open(ini).read().splitlines()
    lines = ["solr_url = %s" % core_url if line.startswith("solr_url = ") else
             "ckanext.migration.search_service_url = %s" % core_url
             if line.startswith("ckanext.migration.search_service_url = ") else line
             for line in text]
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(out, 0o600)
    return out


# -- locust ----------------------------------------------------------------------------
def run_locust(args, ckan_url, names):
    names_file = os.path.join(args.data_dir, "datasets.json")
    json.dump(names, open(names_file, "w"))
    prefix = os.path.join(args.data_dir, "locust")
    env = dict(os.environ, BENCH_DATASETS=names_file,
               BENCH_CATALOG_PAGES=str(max(1, args.docs // 100)))
    cmd = [os.path.join(os.path.dirname(sys.executable), "locust"),
           "-f", os.path.join(ROOT, "benchmarks", "locustfile.py"), "--headless",
           "--host", ckan_url, "-u", str(args.users), "-r", str(args.spawn_rate),
           "--run-time", args.run_time, "--stop-timeout", "30", "--only-summary",
           "--csv", prefix, "--loglevel", "WARNING"]
    print("  %s" % " ".join(cmd), flush=True)
    subprocess.run(cmd, env=env, check=False, timeout=parse_seconds(args.run_time) + 300)
    with open(prefix + "_stats.csv") as f:
        return list(csv.DictReader(f))


def parse_seconds(spec: str) -> int:
    units = {"h": 3600, "m": 60, "s": 1}
    total, num = 0, ""
    for ch in spec:
        if ch.isdigit():
            num += ch
        else:
            total += int(num or 0) * units[ch]
            num = ""
    return total + int(num or 0)


def locust_table(rows) -> str:
    lines = ["| endpoint | requests | p50 | p95 | errors |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        n, fails = int(r["Request Count"]), int(r["Failure Count"])
        name = "**all**" if r["Name"] == "Aggregated" else "%s %s" % (r["Type"], r["Name"])
        lines.append("| %s | %d | %s ms | %s ms | %d (%.2f%%) |" % (
            name, n, r["50%"], r["95%"], fails, 100.0 * fails / n if n else 0))
    return "\n".join(lines)


def mode_load(args):
    proc, url = start_service(args.data_dir, args.port)
    core = url.rsplit("/", 1)[0] + "/" + args.core
    ckan = None
    try:
        print("loading %d synthetic datasets into %s ..." % (args.docs, core), flush=True)
        load(core, args)
        ini = with_core(args.ckan_ini, core, os.path.join(args.data_dir, "ckan.ini"))
        args.ckan_ini = ini
        print("creating %d datasets through package_create ..." % args.real, flush=True)
        names, _token = create_real(args)
        total = requests.get(core + "/select", params={"q": "*:*", "rows": 0}).json()
        print("  %d documents in the index, %d datasets in the database"
              % (total["response"]["numFound"], len(names)), flush=True)
        ckan = CKAN(ini, args.ckan_port, os.path.join(args.data_dir, "ckan.log"))
        # one request of each kind first: a fresh CKAN builds its web assets on the first
        # page, and concurrent first pages race for them (a BundleError, 500)
        for path in ("/", "/dataset/", "/dataset/%s" % names[0], "/catalog.ttl"):
            requests.get(ckan.url + path, timeout=300)
        print("locust: %d users for %s ..." % (args.users, args.run_time), flush=True)
        rows = run_locust(args, ckan.url, names)
    finally:
        if ckan:
            ckan.stop()
        proc.terminate()
        proc.wait()
    print()
    print("load test, %d datasets in the index, %d users, %s (%s)"
          % (total["response"]["numFound"], args.users, args.run_time,
             time.strftime("%Y-%m-%d %H:%M")))
    print()
    print(locust_table(rows))
    agg = [r for r in rows if r["Name"] == "Aggregated"]
    if agg:
        n, fails = int(agg[0]["Request Count"]), int(agg[0]["Failure Count"])
        print("\nerror rate: %.2f%% (%d of %d), %.1f requests/s"
              % (100.0 * fails / max(n, 1), fails, n, float(agg[0]["Requests/s"])))
    return 0


# -- access checks ---------------------------------------------------------------------
_SESSIONS = {}


def time_search(base, headers, n, warmup, first=0):
    """Milliseconds of ``n`` package_search calls (search ``first`` onwards) after
    ``warmup`` untimed ones; one keep-alive session per site and caller."""
    key = (base, tuple(sorted(headers.items())))
    if key not in _SESSIONS:
        _SESSIONS[key] = requests.Session()
        _SESSIONS[key].headers.update(headers)
    session = _SESSIONS[key]
    times = []
    for k in range(first, first + warmup + n):
        q, facets = SEARCHES[k % len(SEARCHES)]
        params = {"q": q or WORDS[k % len(WORDS)], "rows": 20,
                  "facet.field": json.dumps(facets), "facet.limit": 50}
        started = time.perf_counter()
        r = session.get(base + "/api/3/action/package_search", params=params, timeout=120)
        elapsed = (time.perf_counter() - started) * 1000
        if r.status_code != 200:
            raise SystemExit("package_search: %d %s" % (r.status_code, r.text[:300]))
        if k >= first + warmup:
            times.append(elapsed)
    return times


def counted(core):
    """Restricted and private documents of a core (for a reused index)."""
    def n(q):
        return requests.get(core + "/select", params={"q": q, "rows": 0}).json()[
            "response"]["numFound"]
    return {"restricted": n('access_rights:"%s"' % RESTRICTED),
            "private": n("capacity:private"), "docs": n("*:*")}


def mode_access(args):
    """Both cores loaded, then two CKAN processes (one per core, ports ``--ckan-port`` and
    the next) answer alternately, in alternating order: a machine whose load changes
    during the run slows both sides alike."""
    proc, url = start_service(args.data_dir, args.port)
    base_core = url.rsplit("/", 1)[0]
    results = {}
    cores = [("without", 0.0, 0.0), ("with", args.restricted, args.private)]
    counts, ckans = {}, {}
    try:
        for label, restricted, private in cores:
            core = "%s/%s_%s" % (base_core, args.core, label)
            if args.reuse_index:
                counts[label] = counted(core)
                print("core %s reused: %s" % (core, counts[label]), flush=True)
                continue
            print("core %s: %d datasets, %.0f%% restricted, %.0f%% private ..."
                  % (core, args.docs, 100 * restricted, 100 * private), flush=True)
            counts[label] = load(core, args, restricted, private)
        _names, token = create_real(argparse.Namespace(**dict(vars(args), real=0)))
        for n, (label, _r, _p) in enumerate(cores):
            core = "%s/%s_%s" % (base_core, args.core, label)
            ini = with_core(args.ckan_ini, core, os.path.join(args.data_dir,
                                                              "ckan-%s.ini" % label))
            ckans[label] = CKAN(ini, args.ckan_port + n,
                                os.path.join(args.data_dir, "ckan-%s.log" % label))
        for who, headers in (("anonymous", {}),
                             ("logged-in non-member", {"Authorization": token})):
            times = {"without": [], "with": []}
            for k in range(args.warmup + args.requests):
                order = ("without", "with") if k % 2 else ("with", "without")
                for label in order:
                    ms = time_search(ckans[label].url, headers, 1, 0, k)
                    if k >= args.warmup:
                        times[label] += ms
            for label in ("without", "with"):
                results[(label, who)] = percentiles(times[label])
                print("  %-8s %-22s p50 %7.1f ms  p95 %7.1f ms"
                      % ((label, who) + percentiles(times[label])), flush=True)
    finally:
        for ckan in ckans.values():
            ckan.stop()
        proc.terminate()
        proc.wait()
    print()
    print("package_search p95 with and without restricted/private datasets, %d datasets, "
          "%d timed requests each (%s)" % (args.docs, args.requests,
                                          time.strftime("%Y-%m-%d %H:%M")))
    print("(with: %d restricted, %d private; the two sites answered alternately)"
          % (counts["with"]["restricted"], counts["with"]["private"]))
    print()
    print("| caller | p95 without | p95 with | ratio | target | ok |")
    print("|---|---:|---:|---:|---|---|")
    ok = True
    for who in ("anonymous", "logged-in non-member"):
        before, after = results[("without", who)][1], results[("with", who)][1]
        ratio = after / before
        ok = ok and ratio <= ACCESS_TARGET
        print("| %s | %.1f ms | %.1f ms | %.2f | ≤ %.2f | %s |" % (
            who, before, after, ratio, ACCESS_TARGET,
            "OK" if ratio <= ACCESS_TARGET else "MISSED"))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=("load", "access"), default="load")
    ap.add_argument("--docs", "--datasets", type=int, default=100000, dest="docs")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--real", type=int, default=200,
                    help="datasets created through package_create (dataset pages)")
    ap.add_argument("--ckan-ini", required=True,
                    help="CKAN config on the benchmark's database (solr_url is replaced)")
    ap.add_argument("--ckan-port", type=int, default=5059)
    ap.add_argument("--port", type=int, default=8989, help="search service port")
    ap.add_argument("--core", default="load")
    ap.add_argument("--site-id", default="ckan-migration", help="ckan.site_id of --ckan-ini")
    ap.add_argument("--data-dir", required=True, help="search service data etc. (wiped)")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--spawn-rate", type=float, default=5)
    ap.add_argument("--run-time", default="5m")
    ap.add_argument("--restricted", type=float, default=0.10)
    ap.add_argument("--private", type=float, default=0.05)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--reuse-index", action="store_true",
                    help="--mode access: time the cores of the previous run again")
    args = ap.parse_args()
    if not args.reuse_index:
        shutil.rmtree(args.data_dir, ignore_errors=True)
    os.makedirs(args.data_dir, exist_ok=True)
    return mode_load(args) if args.mode == "load" else mode_access(args)


if __name__ == "__main__":
    sys.exit(main())
