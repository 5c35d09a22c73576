"""Benchmark of the paged DCAT catalogue (a script, not a test).

The whole catalogue as paged Turtle (ckanext-dcat's ``/catalog.ttl?page=N``, 100 datasets a
page, ``hydra:nextPage`` links) must be servable with flat memory: CKAN builds one page at a
time from ``package_search`` (the index's ``validated_data_dict``), so the peak memory of the
CKAN process must not grow with the number of pages read.

1. generates N synthetic migration datasets shaped like the validated dicts of
   ``schemas/migration_dataset.yaml`` (producers, collection periods, countries, topics, GCM
   objectives, DCAT-AP fields, resources) with the index fields ``indexing.index_fields`` adds,
   passes them through the site's index hook (the migration plugin's
   ``before_dataset_index``, CKAN app made from ``--ckan-ini``: the catalogue fragment of
   profiles/fragments.py, its CPU time a dataset printed) and loads them straight into a fresh
   search-service core through ``/update``;
2. for each page count (default 10 and 100) starts a fresh CKAN process (``ckan run`` with
   ``--ckan-ini``, whose ``solr_url`` is this core; scripts/bench-catalog.sh renders it), reads
   the pages following ``hydra:nextPage`` and samples the RSS of the CKAN process (psutil) every
   ``--sample-ms``: pages/s, datasets/s, peak RSS and its growth over the warmed-up baseline;
3. reads the pages once over one keep-alive connection and once with a new connection per
   page ("separate requests"), and once (keep-alive) from a CKAN serving the catalogue with
   stock ckanext-dcat's serializer (``ckanext.migration.dcat.stock_catalog``), to compare;
4. checks that the peak RSS at the largest page count is < 110% of that at the smallest.

    python benchmarks/catalog_stream.py --docs 100000 --ckan-ini .run/bench-catalog/ckan.ini
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid

import psutil
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from benchmarks.search_service import COUNTRIES, FORMATS, WORDS, start_service  # noqa: E402

ORGS = [("eurostat", "Eurostat"), ("oecd", "OECD"), ("ilo", "International Labour Organization"),
        ("unhcr", "UNHCR, the UN Refugee Agency"),
        ("iom", "International Organization for Migration"),
        ("world-bank", "World Bank"), ("un-desa", "UN DESA Population Division"),
        ("hdx", "Humanitarian Data Exchange")]
TOPICS = ["labour_migration", "remittances", "forced_displacement", "internal_displacement",
          "irregular_migration", "missing_migrants", "trafficking", "smuggling",
          "return_and_reintegration", "diaspora", "integration", "environmental_migration"]
SOURCE_TYPES = ["official_statistics", "administrative_records", "census", "survey",
                "international_organisation_estimate", "ngo_monitoring"]
POPULATIONS = ["migrants", "international_migrants", "refugees", "asylum_seekers", "idps",
               "migrant_workers", "children"]
DISAGG = ["sex", "age", "citizenship", "country_of_birth", "education", "occupation"]
FREQS = ["ANNUAL", "MONTHLY", "QUARTERLY", "IRREG", "WEEKLY"]
EU_FREQ = "http://publications.europa.eu/resource/authority/frequency/"
NEXT = re.compile(rb'hydra:nextPage\s+"([^"]+)"')
DATASET = re.compile(rb"\ba dcat:Dataset\b")


def _uuid(rnd):
    return str(uuid.UUID(int=rnd.getrandbits(128)))


def synthetic_dataset(i: int, rnd: random.Random) -> dict:
    """A validated migration dataset dict, as package_show returns it."""
    pid = _uuid(rnd)
    org_name, org_title = rnd.choice(ORGS)
    org_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, org_name))
    countries = rnd.sample(COUNTRIES, rnd.randint(1, 6))
    topics = rnd.sample(TOPICS, rnd.randint(1, 3))
    gcm = sorted(rnd.sample(range(1, 24), rnd.randint(1, 3)))
    start = rnd.randint(1990, 2020)
    created = "20%02d-%02d-%02dT%02d:%02d:%02d.%06d" % (
        rnd.randint(10, 25), rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 23),
        rnd.randint(0, 59), rnd.randint(0, 59), rnd.randint(0, 999999))
    resources = [{"id": _uuid(rnd), "package_id": pid, "name": "%s data" % f, "format": f,
                  "url": "https://data.example.org/%s/%d.%s" % (org_name, i, f.lower()),
                  "description": "Raw %s download" % f, "raw_data": "true", "position": n,
                  "state": "active", "created": created, "metadata_modified": created,
                  "resource_type": None, "url_type": None, "mimetype_inner": None,
                  "cache_url": None, "cache_last_updated": None, "last_modified": None,
                  "hash": ""}
                 for n, f in enumerate(rnd.sample(FORMATS, rnd.randint(1, 3)))]
    tags = rnd.sample(WORDS, rnd.randint(2, 5))
    return {
        "id": pid, "name": "dataset-%d" % i, "type": "dataset", "state": "active",
        "private": False, "isopen": True, "license_id": "cc-by",
        "license_title": "Creative Commons Attribution",
        "license_url": "http://www.opendefinition.org/licenses/cc-by",
        "title": "%s %s in %s %d" % (rnd.choice(WORDS).capitalize(), rnd.choice(WORDS),
                                     countries[0], start),
        "notes": " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(30, 80))),
        "url": "https://stats.example.org/%s/table/%d" % (org_name, i),
        "metadata_created": created, "metadata_modified": created,
        "owner_org": org_id, "creator_user_id": None,
        "organization": {"id": org_id, "name": org_name, "title": org_title,
                         "type": "organization", "is_organization": True,
                         "state": "active", "approval_status": "approved",
                         "description": "", "image_url": "", "created": created},
        "author": None, "author_email": None, "maintainer": None, "maintainer_email": None,
        "topics": topics, "gcm_objectives": [str(g) for g in gcm],
        "creator": [{"name": org_title, "url": "https://%s.example.org/" % org_name,
                     "type": "http://purl.org/adms/publishertype/InternationalOrganisation"}],
        "publisher": [{"name": org_title, "url": "https://%s.example.org/" % org_name}],
        "contact": [{"name": "%s data team" % org_title,
                     "email": "data@%s.example.org" % org_name}],
        "source_type": rnd.choice(SOURCE_TYPES),
        "collection_method": "Administrative records compiled from national authorities",
        "provenance": " ".join(rnd.choice(WORDS) for _ in range(20)),
        "definitions": "Migrant: a person who changed country of usual residence.",
        "conforms_to": ["https://unstats.un.org/unsd/demographic/standmeth/"],
        "source_platform": org_title, "identifier": "%s-%d" % (org_name, i),
        "sample_size": rnd.randint(100, 100000), "unit_of_observation": "persons",
        "population_covered": rnd.sample(POPULATIONS, rnd.randint(1, 2)),
        "temporal_coverage": [{"start": "%d-01-01" % start,
                               "end": "%d-12-31" % rnd.randint(start, 2024)}],
        "frequency": EU_FREQ + rnd.choice(FREQS),
        "modified": "20%02d-%02d-01" % (rnd.randint(15, 25), rnd.randint(1, 12)),
        "countries": countries, "regions": [], "geographic_granularity": "national",
        "disaggregation": rnd.sample(DISAGG, rnd.randint(1, 3)),
        "language": ["http://publications.europa.eu/resource/authority/language/ENG"],
        "caveats": "Provisional figures; " + " ".join(rnd.choice(WORDS) for _ in range(10)),
        "caveat_flags": ["provisional_figures"],
        "tags": [{"name": t, "display_name": t, "id": _uuid(rnd), "state": "active",
                  "vocabulary_id": None} for t in tags],
        "groups": [], "resources": resources, "num_resources": len(resources),
        "num_tags": len(tags), "relationships_as_subject": [], "relationships_as_object": [],
    }


def index_document(pkg: dict, site_id: str, hook=None) -> dict:
    """The search document CKAN (with our before_index) would send for ``pkg``; with
    ``hook`` (:func:`site_index_hook`), also what the site's index hook adds (the dataset's
    catalogue fragment)."""
    from ckanext.migration.indexing import index_fields
    pid = pkg["id"]
    doc = {
        "id": pid, "name": pkg["name"], "title": pkg["title"], "title_string": pkg["title"],
        "notes": pkg["notes"], "url": pkg["url"], "site_id": site_id,
        "index_id": uuid.uuid5(uuid.NAMESPACE_URL, site_id + pid).hex,
        "entity_type": "package", "dataset_type": "dataset", "state": "active",
        "capacity": "public", "permission_labels": ["public"], "license_id": pkg["license_id"],
        "organization": pkg["organization"]["name"], "owner_org": pkg["owner_org"],
        "private": "false", "metadata_created": pkg["metadata_created"] + "Z",
        "metadata_modified": pkg["metadata_modified"] + "Z",
        "tags": [t["name"] for t in pkg["tags"]], "groups": [],
        "res_name": [r["name"] for r in pkg["resources"]],
        "res_description": [r["description"] for r in pkg["resources"]],
        "res_format": [r["format"] for r in pkg["resources"]],
        "res_url": [r["url"] for r in pkg["resources"]],
        "data_dict": json.dumps({k: v for k, v in pkg.items()
                                 if k not in ("num_resources", "num_tags", "isopen")}),
        "validated_data_dict": json.dumps(pkg),
    }
    for key, value in index_fields(pkg).items():
        if value not in (None, []):
            doc[key] = value
    return hook(doc) if hook else doc


def site_index_hook(ini):
    """The migration plugin's ``before_dataset_index`` of the site configured by ``ini``
    (CKAN app made here, as ``ckan search-index rebuild`` would): the same index document,
    catalogue fragment included, as the site writes."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from ckan.plugins import get_plugin
    make_app(load_config(ini))
    return get_plugin("migration").before_dataset_index


