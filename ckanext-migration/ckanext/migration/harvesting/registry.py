"""The source registry (harvest_registry/sources/*.yaml) and its sync onto harvest sources."""
from __future__ import annotations

import glob
import json
import os

import yaml

import ckan.plugins.toolkit as tk

from ckanext.migration.harvesting.mapping import REGISTRY_DIR

SOURCES_DIR = os.path.join(REGISTRY_DIR, "sources")
REQUIRED = ("name", "title", "harvester", "url", "schedule", "organization")
SCHEDULES = ("MANUAL", "MONTHLY", "WEEKLY", "BIWEEKLY", "DAILY", "ALWAYS")


class RegistryError(ValueError):
    pass


def load(directory: str | None = None) -> list:
    """Every source entry, checked: [{name, title, harvester, url, schedule, ...}]."""
    directory = directory or SOURCES_DIR
    paths = sorted(glob.glob(os.path.join(directory, "*.yaml")))
    if not paths:
        # an install without its package data must say so, not sync nothing
        raise RegistryError("no source files (*.yaml) in %s" % directory)
    entries, names = [], set()
    for path in paths:
        with open(path) as f:
            entry = yaml.safe_load(f) or {}
        where = os.path.basename(path)
        missing = [k for k in REQUIRED if not entry.get(k)]
        if missing:
            raise RegistryError("%s: missing %s" % (where, ", ".join(missing)))
        if entry["schedule"] not in SCHEDULES:
            raise RegistryError("%s: schedule %r is not one of %s"
                                % (where, entry["schedule"], ", ".join(SCHEDULES)))
        if not str(entry["url"]).startswith(("http://", "https://")):
            raise RegistryError("%s: url must be http(s): %r" % (where, entry["url"]))
        if not isinstance(entry["organization"], dict) or not entry["organization"].get("name"):
            raise RegistryError("%s: organization needs a name" % where)
        if entry["name"] in names:
            raise RegistryError("%s: source name %r is used twice" % (where, entry["name"]))
        names.add(entry["name"])
        entry["file"] = where
        entries.append(entry)
    return entries


def _harvester_types() -> set:
    from ckan.plugins import PluginImplementations
    from ckanext.harvest.interfaces import IHarvester
    return {h.info()["name"] for h in PluginImplementations(IHarvester)}


def _config_error(entry: dict) -> str:
    """The harvester's objection to the entry's config ("config: 'key' must be ..")."""
    from ckan.plugins import PluginImplementations
    from ckanext.harvest.interfaces import IHarvester
    for harvester in PluginImplementations(IHarvester):
        if harvester.info()["name"] == entry["harvester"]:
            try:
                harvester.validate_config(json.dumps(entry.get("config") or {}))
            except ValueError as e:
                return "config: %s" % e
    return ""


def _ensure_org(org: dict, context: dict) -> str:
    try:
        return tk.get_action("organization_show")(dict(context), {"id": org["name"]})["id"]
    except tk.ObjectNotFound:
        created = tk.get_action("organization_create")(dict(context), {
            "name": org["name"], "title": org.get("title") or org["name"]})
        return created["id"]


def sync(entries: list, dry_run: bool = False, only: tuple = ()) -> list:
    """Create or update one harvest source per entry; [(name, status, detail)]."""
    context = {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"],
               "ignore_auth": True}
    unknown = sorted(set(only) - {e["name"] for e in entries})
    if unknown:
        raise RegistryError("no source named %s; known: %s" % (
            ", ".join(unknown), ", ".join(e["name"] for e in entries)))
    available = _harvester_types()
    report = []
    for entry in entries:
        if only and entry["name"] not in only:
            continue
        if entry["harvester"] not in available:
            report.append((entry["name"], "error", "harvester %r is not enabled (enabled: %s)"
                           % (entry["harvester"], ", ".join(sorted(available)))))
            continue
        error = _config_error(entry)
        if error:  # said before anything (an organisation, a source) is written
            report.append((entry["name"], "error", error))
            continue
        wanted = {"title": entry["title"], "url": entry["url"],
                  "source_type": entry["harvester"], "frequency": entry["schedule"],
                  "config": json.dumps(entry.get("config") or {}, sort_keys=True)}
        try:
            current = tk.get_action("harvest_source_show")(dict(context), {"id": entry["name"]})
        except tk.ObjectNotFound:
            current = None
        if current is None:
            if not dry_run:
                org_id = _ensure_org(entry["organization"], context)
                try:
                    tk.get_action("harvest_source_create")(dict(context), dict(
                        wanted, name=entry["name"], owner_org=org_id))
                except tk.ValidationError as e:
                    report.append((entry["name"], "error", _invalid(e)))
                    continue
            report.append((entry["name"], "created", entry["url"]))
            continue
        changed = sorted(k for k, v in wanted.items() if (current.get(k) or "") != v)
        org_name = (current.get("organization") or {}).get("name")
        if org_name != entry["organization"]["name"]:
            changed.append("organization")
        if not changed:
            report.append((entry["name"], "unchanged", ""))
            continue
        if not dry_run:
            org_id = _ensure_org(entry["organization"], context)
            try:
                tk.get_action("harvest_source_update")(dict(context), dict(
                    wanted, id=current["id"], name=entry["name"], owner_org=org_id))
            except tk.ValidationError as e:
                report.append((entry["name"], "error", _invalid(e)))
                continue
        report.append((entry["name"], "updated", ", ".join(changed)))
    return report


def _invalid(error) -> str:
    return "; ".join("%s: %s" % (k, " ".join(map(str, v)) if isinstance(v, list) else v)
                     for k, v in error.error_dict.items())
