"""Benchmark of the embedded search service (a script, not a test).

Loads N synthetic migration-like datasets, shaped like the documents CKAN 2.12 sends
(with their data_dict / validated_data_dict blobs), into a fresh search service process
through ``/update``, then times a faceted query (free text, three ``fq`` filters, eight
facet fields) and a pivot facet (the coverage matrix: GCM objectives x countries):

- raw tantivy on the same index and the same query (the baseline: the engine's own cost),
- the service's ``/select`` over HTTP (direct),
- CKAN's ``package_search`` over HTTP when ``--ckan-ini`` points at a CKAN config whose
  ``solr_url`` is the benchmark core (scripts/bench.sh sets that up).

Prints the figures and compares them with the targets of issue #2.

    python benchmarks/search_service.py --docs 100000
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "config", "solr", "schema.xml")

COUNTRIES = ["SEN", "MLI", "NER", "NGA", "GHA", "MAR", "TUN", "LBY", "EGY", "SDN", "ETH",
             "SOM", "KEN", "UGA", "SYR", "AFG", "IRQ", "TUR", "GRC", "ITA", "ESP", "DEU",
             "FRA", "MEX", "GTM", "HND", "SLV", "USA", "COL", "VEN", "BGD", "PHL", "IND"]
TOPICS = ["labour migration", "remittances", "forced displacement", "internal displacement",
          "irregular migration", "missing migrants", "trafficking", "smuggling",
          "return and reintegration", "diaspora", "integration", "environmental migration",
          "migration policy", "international students", "migrant stocks", "migration flows",
          "child migration", "gender", "health", "public opinion"]
ORGS = ["eurostat", "oecd", "ilo", "unicef", "unhcr", "iom", "world-bank", "un-desa", "hdx"]
FORMATS = ["CSV", "XLSX", "JSON", "SDMX", "PDF", "API"]
WORDS = ("migrants refugees asylum seekers stock flow remittances border crossings deaths "
         "labour workers students returnees diaspora displacement camps survey census "
         "register estimate annual monthly country region origin destination sex age "
         "citizenship education occupation household population mediterranean sahel "
         "corridor policy integration employment wages health children women").split()
FREQS = ["ANNUAL", "MONTHLY", "QUARTERLY", "IRREG", "WEEKLY"]
SITE_ID = "default"


def synthetic_doc(i: int, rnd: random.Random) -> dict:
    """One document as CKAN's PackageSearchIndex.index_package sends it."""
    pid = str(uuid.UUID(int=rnd.getrandbits(128)))
    org = rnd.choice(ORGS)
    countries = rnd.sample(COUNTRIES, rnd.randint(1, 6))
    topics = rnd.sample(TOPICS, rnd.randint(1, 3))
    gcm = sorted(rnd.sample(range(1, 24), rnd.randint(1, 3)))
    formats = rnd.sample(FORMATS, rnd.randint(1, 3))
    title = "%s %s in %s %d" % (rnd.choice(WORDS).capitalize(), rnd.choice(WORDS),
                                countries[0], 1990 + i % 35)
    notes = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(30, 80)))
    created = "20%02d-%02d-%02dT%02d:%02d:%02d.%06d" % (
        rnd.randint(10, 25), rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 23),
        rnd.randint(0, 59), rnd.randint(0, 59), rnd.randint(0, 999999))
    resources = [{"id": str(uuid.UUID(int=rnd.getrandbits(128))), "name": "%s data" % f,
                  "format": f, "url": "https://data.example.org/%s/%d.%s" % (org, i, f.lower()),
                  "description": "Raw %s download" % f, "resource_type": None}
                 for f in formats]
    pkg = {"id": pid, "name": "dataset-%d" % i, "title": title, "notes": notes,
           "type": "dataset", "state": "active", "private": False, "license_id": "cc-by",
           "owner_org": org, "metadata_created": created, "metadata_modified": created,
           "tags": [{"name": t} for t in topics], "resources": resources,
           "countries": countries, "gcm_objectives": [str(g) for g in gcm],
           "frequency": rnd.choice(FREQS), "sample_size": rnd.randint(100, 100000),
           "caveats": "Provisional figures; " + " ".join(rnd.choice(WORDS) for _ in range(10))}
    doc = {
        "id": pid, "name": pkg["name"], "title": title, "title_string": title, "notes": notes,
        "site_id": SITE_ID, "index_id": uuid.uuid5(uuid.NAMESPACE_URL, pid).hex,
        "entity_type": "package", "dataset_type": "dataset", "state": "active",
        "capacity": "public", "permission_labels": ["public"], "license_id": "cc-by",
        "organization": org, "owner_org": org, "private": "false",
        "metadata_created": created + "Z", "metadata_modified": created + "Z",
        "tags": topics, "groups": [], "res_name": [r["name"] for r in resources],
        "res_description": [r["description"] for r in resources],
        "res_format": formats, "res_url": [r["url"] for r in resources],
        "res_type": ["" for _ in resources],
        "vocab_countries": countries, "vocab_gcm_objectives": [str(g) for g in gcm],
        "countries": countries, "gcm_objectives": [str(g) for g in gcm],
        "extras_frequency": pkg["frequency"], "frequency": pkg["frequency"],
        "extras_caveats": pkg["caveats"],
        "data_dict": json.dumps(pkg),
        "validated_data_dict": json.dumps(dict(pkg, num_resources=len(resources),
                                               num_tags=len(topics))),
    }
    return doc


