"""Resource link checks: HEAD (then a ranged GET) through harvesting's URL guard, with
bounded concurrency and per-host politeness; results stored as resource fields."""
from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from urllib.parse import urljoin, urlparse

import requests

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.search import rebuild

from ckanext.migration import quality
from ckanext.migration.harvesting.http import MAX_REDIRECTS, FetchError, check_url

log = logging.getLogger(__name__)
USER_AGENT = "ckanext-migration-linkcheck/0.1 (+https://github.com/ckanext-migration)"
PAGE = 500


def settings() -> dict:
    return {
        "allow_private": tk.asbool(tk.config.get(
            "ckanext.migration.harvest.allow_private_addresses")),
        "timeout": float(tk.config.get("ckanext.migration.linkcheck.timeout")),
        "concurrency": max(1, int(tk.config.get("ckanext.migration.linkcheck.concurrency"))),
        "per_host": max(1, int(tk.config.get("ckanext.migration.linkcheck.per_host"))),
    }


class HostLimits:
    """One semaphore per host:port, so that no host gets more than `per_host` requests."""

    def __init__(self, per_host: int):
        self.per_host = per_host
        self._lock = threading.Lock()
        self._hosts: dict = {}

    def __call__(self, url: str) -> threading.Semaphore:
        parsed = urlparse(url)
        key = (parsed.hostname, parsed.port)
        with self._lock:
            if key not in self._hosts:
                self._hosts[key] = threading.BoundedSemaphore(self.per_host)
            return self._hosts[key]


def _request(session, method: str, url: str, conf: dict, limits: HostLimits, headers=None):
    """One request, redirects followed by hand, each target checked before it is asked."""
    for _ in range(MAX_REDIRECTS + 1):
        check_url(url, conf["allow_private"])
        with limits(url):
            response = session.request(
                method, url, headers=dict(headers or {}, **{"User-Agent": USER_AGENT}),
                timeout=conf["timeout"], allow_redirects=False, stream=True)
            response.close()  # headers are all we need
        if not response.is_redirect:
            return response
        url = urljoin(url, response.headers["Location"])
    raise FetchError("too many redirects (more than %d)" % MAX_REDIRECTS)


def _useless(response) -> bool:
    """HEAD refused, or answered with nothing a GET could not improve on."""
    if response.status_code in (405, 501):
        return True
    if response.status_code >= 400:
        return response.status_code not in (404, 410)
    return not (response.headers.get("Content-Type") or response.headers.get("Content-Length"))


def _size(response):
    total = (response.headers.get("Content-Range") or "").rpartition("/")[2]
    if response.status_code == 206:
        return int(total) if total.isdigit() else ""
    length = response.headers.get("Content-Length") or ""
    return int(length) if length.isdigit() else ""


def check(url: str, conf: dict, limits: HostLimits, session=None) -> dict:
    """Check one URL: {status, http_status, content_type, size, error}."""
    result = {"status": "broken", "http_status": "", "content_type": "", "size": "",
              "error": ""}
    session = session or requests.Session()
    try:
        response = _request(session, "HEAD", url, conf, limits)
        if _useless(response):
            response = _request(session, "GET", url, conf, limits, {"Range": "bytes=0-0"})
    except FetchError as e:
        result["error"] = str(e)
        return result
    except requests.Timeout:
        result["error"] = "timed out after %gs" % conf["timeout"]
        return result
    except (requests.RequestException, ValueError) as e:  # ValueError: a malformed URL
        result["error"] = "could not connect: %s" % e.__class__.__name__
        return result
    ok = response.status_code < 400
    result.update(status="ok" if ok else "broken", http_status=response.status_code,
                  content_type=response.headers.get("Content-Type", ""),
                  size=_size(response) if ok else "",
                  error="" if ok else "HTTP %d" % response.status_code)
    return result


def check_upload(resource: dict) -> dict:
    """A file uploaded to this site: checked in the site's storage, not over HTTP (the site's
    own address is often private, which the HTTP check refuses)."""
    from ckan.lib import files, uploader
    result = {"status": "broken", "http_status": "", "content_type": "", "size": "",
              "error": ""}
    upload = uploader.get_resource_uploader(resource)
    storage = getattr(upload, "storage", None)
    try:
        location = files.Location(upload.get_path(resource["id"]))
        size = storage.size(location) if storage is not None else \
            os.path.getsize(location)
    except (files.exc.LocationError, OSError, TypeError, AttributeError) as e:
        result["error"] = "the uploaded file is missing from this site's storage (%s)" \
            % e.__class__.__name__
        return result
    result.update(status="ok", content_type=resource.get("mimetype") or "", size=size)
    return result


def fields(result: dict, previous: dict, now: str) -> dict:
    """The resource fields for a check result, given the resource as it was."""
    ok = result["status"] == "ok"
    broken_since = "" if ok else (previous.get("link_broken_since") or now)
    return {
        "link_status": result["status"], "link_http_status": result["http_status"],
        "link_checked_at": now, "link_content_type": result["content_type"],
        "link_size": result["size"], "link_error": result["error"],
        "link_last_ok": now if ok else previous.get("link_last_ok", ""),
        "link_broken_since": broken_since,
    }


