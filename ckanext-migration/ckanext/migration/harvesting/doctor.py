"""Stuck harvest jobs: find them, close them, tell the people in charge.

A gather or fetch consumer that dies mid-job (killed, out of memory, a restart) leaves
its job "Running" for ever: ckanext-harvest's ``harvester run`` only finishes a job when
all its objects are done, and ``harvest_job_create`` refuses a new job for a source while
one is New or Running, so the source is never harvested again (ckanext-harvest issues
176 and 380). A job running longer than its source's limit (source config
``max_job_hours``, else ``ckanext.migration.harvest.job_timeout_hours``) is *stalled*:
``fix`` marks it Finished with a job error starting with ``Stalled:`` (ckanext-harvest has
no such status; the message is what marks it), its unprocessed objects ERROR/errored
with an object error each, takes its messages off the Redis queues, and e-mails the
source organisation's admins and the sysadmins. Datasets are never touched: the records
that were not processed are new to the next run and imported then.

Orphaned objects are unprocessed objects (WAITING, FETCH, IMPORT) whose job is already
finished or missing; ``fix_orphans`` marks them ERROR the same way.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
from typing import Any, Iterable, Optional

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest.model import (HarvestGatherError, HarvestJob, HarvestObject,
                                   HarvestObjectError, HarvestSource)

log = logging.getLogger(__name__)

SOURCE_KEY = "max_job_hours"
OPTION = "ckanext.migration.harvest.job_timeout_hours"
# the recognisable start of a stalled job's error: stalled_job_ids reads it back
MARKER = "Stalled:"
LIVE = ("New", "Running")
UNFINISHED = ("WAITING", "FETCH", "IMPORT")


class DoctorError(ValueError):
    """Bad input to the doctor (an unknown source, a bad limit)."""


# -- limits ------------------------------------------------------------------------------
def parse_hours(value: Any, key: str = SOURCE_KEY) -> float:
    """A limit in hours: a positive number (JSON number or numeric string)."""
    try:
        hours = float("nan") if isinstance(value, bool) else float(value)  # true is no hour
    except (TypeError, ValueError):
        hours = float("nan")
    if not math.isfinite(hours) or hours <= 0:
        raise DoctorError("%s must be a positive number of hours (e.g. 6 or 0.5), got %s"
                          % (key, json.dumps(value) if not isinstance(value, str)
                             else repr(value)))
    return hours


def source_hours(config: Any) -> Optional[float]:
    """The source's own ``max_job_hours`` (None when not set); DoctorError if invalid."""
    if not config:
        return None
    if not isinstance(config, dict):
        try:
            config = json.loads(config)
        except ValueError:
            return None  # the harvester reports a configuration that is not JSON
    if not isinstance(config, dict) or config.get(SOURCE_KEY) in (None, ""):
        return None
    return parse_hours(config[SOURCE_KEY])


def default_hours() -> float:
    return parse_hours(tk.config.get(OPTION), OPTION)


def limit_for(source: HarvestSource, problems: Optional[list] = None) -> float:
    """The source's limit in hours; a bad source value is added to ``problems`` and the
    site default used instead (one broken source config must not hide stuck jobs)."""
    try:
        own = source_hours(source.config)
    except DoctorError as e:
        if problems is None:
            raise
        problems.append("%s: %s; the default %g hours is used"
                        % (_source_name(source), e, default_hours()))
        own = None
    return own if own is not None else default_hours()


# -- what is stuck -----------------------------------------------------------------------
@dataclasses.dataclass
class StuckJob:
    job_id: str
    source_id: str
    source_name: str
    status: str
    started: dt.datetime        # gather start, else creation
    last_progress: dt.datetime
    limit_hours: float
    age_hours: float
    idle_hours: float
    total: int                  # objects of the job
    done: int                   # COMPLETE or ERROR


@dataclasses.dataclass
class Orphan:
    object_id: str
    source_id: str
    source_name: str
    job_id: Optional[str]
    job_status: Optional[str]
    state: str


def _source_name(source: HarvestSource) -> str:
    pkg = model.Package.get(source.id)
    return pkg.name if pkg is not None else source.id


def resolve_source(ref: str) -> HarvestSource:
    """A harvest source by name (its dataset name) or id; DoctorError when unknown."""
    pkg = model.Package.get(ref)
    source = HarvestSource.get(pkg.id if pkg is not None else ref)
    if source is None:
        raise DoctorError("no harvest source named or with id %r" % ref)
    return source


def _to_datetime(value) -> Optional[dt.datetime]:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _counts(job_id: str) -> tuple[int, int]:
    """(total, done) objects of a job."""
    total, done = model.Session.query(
        sa.func.count(HarvestObject.id),
        sa.func.count(HarvestObject.id).filter(HarvestObject.state.in_(("COMPLETE",
                                                                         "ERROR")))
    ).filter(HarvestObject.harvest_job_id == job_id).one()
    return total, done


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600.0


