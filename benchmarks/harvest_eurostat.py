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
    ap.add_argument("--consumers", type=int, default=0, metavar="N",
                    help="import in N `ckan harvester fetch-consumer` processes through "
                         "the Redis queue (0: in this process, one object at a time)")
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
    statements = _Statements()

    def reset():
        model.repo.delete_all()
        clear_all()
        model.Session.remove()

    # -- our import path ----------------------------------------------------------------
    reset()
    consumers = []
    if args.consumers:
        from ckanext.harvest import queue
        queue.purge_queues()  # what an earlier run left
        consumers = start_consumers(args.ckan_ini, args.consumers)
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
            sent = statements.n
            cpu = _CPU(consumers)
            started = time.perf_counter()
            if args.consumers:
                run_job_in_consumers(job, harvester, consumers)
            else:
                run_job(job, harvester)
            results[label] = n / (time.perf_counter() - started)
            cpu = cpu.used()
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(os.path.join(args.profile, label + ".pstats"))
            model.Session.remove()
            print("our import path, %s: %.1f datasets/s %s %s%s" % (
                label.split("_")[1], results[label], report(job), stored(),
                "" if args.consumers else
                ", %.1f SQL statements a dataset" % ((statements.n - sent) / n)), flush=True)
            print(_cpu_line(cpu, n), flush=True)

    for proc in consumers:
        proc.terminate()
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
        sent = statements.n
        cpu = _CPU([])
        started = time.perf_counter()
        for pkg in packages:
            data = dict(pkg, id=pkg["name"]) if action == "package_update" else dict(pkg)
            tk.get_action(action)(dict(context), data)
        results[label] = n / (time.perf_counter() - started)
        cpu = cpu.used()
        model.Session.remove()
        print("naive path, %s: %.1f datasets/s, %.1f SQL statements a dataset" % (
            label.split("_")[1], results[label], (statements.n - sent) / n), flush=True)
        print(_cpu_line(cpu, n), flush=True)

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


def start_consumers(ini, n):
    """N fetch consumers as production runs them (`ckan harvester fetch-consumer`), back
    once each has loaded CKAN and waits on the queue (its CPU time stands still)."""
    import subprocess
    ckan = os.path.join(os.path.dirname(sys.executable), "ckan")
    logs = os.path.join(os.path.dirname(os.path.abspath(ini)), "consumer-%d.log")
    procs = [subprocess.Popen([ckan, "-c", ini, "harvester", "fetch-consumer"],
                              stdout=subprocess.DEVNULL,
                              stderr=open(logs % i, "w"))
             for i in range(n)]
    for i, proc in enumerate(procs):
        proc.log = logs % i

    def cpu(proc):
        return _cpu_ticks(proc.pid) or 0
    before = [-1] * n
    for _ in range(240):
        time.sleep(1)
        _exit_if_gone(procs, "at start")
        now = [cpu(proc) for proc in procs]
        if now == before:
            return procs
        before = now
    sys.exit("the fetch consumers did not settle within 4 minutes")


def run_job_in_consumers(job, harvester, consumers):
    """gather here, as ckanext-harvest's gather consumer does (the objects' ids go to the
    fetch queue), the fetch consumers import, then `harvester run` closes the job."""
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa
    from ckan import model
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestObject
    job.status = "Running"
    job.save()
    publisher = queue.get_fetch_publisher()
    for obj_id in queue.gather_stage(harvester, job) or []:
        publisher.send({"harvest_object_id": obj_id})
    publisher.close()
    job_id = job.id
    while True:
        model.Session.remove()
        left = model.Session.query(sa.func.count(HarvestObject.id)).filter(
            HarvestObject.harvest_job_id == job_id,
            HarvestObject.state.in_(("WAITING", "FETCH", "IMPORT"))).scalar()
        if not left:
            break
        _exit_if_gone(consumers, "during the harvest")
        # the count costs PostgreSQL a few ms: polled often, it would slow the consumers
        time.sleep(0.5)
    tk.get_action("harvest_jobs_run")({"ignore_auth": True}, {})


def stored() -> dict:
    """Active datasets in the database, distinct Eurostat codes among them, and datasets
    in the index (checked, not timed): several consumers must not write one twice."""
    import sqlalchemy as sa
    import ckan.plugins.toolkit as tk
    from ckan import model
    model.Session.remove()
    database, codes = model.Session.execute(sa.text(
        "SELECT count(*), count(DISTINCT extras ->> 'identifier') FROM package "
        "WHERE state = 'active' AND type = 'dataset'")).one()
    index = tk.get_action("package_search")({"ignore_auth": True}, {
        "q": "*:*", "rows": 0, "include_private": True})["count"]
    return {"database": database, "codes": codes, "index": index}


def report(job) -> dict:
    """The job's status and its objects' report counts (checked, not timed)."""
    from collections import Counter
    from ckan import model
    from ckanext.harvest.model import HarvestJob, HarvestObject
    counts = Counter(status for (status,) in model.Session.query(HarvestObject.report_status)
                     .filter(HarvestObject.harvest_job_id == job.id))
    return {"job": HarvestJob.get(job.id).status, **counts}


def _exit_if_gone(consumers, when):
    """Stop the benchmark, with the end of its log, when a fetch consumer has exited."""
    for proc in consumers:
        if proc.poll() is not None:
            with open(proc.log) as f:
                sys.exit("a fetch consumer exited %s (exit code %s); the end of its log, "
                         "%s:\n%s" % (when, proc.returncode, proc.log,
                                      "".join(f.readlines()[-30:])))


def _cpu_line(cpu, n) -> str:
    return "  CPU time a dataset: " + ", ".join(
        "%s %.1f ms" % (who, 1000.0 * seconds / n) for who, seconds in cpu.items())


def _cpu_ticks(pid):
    """User and system CPU time of a process, in clock ticks; None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


class _CPU:
    """CPU time used from now to ``used()`` by the fetch consumers ("import"; without them,
    this process), this process besides them ("gather"), the search service and PostgreSQL.
    On a machine whose speed varies from run to run, a steadier figure than datasets/s for
    comparing two versions of the code, and it says which process the time goes to."""

    def __init__(self, consumers):
        import ckan.plugins.toolkit as tk
        self.consumers = [proc.pid for proc in consumers] or [os.getpid()]
        self.search_port = tk.config["solr_url"].split("/solr")[0].rsplit(":", 1)[-1]
        self.before = self._read()

    def _read(self) -> dict:
        """{pid: (group, ticks)}"""
        out = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    args = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if int(pid) in self.consumers:
                group = "import"
            elif int(pid) == os.getpid():
                group = "gather"
            elif args.startswith("postgres"):
                group = "PostgreSQL"
            elif "migration-search" in args and "--port %s " % self.search_port in args:
                group = "search service"
            else:
                continue
            ticks = _cpu_ticks(int(pid))
            if ticks is not None:
                out[pid] = (group, ticks)
        return out

    def used(self) -> dict:
        """{group: CPU seconds} (a process that ended meanwhile is not counted)."""
        after = self._read()
        used = dict.fromkeys(("gather", "import", "PostgreSQL", "search service"), 0)
        for pid, (group, ticks) in after.items():
            used[group] += ticks - self.before.get(pid, (group, 0))[1]
        tick = os.sysconf("SC_CLK_TCK")
        return {group: ticks / tick for group, ticks in used.items()
                if group != "gather" or ticks}


class _Statements:
    """Counts the SQL statements this process sends (each a round trip to PostgreSQL);
    with --consumers the import's are sent by the consumers, not counted here."""

    def __init__(self):
        import sqlalchemy as sa
        self.n = 0
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.n += 1


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
