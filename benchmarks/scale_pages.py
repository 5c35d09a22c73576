"""Speed at scale (a script, not a test; issue 15 item 4, "At scale everywhere").

One scratch catalogue, then one fresh CKAN process times every page the other issues set a
target for, and prints page | p50 | p95 | target | met? with the RSS of CKAN and of the
search service. scripts/bench-scale.sh makes the database and renders the config.

The catalogue (pieces of the other benchmarks, imported):

- ``--datasets`` synthetic migration datasets (``catalog_stream.synthetic_dataset`` →
  ``index_document``, which calls ``indexing.index_fields``) loaded straight into a fresh
  search-service core by ``load_test.load``, ``--restricted`` of them restricted
  (access_rights RESTRICTED, through the access package's ``before_index``) and
  ``--private`` private (permission labels of their organisation);
- the synthetic datasets' organisations in the database with the ids those datasets carry
  (so handbooks, organisation facets and private labels join up), ``--real`` datasets
  through ``package_create`` (``load_test.create_real``; dataset pages read the database),
  one of them made private and one restricted, a harvest source, and a sysadmin with an
  API token (the harvest dashboard is for sysadmins and source admins).

Targets (README): front-door pages (``/``, ``/country``, ``/objective``, ``/coverage``) p95
<= 200 ms and the coverage computation p95 <= 50 ms (issue 9, "Front-door speed"); the export
keeps memory flat (pages of 500; here: the peak RSS of CKAN during the exports at most 10%
over its warmed-up RSS, the bound the paged catalogue benchmark uses). The handbooks, the
harvest dashboard, the dataset page and the search page state no target of their own: the
200 ms page target is applied to them (marked ``*``).

    python benchmarks/scale_pages.py --datasets 100000 --ckan-ini .run/bench-scale/ckan.ini \
        --data-dir .run/bench-scale/data
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import uuid

import psutil
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from benchmarks.catalog_stream import CKAN, ORGS  # noqa: E402
from benchmarks.frontdoor import COVERAGE_TARGET_MS, PAGE_TARGET_MS, timed  # noqa: E402
from benchmarks.load_test import RESTRICTED, App, create_real, load  # noqa: E402
from benchmarks.search_service import percentiles, start_service  # noqa: E402

EXPORT_GROWTH = 0.10
ORG = ORGS[0][0]
EXPORT_QUERY = "countries=SEN&gcm_objectives=1&sort=title_string+asc"
SEARCH_QUERY = "q=migrants&countries=SEN&gcm_objectives=1&topics=labour_migration"


def pages(real):
    """(label, path, target ms, stated?, as sysadmin?) of every page timed."""
    return [
        ("/ (front door)", "/", PAGE_TARGET_MS, True, False),
        ("/country/SEN", "/country/SEN", PAGE_TARGET_MS, True, False),
        ("/objective/1", "/objective/1", PAGE_TARGET_MS, True, False),
        ("/coverage", "/coverage", PAGE_TARGET_MS, True, False),
        ("migration_coverage (action)", "/api/3/action/migration_coverage",
         COVERAGE_TARGET_MS, True, False),
        ("/handbook", "/handbook", PAGE_TARGET_MS, False, False),
        ("/handbook/%s" % ORG, "/handbook/%s" % ORG, PAGE_TARGET_MS, False, False),
        ("/handbook/%s.json" % ORG, "/handbook/%s.json" % ORG, PAGE_TARGET_MS, False, False),
        ("/harvest/dashboard (sysadmin)", "/harvest/dashboard", PAGE_TARGET_MS, False, True),
        ("/dataset/<id>", "/dataset/%s" % real, PAGE_TARGET_MS, False, False),
        ("/dataset/?%s" % SEARCH_QUERY, "/dataset/?" + SEARCH_QUERY, PAGE_TARGET_MS, False,
         False),
    ]


def make_catalogue(args):
    """Organisations with the synthetic datasets' ids, ``--real`` datasets (one made private,
    one restricted), a harvest source and a sysadmin token. Returns (names, token, notes)."""
    App.get(args.ckan_ini)
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    ctx = lambda: {"user": site, "ignore_auth": True}  # noqa: E731
    for name, title in ORGS:
        tk.get_action("organization_create")(ctx(), {
            "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, name)), "name": name, "title": title})
    names, _visitor_token = create_real(args)
    tk.get_action("package_patch")(ctx(), {"id": names[0], "private": True})
    tk.get_action("package_patch")(ctx(), {"id": names[1], "access_rights": RESTRICTED})
    tk.get_action("user_create")(ctx(), {"name": "bench-admin", "email": "admin@example.org",
                                         "password": "Bench-admin-2026!"})
    user = model.User.get("bench-admin")
    user.sysadmin = True
    model.Session.commit()
    token = tk.get_action("api_token_create")(ctx(), {"user": "bench-admin",
                                                       "name": "bench"})["token"]
    notes = []
    try:
        tk.get_action("harvest_source_create")(ctx(), {
            "name": "bench-source", "title": "Benchmark source", "source_type": "ckan",
            "url": "http://127.0.0.1:9/", "owner_org": ORGS[0][0], "frequency": "MANUAL"})
        notes.append("harvest source: 1 (no job run)")
    except Exception as e:  # noqa: BLE001 - the dashboard is timed without one then
        notes.append("harvest source not created: %s" % e)
    return names, token, notes


def data_checks(base, token, names):
    """What the pages count, and the permission labels at work: the private dataset is hidden from anonymous
    visitors and visible to the sysadmin; the restricted one is public."""
    admin = {"Authorization": token}
    status = lambda path, h=None: requests.get(base + path, headers=h or {},  # noqa: E731
                                               timeout=120).status_code
    count = lambda h=None: requests.get(  # noqa: E731
        base + "/api/3/action/package_search", params={"rows": 0, "include_private": "true"},
        headers=h or {}, timeout=120).json()["result"]["count"]
    anon, sysadmin = count(), count(admin)
    action = lambda name, **params: requests.get(  # noqa: E731
        base + "/api/3/action/" + name, params=params, timeout=120).json()["result"]
    home, coverage = action("migration_overview", recent=0), action("migration_coverage")
    filled = sum(1 for row in coverage["rows"] for n in row["cells"].values() if n)
    every, org = action("migration_handbook"), action("migration_handbook", id=ORG)
    return [
        # what the pages show: zeros would mean the figures time empty pages
        ("front door counts %d datasets (anonymous search: %d)" % (home["count"], anon),
         home["count"] == anon),
        ("coverage: %d of %d cells filled" % (filled, coverage["cells"]), filled > 0),
        ("handbook: %d datasets; %s: %d" % (every["count"], ORG, org["count"]),
         every["count"] == anon and 0 < org["count"] < anon),
        ("private dataset: anonymous %d, sysadmin %d"
         % (status("/dataset/" + names[0]), status("/dataset/" + names[0], admin)),
         status("/dataset/" + names[0]) == 404 and status("/dataset/" + names[0], admin) == 200),
        ("restricted dataset page, anonymous: %d" % status("/dataset/" + names[1]),
         status("/dataset/" + names[1]) == 200),
        ("package_search count: anonymous %d, sysadmin %d (private ones)" % (anon, sysadmin),
         sysadmin > anon),
    ]


def bench(args, names, token):
    ckan = CKAN(args.ckan_ini, args.ckan_port, args.log)
    session = requests.Session()
    rows = []
    try:
        checks = data_checks(ckan.url, token, names)
        for label, path, target, stated, as_admin in pages(names[2]):
            headers = {"Authorization": token} if as_admin else {}

            def call(url=ckan.url + path, headers=headers):
                r = session.get(url, headers=headers, timeout=300)
                if r.status_code != 200:
                    raise SystemExit("GET %s: %d %s" % (url, r.status_code, r.text[:300]))
            ms = timed(call, args.warmup, args.requests)
            # the same page right after a commit: the search service's kept counts
            # (answers.py) are gone and every count is made again
            cold = []
            for _ in range(args.requests):
                session.post(args.core_url + "/update?commit=true", data=b"[]",
                             headers={"Content-Type": "application/json"}).raise_for_status()
                cold += timed(call, 0, 1)
            rows.append((label, ms, target, stated, cold))
            print("  %-50s p50 %8.1f ms  p95 %8.1f ms; after a commit p50 %8.1f ms  p95 "
                  "%8.1f ms" % ((label,) + percentiles(ms) + percentiles(cold)), flush=True)
        # the export: a filtered search as CSV, the RSS sampled throughout
        url = ckan.url + "/dataset/export.csv?" + EXPORT_QUERY
        exported = {}

        def export():
            r = session.get(url, timeout=600)
            if r.status_code != 200:
                raise SystemExit("GET %s: %d %s" % (url, r.status_code, r.text[:300]))
            exported["rows"] = int(r.headers.get("X-Export-Count", -1))
            exported["mb"] = len(r.content) / 1e6
        export()
        baseline = ckan.rss()
        sampler = ckan.sample(0.02)
        ms = timed(export, 0, args.export_requests)
        peak = ckan.stop_sampling(sampler)
        rows.append(("/dataset/export.csv?%s (%d rows)" % (EXPORT_QUERY, exported["rows"]),
                     ms, None, True, None))
        print("  export: %d rows, %.1f MB, p50 %.1f ms, p95 %.1f ms"
              % ((exported["rows"], exported["mb"]) + percentiles(ms)), flush=True)
        rss = ckan.rss()
    finally:
        ckan.stop()
    memory = {"baseline_mb": baseline / 2**20, "peak_mb": peak / 2**20,
              "growth": (peak - baseline) / baseline, "after_mb": rss / 2**20}
    return rows, checks, memory


def table(rows, memory):
    lines = ["| page | p50 | p95 | p50 / p95 after a commit | target | met? |",
             "|---|---:|---:|---:|---|---|"]
    for label, ms, target, stated, cold in rows:
        p50, p95 = percentiles(ms)
        after = "%.1f / %.1f ms" % percentiles(cold) if cold else "-"
        if target is None:  # the export: a memory target
            want = "peak RSS ≤ +%d%% (flat memory)" % (100 * EXPORT_GROWTH)
            ok = memory["growth"] <= EXPORT_GROWTH
            want += ": %.1f → %.1f MB" % (memory["baseline_mb"], memory["peak_mb"])
        else:
            want = "p95 ≤ %d ms%s" % (target, "" if stated else "*")
            # met when met both ways: with kept counts and with every count made again
            ok = p95 <= target and percentiles(cold)[1] <= target
        lines.append("| %s | %.1f ms | %.1f ms | %s | %s | %s |" % (
            label.replace("|", "\\|"), p50, p95, after, want, "yes" if ok else "NO"))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", "--docs", type=int, default=100000, dest="docs")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--real", type=int, default=20,
                    help="datasets through package_create (the first made private, the "
                         "second restricted; at least 3)")
    ap.add_argument("--restricted", type=float, default=0.01)
    ap.add_argument("--private", type=float, default=0.005)
    ap.add_argument("--ckan-ini", required=True,
                    help="CKAN config whose solr_url is http://127.0.0.1:<port>/solr/<core>")
    ap.add_argument("--ckan-port", type=int, default=5061)
    ap.add_argument("--port", type=int, default=8981, help="search service port")
    ap.add_argument("--core", default="scale")
    ap.add_argument("--site-id", default="ckan-migration", help="ckan.site_id of --ckan-ini")
    ap.add_argument("--data-dir", required=True, help="search service data etc. (wiped)")
    ap.add_argument("--requests", type=int, default=20, help="timed requests per page")
    ap.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    ap.add_argument("--export-requests", type=int, default=5)
    args = ap.parse_args()
    args.real = max(3, args.real)
    shutil.rmtree(args.data_dir, ignore_errors=True)
    os.makedirs(args.data_dir)
    args.log = os.path.join(args.data_dir, "ckan.log")

    proc, url = start_service(args.data_dir, args.port)
    core = url.rsplit("/", 1)[0] + "/" + args.core
    args.core_url = core
    try:
        print("loading %d synthetic datasets into %s ..." % (args.docs, core), flush=True)
        started = time.perf_counter()
        load(core, args, restricted=args.restricted, private=args.private)
        print("creating organisations, %d datasets through package_create, a sysadmin ..."
              % args.real, flush=True)
        names, token, notes = make_catalogue(args)
        total = requests.get(core + "/select", params={"q": "*:*", "rows": 0,
                                                       "wt": "json"}).json()
        indexed = total["response"]["numFound"]
        print("  %d documents in the index (%.0f s); %s" % (
            indexed, time.perf_counter() - started, "; ".join(notes)), flush=True)
        print("pages, %d warm-up then %d timed requests each, one fresh CKAN process:"
              % (args.warmup, args.requests), flush=True)
        rows, checks, memory = bench(args, names, token)
        search_rss = psutil.Process(proc.pid).memory_info().rss / 2**20
    finally:
        proc.terminate()
        proc.wait()

    print()
    print("speed at scale: %d datasets in the index, %d warm-up + %d timed requests a page "
          "(export: %d), %s UTC" % (indexed, args.warmup, args.requests,
                                     args.export_requests,
                                     time.strftime("%Y-%m-%d %H:%M", time.gmtime())))
    print()
    print(table(rows, memory))
    print()
    print("* no target of its own in the README: the front door's p95 ≤ %d ms applied"
          % PAGE_TARGET_MS)
    print("CKAN RSS after the pages and exports: %.1f MB (export peak %.1f MB); search "
          "service RSS: %.1f MB" % (memory["after_mb"], memory["peak_mb"], search_rss))
    for label, ok in checks:
        print("%-90s %s" % (label, "OK" if ok else "MISSED"))
    print(json.dumps({"datasets": indexed, "rows": [
        {"page": label, "p50_ms": round(percentiles(ms)[0], 1),
         "p95_ms": round(percentiles(ms)[1], 1), "target_ms": target,
         "after_commit_p95_ms": round(percentiles(cold)[1], 1) if cold else None}
        for label, ms, target, _s, cold in rows], "memory": {
            k: round(v, 3) for k, v in memory.items()}, "search_rss_mb": round(search_rss, 1)}))
    missed = [1 for label, ms, target, _s, cold in rows
              if target is not None and max(percentiles(ms)[1], percentiles(cold)[1]) > target]
    return 0 if not missed and memory["growth"] <= EXPORT_GROWTH and all(
        ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