def _datasets(context: dict, fq: str = ""):
    """Every active dataset the context's user may see, public and private."""
    start = 0
    while True:
        result = tk.get_action("package_search")(dict(context), {
            "q": "*:*", "fq": fq, "start": start, "rows": PAGE, "include_private": True,
            "sort": "name asc"})
        yield from result["results"]
        start += PAGE
        if start >= result["count"]:
            return


def by_host_in_turn(items: list, url=lambda item: item) -> list:
    """The items with their hosts taking turns: resources come grouped by dataset, hence
    by host, and a run of one host's URLs would leave all but `per_host` workers waiting."""
    queues = defaultdict(list)
    for item in items:
        parsed = urlparse(url(item))
        try:
            port = parsed.port
        except ValueError:  # a malformed port: check() says so
            port = None
        queues[(parsed.hostname, port)].append(item)
    out, depth = [], 0
    while len(out) < len(items):
        out += [q[depth] for q in queues.values() if depth < len(q)]
        depth += 1
    return out


def check_many(items: list, conf: dict, url=lambda item: item):
    """Check the URLs of `items` with `conf["concurrency"]` workers, at most
    `conf["per_host"]` requests to one host:port at a time; yields (item, result) as the
    checks finish."""
    limits = HostLimits(conf["per_host"])
    local = threading.local()

    def work(item):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return check(url(item), conf, limits, local.session)

    with ThreadPoolExecutor(max_workers=conf["concurrency"]) as pool:
        futures = {pool.submit(work, item): item for item in by_host_in_turn(items, url)}
        for future in as_completed(futures):
            yield futures[future], future.result()


def run(echo=log.info) -> dict:
    """Check every resource URL and store the results; returns the summary counts."""
    conf = settings()
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    context = {"user": site_user, "ignore_auth": True}
    counts = {"checked": 0, "ok": 0, "broken": 0, "skipped": 0}
    started = time.monotonic()
    jobs, uploads = [], []
    for resource in (r for d in _datasets(context) for r in d.get("resources") or []):
        if resource.get("url_type") == "upload":
            uploads.append(resource)
        elif urlparse(resource.get("url") or "").scheme not in ("http", "https"):
            counts["skipped"] += 1
        else:
            jobs.append(resource)
    touched = set()
    checked = itertools.chain(((r, check_upload(r)) for r in uploads),
                              check_many(jobs, conf, url=lambda r: r["url"]))
    for resource, result in checked:
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        if not _store(resource["id"], fields(result, resource, now)):
            echo("not stored: %s %s: resource gone" % (resource["id"], resource["url"]))
            counts["skipped"] += 1
            continue
        touched.add(resource["package_id"])
        counts["checked"] += 1
        counts[result["status"]] += 1
    for package_id in touched:
        rebuild(package_id)
    counts["duration"] = round(time.monotonic() - started, 1)
    return counts


def _store(resource_id: str, values: dict) -> bool:
    """Write the link fields onto the resource itself, not through resource_patch: a link
    check is no edit of the dataset, and its modification date (which freshness falls back
    on) must not move."""
    resource = model.Resource.get(resource_id)
    if resource is None or resource.state != "active":
        return False
    resource.extras = dict(resource.extras or {}, **values)
    model.Session.commit()
    return True


BROKEN = "+link_health:(some_broken OR raw_data_broken)"
CSV_COLUMNS = ("producer", "organization", "dataset_name", "dataset_title", "resource_name",
               "raw_data", "url", "http_status", "error", "broken_since", "checked_at",
               "last_ok")


def broken_links(context: dict, organizations=None) -> dict:
    """Broken links of the datasets the caller may see (of `organizations` only, ids or
    names, when given), grouped by producer."""
    groups, total = defaultdict(list), 0
    fq = BROKEN  # the index knows which datasets have a broken link (quality.link_health)
    if organizations is not None:
        if not organizations:
            return {"count": 0, "producers": []}
        fq += " +owner_org:(%s)" % " OR ".join('"%s"' % _org_id(o) for o in organizations)
    for dataset in _datasets(context, fq):
        producers = [c.get("name") for c in dataset.get("creator") or [] if c.get("name")]
        organization = (dataset.get("organization") or {}).get("title") or ""
        for resource in quality.broken_resources(dataset):
            total += 1
            link = {"dataset_name": dataset["name"], "dataset_title": dataset.get("title"),
                    "private": bool(dataset.get("private")), "organization": organization,
                    "resource_id": resource["id"], "resource_name": resource.get("name"),
                    "raw_data": quality.is_raw_data(resource),
                    "url": resource.get("url"), "broken_since": resource.get("link_broken_since"),
                    "http_status": resource.get("link_http_status"),
                    "error": resource.get("link_error"),
                    "checked_at": resource.get("link_checked_at"),
                    "last_ok": resource.get("link_last_ok") or ""}
            for producer in producers or [""]:
                groups[producer].append(link)
    return {"count": total, "producers": [
        {"producer": name, "links": groups[name]} for name in sorted(groups)]}


def _org_id(name_or_id: str) -> str:
    group = model.Group.get(name_or_id)
    if group is None or not group.is_organization:
        raise tk.ObjectNotFound("no organization %r" % name_or_id)
    return group.id
