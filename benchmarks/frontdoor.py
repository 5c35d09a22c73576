"""Benchmark of the front-door pages (a script, not a test; project issue 9, "Speed").

With N synthetic migration datasets in the index (default 100,000), one run measures:

- the render time (p50, p95) of the front-door pages ``/`` (counts, world map, objective
  tiles, freshness), ``/country/SEN``, ``/objective/1`` and ``/coverage`` (countries x the 23
  GCM objectives) beside the plain ``/dataset`` search page, by one fresh CKAN process;
- the time to compute the coverage matrix from the index alone: the pivot query
  ``overview.pivot(("gcm_objectives", "countries"), [])`` in this process (CKAN config loaded,
  no web request) and the ``migration_coverage`` action through the API;
- ``/dataset/export.csv`` of ``--export-rows`` datasets (a search matching exactly that many)
  by a fresh CKAN process: time, rows, and the peak RSS of the process (psutil).

Targets printed beside the figures: pages p95 <= 200 ms, coverage computation p95 <= 50 ms.

The datasets are ``catalog_stream.synthetic_dataset`` (validated dicts shaped like
``schemas/migration_dataset.yaml``), a share of them with UN M49 regions stated directly and a
share lacking some transparency items (so that scores vary as in a real catalogue), made
into index documents by ``catalog_stream.index_document`` (which calls
``indexing.index_fields``, so countries, regions, regions_stated, gcm_objectives, topics,
producer, freshness, transparency_score are those CKAN would index) and loaded into a fresh
search-service core through ``/update``. scripts/bench-frontdoor.sh renders the CKAN config.

    python benchmarks/frontdoor.py --docs 100000 --ckan-ini .run/bench-frontdoor/ckan.ini \
        --site-id ckan-migration --data-dir .run/bench-frontdoor/data
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time

import psutil
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from benchmarks.catalog_stream import (CKAN, bench_index_batch, index_document,  # noqa: E402
                                       synthetic_dataset)
from benchmarks.export import count_rows  # noqa: E402
from benchmarks.search_service import percentiles, start_service  # noqa: E402

PAGE_TARGET_MS = 200.0
COVERAGE_TARGET_MS = 50.0
# (URL, target in ms or None, what the target column says without one)
PAGES = [("/dataset", None, "(reference)"), ("/", PAGE_TARGET_MS, ""),
         ("/country/SEN", PAGE_TARGET_MS, ""), ("/objective/1", PAGE_TARGET_MS, ""),
         ("/coverage", PAGE_TARGET_MS, "")]
# the actions behind the pages, over HTTP: what of a page's time is the index's
ACTIONS = [("/api/3/action/migration_overview", None, "(the action of /)"),
           ("/api/3/action/migration_country_show?id=SEN", None,
            "(the action of /country/SEN)"),
           ("/api/3/action/migration_objective_show?id=1", None,
            "(the action of /objective/1)"),
           ("/api/3/action/migration_coverage", COVERAGE_TARGET_MS, "")]
# regions stated directly (M49), besides those derived from the countries: continents,
# sub-regions of the synthetic countries, and the world
STATED_REGIONS = ["001", "002", "202", "011", "015", "014", "019", "419", "013", "142",
                  "145", "034", "150", "039", "155"]
EXPORT_TAG = "export-sample"
# transparency items a dataset may lack (quality.TRANSPARENCY_CHECKS), with their field(s)
OPTIONAL_ITEMS = {"collection_method": None, "provenance": None,
                  "definitions": None, "conforms_to": [], "sample_size": None,
                  "unit_of_observation": None, "caveats": None, "caveat_flags": []}
OPTIONAL_GROUPS = [("collection_method",), ("provenance",), ("definitions", "conforms_to"),
                   ("sample_size",), ("unit_of_observation",), ("caveats", "caveat_flags")]


def frontdoor_dataset(i: int, rnd: random.Random, extra: random.Random, args) -> dict:
    """``synthetic_dataset`` (same random stream, so the same datasets as the other
    benchmarks), changed with a second random stream: regions stated directly on
    ``args.regions_share`` of them, 1 to 5 of the 6 optional transparency items missing on
    ``args.incomplete_share`` (scores 100 to 62 instead of 100 everywhere), and the tag
    EXPORT_TAG on the first ``args.export_rows`` (the export's search)."""
    pkg = synthetic_dataset(i, rnd)
    if extra.random() < args.regions_share:
        pkg["regions"] = sorted(extra.sample(STATED_REGIONS, extra.randint(1, 2)))
    if extra.random() < args.incomplete_share:
        for group in extra.sample(OPTIONAL_GROUPS, extra.randint(1, 5)):
            for name in group:
                pkg[name] = OPTIONAL_ITEMS[name]
    if i < args.export_rows:
        pkg["tags"].append({"name": EXPORT_TAG, "display_name": EXPORT_TAG,
                            "id": "00000000-0000-4000-8000-%012d" % i, "state": "active",
                            "vocabulary_id": None})
        pkg["num_tags"] = len(pkg["tags"])
    return pkg


def load(url, total, batch, site_id, args):
    """Generate and index ``total`` documents (index fields from ``indexing.index_fields``)
    in batches, then commit; docs/s, generation included."""
    rnd, extra = random.Random(42), random.Random(4242)
    session = requests.Session()
    started = time.perf_counter()
    for first in range(0, total, batch):
        docs = [index_document(frontdoor_dataset(i, rnd, extra, args), site_id)
                for i in range(first, min(total, first + batch))]
        bench_index_batch(session, url, docs)
        if (first // batch) % 20 == 0:
            print("  %d/%d (%.0f s)" % (first + len(docs), total,
                                        time.perf_counter() - started), flush=True)
    session.post(url + "/update?commit=true", data=b"[]",
                 headers={"Content-Type": "application/json"}).raise_for_status()
    return total / (time.perf_counter() - started)


def timed(fn, warmup, n):
    """Milliseconds of ``n`` calls of ``fn`` after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def get(session, url):
    def call():
        r = session.get(url, timeout=120)
        if r.status_code != 200:
            raise SystemExit("GET %s: %d %s" % (url, r.status_code, r.text[:300]))
        return r
    return call


def data_checks(session, base, docs):
    """What the pages show, read through the actions: the index must be what the pages
    query (zeros here mean the figures time empty pages)."""
    def action(name, **params):
        r = session.get(base + "/api/3/action/" + name, params=params, timeout=120)
        r.raise_for_status()
        return r.json()["result"]
    home = action("migration_overview", recent=0)
    country = action("migration_country_show", id="SEN")
    objective = action("migration_objective_show", id="1")
    coverage = action("migration_coverage")
    filled = sum(1 for row in coverage["rows"] for n in row["cells"].values() if n)
    direct = sum(1 for d in country["datasets"] if d.get("direct"))
    return [
        ("home: %d datasets counted (of %d indexed)" % (home["count"], docs),
         home["count"] == docs),
        ("home: %d countries, %d producers, freshness %s"
         % (home["countries_covered"], home["producers"], home["by_freshness"]),
         home["countries_covered"] > 0 and home["producers"] > 0
         and sum(home["by_freshness"].values()) == docs),
        ("home: top objectives (pivot) for %d countries" % len(home["top_objectives"]),
         len(home["top_objectives"]) > 0),
        ("/country/SEN: %d datasets, %d naming SEN, the others a region stated directly "
         "(%d of the %d listed name SEN)" % (country["count"], home["by_country"].get("SEN", 0),
                                             direct, country["listed"]),
         0 < home["by_country"].get("SEN", 0) < country["count"] and direct > 0),
        ("/objective/1: %d datasets" % objective["count"], objective["count"] > 0),
        ("/coverage: %d of %d cells filled, objective totals sum %d"
         % (filled, coverage["cells"], sum(o["total"] for o in coverage["objectives"])),
         filled > 0),
    ]


def bench_pages(args):
    """Render times of the pages and of the coverage action, by one fresh CKAN process."""
    ckan = CKAN(args.ckan_ini, args.ckan_port, args.log)
    session = requests.Session()
    try:
        checks = data_checks(session, ckan.url, args.docs)
        rows = []
        for path, target, note in PAGES + ACTIONS:
            ms = timed(get(session, ckan.url + path), args.warmup, args.requests)
            rows.append((path, note, ms, target))
            print("  %-44s p50 %7.1f ms  p95 %7.1f ms" % ((path,) + percentiles(ms)),
                  flush=True)
        rss = ckan.rss()
    finally:
        ckan.stop()
    return rows, checks, rss


def bench_pivot(args):
    """``overview.pivot(("gcm_objectives", "countries"), [])`` in this process, with the
    CKAN config of ``--ckan-ini`` loaded (the search index alone: no web request)."""
    import logging
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    logging.disable(logging.WARNING)  # CKAN's start-up lines
    make_app(load_config(args.ckan_ini))
    from ckanext.migration import overview
    totals, matrix = overview.pivot(("gcm_objectives", "countries"), [])
    cells = sum(len(v) for v in matrix.values())
    ms = timed(lambda: overview.pivot(("gcm_objectives", "countries"), []), args.warmup,
               args.requests)
    return ms, len(totals), cells


def bench_export(args):
    """``/dataset/export.csv`` of the datasets tagged EXPORT_TAG by a fresh CKAN process,
    warmed up with an empty export, its RSS sampled every ``--sample-ms``."""
    ckan = CKAN(args.ckan_ini, args.ckan_port, args.log)
    try:
        requests.get(ckan.url + "/dataset/export.csv?q=zzzznomatch",
                     timeout=600).raise_for_status()
        baseline = ckan.rss()
        sampler = ckan.sample(args.sample_ms / 1000.0)
        started = time.perf_counter()
        with requests.get(ckan.url + "/dataset/export.csv",
                          params={"tags": EXPORT_TAG, "sort": "name asc"}, stream=True,
                          timeout=3600) as r:
            if r.status_code != 200:
                raise SystemExit("export: %d %s" % (r.status_code, r.text[:300]))
            body = b"".join(r.iter_content(65536))
        seconds = time.perf_counter() - started
        peak = ckan.stop_sampling(sampler)
    finally:
        ckan.stop()
    rows = count_rows("csv", body)
    return {"rows": rows, "mb": len(body) / 1e6, "seconds": seconds,
            "rows_per_s": rows / seconds, "baseline_mb": baseline / 2**20,
            "peak_mb": peak / 2**20, "growth_mb": (peak - baseline) / 2**20}


def table(rows):
    lines = ["| URL | p50 | p95 | target | ok |", "|---|---|---|---|---|"]
    for label, note, ms, target in rows:
        p50, p95 = percentiles(ms)
        lines.append("| %s | %.1f ms | %.1f ms | %s | %s |" % (
            label, p50, p95, "p95 ≤ %d ms" % target if target else note,
            "—" if target is None else ("OK" if p95 <= target else "MISSED")))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--ckan-ini", required=True,
                    help="CKAN config whose solr_url is http://127.0.0.1:<port>/solr/<core>")
    ap.add_argument("--ckan-port", type=int, default=5058)
    ap.add_argument("--port", type=int, default=8988, help="search service port")
    ap.add_argument("--core", default="frontdoor")
    ap.add_argument("--site-id", default="ckan-migration", help="ckan.site_id of --ckan-ini")
    ap.add_argument("--data-dir", required=True, help="search service data (wiped)")
    ap.add_argument("--requests", type=int, default=30, help="timed requests per URL")
    ap.add_argument("--warmup", type=int, default=3, help="untimed requests per URL first")
    ap.add_argument("--regions-share", type=float, default=0.1,
                    help="share of datasets with UN M49 regions stated directly")
    ap.add_argument("--incomplete-share", type=float, default=0.6,
                    help="share of datasets lacking some transparency items (0: every "
                         "dataset complete, transparency score 100 everywhere)")
    ap.add_argument("--export-rows", type=int, default=10000,
                    help="datasets the export's search matches (<= "
                         "ckanext.migration.export.max_rows of --ckan-ini)")
    ap.add_argument("--sample-ms", type=int, default=20)
    args = ap.parse_args()
    args.log = os.path.join(args.data_dir, "ckan.log")

    shutil.rmtree(args.data_dir, ignore_errors=True)
    os.makedirs(args.data_dir)
    proc, url = start_service(args.data_dir, args.port)
    url = url.rsplit("/", 1)[0] + "/" + args.core
    try:
        print("loading %d synthetic migration datasets into %s ..." % (args.docs, url),
              flush=True)
        rate = load(url, args.docs, args.batch, args.site_id, args)
        found = requests.get(url + "/select", params={"q": "*:*", "rows": 0,
                                                      "wt": "json"}).json()
        print("  indexed %d documents, %.0f docs/s (generation included)"
              % (found["response"]["numFound"], rate), flush=True)
        scores = requests.get(url + "/select", params={
            "q": "*:*", "rows": 0, "wt": "json", "facet": "true",
            "facet.field": "transparency_score", "facet.limit": -1}).json()
        print("  transparency_score: %s" % scores["facet_counts"]["facet_fields"]
              ["transparency_score"], flush=True)

        print("pages, %d warm-up then %d timed requests each, one fresh CKAN process:"
              % (args.warmup, args.requests), flush=True)
        rows, checks, ckan_rss = bench_pages(args)
        ms, objectives, cells = bench_pivot(args)
        rows.append(('overview.pivot(("gcm_objectives", "countries"), [])',
                     "", ms, COVERAGE_TARGET_MS))
        checks.append(("pivot: %d objectives, %d (objective, country) cells"
                       % (objectives, cells), cells > 0))
        print("export, fresh CKAN process:", flush=True)
        export = bench_export(args)
        expected = min(args.docs, args.export_rows)
        checks.append(("export: %d rows of %d" % (export["rows"], expected),
                       export["rows"] == expected))
        search_rss = psutil.Process(proc.pid).memory_info().rss / 2**20
    finally:
        proc.terminate()
        proc.wait()

    print()
    print("front door with %d datasets in the index, %d warm-up + %d timed requests per "
          "URL (%s)" % (found["response"]["numFound"], args.warmup, args.requests,
                        time.strftime("%Y-%m-%d %H:%M")))
    print()
    print(table(rows))
    print()
    print("/dataset/export.csv?tags=%s (%d rows, %.1f MB): %.1f s, %.0f rows/s; CKAN RSS "
          "baseline %.1f MB, peak %.1f MB (+%.1f MB)"
          % (EXPORT_TAG, export["rows"], export["mb"], export["seconds"],
             export["rows_per_s"], export["baseline_mb"], export["peak_mb"],
             export["growth_mb"]))
    print("CKAN RSS after the pages: %.1f MB; search service RSS: %.1f MB"
          % (ckan_rss / 2**20, search_rss))
    print()
    for label, ok in checks:
        print("%-100s %s" % (label, "OK" if ok else "MISSED"))
    missed = [label for label, _w, ms, target in rows
              if target is not None and percentiles(ms)[1] > target]
    print(json.dumps({"docs": args.docs, "rows": [
        {"url": label, "p50_ms": round(percentiles(ms)[0], 1),
         "p95_ms": round(percentiles(ms)[1], 1), "target_ms": target}
        for label, _w, ms, target in rows], "export": {
            k: round(v, 2) if isinstance(v, float) else v for k, v in export.items()}}))
    return 0 if not missed and all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
