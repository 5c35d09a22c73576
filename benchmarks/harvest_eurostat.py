"""Harvest benchmark (a script, not a test): the real Eurostat table of contents, end to end.

Every dataset of the recorded table of contents (7,581 in the recording of tests/fixtures; replayed at
the HTTP layer) goes into a fresh catalogue twice, in the same run:

- our import path: the Eurostat harvester through gather / fetch / import with the job's
  bookkeeping, as ckanext-harvest's consumers run it, then a re-run of the same job (unchanged records are recognised and skipped);
- the naive path: one package_create per record from the same mapped dicts, then a re-run
  that updates every dataset again (what a script without change detection does).

Prints datasets/s for each and the ratio. Needs a CKAN config with its own database and
search core (scripts/bench.sh harvest sets one up).

    python benchmarks/harvest_eurostat.py --ckan-ini .run/bench/harvest.ini [--limit 5000]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the recording the tests replay too (tests/fixtures/SOURCES.md)
TOC = os.path.join(ROOT, "tests", "fixtures", "eurostat", "table_of_contents_en.txt.gz")
TOC_URL = "https://ec.europa.eu/eurostat/api/dissemination/catalogue/toc/txt?lang=en"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ckan-ini", required=True)
    ap.add_argument("--limit", type=int, default=0, help="first N datasets only (0: all)")
    ap.add_argument("--profile", metavar="DIR",
                    help="write a cProfile of each of our runs to DIR/<run>.pstats")
    ap.add_argument("--ours-only", action="store_true", help="skip the naive path")
    args = ap.parse_args()
    if not os.path.exists(TOC):
        sys.exit("the recorded table of contents is missing: %s" % TOC)

    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    app = make_app(load_config(args.ckan_ini))
    import logging
    logging.disable(logging.INFO)  # per-dataset debug logs would dominate the timings
    with app._wsgi_app.test_request_context():
        return run(args)


def run(args):
    import responses
    import ckan.plugins as p
    import ckan.plugins.toolkit as tk
    from ckan import model
    from ckan.lib.search import clear_all
    from ckan.tests import factories
    from ckanext.harvest.tests.factories import HarvestJobObj, HarvestSourceObj
    from ckanext.migration.harvesting import eurostat, mapping

    with gzip.open(TOC, "rt", encoding="utf-8") as f:
        text = f.read()
    entries = eurostat.parse_toc(text, ("",))  # every dataset, whatever its code
    if args.limit:
        keep = set(list(entries)[:args.limit])
        header = text.splitlines()[0]
        text = "\n".join([header] + [line for line in text.splitlines()[1:]
                                     if any('"%s"' % code in line for code in keep)])
        entries = {c: e for c, e in entries.items() if c in keep}
    n = len(entries)
    print("Eurostat table of contents: %d datasets" % n, flush=True)
    harvester = p.get_plugin("migration_eurostat")
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    results = {}

    def reset():
        model.repo.delete_all()
        clear_all()
        model.Session.remove()

    # -- our import path ----------------------------------------------------------------
    reset()
    org = factories.Organization(name="bench-eurostat")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru(tk.config["solr_url"].split("/solr")[0])
        rsps.add("GET", TOC_URL, body=text.encode("utf-8"))
        source = HarvestSourceObj(url=TOC_URL, source_type="migration_eurostat",
                                  owner_org=org["id"],
                                  config=json.dumps({"code_prefixes": [""]}))
        for label in ("ours_first", "ours_rerun"):
            job = HarvestJobObj(source=source, run=False)
            profiler = _profiler(args)
            started = time.perf_counter()
            run_job(job, harvester)
            results[label] = n / (time.perf_counter() - started)
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(os.path.join(args.profile, label + ".pstats"))
            model.Session.remove()
            print("our import path, %s: %.1f datasets/s %s" % (
                label.split("_")[1], results[label], report(job)), flush=True)

    if args.ours_only:
        print(json.dumps({k: round(v, 2) for k, v in results.items()}))
        return 0

    # -- the naive path ------------------------------------------------------------------
    reset()
    org = factories.Organization(name="bench-eurostat")
    context = {"user": site_user, "ignore_auth": True}
    packages = [dict(mapping.to_package(harvester.to_record(e, {})), owner_org=org["id"])
                for e in entries.values()]
    for label, action in (("naive_first", "package_create"), ("naive_rerun", "package_update")):
        started = time.perf_counter()
        for pkg in packages:
            data = dict(pkg, id=pkg["name"]) if action == "package_update" else dict(pkg)
            tk.get_action(action)(dict(context), data)
        results[label] = n / (time.perf_counter() - started)
        model.Session.remove()
        print("naive path, %s: %.1f datasets/s" % (label.split("_")[1], results[label]),
              flush=True)

    print("first harvest: ours %.1f vs naive %.1f datasets/s (x%.2f)"
          % (results["ours_first"], results["naive_first"],
             results["ours_first"] / results["naive_first"]))
    print("re-run:        ours %.1f vs naive %.1f datasets/s (x%.1f)"
          % (results["ours_rerun"], results["naive_rerun"],
             results["ours_rerun"] / results["naive_rerun"]))
    print(json.dumps({k: round(v, 2) for k, v in results.items()}))
    return 0


def run_job(job, harvester):
    """What ckanext-harvest's gather and fetch consumers do with a job, then `harvester
    run` closing it (its test helper's run_harvest_job also reads every dataset back)."""
    import ckan.plugins.toolkit as tk
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestObject
    job.status = "Running"
    job.save()
    for obj_id in queue.gather_stage(harvester, job) or []:
        obj = HarvestObject.get(obj_id)
        if obj.state in ("COMPLETE", "ERROR"):
            continue  # imported with an earlier object, its queue message taken off
        queue.fetch_and_import_stages(harvester, obj)
    tk.get_action("harvest_jobs_run")({"ignore_auth": True}, {})


def report(job) -> dict:
    """The job's status and its objects' report counts (checked, not timed)."""
    from collections import Counter
    from ckan import model
    from ckanext.harvest.model import HarvestJob, HarvestObject
    counts = Counter(status for (status,) in model.Session.query(HarvestObject.report_status)
                     .filter(HarvestObject.harvest_job_id == job.id))
    return {"job": HarvestJob.get(job.id).status, **counts}


def _profiler(args):
    if not args.profile:
        return None
    import cProfile
    os.makedirs(args.profile, exist_ok=True)
    profiler = cProfile.Profile()
    profiler.enable()
    return profiler


if __name__ == "__main__":
    sys.exit(main())
