"""Benchmark of raw-data downloads (a script, not a test; project issue 10, "Raw data one
click away"): the XLSX download of DataStore rows (``/datastore/dump/<id>?format=xlsx``,
views/download.py) beside CKAN's own CSV dump of the same rows, in the same run.

Everything is its own: PostgreSQL databases ``ckan_bench_downloads`` and
``datastore_bench_downloads`` (dropped and made anew, the DataStore read-only role granted as
``ckan datastore set-permissions`` says), a search service on a free port, a CKAN config
rendered from config/ckan.ini.tmpl (the site's plugins less xloader: no job is queued), and a
CKAN process per download. One resource gets ``--rows`` synthetic rows (12 columns shaped like
UNHCR's population table: text, integers, a date) through ``datastore_create`` +
``datastore_upsert`` in chunks; then each format is downloaded whole and with ``limit`` (the
smaller counts of ``--compare``) by a fresh CKAN process: time, size, rows read back, and the
peak RSS of the process (psutil, sampled every ``--sample-ms``). Target: the XLSX download adds
<= 200 MB to the RSS of the CKAN process (an idle one is ~230 MB already) and is flat (the peak
at the largest count within ``--max-growth`` of the smallest).

    python benchmarks/downloads.py --rows 100000 --compare 10000 --data-dir .run/bench-downloads
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import secrets
import shutil
import subprocess
import sys
import time

import psycopg2
import requests
from psycopg2 import sql

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from benchmarks.catalog_stream import CKAN, synthetic_dataset  # noqa: E402
from benchmarks.search_service import free_port, start_service  # noqa: E402

TARGET_MB = 200.0
DB, DS_DB = "ckan_bench_downloads", "datastore_bench_downloads"
USER, PASSWORD, RO_USER = "ckan_default", "pass", "datastore_default"
CHUNK = 10_000
FIELDS = [{"id": "Year", "type": "int"}, {"id": "Country of Asylum", "type": "text"},
          {"id": "Country of Origin", "type": "text"},
          {"id": "Country of Asylum ISO", "type": "text"},
          {"id": "Country of Origin ISO", "type": "text"}, {"id": "Refugees", "type": "int"},
          {"id": "Asylum Seekers", "type": "int"}, {"id": "IDPs", "type": "int"},
          {"id": "Stateless", "type": "int"}, {"id": "Share", "type": "numeric"},
          {"id": "Reference date", "type": "date"}, {"id": "Note", "type": "text"}]
COUNTRIES = [("Austria", "AUT"), ("Belgium", "BEL"), ("Germany", "DEU"), ("France", "FRA"),
             ("Italy", "ITA"), ("Spain", "ESP"), ("Sweden", "SWE"), ("Senegal", "SEN"),
             ("Syrian Arab Rep.", "SYR"), ("Afghanistan", "AFG"), ("Ukraine", "UKR")]


def pg(dbname="postgres", host="127.0.0.1", port=5432):
    conn = psycopg2.connect(host=host, port=port, user="postgres", dbname=dbname)
    conn.autocommit = True
    return conn


def fresh_databases(args):
    """Both databases dropped and made anew, owned by the project's role."""
    conn = pg(port=args.pg_port)
    with conn.cursor() as cur:
        for db in (DB, DS_DB):
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(db)))
            cur.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' "
                                "TEMPLATE template0").format(sql.Identifier(db),
                                                             sql.Identifier(USER)))
    conn.close()


def render_ini(args, solr_url, port):
    text = open(os.path.join(ROOT, "config", "ckan.ini.tmpl"), encoding="utf-8").read()
    base = "postgresql://%s:%s@127.0.0.1:%d/" % (USER, PASSWORD, args.pg_port)
    values = {
        "SQLALCHEMY_URL": base + DB, "SECRET": secrets.token_urlsafe(32),
        "STORAGE_PATH": os.path.join(args.data_dir, "storage"),
        "SITE_URL": "http://127.0.0.1:%d" % port, "SOLR_URL": solr_url,
        "REDIS_URL": "redis://127.0.0.1:6379/%d" % args.redis_db, "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379", "REDIS_DB": str(args.redis_db),
        "DATASTORE_WRITE_URL": base + DS_DB,
        "DATASTORE_READ_URL": "postgresql://%s:%s@127.0.0.1:%d/%s" % (
            RO_USER, PASSWORD, args.pg_port, DS_DB),
        "XLOADER_TOKEN": "NOT_SET",
    }
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.lstrip().startswith("#"):
            for key, value in values.items():
                line = line.replace("@%s@" % key, value)
            # no loading jobs: the rows go in through the DataStore API
            if line.lstrip().startswith("datastore xloader") or line.startswith("ckan.plugins"):
                line = line.replace(" xloader", "")
        lines.append(line)
    ini = os.path.join(args.data_dir, "ckan.ini")
    with open(ini, "w", encoding="utf-8") as f:
        f.write("".join(lines))
    os.chmod(ini, 0o600)
    return ini


