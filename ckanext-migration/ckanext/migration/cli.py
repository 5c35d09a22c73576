"""`ckan migration ...` commands (registered by the plugin through IClick)."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
from typing import Any

import click

import ckan.plugins.toolkit as tk

DEMO_FILE = os.path.join(os.path.dirname(__file__), "demo", "datasets.json")
# resource extras marking an upload demo-load made: which packaged file, and its digest
DEMO_FILE_KEY = "demo_file"
DEMO_HASH_KEY = "demo_file_sha256"


@click.group(short_help="ckanext-migration commands.")
def migration():
    """Commands of the migration catalogue extension."""


def _context(user: str) -> dict[str, Any]:
    return {"user": user, "ignore_auth": True}


def _subset(expected: Any, actual: Any) -> bool:
    """True if every value in `expected` is present and equal in `actual`."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            _subset(v, actual.get(k)) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(expected) == len(actual)
                and all(_subset(e, a) for e, a in zip(expected, actual)))
    return expected == actual


def _dataset_payload(record: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in record.items() if not k.startswith("_")}
    tags = data.pop("tags", [])
    data["tag_string"] = ",".join(tags)
    return data


def _demo_uploads(pkg: dict[str, Any]) -> list:
    return [r for r in pkg.get("resources", []) if r.get(DEMO_FILE_KEY)]


def _raw_file(base: str, spec: dict[str, Any]) -> tuple[str, bytes]:
    """(upload file name, content) of a packaged raw-data file, decompressed."""
    path = os.path.normpath(os.path.join(base, spec["file"]))
    if not path.startswith(os.path.abspath(base) + os.sep) or not os.path.isfile(path):
        raise click.ClickException(tk._("raw-data file {file!r} is not a file under {base}")
                                   .format(file=spec["file"], base=base))
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        content = f.read()
    name = os.path.basename(path)
    return (name[:-3] if name.endswith(".gz") else name), content


def _attach_raw_files(user: str, pkg: dict[str, Any], specs: list, base: str) -> str:
    """Upload the packaged raw-data files of a demo dataset (url_type upload, raw_data
    true) once each, then list the raw-data resources first. Re-running uploads a file
    again only when its content changed. Returns "created", "updated" or "unchanged"."""
    from werkzeug.datastructures import FileStorage
    status = "unchanged"
    existing = {r[DEMO_FILE_KEY]: r for r in _demo_uploads(pkg)}
    for spec in specs:
        filename, content = _raw_file(base, spec)
        digest = hashlib.sha256(content).hexdigest()
        fields = {"name": spec["name"], "description": spec.get("description", ""),
                  "format": spec.get("format", "CSV"), "raw_data": "true",
                  "mimetype": spec.get("mimetype", "text/csv"),
                  DEMO_FILE_KEY: spec["file"], DEMO_HASH_KEY: digest}
        current = existing.get(spec["file"])
        if current and _subset(fields, current):
            continue
        if not current or current.get(DEMO_HASH_KEY) != digest:
            fields.update(url=filename, url_type="upload", upload=FileStorage(
                io.BytesIO(content), filename=filename, content_type=fields["mimetype"]))
        if current:
            tk.get_action("resource_patch")(_context(user), dict(fields, id=current["id"]))
            status = "updated"
        else:
            tk.get_action("resource_create")(_context(user), dict(fields, package_id=pkg["id"]))
            status = "created" if status == "unchanged" else status
    pkg = tk.get_action("package_show")(_context(user), {"id": pkg["id"]})
    ids = [r["id"] for r in pkg["resources"]]
    # the files on this server, then the producer's raw-data links, then the rest
    raw_first = [r["id"] for r in sorted(
        pkg["resources"], key=lambda r: (str(r.get("raw_data")).lower() != "true",
                                         not r.get(DEMO_FILE_KEY)))]
    if ids != raw_first:
        tk.get_action("package_resource_reorder")(
            _context(user), {"id": pkg["id"], "order": raw_first})
    return status


def _dataset_unchanged(record: dict[str, Any], existing: dict[str, Any]) -> bool:
    want = {k: v for k, v in record.items()
            if not k.startswith("_") and k not in ("tags", "owner_org", "resources")}
    if not _subset(want, existing):
        return False
    if sorted(record.get("tags", [])) != sorted(t["name"] for t in existing.get("tags", [])):
        return False
    org = existing.get("organization") or {}
    if record.get("owner_org") not in (org.get("name"), existing.get("owner_org")):
        return False
    # the uploaded raw-data files are compared by _attach_raw_files
    listed = [r for r in existing.get("resources", []) if not r.get(DEMO_FILE_KEY)]
    return _subset(record.get("resources", []), listed)


@migration.command("demo-load")
@click.option("--file", "path", default=DEMO_FILE, show_default=True,
              type=click.Path(exists=True, dir_okay=False),
              help="JSON file with `organizations` and `datasets`.")