def faceted_params(rnd: random.Random) -> list:
    """Free text, three filters, eight facet fields: what the dataset search page sends."""
    params = [("q", "%s %s" % (rnd.choice(WORDS), rnd.choice(WORDS))), ("defType", "dismax"),
              ("qf", "name^4 title^4 tags^2 groups^2 text"), ("mm", "2<-1 5<80%"),
              ("tie", "0.1"), ("q.op", "AND"), ("df", "text"), ("wt", "json"),
              ("fl", "id validated_data_dict"), ("rows", "21"), ("start", "0"),
              ("sort", "score desc, metadata_modified desc"),
              ("fq", '+site_id:"%s"' % SITE_ID), ("fq", "+state:active"),
              ("fq", '+permission_labels:("public")'),
              ("fq", "vocab_countries:%s" % rnd.choice(COUNTRIES)),
              ("fq", "metadata_modified:[2012-01-01T00:00:00Z TO NOW]"),
              ("fq", 'res_format:"%s"' % rnd.choice(FORMATS)),
              ("facet", "true"), ("facet.limit", "50"), ("facet.mincount", "1")]
    for field in ("organization", "tags", "res_format", "license_id", "vocab_countries",
                  "vocab_gcm_objectives", "groups", "frequency"):
        params.append(("facet.field", field))
    return params