def find_stuck(now: Optional[dt.datetime] = None, hours: Optional[float] = None,
               source: Optional[HarvestSource] = None,
               problems: Optional[list] = None) -> list[StuckJob]:
    """New or Running jobs started (gather start, else creation) longer ago than their
    source's limit (``hours`` overrides every limit), oldest first."""
    now = now or dt.datetime.utcnow()
    query = model.Session.query(HarvestJob).filter(HarvestJob.status.in_(LIVE))
    if source is not None:
        query = query.filter(HarvestJob.source_id == source.id)
    stuck = []
    for job in query.order_by(HarvestJob.created):
        limit = hours if hours is not None else limit_for(job.source, problems)
        started = job.gather_started or job.created
        if now - started <= dt.timedelta(hours=limit):
            continue
        last = job.get_last_action_time() or started
        total, done = _counts(job.id)
        stuck.append(StuckJob(job.id, job.source_id, _source_name(job.source), job.status,
                              started, last, limit, _hours(now - started),
                              _hours(now - last), total, done))
    return stuck


def find_orphans(source: Optional[HarvestSource] = None) -> list[Orphan]:
    """Unprocessed objects whose job is finished, or that have no job."""
    query = model.Session.query(HarvestObject, HarvestJob) \
        .outerjoin(HarvestJob, HarvestObject.harvest_job_id == HarvestJob.id) \
        .filter(HarvestObject.state.in_(UNFINISHED)) \
        .filter(sa.or_(HarvestJob.id.is_(None), HarvestJob.status.notin_(LIVE)))
    if source is not None:
        query = query.filter(HarvestObject.harvest_source_id == source.id)
    names: dict = {}
    out = []
    for obj, job in query.order_by(HarvestObject.gathered):
        if obj.harvest_source_id not in names:
            src = HarvestSource.get(obj.harvest_source_id)
            names[obj.harvest_source_id] = _source_name(src) if src else \
                obj.harvest_source_id
        out.append(Orphan(obj.id, obj.harvest_source_id, names[obj.harvest_source_id],
                          job.id if job else None, job.status if job else None,
                          obj.state))
    return out


def is_stuck(job: dict, now: Optional[dt.datetime] = None) -> bool:
    """Whether a job dict (``harvest_job_show``/``harvest_job_list`` shape) is New or
    Running for longer than its source's limit."""
    if job.get("status") not in LIVE:
        return False
    source = HarvestSource.get(job.get("source_id"))
    if source is None:
        return False
    started = _to_datetime(job.get("gather_started") or job.get("created"))
    if started is None:
        return False
    limit = limit_for(source, problems=[])
    return (now or dt.datetime.utcnow()) - started > dt.timedelta(hours=limit)


def stalled_job_ids(source_id: Optional[str] = None) -> set:
    """Ids of the jobs the doctor closed as stalled (their ``Stalled:`` job error)."""
    query = model.Session.query(HarvestGatherError.harvest_job_id) \
        .filter(HarvestGatherError.message.startswith(MARKER))
    if source_id is not None:
        query = query.join(HarvestJob, HarvestJob.id == HarvestGatherError.harvest_job_id) \
            .filter(HarvestJob.source_id == source_id)
    return {row[0] for row in query.distinct()}


# -- fixing ------------------------------------------------------------------------------
def stalled_message(stuck: StuckJob, left: int, total: int) -> str:
    """The job error of a stalled job (stored in English like ckanext-harvest's own)."""
    return ("%s running for %.1f hours (limit %g hours), no progress for %.1f hours; "
            "%d of %d objects were not processed; they will be harvested again on the "
            "next run" % (MARKER, stuck.age_hours, stuck.limit_hours, stuck.idle_hours,
                          left, total))


def _error_unfinished(objects: Iterable[HarvestObject], why: str) -> int:
    """ERROR/errored with an object error; the current flag and the dataset are kept
    (an object killed after its import made it current still points at a good dataset)."""
    n = 0
    for obj in objects:
        stage = "Import" if obj.state == "IMPORT" else "Fetch"
        model.Session.add(HarvestObjectError(
            object=obj, stage=stage,
            message="%s %s (state was %s); it will be harvested again on the next run"
                    % (MARKER, why, obj.state)))
        obj.state = "ERROR"
        obj.report_status = "errored"
        n += 1
    return n