def demo_load(path: str):
    """Create or update the demo organizations and datasets (idempotent)."""
    with open(path, encoding="utf-8") as f:
        demo = json.load(f)

    base = os.path.dirname(os.path.abspath(path))
    for record in demo.get("datasets", []):  # a missing file stops before any change
        for spec in record.get("_raw_files", []):
            _raw_file(base, spec)

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    counts = {"created": 0, "updated": 0, "unchanged": 0}

    for org in demo.get("organizations", []):
        org = {k: v for k, v in org.items() if not k.startswith("_")}
        try:
            existing = tk.get_action("organization_show")(
                _context(site_user), {"id": org["name"]})
        except tk.ObjectNotFound:
            tk.get_action("organization_create")(_context(site_user), org)
            click.echo(f"organization {org['name']}: created")
            continue
        if _subset(org, existing) and existing.get("state") == "active":
            click.echo(f"organization {org['name']}: unchanged")
        else:
            tk.get_action("organization_patch")(
                _context(site_user), dict(org, id=existing["id"], state="active"))
            click.echo(f"organization {org['name']}: updated")

    for record in demo.get("datasets", []):
        name = record["name"]
        payload = _dataset_payload(record)
        try:
            existing = tk.get_action("package_show")(_context(site_user), {"id": name})
        except tk.ObjectNotFound:
            existing = None
        try:
            if existing is None:
                tk.get_action("package_create")(_context(site_user), payload)
                status = "created"
            elif existing.get("state") == "active" and _dataset_unchanged(record, existing):
                status = "unchanged"
            else:
                # keep resource ids stable: match existing resources by URL
                by_url = {r["url"]: r["id"] for r in existing.get("resources", [])}
                payload["resources"] = [
                    dict(r, id=by_url[r["url"]]) if r["url"] in by_url else r
                    for r in payload.get("resources", [])
                ] + _demo_uploads(existing)  # kept: package_update drops what is not sent
                payload.update(id=existing["id"], state="active")
                tk.get_action("package_update")(_context(site_user), payload)
                status = "updated"
        except tk.ValidationError as e:
            raise click.ClickException(tk._(
                "dataset {name} does not validate against the configured schema: {errors}")
                .format(name=name, errors=e.error_dict))
        if record.get("_raw_files"):
            pkg = tk.get_action("package_show")(_context(site_user), {"id": name})
            raw_status = _attach_raw_files(site_user, pkg, record["_raw_files"], base)
            if status == "unchanged" and raw_status != "unchanged":
                status = "updated"
        counts[status] += 1
        click.echo(f"dataset {name}: {status}")

    from ckanext.migration.corrections import demo as corrections_demo
    corrections_demo.load(site_user, click.echo)
    click.echo(tk._("demo-load: {created} created, {updated} updated, "
                    "{unchanged} unchanged").format(**counts))


@migration.command("demo-harvests")
def demo_harvests():
    """Run the demo's harvest jobs (one finished, one failing, one stalled) against the
    recordings in demo/recordings/, offline; sources that have jobs already are skipped."""
    from ckanext.migration.demo import harvests
    try:
        harvests.run(click.echo)
    except harvests.DemoError as e:
        raise click.ClickException(str(e))


@migration.command("schema-build")
@click.option("--check", is_flag=True,
              help="Only report whether schemas/migration_dataset.yaml is up to date.")
def schema_build_command(check: bool):
    """Merge schemas/migration_fields.yaml into the DCAT-AP base schema."""
    from ckanext.migration import schema_build
    if check:
        current = open(schema_build.TARGET).read()
        if current != schema_build.render():
            raise click.ClickException(tk._("schemas/migration_dataset.yaml is stale: run "
                                            "`ckan migration schema-build`"))
        click.echo(tk._("schemas/migration_dataset.yaml is up to date"))
        return
    changed = schema_build.write()
    click.echo("%s %s" % (schema_build.TARGET, "written" if changed else "unchanged"))


@migration.command("refresh-freshness")
def refresh_freshness():
    """Re-index the datasets whose freshness changed since they were indexed.

    Freshness depends on today's date; run this daily (cron) so that facets and filters
    on freshness stay true.
    """
    from ckan.lib.search import rebuild
    from ckanext.migration import quality

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    context = _context(site_user)
    start, rows, changed, seen = 0, 500, 0, 0
    while True:
        result = tk.get_action("package_search")(context, {
            "q": "*:*", "start": start, "rows": rows, "include_private": True,
            "fl": "id,freshness,validated_data_dict", "sort": "id asc"})
        for doc in result["results"]:
            seen += 1
            dataset = json.loads(doc.get("validated_data_dict") or "{}") \
                if "validated_data_dict" in doc else doc
            if quality.freshness(dataset) != doc.get("freshness"):
                rebuild(doc["id"])
                changed += 1
        start += rows
        if start >= result["count"]:
            break
    click.echo(tk._("refresh-freshness: %d datasets checked, %d re-indexed") % (seen, changed))


