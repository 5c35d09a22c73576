"""The harvest dashboard: one row per harvest source the caller may manage.

Job figures come from ckanext-harvest itself (``harvest_job_dictize``, the dictization
behind ``harvest_source_show_status``, ``harvest_job_show`` and ``harvest_job_list``), so
the dashboard says what the jobs say. Withdrawn is ckanext-harvest's "deleted": our
harvesters withdraw a dataset gone upstream (base.py ``_withdraw``) and the harvest queue
reports that object as deleted. Dataset figures come from the search index (pivot facets
on ``harvest_source_id``, which ckanext-harvest indexes), public datasets only.
"""
from __future__ import annotations

import datetime as dt

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins import PluginImplementations
from sqlalchemy import and_, exists

from ckanext.migration import overview, quality
from ckanext.migration.harvesting import doctor

FILTERS = ("failing", "stale", "never_run")
DEFAULT_JOBS, MAX_JOBS = 10, 50
SHOWN_ERRORS, ERROR_CHARS = 3, 300
# how long a schedule's period is; ALWAYS runs at every scheduler pass, a day late is late
PERIODS = {"DAILY": dt.timedelta(days=1), "WEEKLY": dt.timedelta(weeks=1),
           "BIWEEKLY": dt.timedelta(weeks=2), "MONTHLY": dt.timedelta(days=31),
           "ALWAYS": dt.timedelta(days=1)}
BROKEN = ("some_broken", "raw_data_broken")
# outcomes of a finished job that make its source failing (stalled: the harvest doctor
# closed it, doctor.py)
FAILING = ("failed", "partial", "stalled")