def ckan_cli(ini, *argv, log):
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", ini,
                          *argv], capture_output=True, text=True)
    with open(log, "a") as f:
        f.write(out.stdout + out.stderr)
    if out.returncode:
        raise SystemExit("ckan %s failed; see %s" % (" ".join(argv), log))
    return out.stdout


def prepare_ckan(args, ini):
    """Tables, DataStore permissions, a sysadmin and its API token."""
    for argv in (("db", "init"), ("db", "upgrade", "-p", "activity"),
                 ("db", "upgrade", "-p", "harvest")):
        ckan_cli(ini, *argv, log=args.log)
    perms = ckan_cli(ini, "datastore", "set-permissions", log=args.log)
    conn = pg(DS_DB, port=args.pg_port)
    with conn.cursor() as cur:
        # psql's \connect line aside: this connection is to the DataStore database already
        cur.execute("\n".join(line for line in perms.splitlines()
                              if not line.startswith("\\connect")))
    conn.close()
    ckan_cli(ini, "user", "add", "bench", "email=bench@example.org",
             "password=" + secrets.token_urlsafe(16), log=args.log)
    ckan_cli(ini, "sysadmin", "add", "bench", log=args.log)
    out = ckan_cli(ini, "user", "token", "add", "bench", "bench", log=args.log)
    return out.strip().splitlines()[-1].strip()


def api(ckan, token, action, **data):
    r = requests.post(ckan.url + "/api/3/action/" + action, json=data,
                      headers={"Authorization": token}, timeout=600)
    body = r.json()
    if not body.get("success"):
        raise SystemExit("%s failed: %s" % (action, body.get("error")))
    return body["result"]


def synthetic_rows(n, rnd):
    day = dt.date(2000, 1, 1)
    for i in range(n):
        (asylum, a_iso), (origin, o_iso) = rnd.sample(COUNTRIES, 2)
        yield {"Year": 1990 + i % 35, "Country of Asylum": asylum, "Country of Origin": origin,
               "Country of Asylum ISO": a_iso, "Country of Origin ISO": o_iso,
               "Refugees": rnd.randint(0, 1_000_000), "Asylum Seekers": rnd.randint(0, 50_000),
               "IDPs": rnd.randint(0, 10_000), "Stateless": rnd.randint(0, 5_000),
               "Share": round(rnd.random(), 4),
               "Reference date": (day + dt.timedelta(days=i % 9000)).isoformat(),
               "Note": rnd.choice(("", "provisional", "estimate", "break in series"))}


def load_rows(ckan, token, n, rnd):
    """A dataset whose resource holds ``n`` rows in the DataStore; its resource id."""
    org = api(ckan, token, "organization_create", name="bench-unhcr",
              title="UN Refugee Agency (UNHCR)")
    pkg = synthetic_dataset(0, rnd)
    for key in ("id", "organization", "tags", "metadata_created", "metadata_modified",
                "num_resources", "num_tags", "relationships_as_subject",
                "relationships_as_object"):
        pkg.pop(key, None)
    pkg.update(name="bench-downloads", owner_org=org["id"], resources=[])
    pkg = api(ckan, token, "package_create", **pkg)
    res = api(ckan, token, "resource_create", package_id=pkg["id"], name="Population",
              url="https://data.example.org/population.csv", format="CSV")
    api(ckan, token, "datastore_create", resource_id=res["id"], fields=FIELDS, records=[],
        force=True)
    rows = synthetic_rows(n, rnd)
    started = time.perf_counter()
    for start in range(0, n, CHUNK):
        chunk = [next(rows) for _ in range(min(CHUNK, n - start))]
        api(ckan, token, "datastore_upsert", resource_id=res["id"], records=chunk,
            method="insert", force=True)
    print("  loaded %s rows into the DataStore in %.1f s"
          % (f"{n:,}", time.perf_counter() - started), flush=True)
    return res["id"]


def count_rows(fmt, path):
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8-sig") as f:
            return sum(1 for _ in csv.reader(f)) - 1
    from openpyxl import load_workbook
    book = load_workbook(path, read_only=True)
    rows = sum(1 for _ in book["Data"].iter_rows(values_only=True)) - 1
    book.close()
    return rows