@migration.command("check-links")
def check_links():
    """Check every resource URL of every active dataset and store the results on it."""
    from ckanext.migration import linkcheck
    counts = linkcheck.run(echo=click.echo)
    click.echo(tk._("check-links: checked {checked}, ok {ok}, broken {broken}, "
                    "skipped {skipped}, duration {duration}s").format(**counts))


@migration.group("sources")
def sources():
    """The federated sources registry (ckanext/migration/harvest_registry/sources/*.yaml)."""


@sources.command("sync")
@click.option("--dry-run", is_flag=True, help="Report what would change, change nothing.")
@click.option("--only", multiple=True, help="Sync only these source names.")
def sources_sync(dry_run: bool, only: tuple):
    """Create or update the harvest sources from the registry (idempotent)."""
    from ckanext.migration.harvesting import registry
    try:
        entries = registry.load()
    except registry.RegistryError as e:
        raise click.ClickException(tk._("harvest source registry: %s") % e)
    try:
        report = registry.sync(entries, dry_run=dry_run, only=only)
    except registry.RegistryError as e:
        raise click.ClickException(tk._("harvest source registry: %s") % e)
    for name, status, detail in report:
        click.echo("%-28s %-9s %s" % (name, status, detail))
    counts = {s: sum(1 for _n, st, _d in report if st == s)
              for s in ("created", "updated", "unchanged", "error")}
    click.echo(tk._("sources sync%s: {created} created, {updated} updated, "
                    "{unchanged} unchanged, {error} errors").format(**counts)
               % (tk._(" (dry run)") if dry_run else ""))
    if counts["error"]:
        raise click.exceptions.Exit(1)


@migration.command("harvest-doctor")
@click.option("--fix", "do_fix", is_flag=True,
              help="Close the stuck jobs and error the orphaned objects (else only list).")
@click.option("--hours", type=click.FloatRange(min=0), default=None,
              help="Limit in hours for every source (default: each source's max_job_hours, "
                   "else ckanext.migration.harvest.job_timeout_hours).")
@click.option("--source", "source_ref", default=None, help="Only this harvest source (name or id).")
def harvest_doctor(do_fix: bool, hours, source_ref):
    """List (and with --fix close) harvest jobs stuck in New/Running past their limit, and
    unprocessed objects of finished jobs. Exit code 0: nothing stuck (or all fixed);
    1: something stuck and not fixed, a bad source configuration, or a failed e-mail."""
    from ckanext.migration.harvesting import doctor
    try:
        source = doctor.resolve_source(source_ref) if source_ref else None
        doctor.default_hours()
    except doctor.DoctorError as e:
        raise click.ClickException(str(e))
    problems: list = []
    stuck = doctor.find_stuck(hours=hours, source=source, problems=problems)
    orphans = doctor.find_orphans(source=source)
    for problem in problems:
        click.echo(tk._("configuration: %s") % problem, err=True)
    if stuck:
        fmt = "%-24s %-36s %-8s %-16s %8s %8s %9s"
        click.echo(fmt % (tk._("source"), tk._("job"), tk._("status"), tk._("started"),
                          tk._("age (h)"), tk._("limit (h)"), tk._("done")))
        for s in stuck:
            click.echo(fmt % (s.source_name, s.job_id, s.status,
                              s.started.strftime("%Y-%m-%d %H:%M"), "%.1f" % s.age_hours,
                              "%g" % s.limit_hours, "%d/%d" % (s.done, s.total)))
    if orphans:
        by_job: dict = {}
        for o in orphans:
            by_job.setdefault((o.source_name, o.job_id, o.job_status), []).append(o.state)
        fmt = "%-24s %-36s %-10s %s"
        click.echo(fmt % (tk._("source"), tk._("job"), tk._("job status"),
                          tk._("orphaned objects")))
        for (name, job_id, status, states) in ((*k, v) for k, v in by_job.items()):
            click.echo(fmt % (name, job_id or "-", status or "-", ", ".join(
                "%d %s" % (states.count(st), st) for st in sorted(set(states)))))
    failed = bool(problems)
    if do_fix:
        for s in stuck:
            result = doctor.fix(s)
            if not result:
                click.echo(tk._("job {job}: finished meanwhile, left as it is").format(
                    job=s.job_id))
                continue
            click.echo(tk._("job {job} of {source} closed: {n} of {total} objects not "
                            "processed; notified: {emails}").format(
                job=s.job_id, source=s.source_name, n=result["not_processed"],
                total=result["total"], emails=", ".join(result["notified"]) or "-"))
            for error in result["mail_errors"]:
                click.echo(tk._("e-mail failed: %s") % error, err=True)
                failed = True
        fixed = doctor.fix_orphans(orphans)
        if orphans:
            click.echo(tk._("orphaned objects marked as errors: %d") % fixed)
    else:
        failed = failed or bool(stuck or orphans)
    click.echo(tk._("harvest-doctor: {jobs} stuck jobs, {orphans} orphaned objects{fixed}")
               .format(jobs=len(stuck), orphans=len(orphans),
                       fixed=tk._(" (fixed)") if do_fix and (stuck or orphans) else ""))
    if failed:
        raise click.exceptions.Exit(1)