def pivot_params() -> list:
    """The coverage matrix over the whole public catalogue: every objective, every country."""
    return [("q", "*:*"), ("wt", "json"), ("rows", "0"), ("fq", '+site_id:"%s"' % SITE_ID),
            ("fq", "+state:active"), ("fq", '+permission_labels:("public")'),
            ("facet", "true"), ("facet.pivot", "gcm_objectives,countries"),
            ("facet.limit", "-1"), ("facet.sort", "count")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentiles(samples):
    samples = sorted(samples)
    def pick(p):
        return samples[min(len(samples) - 1, int(round(p / 100.0 * (len(samples) - 1))))]
    return pick(50), pick(95)


def start_service(data_dir, port):
    log = open(os.path.join(data_dir, "service.log"), "w")
    proc = subprocess.Popen([sys.executable, "-m", "ckanext.migration.searchservice.cli",
                             "--port", str(port), "--data-dir", os.path.join(data_dir, "data"),
                             "--schema", SCHEMA, "--autocommit-ms", "0",
                             "--log-level", "WARNING"], stdout=log, stderr=log)
    url = "http://127.0.0.1:%d/solr/bench" % port
    for _ in range(200):
        try:
            if requests.get(url + "/admin/ping", timeout=1).ok:
                return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("search service did not start; see %s" % log.name)


def bench_index(url, docs, batch):
    bodies = [json.dumps(docs[i:i + batch]).encode() for i in range(0, len(docs), batch)]
    session = requests.Session()
    started = time.perf_counter()
    for body in bodies:
        r = session.post(url + "/update", data=body,
                         headers={"Content-Type": "application/json"})
        r.raise_for_status()
    session.post(url + "/update?commit=true", data=b"[]",
                 headers={"Content-Type": "application/json"}).raise_for_status()
    return len(docs) / (time.perf_counter() - started)


def bench_http(url, queries, warmup=20, commit_url=None):
    """p50/p95 ms and the mean hits; with ``commit_url``, a commit (untimed) before each
    query, so that no counting answer kept by the service (answers.py) is reused."""
    session = requests.Session()
    for params in queries[:warmup]:
        session.get(url, params=params).raise_for_status()
    times, hits = [], 0
    for params in queries:
        if commit_url:
            session.post(commit_url, data=b"[]",
                         headers={"Content-Type": "application/json"}).raise_for_status()
        t = time.perf_counter()
        r = session.get(url, params=params)
        times.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
        body = r.json()
        hits += body["response"]["numFound"] if "response" in body else body["result"]["count"]
    return percentiles(times), hits / len(queries)


def bench_in_process(data_dir, queries, pivots):
    """The same queries with no HTTP: the service's select() and raw tantivy; then the
    pivot queries through select() and, as their baseline, tantivy's nested aggregation."""
    from ckanext.migration.searchservice.core import Core
    from ckanext.migration.searchservice.schema import load_schema
    core = Core("bench", os.path.join(data_dir, "data", "bench"), load_schema(SCHEMA))
    searcher = core.searcher()
    # raw tantivy: the query built once, then search + aggregation only
    from ckanext.migration.searchservice.request import (Occur, Params, Q, combine,
                                                         parse_query)
    raw = []
    for params in queries:
        p = Params(params)
        clauses = [(Occur.Must, parse_query(core, p.get("q"), "dismax", p))]
        clauses += [(Occur.Must, Q.const_score_query(parse_query(core, fq, "lucene", p), 0.0))
                    for fq in p.getlist("fq")]
        aggs = {f: {"terms": {"field": _path(core, f), "size": 50}}
                for f in p.getlist("facet.field")}
        raw.append((combine(clauses), aggs))

    def run_raw(query, aggs):
        t, c = time.perf_counter(), time.process_time()
        searcher.search(query, 21)
        searcher.aggregate(query, aggs)
        return (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000

    # both warmed up, then timed query by query in turn: the same load on both sides
    # of each comparison when other jobs share the machine
    _time_select(core, queries[:20])
    for query, aggs in raw[:20]:
        run_raw(query, aggs)
    select_ms, select_cpu, raw_ms, raw_cpu = [], [], [], []
    for params, (query, aggs) in zip(queries, raw):
        (wall,), (cpu,) = _time_select(core, [params])
        select_ms.append(wall)
        select_cpu.append(cpu)
        wall, cpu = run_raw(query, aggs)
        raw_ms.append(wall)
        raw_cpu.append(cpu)
    (pivot_ms, pivot_cpu_ms), pivot_raw_ms = _time_select(core, pivots), []
    nested = {"p": {"terms": {"field": "gcm_objectives", "size": 1000},
                    "aggs": {"p": {"terms": {"field": "countries", "size": 1000}}}}}
    for params in pivots:
        query = combine([(Occur.Must, Q.all_query())] + [
            (Occur.Must, Q.const_score_query(parse_query(core, fq, "lucene", Params(params)),
                                             0.0)) for fq in Params(params).getlist("fq")])
        t = time.perf_counter()
        searcher.aggregate(query, nested)
        pivot_raw_ms.append((time.perf_counter() - t) * 1000)
    core.close()
    return [percentiles(ms) for ms in (select_ms, raw_ms, pivot_ms, pivot_raw_ms,
                                       pivot_cpu_ms, select_cpu, raw_cpu)]


def _time_select(core, queries):
    """Wall and CPU milliseconds of the service's parse_select() + select() per query;
    CPU time (of the whole process: tantivy may use threads of its own) is about
    what an idle machine's wall time would be, when other processes share the CPUs."""
    from ckanext.migration.searchservice.request import Params, parse_select
    from ckanext.migration.searchservice.select import select
    wall, cpu = [], []
    for params in queries:
        t, c = time.perf_counter(), time.process_time()
        select(core, parse_select(core, Params(params)))
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - t) * 1000)
    return wall, cpu