def download_once(args, ini, resource_id, fmt, limit):
    """One download by a fresh CKAN process; its figures."""
    ckan = CKAN(ini, args.ckan_port, args.log)
    url = ckan.url + "/datastore/dump/%s?format=%s" % (resource_id, fmt)
    path = os.path.join(args.data_dir, "download.%s" % fmt)
    try:
        requests.get(url + "&limit=5", timeout=600).raise_for_status()  # warm-up: imports
        baseline = ckan.rss()
        sampler = ckan.sample(args.sample_ms / 1000.0)
        started = time.perf_counter()
        with requests.get(url + "&limit=%d" % limit, stream=True, timeout=3600) as r, \
                open(path, "wb") as out:
            r.raise_for_status()
            for chunk in r.iter_content(65536):
                out.write(chunk)
        seconds = time.perf_counter() - started
        peak = ckan.stop_sampling(sampler)
    finally:
        ckan.stop()
    rows = count_rows(fmt, path)
    return {"format": fmt, "asked": limit, "rows": rows, "mb": os.path.getsize(path) / 1e6,
            "seconds": seconds, "rows_per_s": rows / seconds,
            "baseline_mb": baseline / 2**20, "peak_mb": peak / 2**20,
            "growth_mb": (peak - baseline) / 2**20}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="rows in the DataStore")
    ap.add_argument("--compare", default="10000", help="smaller row counts (limit=) to compare")
    ap.add_argument("--formats", default="csv,xlsx")
    ap.add_argument("--data-dir", required=True, help="config, logs, search data (wiped)")
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--redis-db", type=int, default=12)
    ap.add_argument("--ckan-port", type=int, default=0, help="default: a free port")
    ap.add_argument("--sample-ms", type=int, default=20)
    ap.add_argument("--max-growth", type=float, default=0.25,
                    help="allowed growth of the XLSX peak RSS from the smallest to the "
                         "largest count")
    args = ap.parse_args()
    counts = sorted({int(n) for n in args.compare.split(",") if n} | {args.rows})
    args.ckan_port = args.ckan_port or free_port()
    shutil.rmtree(args.data_dir, ignore_errors=True)
    os.makedirs(os.path.join(args.data_dir, "storage"))
    args.log = os.path.join(args.data_dir, "ckan.log")
    fresh_databases(args)
    proc, solr = start_service(args.data_dir, free_port())
    results = []
    try:
        ini = render_ini(args, solr, args.ckan_port)
        token = prepare_ckan(args, ini)
        ckan = CKAN(ini, args.ckan_port, args.log)
        try:
            resource_id = load_rows(ckan, token, args.rows, random.Random(42))
        finally:
            ckan.stop()
        for n in counts:
            for fmt in args.formats.split(","):
                r = download_once(args, ini, resource_id, fmt, n)
                results.append(r)
                print("  %-4s %7s rows (%6.1f MB) in %6.2f s, %7.0f rows/s; CKAN RSS baseline "
                      "%.1f MB, peak %.1f MB (+%.1f MB)%s"
                      % (fmt, f"{r['rows']:,}", r["mb"], r["seconds"], r["rows_per_s"],
                         r["baseline_mb"], r["peak_mb"], r["growth_mb"],
                         "  (CKAN's dump, baseline)" if fmt == "csv" else ""), flush=True)
    finally:
        proc.terminate()
        proc.wait()
    checks = [("every row downloaded", all(r["rows"] == r["asked"] for r in results))]
    xlsx = [r for r in results if r["format"] == "xlsx"]
    if xlsx:
        small, large = xlsx[0], xlsx[-1]
        # an idle CKAN with the site's plugins is already ~230 MB: the target is what the
        # download adds to the process
        checks.append(("xlsx: the download adds <= %.0f MB to CKAN's RSS at %s rows "
                       "(+%.1f MB, peak %.1f MB)"
                       % (TARGET_MB, f"{large['rows']:,}", large["growth_mb"],
                          large["peak_mb"]),
                       large["growth_mb"] <= TARGET_MB))
        if len(xlsx) > 1:
            checks.append(("xlsx: peak RSS flat, %s rows within %d%% of %s rows (%.1f vs %.1f MB)"
                           % (f"{large['rows']:,}", args.max_growth * 100, f"{small['rows']:,}",
                              large["peak_mb"], small["peak_mb"]),
                           large["peak_mb"] <= small["peak_mb"] * (1 + args.max_growth)))
    for text, passed in checks:
        print("  [%s] %s" % ("ok" if passed else "FAIL", text))
    return 0 if all(p for _t, p in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