def unqueue(job_ids: Iterable[str] = (), object_ids: Iterable[str] = ()) -> None:
    """Take the messages of closed jobs and objects off the Redis queues, so that no
    consumer gathers a finished job (ckanext-harvest's gather does not check)."""
    from ckanext.harvest import queue
    if tk.config.get("ckan.harvest.mq.type") != "redis":
        return
    try:
        # one round trip (a batch takes a few hundred objects' messages off)
        with queue.get_connection().pipeline(transaction=False) as pipe:
            for key, routing, ids in (
                    ("harvest_job_id", queue.get_gather_routing_key(), job_ids),
                    ("harvest_object_id", queue.get_fetch_routing_key(), object_ids)):
                for id_ in ids:
                    pipe.lrem(routing, 0, json.dumps({key: id_}))
                    pipe.delete("%s:%s" % (routing, id_))
            pipe.execute()
    except Exception:  # the database is the truth; queue leftovers are errored on pickup
        log.exception("harvest doctor: could not clean the queues")


def fix(stuck: StuckJob, now: Optional[dt.datetime] = None, notify: bool = True) -> dict:
    """Close a stalled job (see the module docstring). Returns {"not_processed",
    "total", "message", "notified": [emails], "mail_errors": [...]}; {} when the job was
    no longer New/Running (it finished meanwhile)."""
    now = now or dt.datetime.utcnow()
    job = model.Session.query(HarvestJob).filter(HarvestJob.id == stuck.job_id) \
        .with_for_update().first()
    if job is None or job.status not in LIVE:
        model.Session.rollback()
        return {}
    objects = model.Session.query(HarvestObject) \
        .filter(HarvestObject.harvest_job_id == job.id) \
        .filter(HarvestObject.state.in_(UNFINISHED)).with_for_update().all()
    total, _done = _counts(job.id)
    message = stalled_message(stuck, len(objects), total)
    ids = [o.id for o in objects]
    _error_unfinished(objects, "the job stalled before this object was processed")
    model.Session.add(HarvestGatherError(job=job, message=message))
    job.status = "Finished"
    job.finished = now
    model.Session.commit()
    unqueue([job.id], ids)
    log.warning("harvest doctor: job %s of %s closed: %s", job.id, stuck.source_name,
                message)
    context = {"model": model, "session": model.Session, "ignore_auth": True,
               "user": _site_user()}
    try:  # the source's search record shows its last job's status
        tk.get_action("harvest_source_reindex")(dict(context), {"id": job.source_id})
    except Exception:
        log.exception("harvest doctor: could not reindex source %s", job.source_id)
    result = {"not_processed": len(ids), "total": total, "message": message,
              "notified": [], "mail_errors": []}
    if notify:
        result.update(notify_admins(stuck, message, context))
    return result


def fix_orphans(orphans: list[Orphan]) -> int:
    """Mark orphaned objects ERROR/errored (with an object error)."""
    ids = [o.object_id for o in orphans]
    if not ids:
        return 0
    objects = model.Session.query(HarvestObject).filter(HarvestObject.id.in_(ids)) \
        .filter(HarvestObject.state.in_(UNFINISHED)).with_for_update().all()
    n = _error_unfinished(objects, "orphaned: its job had finished before it was processed")
    model.Session.commit()
    unqueue(object_ids=[o.id for o in objects])
    return n


# -- notification ------------------------------------------------------------------------
def _site_user() -> str:
    return tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


def recipients(source_id: str, context: dict) -> list[dict]:
    """The organisation's admins and the sysadmins with an e-mail address, once each."""
    found = tk.get_action("harvest_get_notifications_recipients")(
        dict(context), {"source_id": source_id})
    seen, out = set(), []
    for r in found:
        if r["email"].lower() not in seen:
            seen.add(r["email"].lower())
            out.append(r)
    return out


def notify_admins(stuck: StuckJob, message: str, context: dict) -> dict:
    """One e-mail per recipient for this stalled job, with CKAN's mailer."""
    from ckan.lib import mailer
    site_url = tk.config.get("ckan.site_url") or ""
    job_url = site_url.rstrip("/") + "/harvest/%s/job/%s" % (stuck.source_name,
                                                              stuck.job_id)
    subject = tk._("{site}: harvest job of {source} stalled and closed").format(
        site=tk.config.get("ckan.site_title") or "CKAN", source=stuck.source_name)
    body = tk._(
        "The harvest job {job} of the source {source} ran for {age:.1f} hours, longer "
        "than its limit of {limit:g} hours, and has been closed so that the source can "
        "be harvested again.\n\n{message}\n\nNo dataset was deleted. The job: {url}\n"
        "The limit is the source's configuration key max_job_hours, or the site option "
        "{option}.\n").format(job=stuck.job_id, source=stuck.source_name,
                              age=stuck.age_hours, limit=stuck.limit_hours,
                              message=message, url=job_url, option=OPTION)
    sent, errors = [], []
    for r in recipients(stuck.source_id, context):
        try:
            mailer.mail_recipient(r["name"], r["email"], subject, body)
            sent.append(r["email"])
        except mailer.MailerException as e:
            log.error("harvest doctor: mail to %s failed: %s", r["email"], e)
            errors.append("%s: %s" % (r["email"], e))
    return {"notified": sent, "mail_errors": errors}
