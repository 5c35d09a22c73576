"""Benchmark of the search-results export (a script, not a test).

``/dataset/export.csv`` and ``.xlsx`` page through ``package_search`` and write rows as they go
(CSV streamed, XLSX in openpyxl's write-only mode to a temporary file), so the memory of the
CKAN process must not grow with the number of rows exported.

1. loads synthetic migration datasets (``catalog_stream.synthetic_dataset``) into a fresh
   search-service core, first the smallest row count, then up to the largest;
2. after each load, for each format, starts a fresh CKAN process (``ckan run`` on a config that
   extends ``--ckan-ini`` with this core as ``solr_url``), warms it up with an empty export,
   then exports the whole index while sampling the RSS of the process (psutil);
3. checks that every row came back and that the peak RSS at the largest count is < 110% of
   that at the smallest.

    python benchmarks/export.py --ckan-ini /tmp/iso/h6/test.ini --data-dir /tmp/bench-export \
        --rows 1000,10000
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from benchmarks.catalog_stream import (CKAN, bench_index_batch, index_document,  # noqa: E402
                                       synthetic_dataset)
from benchmarks.search_service import free_port, start_service  # noqa: E402

INI = """[app:main]
use = config:{base}
solr_url = {solr}
ckan.site_id = {site_id}
ckan.site_url = http://127.0.0.1:{port}
ckanext.migration.export.max_rows = {max_rows}
"""


def grow(url, site_id, rnd, start, end, batch=500):
    """Index synthetic datasets ``start``..``end - 1`` and commit."""
    session = requests.Session()
    for first in range(start, end, batch):
        bench_index_batch(session, url, [index_document(synthetic_dataset(i, rnd), site_id)
                                         for i in range(first, min(end, first + batch))])
    session.post(url + "/update?commit=true", data=b"[]",
                 headers={"Content-Type": "application/json"}).raise_for_status()


def count_rows(fmt, body):
    if fmt == "csv":
        return body.count(b"\r\n") - 1
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return sum(1 for _ in sheet.iter_rows(values_only=True)) - 1


def export_once(args, ini, fmt):
    """One export of the whole index by a fresh CKAN process; its figures."""
    ckan = CKAN(ini, args.ckan_port, args.log)
    try:
        requests.get(ckan.url + "/dataset/export.%s?q=zzzznomatch" % fmt,
                     timeout=600).raise_for_status()  # warm-up: imports, first query
        baseline = ckan.rss()
        sampler = ckan.sample(args.sample_ms / 1000.0)
        started = time.perf_counter()
        with requests.get(ckan.url + "/dataset/export.%s?sort=name+asc" % fmt, stream=True,
                          timeout=3600) as r:
            r.raise_for_status()
            body = b"".join(r.iter_content(65536))
        seconds = time.perf_counter() - started
        peak = ckan.stop_sampling(sampler)
    finally:
        ckan.stop()
    rows = count_rows(fmt, body)
    return {"format": fmt, "rows": rows, "mb": len(body) / 1e6,
            "seconds": seconds, "rows_per_s": rows / seconds,
            "baseline_mb": baseline / 2**20, "peak_mb": peak / 2**20,
            "growth_mb": (peak - baseline) / 2**20}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="1000,10000", help="row counts to compare")
    ap.add_argument("--formats", default="csv,xlsx")
    ap.add_argument("--ckan-ini", required=True, help="a CKAN config with a database")
    ap.add_argument("--ckan-port", type=int, default=0, help="default: a free port")
    ap.add_argument("--port", type=int, default=0, help="search service port (default: free)")
    ap.add_argument("--site-id", default="ckan-migration-export")
    ap.add_argument("--data-dir", required=True, help="search service data (wiped)")
    ap.add_argument("--sample-ms", type=int, default=20)
    ap.add_argument("--max-growth", type=float, default=0.10)
    args = ap.parse_args()
    counts = sorted(int(n) for n in args.rows.split(","))
    args.ckan_port = args.ckan_port or free_port()
    shutil.rmtree(args.data_dir, ignore_errors=True)
    os.makedirs(args.data_dir)
    args.log = os.path.join(args.data_dir, "ckan.log")
    proc, url = start_service(args.data_dir, args.port or free_port())
    url = url.rsplit("/", 1)[0] + "/export"
    ini = os.path.join(args.data_dir, "ckan.ini")
    with open(ini, "w") as f:
        f.write(INI.format(base=os.path.abspath(args.ckan_ini), solr=url, site_id=args.site_id,
                           port=args.ckan_port, max_rows=counts[-1]))
    rnd, loaded, results = random.Random(42), 0, []
    try:
        for n in counts:
            grow(url, args.site_id, rnd, loaded, n)
            loaded = n
            for fmt in args.formats.split(","):
                r = export_once(args, ini, fmt)
                results.append(dict(r, indexed=n))
                print("  %-4s %6d rows (%5.1f MB) in %5.1f s, %4.0f rows/s; CKAN RSS baseline "
                      "%.1f MB, peak %.1f MB (+%.1f MB)"
                      % (fmt, r["rows"], r["mb"], r["seconds"], r["rows_per_s"],
                         r["baseline_mb"], r["peak_mb"], r["growth_mb"]), flush=True)
    finally:
        proc.terminate()
        proc.wait()
    checks = [("every dataset exported", all(r["rows"] == r["indexed"] for r in results))]
    for fmt in args.formats.split(","):
        runs = [r for r in results if r["format"] == fmt]
        small, large = runs[0], runs[-1]
        checks.append(("%s: peak RSS at %d rows < %d%% of %d rows (%.1f vs %.1f MB)"
                       % (fmt, large["rows"], 100 * (1 + args.max_growth), small["rows"],
                          large["peak_mb"], small["peak_mb"]),
                       large["peak_mb"] <= small["peak_mb"] * (1 + args.max_growth)))
    for label, ok in checks:
        print("%-72s %s" % (label, "OK" if ok else "MISSED"))
    print(json.dumps([{k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()}
                      for r in results]))
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
