"""Demo harvest jobs: real jobs of three registry sources, replayed offline.

``ckan migration demo-harvests`` runs ckanext-harvest's gather, fetch and import stages in
this process (as the consumers would) for three of the registry's sources, so that the
harvest dashboard of a fresh clone shows what an admin meets in real life:

- ``undesa-international-migrant-stock``: the Population Division's workbook (a real
  recording) is harvested: a finished job, one dataset added (ok);
- ``hdx-migration``: HDX answers its CDN's browser check (HTML, HTTP 403) instead of
  package_search: a finished job with a gather error (failing);
- ``eurostat-migration``: the real table of contents is gathered (one object per
  dataset), then the job is left as consumers that died leave it, dated back past its
  limit, and the harvest doctor closes it (stalled).

The sources' HTTP is answered from the recordings in ``recordings/`` (see
``recordings/SOURCES.md``) by the ``responses`` library: a request with no recording fails
there and the command stops, so nothing reaches the network, and no host name is looked up
either (the recorded hosts are not resolved: see ``_replaying``). A source that already
has a job (a demo one, or a real harvest) is left alone, so re-running changes nothing.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gzip
import os

import ckan.plugins.toolkit as tk
from ckan import model

RECORDINGS = os.path.join(os.path.dirname(__file__), "recordings")
PRIVATE_OPTION = "ckanext.migration.harvest.allow_private_addresses"


@dataclasses.dataclass(frozen=True)
class Answer:
    """A recorded answer: GET ``url`` (a registered URL without query matches any query,
    as in the tests) gets ``file`` from RECORDINGS with ``status`` and ``headers``."""
    url: str
    file: str
    status: int = 200
    content_type: str = "application/octet-stream"
    headers: tuple = ()


@dataclasses.dataclass(frozen=True)
class DemoJob:
    source: str      # the registry source's name
    outcome: str     # "ok", "failed" or "stalled": what the job shows on the dashboard
    answers: tuple


JOBS = (
    DemoJob("undesa-international-migrant-stock", "ok", (Answer(
        "https://www.un.org/development/desa/pd/sites/www.un.org.development.desa.pd/files/"
        "undesa_pd_2024_ims_stock_by_sex_and_destination.xlsx",
        "undesa_pd_2024_ims_stock_by_sex_and_destination.xlsx.gz",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),)),
    DemoJob("hdx-migration", "failed", (Answer(
        "https://data.humdata.org/api/3/action/package_search",
        "hdx_package_search_cloudflare_challenge_handwritten.html", status=403,
        content_type="text/html; charset=UTF-8",
        headers=(("cf-mitigated", "challenge"),)),)),
    DemoJob("eurostat-migration", "stalled", (Answer(
        "https://ec.europa.eu/eurostat/api/dissemination/catalogue/toc/txt?lang=en",
        "table_of_contents_en.txt.gz", content_type="text/plain; charset=utf-8"),)),
)


class DemoError(RuntimeError):
    """The demo jobs could not be made (a missing recording, an unrecorded request)."""


def recording(name: str) -> bytes:
    """A recording's bytes, decompressed when stored gzip-compressed."""
    path = os.path.join(RECORDINGS, name)
    if not os.path.exists(path):
        raise DemoError("recording %s is missing (is the package installed with its data?)"
                        % path)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


@contextlib.contextmanager
def _replaying(answers):
    """The recorded answers in place of the network; DemoError when something else was
    asked. The guard against private addresses is off meanwhile: it resolves each host
    name (a DNS query, slow or hanging offline), and no address is contacted here."""
    import responses
    previous = tk.config.get(PRIVATE_OPTION)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # the search service is the only real HTTP the import makes
        mock.add_passthru(tk.config["solr_url"].split("/solr")[0])
        for a in answers:
            mock.add(responses.GET, a.url, body=recording(a.file), status=a.status,
                     content_type=a.content_type, headers=dict(a.headers))
        tk.config[PRIVATE_OPTION] = True
        try:
            yield mock
        finally:
            tk.config[PRIVATE_OPTION] = previous
        unrecorded = sorted({c.request.url for c in mock.calls
                             if isinstance(c.response, Exception)})
    if unrecorded:
        raise DemoError("no recording for %s" % ", ".join(unrecorded))


def _context() -> dict:
    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {"model": model, "session": model.Session, "user": user, "ignore_auth": True}


def _start(source_id: str):
    """A new job of the source, Running as harvest_send_job_to_gather_queue leaves it,
    but on no queue: this process runs it."""
    from ckanext.harvest.model import HarvestJob
    made = tk.get_action("harvest_job_create")(_context(), {"source_id": source_id,
                                                           "run": False})
    job = HarvestJob.get(made["id"])
    job.status = "Running"
    job.save()
    return job


def _run(job, harvester) -> None:
    """Gather, then fetch and import every object, then finish the job, like the
    consumers and ``ckan harvester run`` (ckanext-harvest's own stage functions)."""
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestObject
    ids = queue.gather_stage(harvester, job)
    for object_id in ids if isinstance(ids, list) else []:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(object_id))
    tk.get_action("harvest_jobs_run")(_context(), {"source_id": job.source_id})


def _stall(job, harvester) -> None:
    """Gather only (the consumers died before fetching), dated back past the source's
    limit, then closed by the harvest doctor as ``ckan migration harvest-doctor --fix``
    does (no e-mail: the demo's admins are nobody)."""
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestObject
    from ckanext.migration.harvesting import doctor
    queue.gather_stage(harvester, job)
    back = dt.timedelta(hours=doctor.limit_for(job.source) + 2)
    for field in ("created", "gather_started", "gather_finished"):
        if getattr(job, field):
            setattr(job, field, getattr(job, field) - back)
    for obj in model.Session.query(HarvestObject).filter(HarvestObject.harvest_job_id ==
                                                         job.id):
        obj.gathered = obj.gathered - back if obj.gathered else obj.gathered
    model.Session.commit()
    for stuck in doctor.find_stuck(source=job.source):
        doctor.fix(stuck, notify=False)


def run(echo=lambda line: None) -> list:
    """Make the demo jobs that are missing; [(source name, status, job id or None)],
    status "made <outcome>", "skipped" (the source has jobs already) or "missing" (not
    registered: ``ckan migration sources sync`` first)."""
    from ckanext.harvest.model import HarvestJob, HarvestSource
    from ckanext.harvest.queue import get_harvester
    report = []
    for demo in JOBS:
        pkg = model.Package.get(demo.source)
        source = HarvestSource.get(pkg.id) if pkg is not None and pkg.state == "active" \
            else None
        if source is None:
            report.append((demo.source, "missing", None))
            echo(tk._("demo-harvests: {source}: not registered (run `ckan migration sources "
                      "sync` first)").format(source=demo.source))
            continue
        if model.Session.query(HarvestJob).filter(HarvestJob.source_id == source.id).count():
            report.append((demo.source, "skipped", None))
            echo(tk._("demo-harvests: {source}: has harvest jobs already, left as it is")
                 .format(source=demo.source))
            continue
        harvester = get_harvester(source.type)
        if harvester is None:
            raise DemoError("harvester %s of %s is not enabled" % (source.type, demo.source))
        with _replaying(demo.answers):
            job = _start(source.id)
            job_id = job.id
            (_stall if demo.outcome == "stalled" else _run)(job, harvester)
        model.Session.remove()
        report.append((demo.source, "made " + demo.outcome, job_id))
        echo(tk._("demo-harvests: {source}: job {job} made ({outcome})").format(
            source=demo.source, job=job_id, outcome=demo.outcome))
    return report