_HOOK = None


def _hooked(docs):
    """``docs`` through the site's index hook (in a worker process); (docs, CPU seconds)."""
    started = time.process_time()
    docs = [_HOOK(doc) for doc in docs]
    return docs, time.process_time() - started


def load(url, total, batch, site_id, hook=None, workers=2):
    """Generate and index ``total`` documents in batches, through the site's index ``hook``
    when given (in ``workers`` processes); (docs/s with generation, hook CPU s per document)."""
    global _HOOK
    rnd = random.Random(42)
    session = requests.Session()
    pool, hook_cpu = None, 0.0
    if hook:
        import multiprocessing
        _HOOK = hook
        # forked after the CKAN app was made: the workers share its configuration
        pool = multiprocessing.get_context("fork").Pool(workers)
    started = time.perf_counter()
    try:
        for first in range(0, total, batch):
            docs = [index_document(synthetic_dataset(i, rnd), site_id)
                    for i in range(first, min(total, first + batch))]
            if pool:
                chunks = [docs[n::workers] for n in range(workers)]
                docs = []
                for hooked, cpu in pool.map(_hooked, chunks):
                    docs += hooked
                    hook_cpu += cpu
            bench_index_batch(session, url, docs)
            if (first // batch) % 40 == 0:
                print("  %d/%d" % (first + len(docs), total), flush=True)
    finally:
        if pool:
            pool.close()
            pool.join()
    session.post(url + "/update?commit=true", data=b"[]",
                 headers={"Content-Type": "application/json"}).raise_for_status()
    return total / (time.perf_counter() - started), hook_cpu / total


def bench_index_batch(session, url, docs):
    r = session.post(url + "/update", data=json.dumps(docs).encode(),
                     headers={"Content-Type": "application/json"})
    r.raise_for_status()


class CKAN:
    """A fresh `ckan run` process (no reloader: one process) and its memory sampler."""

    def __init__(self, ini, port, log, stock=False):
        self.port, self.log = port, log
        if stock:
            # the same site served by ckanext-dcat's own serializer (same datasets, same run)
            derived = ini[:-len(".ini")] + "-stock.ini"
            with open(ini) as src, open(derived, "w") as out:
                out.write(src.read().replace(
                    "[app:main]\n", "[app:main]\nckanext.migration.dcat.stock_catalog = true\n", 1))
            ini = derived
        self.proc = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", ini, "run",
             "-H", "127.0.0.1", "-p", str(port), "--disable-reloader"],
            stdout=open(log, "a"), stderr=subprocess.STDOUT)
        self.url = "http://127.0.0.1:%d" % port
        for _ in range(240):
            if self.proc.poll() is not None:
                raise SystemExit("CKAN exited; see %s" % log)
            try:
                if requests.get(self.url + "/api/3/action/status_show", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        else:
            self.stop()
            raise SystemExit("CKAN did not start; see %s" % log)
        self.ps = psutil.Process(self.proc.pid)
        self.samples, self._stop = [], threading.Event()

    def rss(self):
        procs = [self.ps] + self.ps.children(recursive=True)
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def sample(self, every):
        self._stop.clear()
        self.samples = []

        def run():
            while not self._stop.is_set():
                self.samples.append(self.rss())
                self._stop.wait(every)
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t

    def stop_sampling(self, thread):
        self._stop.set()
        thread.join()
        self.samples.append(self.rss())
        return max(self.samples)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def read_pages(base_url, pages, keep_alive=True, query=""):
    """Follow hydra:nextPage from page 1 for ``pages`` pages; (datasets, bytes, seconds)."""
    session = requests.Session() if keep_alive else None
    url = base_url + "/catalog.ttl?page=1" + query
    n_datasets = n_bytes = 0
    started = time.perf_counter()
    for n in range(pages):
        getter = session.get if keep_alive else requests.get
        headers = {} if keep_alive else {"Connection": "close"}
        with getter(url, stream=True, headers=headers, timeout=600) as r:
            r.raise_for_status()
            body = b"".join(r.iter_content(65536))
        n_bytes += len(body)
        n_datasets += len(DATASET.findall(body))
        m = NEXT.search(body)
        if n < pages - 1:
            if not m:
                raise SystemExit("page %d has no hydra:nextPage: %r" % (n + 1, body[-400:]))
            # the links are absolute, on ckan.site_url: keep the path and query only
            nxt = m.group(1).decode()
            url = base_url + "/" + nxt.split("/", 3)[3]
    return n_datasets, n_bytes, time.perf_counter() - started


def run_once(args, pages, keep_alive=True, stock=False):
    ckan = CKAN(args.ckan_ini, args.ckan_port, args.log, stock)
    try:
        read_pages(ckan.url, 2, keep_alive)  # warm-up: imports, profiles, first queries
        baseline = ckan.rss()
        sampler = ckan.sample(args.sample_ms / 1000.0)
        datasets, nbytes, seconds = read_pages(ckan.url, pages, keep_alive)
        peak = ckan.stop_sampling(sampler)
        after = ckan.rss()
    finally:
        ckan.stop()
    return {"pages": pages, "datasets": datasets, "mb": nbytes / 1e6, "seconds": seconds,
            "pages_per_s": pages / seconds, "datasets_per_s": datasets / seconds,
            "baseline_mb": baseline / 2**20, "peak_mb": peak / 2**20, "end_mb": after / 2**20,
            "growth_mb": (peak - baseline) / 2**20, "keep_alive": keep_alive,
            "serializer": "stock" if stock else "ours"}


def show(r):
    print("  %-5s %4d pages (%6d datasets, %6.1f MB Turtle) %s: %.2f pages/s, %.0f datasets/s; "
          "CKAN RSS baseline %.1f MB, peak %.1f MB (+%.1f MB), end %.1f MB"
          % (r["serializer"], r["pages"], r["datasets"], r["mb"],
             "keep-alive" if r["keep_alive"] else "separate ", r["pages_per_s"],
             r["datasets_per_s"], r["baseline_mb"], r["peak_mb"], r["growth_mb"], r["end_mb"]),
          flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--pages", default="10,100", help="page counts to compare, e.g. 10,100,1000")
    ap.add_argument("--ckan-ini", required=True,
                    help="CKAN config whose solr_url is http://127.0.0.1:<port>/solr/<core>")
    ap.add_argument("--ckan-port", type=int, default=5057)
    ap.add_argument("--port", type=int, default=8987, help="search service port")
    ap.add_argument("--core", default="catalog")
    ap.add_argument("--site-id", default="ckan-migration")
    ap.add_argument("--data-dir", required=True, help="search service data (wiped)")
    ap.add_argument("--per-page", type=int, default=100,
                    help="ckanext.dcat.datasets_per_page of --ckan-ini")
    ap.add_argument("--sample-ms", type=int, default=20)
    ap.add_argument("--skip-separate", action="store_true",
                    help="skip the run with a new connection per page")
    ap.add_argument("--max-growth", type=float, default=0.10)
    ap.add_argument("--no-fragments", action="store_true",
                    help="index without the site's index hook (no catalogue fragments: every "
                         "page writes its datasets on the read)")
    ap.add_argument("--workers", type=int, default=2,
                    help="processes running the site's index hook while loading")
    ap.add_argument("--skip-stock", action="store_true",
                    help="skip the runs with stock ckanext-dcat's serializer")
    args = ap.parse_args()
    args.log = os.path.join(args.data_dir, "ckan.log")
    page_counts = sorted(int(p) for p in args.pages.split(","))

    shutil.rmtree(args.data_dir, ignore_errors=True)
    os.makedirs(args.data_dir)
    proc, url = start_service(args.data_dir, args.port)
    url = url.rsplit("/", 1)[0] + "/" + args.core
    try:
        print("loading %d synthetic migration datasets into %s ..." % (args.docs, url),
              flush=True)
        hook = None if args.no_fragments else site_index_hook(args.ckan_ini)
        rate, hook_s = load(url, args.docs, args.batch, args.site_id, hook, args.workers)
        found = requests.get(url + "/select", params={"q": "*:*", "rows": 0,
                                                      "wt": "json"}).json()
        print("  indexed %d documents, %.0f docs/s (generation included%s)"
              % (found["response"]["numFound"], rate,
                 ", %d processes" % args.workers if hook else ""), flush=True)
        if hook:
            print("  the site's index hook (catalogue fragment included): %.1f ms CPU a "
                  "dataset" % (1000 * hook_s), flush=True)
        search_rss = psutil.Process(proc.pid).memory_info().rss / 2**20

        print("paged Turtle from /catalog.ttl (ckanext.dcat.datasets_per_page datasets a "
              "page), fresh CKAN process per run:", flush=True)
        results = []
        for pages in page_counts:
            for stock in (False,) if args.skip_stock else (False, True):
                r = run_once(args, pages, stock=stock)
                show(r)
                results.append(r)
        if not args.skip_separate:
            for pages in page_counts[:2]:
                r = run_once(args, pages, keep_alive=False)
                show(r)
                results.append(r)
        search_rss = max(search_rss, psutil.Process(proc.pid).memory_info().rss / 2**20)
        print("search service RSS: %.0f MB" % search_rss)
    finally:
        proc.terminate()
        proc.wait()

    kept = [r for r in results if r["keep_alive"] and r["serializer"] == "ours"]
    for r in kept:
        same = [x for x in results if x["keep_alive"] and x["serializer"] == "stock"
                and x["pages"] == r["pages"]]
        if same:
            print("%d pages: ours %.2f pages/s, stock ckanext-dcat %.2f pages/s: x%.2f; "
                  "peak RSS %.1f vs %.1f MB" % (r["pages"], r["pages_per_s"],
                                               same[0]["pages_per_s"],
                                               r["pages_per_s"] / same[0]["pages_per_s"],
                                               r["peak_mb"], same[0]["peak_mb"]))
    small, large = kept[0], kept[-1]
    checks = [
        ("every page has %d datasets" % args.per_page,
         all(r["datasets"] == r["pages"] * args.per_page for r in results)),
        ("%.2f pages/s of %d datasets (issue 15: >= 10)" % (large["pages_per_s"], args.per_page),
         large["pages_per_s"] >= 10),
        ("peak RSS at %d pages < %d%% over %d pages (%.1f vs %.1f MB)"
         % (large["pages"], 100 * (1 + args.max_growth), small["pages"], large["peak_mb"],
            small["peak_mb"]),
         large["peak_mb"] <= small["peak_mb"] * (1 + args.max_growth)),
    ]
    for label, ok in checks:
        print("%-70s %s" % (label, "OK" if ok else "MISSED"))
    print(json.dumps([{k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()}
                      for r in results]))
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