def service_memory(pid):
    """(RSS, anonymous, file-mapped) megabytes of a process, from /proc."""
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                fields[key] = int(value.split()[0]) / 1024.0
    return fields["VmRSS"], fields.get("RssAnon", 0.0), fields.get("RssFile", 0.0)


def dir_size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _dirs, files in os.walk(path)
               for f in files)


def _path(core, name):
    """The tantivy field (or JSON path, for dynamic fields) a Solr field is indexed in."""
    from ckanext.migration.searchservice.documents import dynamic_field_name, json_path
    dyn = core.doc_builder.resolve(name)[1]
    return name if dyn is None else "%s.%s" % (dynamic_field_name(dyn), json_path(name))


def main():
    global SITE_ID
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--ckan-url", help="CKAN base URL whose solr_url is this run's core "
                                       "(scripts/bench.sh passes it)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--keep", help="keep the data in this directory")
    ap.add_argument("--site-id", default=SITE_ID, help="ckan.site_id of --ckan-url's CKAN")
    args = ap.parse_args()
    SITE_ID = args.site_id

    rnd = random.Random(42)
    data_dir = args.keep or tempfile.mkdtemp(prefix="search-bench-")
    os.makedirs(data_dir, exist_ok=True)
    print("generating %d synthetic CKAN documents..." % args.docs, flush=True)
    docs = [synthetic_doc(i, rnd) for i in range(args.docs)]
    avg = sum(len(d["data_dict"]) + len(d["validated_data_dict"]) for d in docs[:1000]) / 1000
    print("  average data_dict + validated_data_dict size: %.0f bytes" % avg)
    # what the service stores: every document as JSON (UTF-8), as sent
    stored_bytes = sum(len(json.dumps(d, ensure_ascii=False).encode("utf-8")) for d in docs)
    queries = [faceted_params(rnd) for _ in range(args.queries)]
    pivots = [pivot_params() for _ in range(max(args.queries // 3, 20))]

    port = args.port or free_port()
    proc, url = start_service(data_dir, port)
    results = {}
    try:
        rate = bench_index(url, docs, args.batch)
        results["index_docs_per_s"] = rate
        print("indexing through /update (batches of %d): %.0f docs/s" % (args.batch, rate))
        del docs
        (p50, p95), avg_hits = bench_http(url + "/select", queries)
        results["direct_p50_ms"], results["direct_p95_ms"] = p50, p95
        print("faceted query, direct /select over HTTP: p50 %.1f ms, p95 %.1f ms "
              "(avg %.0f hits)" % (p50, p95, avg_hits))
        (p50, p95), _hits = bench_http(url + "/select", pivots)
        results["pivot_direct_p50_ms"], results["pivot_direct_p95_ms"] = p50, p95
        (cp50, cp95), _hits = bench_http(url + "/select", pivots,
                                         commit_url=url + "/update?commit=true")
        results["pivot_direct_commit_p50_ms"] = cp50
        results["pivot_direct_commit_p95_ms"] = cp95
        print("coverage matrix (facet.pivot), direct /select over HTTP: p50 %.1f ms, "
              "p95 %.1f ms (the same request again: the kept answer); right after a "
              "commit (counted again): p50 %.1f ms, p95 %.1f ms" % (p50, p95, cp50, cp95))
        if args.ckan_url:
            api_queries = [ckan_params(q) for q in queries]
            (p50, p95), avg_hits = bench_http(
                args.ckan_url.rstrip("/") + "/api/3/action/package_search", api_queries)
            results["api_p50_ms"], results["api_p95_ms"] = p50, p95
            print("faceted query through CKAN package_search: p50 %.1f ms, p95 %.1f ms "
                  "(avg %.0f hits)" % (p50, p95, avg_hits))
        results["service_rss_mb"], anon, mapped = service_memory(proc.pid)
        results["stored_docs_mb"] = stored_bytes / 1e6
        results["index_disk_mb"] = dir_size(os.path.join(data_dir, "data")) / 1e6
        print("search service memory after indexing and queries: RSS %.0f MB (anonymous "
              "%.0f MB, mapped index files %.0f MB); stored documents (JSON as sent) %.0f MB; "
              "index on disk %.0f MB; RSS / stored documents: %.2f"
              % (results["service_rss_mb"], anon, mapped, results["stored_docs_mb"],
                 results["index_disk_mb"],
                 results["service_rss_mb"] / results["stored_docs_mb"]))
    finally:
        proc.terminate()
        proc.wait()
    (sp50, sp95), (rp50, rp95), (pp50, pp95), (np50, np95), (cp50, cp95), \
        (scp50, scp95), (rcp50, rcp95) = bench_in_process(data_dir, queries, pivots)
    results.update(select_p50_ms=sp50, select_p95_ms=sp95, raw_p50_ms=rp50, raw_p95_ms=rp95,
                   pivot_select_p50_ms=pp50, pivot_select_p95_ms=pp95,
                   pivot_raw_p50_ms=np50, pivot_raw_p95_ms=np95,
                   pivot_select_cpu_p50_ms=cp50, pivot_select_cpu_p95_ms=cp95)
    results.update(select_cpu_p50_ms=scp50, select_cpu_p95_ms=scp95,
                   raw_cpu_p50_ms=rcp50, raw_cpu_p95_ms=rcp95)
    print("same queries in process: service select() p50 %.1f ms, p95 %.1f ms; "
          "raw tantivy (baseline) p50 %.1f ms, p95 %.1f ms" % (sp50, sp95, rp50, rp95))
    print("  CPU time: service select() p50 %.1f ms, p95 %.1f ms; raw tantivy p50 %.1f ms, "
          "p95 %.1f ms" % (scp50, scp95, rcp50, rcp95))
    print("service overhead over raw tantivy at p95: %.1f ms (HTTP included: %.1f ms)"
          % (sp95 - rp95, results["direct_p95_ms"] - rp95))
    print("coverage matrix in process: service select() p50 %.1f ms, p95 %.1f ms (CPU "
          "p50 %.1f ms, p95 %.1f ms); raw nested aggregation p50 %.1f ms, p95 %.1f ms"
          % (pp50, pp95, cp50, cp95, np50, np95))

    print("service select() / raw tantivy at p95: %.2f" % (sp95 / rp95))
    checks = [("indexing >= 3000 docs/s", results["index_docs_per_s"] >= 3000),
              ("select() p95 <= 2x raw tantivy", sp95 <= 2 * rp95),
              ("direct p95 <= 20 ms", results["direct_p95_ms"] <= 20),
              ("coverage matrix p95 <= 50 ms", results["pivot_select_p95_ms"] <= 50),
              ("service RSS <= 2x stored documents",
               results["service_rss_mb"] <= 2 * results["stored_docs_mb"])]
    if "api_p95_ms" in results:
        checks.append(("package_search p95 <= 25 ms", results["api_p95_ms"] <= 25))
    for label, ok in checks:
        print("%-32s %s" % (label, "OK" if ok else "MISSED"))
    print(json.dumps({k: round(v, 2) for k, v in results.items()}))
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0 if all(ok for _, ok in checks) else 1


def ckan_params(solr_params):
    """The package_search call that makes CKAN send (about) the same Solr query."""
    p = dict(solr_params)
    fqs = [v for k, v in solr_params if k == "fq"][3:]
    return {"q": p["q"], "fq": " ".join(fqs), "rows": 20,
            "facet.field": json.dumps([v for k, v in solr_params if k == "facet.field"]),
            "facet.limit": 50}


if __name__ == "__main__":
    sys.exit(main())