def parse_filters(value) -> list:
    """``filter``: one name, a comma-separated string or a list of FILTERS."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise tk.ValidationError({"filter": ["a filter name or a list of them; allowed: %s"
                                             % ", ".join(FILTERS)]})
    names = [v.strip().replace("-", "_") for v in value if v.strip()]
    unknown = [n for n in names if n not in FILTERS]
    if unknown:
        raise tk.ValidationError({"filter": ["unknown filter %s; allowed: %s"
                                             % (", ".join(repr(u) for u in unknown),
                                                ", ".join(FILTERS))]})
    return list(dict.fromkeys(names))


def parse_jobs(value) -> int:
    """``jobs``: how many recent jobs the trend covers (1 to MAX_JOBS)."""
    if value in (None, ""):
        return DEFAULT_JOBS
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= MAX_JOBS or str(value).strip() != str(number):
        raise tk.ValidationError({"jobs": ["a whole number from 1 to %d, not %r"
                                           % (MAX_JOBS, value)]})
    return number


def visible_sources(user: str) -> list:
    """The active harvest sources the user may manage: every one for sysadmins, those of
    the organisations where the user is an admin or editor (who may update them) else."""
    from ckanext.harvest.model import HarvestSource
    query = model.Session.query(HarvestSource, model.Package) \
        .join(model.Package, model.Package.id == HarvestSource.id) \
        .filter(model.Package.state == "active")
    if not (user and _is_sysadmin(user)):
        orgs = manageable_organizations(user)
        if not orgs:
            return []
        query = query.filter(model.Package.owner_org.in_(orgs))
    return query.order_by(model.Package.title).all()


def _is_sysadmin(user: str) -> bool:
    from ckan import authz
    return authz.is_sysadmin(user)


def manageable_organizations(user: str) -> list:
    """Ids of the organisations whose harvest sources the user may update."""
    if not user:
        return []
    orgs = tk.get_action("organization_list_for_user")(
        {"user": user, "ignore_auth": True},
        {"id": user, "permission": "update_dataset", "include_dataset_count": False})
    return [o["id"] for o in orgs]


def dashboard(context: dict, filters: dict) -> dict:
    """The dashboard for ``context['user']``; ``filters``: ``filter`` (see FILTERS) and
    ``jobs`` (the trend's length). Rows matching every given filter."""
    wanted = parse_filters(filters.get("filter"))
    jobs = parse_jobs(filters.get("jobs"))
    now = filters.get("now") or dt.datetime.utcnow()
    pairs = visible_sources(context.get("user") or "")
    datasets = dataset_figures([source.id for source, _pkg in pairs])
    harvesters = _harvester_titles()
    org_titles = _organization_titles({pkg.owner_org for _s, pkg in pairs})
    rows = [source_row(source, pkg, jobs, now, harvesters, org_titles, datasets)
            for source, pkg in pairs]
    counts = {"all": len(rows)}
    for name in FILTERS:
        counts[name] = sum(1 for r in rows if r[name])
    return {"filters": wanted, "jobs": jobs, "counts": counts,
            "generated": now.isoformat(),
            "sources": [r for r in rows if all(r[name] for name in wanted)]}


def source_row(source, pkg, jobs: int, now, harvesters: dict, org_titles: dict,
               datasets: dict) -> dict:
    from ckanext.harvest.model import HarvestJob
    recent = model.Session.query(HarvestJob).filter(HarvestJob.source_id == source.id) \
        .order_by(HarvestJob.created.desc()).limit(jobs).all()
    stalled = doctor.stalled_job_ids(source.id)
    trend = [job_summary(job, errors=job is recent[0], now=now, stalled=stalled)
             for job in recent]
    last = trend[0] if trend else None
    last_finished = next((j for j in trend if j["status"] == "Finished"), None)
    success = last_success(source, trend, complete=len(trend) < jobs)
    period = PERIODS.get(source.frequency or "MANUAL")
    since = _parse(success["finished"]) if success else source.created
    # a queued first job is not a run yet
    never_run = last_finished is None and not model.Session.query(
        exists().where(and_(HarvestJob.source_id == source.id,
                            HarvestJob.status == "Finished"))).scalar()
    stale = not never_run and period is not None and since is not None and \
        now - since > 2 * period
    return {
        "id": source.id, "name": pkg.name, "title": source.title or pkg.title,
        "url": source.url, "active": bool(source.active),
        "organization": {"id": pkg.owner_org, "name": org_titles.get(pkg.owner_org, {})
                         .get("name"), "title": org_titles.get(pkg.owner_org, {}).get("title")},
        "producer": org_titles.get(pkg.owner_org, {}).get("title") or "",
        "harvester": {"name": source.type, "title": harvesters.get(source.type, source.type)},
        "frequency": source.frequency or "MANUAL",
        "next_run": next_run(source, last),
        "job_count": model.Session.query(HarvestJob)
        .filter(HarvestJob.source_id == source.id).count(),
        "last_job": last,
        "last_success": success["finished"] if success else None,
        "failing": bool(last_finished and last_finished["outcome"] in FAILING),
        "stuck": bool(last and last["outcome"] == "stuck"),
        "stale": stale,
        "never_run": never_run,
        "datasets": datasets.get(source.id, empty_figures()),
        "trend": list(reversed(trend)),
    }


def job_summary(job, errors: bool = False, now=None, stalled: set = frozenset()) -> dict:
    """A job as ckanext-harvest counts it (``harvest_job_dictize``'s stats), its outcome,
    duration and, with ``errors``, its first SHOWN_ERRORS error messages. ``stalled``: the
    ids of jobs the harvest doctor closed."""
    from ckanext.harvest.logic.dictization import harvest_job_dictize
    from ckanext.harvest.model import HarvestGatherError
    context = {"model": model, "return_error_summary": False}
    out = harvest_job_dictize(job, context)
    stats = out["stats"]
    gather_errors = model.Session.query(HarvestGatherError) \
        .filter(HarvestGatherError.harvest_job_id == job.id).count()
    counts = {"added": stats.get("added", 0), "updated": stats.get("updated", 0),
              "unchanged": stats.get("not modified", 0), "withdrawn": stats.get("deleted", 0),
              "errors": stats.get("errored", 0)}
    summary = {
        "id": job.id, "status": job.status, "created": out["created"],
        "started": out.get("gather_started"), "finished": out.get("finished"),
        "duration_seconds": _duration(job), "stats": counts,
        "gather_errors": gather_errors, "outcome": outcome(job.status, counts, gather_errors),
    }
    if doctor.is_stuck(out, now):
        summary["outcome"] = "stuck"
    elif job.id in stalled:
        summary["outcome"] = "stalled"
    if errors:
        summary["errors"] = first_errors(job)
    return summary


def outcome(status: str, counts: dict, gather_errors: int) -> str:
    """queued, running, ok, partial (some records failed), failed (gather failed, or
    every record did); job_summary adds stuck and stalled (doctor.py)."""
    if status == "New":
        return "queued"
    if status != "Finished":
        return "running"
    worked = counts["added"] + counts["updated"] + counts["unchanged"] + counts["withdrawn"]
    if gather_errors or (counts["errors"] and not worked):
        return "failed"
    return "partial" if counts["errors"] else "ok"


def first_errors(job) -> list:
    """The job's first errors, gather errors first (they stop the job), each message
    cut to ERROR_CHARS characters: [{"guid", "stage", "message"}]."""
    from ckanext.harvest.model import HarvestGatherError, HarvestObject, HarvestObjectError
    out = [{"guid": None, "stage": "Gather", "message": e.message}
           for e in model.Session.query(HarvestGatherError)
           .filter(HarvestGatherError.harvest_job_id == job.id)
           .order_by(HarvestGatherError.created).limit(SHOWN_ERRORS)]
    if len(out) < SHOWN_ERRORS:
        out += [{"guid": guid, "stage": e.stage, "message": e.message}
                for e, guid in model.Session.query(HarvestObjectError, HarvestObject.guid)
                .join(HarvestObject, HarvestObject.id == HarvestObjectError.harvest_object_id)
                .filter(HarvestObject.harvest_job_id == job.id)
                .order_by(HarvestObjectError.created).limit(SHOWN_ERRORS - len(out))]
    for error in out:
        message = " ".join(str(error["message"] or "").split())
        error["message"] = message if len(message) <= ERROR_CHARS \
            else message[:ERROR_CHARS - 1].rstrip() + "…"
    return out


def last_success(source, trend: list, complete: bool) -> dict | None:
    """The latest job that finished ok or partly ok (in the trend, else looked up among
    older jobs unless the trend holds them all)."""
    found = next((j for j in trend if j["outcome"] in ("ok", "partial")), None)
    if found or complete:
        return found
    from ckanext.harvest.model import HarvestGatherError, HarvestJob
    # older jobs: those without gather errors, latest first, until one did some work
    older = model.Session.query(HarvestJob) \
        .filter(HarvestJob.source_id == source.id, HarvestJob.status == "Finished") \
        .filter(~exists().where(and_(HarvestGatherError.harvest_job_id == HarvestJob.id))) \
        .order_by(HarvestJob.created.desc()).offset(len(trend)).limit(MAX_JOBS)
    for job in older:
        summary = job_summary(job)
        if summary["outcome"] in ("ok", "partial"):
            return summary
    return None


def next_run(source, last: dict | None) -> dict:
    """When the source is harvested next: {"state": manual|queued|scheduled|due, "at"}."""
    if last and last["status"] in ("New", "Running"):
        return {"state": "queued" if last["status"] == "New" else "running", "at": None}
    if (source.frequency or "MANUAL") == "MANUAL":
        return {"state": "manual", "at": None}
    if source.next_run is None:
        return {"state": "due", "at": None}
    return {"state": "scheduled", "at": source.next_run.isoformat()}


def empty_figures() -> dict:
    return {"published": 0, "freshness": {}, "link_health": {}, "broken_links": 0,
            "mean_transparency": None}


def dataset_figures(source_ids: list) -> dict:
    """{source id: published datasets, their freshness and link-health mix, how many have
    broken links and their mean transparency score}, from three pivot queries over public
    datasets (a private or withdrawn dataset counts nowhere)."""
    if not source_ids:
        return {}
    fq = [overview.any_of("harvest_source_id", source_ids)]
    totals, freshness = overview.pivot(("harvest_source_id", "freshness"), fq)
    _t, links = overview.pivot(("harvest_source_id", "link_health"), fq)
    _t, scores = overview.pivot(("harvest_source_id", "transparency_score"), fq)
    out = {}
    for source_id, total in totals.items():
        scored = {int(float(k)): n for k, n in scores.get(source_id, {}).items()}
        count = sum(scored.values())
        health = links.get(source_id, {})
        out[source_id] = {
            "published": total,
            "freshness": {s: freshness[source_id][s] for s in quality.FRESHNESS_STATES
                          if freshness.get(source_id, {}).get(s)},
            "link_health": {s: health[s] for s in quality.LINK_HEALTH_STATES if health.get(s)},
            "broken_links": sum(health.get(s, 0) for s in BROKEN),
            "mean_transparency": round(sum(k * n for k, n in scored.items()) / count, 1)
            if count else None,
        }
    return out


def trend_chart(trend: list, width: int = 160, height: int = 40) -> dict:
    """A small bar chart of the trend: one bar per job, its height the records the job
    handled, split into worked (added + updated + withdrawn), unchanged and errors."""
    gap = 2
    biggest = max((sum(j["stats"].values()) for j in trend), default=0) or 1
    bar = max(2.0, (width - gap * max(len(trend) - 1, 0)) / max(len(trend), 1))
    bar = min(bar, 16.0)
    bars = []
    for i, job in enumerate(trend):
        s = job["stats"]
        parts = [("errors", s["errors"]), ("unchanged", s["unchanged"]),
                 ("changed", s["added"] + s["updated"] + s["withdrawn"])]
        y, segments = float(height), []
        for kind, n in parts:
            h = height * n / biggest
            if h:
                y -= h
                segments.append({"kind": kind, "y": round(y, 1), "h": round(h, 1)})
        if job["outcome"] == "failed" and not segments:
            # a failed job that read nothing still shows, as a short error mark
            segments.append({"kind": "errors", "y": height - 4.0, "h": 4.0})
        bars.append({"x": round(i * (bar + gap), 1), "w": round(bar, 1), "job": job,
                     "segments": segments})
    return {"width": width, "height": height, "bars": bars}


def _duration(job) -> int | None:
    start = job.gather_started or job.created
    if not (start and job.finished):
        return None
    return int((job.finished - start).total_seconds())


def _parse(value):
    return dt.datetime.fromisoformat(value) if value else None


def _harvester_titles() -> dict:
    from ckanext.harvest.interfaces import IHarvester
    return {h.info()["name"]: h.info()["title"] for h in PluginImplementations(IHarvester)}


def _organization_titles(ids: set) -> dict:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {g.id: {"name": g.name, "title": g.title or g.name}
            for g in model.Session.query(model.Group).filter(model.Group.id.in_(ids))}
