"""DataStore load benchmark (issue 10): a ~100 MB CSV loaded the way the catalogue loads it
(the pre-flight check of ckanext/migration/tabular.py, then ckanext-xloader's COPY load,
record count and column indexes, as its job does), beside a plain PostgreSQL COPY of the
same file into a table of text columns, in the same run and the same database.

    python benchmarks/datastore_load.py --ckan-ini .run/bench/load.ini [--mb 100]
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import resource
import sys
import time


def make_csv(path: str, megabytes: int) -> int:
    """Rows like a producer's table: year, ISO3 codes, names, sex, age, counts."""
    rng = random.Random(10)
    iso = ["AFG", "SYR", "UKR", "VEN", "SDN", "SSD", "MMR", "COD", "SOM", "ERI", "NGA", "SEN",
           "DEU", "FRA", "ITA", "ESP", "SWE", "AUT", "BEL", "NLD", "GRC", "POL", "TUR", "USA"]
    target, rows = megabytes * 1_000_000, 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("Year,Country of asylum ISO,Country of origin ISO,Sex,Age group,"
                "Population type,Refugees,Asylum seekers,Returned refugees,Note\n")
        while f.tell() < target:
            lines = []
            for _ in range(10_000):
                lines.append("%d,%s,%s,%s,%s,%s,%d,%d,%d,\"%s\"\n" % (
                    rng.randint(1990, 2024), rng.choice(iso), rng.choice(iso),
                    rng.choice("FMT"), rng.choice(["0-4", "5-11", "12-17", "18-59", "60+"]),
                    rng.choice(["REF", "ASY", "RET", "IDP"]), rng.randint(0, 500_000),
                    rng.randint(0, 90_000), rng.randint(0, 5_000),
                    rng.choice(["", "provisional", "estimate, UNHCR", "break in series"])))
            f.write("".join(lines))
            rows += len(lines)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckan-ini", required=True)
    parser.add_argument("--mb", type=int, default=100, help="size of the CSV (default 100)")
    args = parser.parse_args()

    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    app = make_app(load_config(args.ckan_ini))
    logging.getLogger().setLevel(logging.WARNING)
    with app._wsgi_app.test_request_context():
        run(args)


def run(args):
    import ckan.plugins.toolkit as tk
    from ckanext.datastore.backend.postgres import get_write_engine
    from ckanext.xloader import loader
    from ckanext.migration import tabular

    work = os.path.join(os.path.dirname(os.path.abspath(args.ckan_ini)), "load")
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "data.csv")
    started = time.perf_counter()
    rows = make_csv(path, args.mb)
    size = os.path.getsize(path)
    print("file: %.1f MB, %d rows (generated in %.1f s)"
          % (size / 1e6, rows, time.perf_counter() - started))

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    context = {"user": site_user, "ignore_auth": True}
    org = tk.get_action("organization_create")(dict(context), {"name": "bench-load-%d" % time.time()})
    pkg = tk.get_action("package_create")(dict(context), {
        "name": "bench-load-%d" % time.time(), "owner_org": org["id"], "title": "Load benchmark",
        "notes": "Load benchmark", "license_id": "cc-by"})
    res = tk.get_action("resource_create")(dict(context), {
        "package_id": pkg["id"], "url": "http://example.org/data.csv", "format": "CSV",
        "name": "data"})

    engine = get_write_engine()
    # baseline: COPY of the same file into text columns (what the loader ends with)
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
    columns = ", ".join('"%s" text' % h for h in header)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute('DROP TABLE IF EXISTS bench_copy_baseline')
        cur.execute('CREATE TABLE bench_copy_baseline (%s)' % columns)
        raw.commit()
        started = time.perf_counter()
        with open(path, encoding="utf-8") as f:
            cur.copy_expert("COPY bench_copy_baseline FROM STDIN WITH (FORMAT csv, HEADER true)", f)
        raw.commit()
        copy_s = time.perf_counter() - started
        cur.execute("SELECT count(*) FROM bench_copy_baseline")
        copied = cur.fetchone()[0]
        cur.execute('DROP TABLE bench_copy_baseline')
        raw.commit()
    finally:
        raw.close()

    log = logging.getLogger("bench-load")
    if os.environ.get("BENCH_VERBOSE"):  # xloader's own steps, with their times
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("  %(relativeCreated)8.0f ms  %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    timings = {}
    started = time.perf_counter()
    checked = tabular.check_text_table(path)
    timings["pre-flight check"] = time.perf_counter() - started
    started = time.perf_counter()
    fields = loader.load_csv(path, resource_id=res["id"], mimetype="CSV", logger=log)
    loader.calculate_record_count(resource_id=res["id"], logger=log)
    timings["xloader COPY load"] = time.perf_counter() - started
    started = time.perf_counter()
    loader.create_column_indexes(fields=fields, resource_id=res["id"], logger=log)
    timings["column indexes"] = time.perf_counter() - started
    loaded = tk.get_action("datastore_search")(dict(context), {"resource_id": res["id"],
                                                               "limit": 0})["total"]
    ours_s = sum(timings.values())
    assert copied == rows == checked == loaded, (copied, rows, checked, loaded)

    print()
    print("%-44s %10s %12s" % ("", "seconds", "rows/s"))
    print("%-44s %10.1f %12s" % ("plain COPY (baseline)", copy_s, "{:,.0f}".format(rows / copy_s)))
    for label, secs in timings.items():
        print("%-44s %10.1f" % ("  ours: " + label, secs))
    print("%-44s %10.1f %12s" % ("ours: check + load + count + indexes", ours_s,
                                 "{:,.0f}".format(rows / ours_s)))
    print("%-44s %10.1f %12s" % ("ours without the column indexes",
                                 ours_s - timings["column indexes"],
                                 "{:,.0f}".format(rows / (ours_s - timings["column indexes"]))))
    print()
    print("ours / COPY: %.0f%% (with indexes), %.0f%% (without); target >= 50%%"
          % (100 * copy_s / ours_s, 100 * copy_s / (ours_s - timings["column indexes"])))
    print("peak memory of this process: %.0f MB"
          % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    tk.get_action("datastore_delete")(dict(context), {"resource_id": res["id"], "force": True})
    os.remove(path)


if __name__ == "__main__":
    sys.exit(main())
