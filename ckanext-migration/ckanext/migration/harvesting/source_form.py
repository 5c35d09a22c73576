"""The harvest source form (/harvest/new, /harvest/edit): which source types it offers and
in what order, the help shown per type, and "test this source" (a dry run: gather only,
the first records mapped, nothing written)."""
from __future__ import annotations

import itertools
import json
import re

import ckan.plugins.toolkit as tk
from ckan.plugins import PluginImplementations
from ckanext.harvest.interfaces import IHarvester

from ckanext.migration.harvesting import config_keys, http, registry
from ckanext.migration.harvesting.base import MigrationHarvester

# ckanext-dcat's DCAT-AP harvesters keep the migration fields (our IDCATRDFHarvester hook
# maps what they import); offered after ours
KEEPS_MIGRATION_FIELDS = ("dcat_rdf",)
# ckanext-harvest's own CKAN harvester imports with CKAN's default schema and drops every
# migration field: not offered (migration_ckan reads the same API); shown only on a
# source that already uses it, with a warning
DROPS_MIGRATION_FIELDS = ("ckan",)
# ours, the broadest and simplest to set up first (the first is preselected); a harvester
# not named here comes after them
ORDER = ("migration_eurostat", "migration_ckan", "migration_sdmx", "migration_unhcr",
         "migration_worldbank", "migration_iom_dtm", "migration_missing_migrants",
         "migration_idmc", "migration_undesa")
PREVIEW_LIMIT = 5
MAX_PREVIEW_LIMIT = 20


def _harvesters() -> dict:
    return {h.info()["name"]: h for h in PluginImplementations(IHarvester)}


def source_types(current: str | None = None) -> list:
    """The source types the form offers, ours first: [{name, title, description, ours,
    warning}]. ``current``: the type of the source being edited (always listed)."""
    harvesters = _harvesters()
    ours = sorted((n for n, h in harvesters.items() if isinstance(h, MigrationHarvester)),
                  key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    stock = [n for n in KEEPS_MIGRATION_FIELDS if n in harvesters]
    if current in harvesters and current not in ours + stock:
        stock.append(current)
    out = []
    for name in ours + stock:
        info = harvesters[name].info()
        warning = ""
        if name in DROPS_MIGRATION_FIELDS or name not in ours + list(KEEPS_MIGRATION_FIELDS):
            warning = tk._("This harvester imports with CKAN's default schema and drops "
                           "every migration field; use \"CKAN portal (HDX...)\" instead.")
        out.append({"name": name, "title": info.get("title") or name,
                    "description": info.get("description") or "",
                    "ours": name in ours, "warning": warning})
    return out


def type_help(name: str) -> dict:
    """What the form shows for one source type: its configuration keys (with their type
    and meaning) and the registry entry of that type, whose configuration is the example."""
    harvester = _harvesters().get(name)
    if isinstance(harvester, MigrationHarvester):
        keys = list(harvester.CONFIG_KEYS) + ["max_job_hours"]
    else:
        keys = config_keys.stock_keys(name)
    try:
        entries = [e for e in registry.load() if e["harvester"] == name]
    except registry.RegistryError:
        entries = []
    entry = entries[0] if entries else None
    return {
        "keys": [{"key": k, "type": config_keys.type_label(k),
                  "description": config_keys.spec(k).get("description", "")} for k in keys],
        "defaults_keys": config_keys.defaults_keys() if "defaults" in keys else [],
        "entry": {"name": entry["name"], "title": entry["title"], "file": entry["file"],
                  "url": entry["url"]} if entry else None,
        "example": json.dumps(entry.get("config") or {}, indent=2, ensure_ascii=False)
        if entry else "",
    }


# -- "test this source" ------------------------------------------------------------------
def _diagnose(url: str) -> str:
    """Why an address did not answer as a source: an HTML page (a login page?) or
    nothing; '' when it cannot tell."""
    try:
        body = http.fetch(url)[:20000].decode("utf-8", "replace")
    except http.FetchError:
        return ""
    head = body.lstrip()[:500].lower()
    if not (head.startswith("<!doctype html") or "<html" in head):
        return ""
    title = re.search(r"<title[^>]*>(.*?)</title>", body, re.I | re.S)
    title = " ".join(title.group(1).split())[:120] if title else ""
    if re.search(r"type=[\"']?password|log ?in|sign ?in", body, re.I):
        return tk._("{url} answers a login page ({title}), not data: the source may need "
                    "credentials (an API key in the configuration)").format(url=url,
                                                                           title=title)
    return tk._("{url} answers a web page ({title}), not the source's API").format(
        url=url, title=title)


def _dcat_preview(harvester, url: str, config: dict, limit: int) -> dict:
    """ckanext-dcat's RDF harvester, dry: the catalogue read and parsed, the first
    datasets mapped by our IDCATRDFHarvester hook (dcat.enrich), nothing written."""
    from ckanext.dcat.processors import RDFParser, RDFParserException
    from ckanext.migration.harvesting import dcat as dcat_mapping
    content, refused = dcat_mapping.refuse_hostile(http.fetch(url), url)
    if refused:
        raise ValueError(refused[0])
    parser = RDFParser()
    try:
        parser.parse(content, _format=config.get("rdf_format"))
    except RDFParserException as e:
        raise ValueError("%s is not an RDF catalogue that can be read: %s" % (url, e))
    datasets = list(itertools.islice(parser.datasets(), limit + 1))
    records = []
    for dataset in datasets[:limit]:
        dataset = dcat_mapping.enrich(dataset, None)
        coverage = (dataset.get("temporal_coverage") or [{}])[0]
        records.append({
            "guid": dataset.get("uri") or dataset.get("identifier") or "",
            "name": dataset.get("name") or "", "title": dataset.get("title") or "",
            "countries": dataset.get("countries") or [],
            "period": {"start": coverage.get("start") or "", "end": coverage.get("end") or ""},
            "frequency": dataset.get("frequency") or "",
            "gcm_objectives": dataset.get("gcm_objectives") or [],
            "topics": dataset.get("topics") or [],
            "resources": len(dataset.get("resources") or [])})
    return {"records": records, "more": len(datasets) > limit}


def test_source(data_dict: dict) -> dict:
    """A dry run of a source (``source_type``, ``url``, ``config``, ``limit``): the first
    records gathered and mapped. tk.ValidationError naming the field that is wrong."""
    name = (data_dict.get("source_type") or "").strip()
    url = (data_dict.get("url") or "").strip()
    config = data_dict.get("config") or ""
    if isinstance(config, dict):
        config = json.dumps(config)
    harvesters = _harvesters()
    offered = [t["name"] for t in source_types()]
    if name not in harvesters or name not in offered:
        raise tk.ValidationError({"source_type": [
            tk._("Unknown or untestable source type {name!r}; one of: {types}").format(
                name=name, types=", ".join(offered))]})
    try:
        limit = int(data_dict.get("limit") or PREVIEW_LIMIT)
        if not 1 <= limit <= MAX_PREVIEW_LIMIT:
            raise ValueError
    except (TypeError, ValueError):
        raise tk.ValidationError({"limit": [tk._("limit must be a number from 1 to {n}")
                                            .format(n=MAX_PREVIEW_LIMIT)]})
    try:
        http.check_url(url, http._settings()["allow_private"])
    except http.FetchError as e:
        raise tk.ValidationError({"url": [str(e)]})
    harvester = harvesters[name]
    try:
        harvester.validate_config(config)
    except ValueError as e:
        raise tk.ValidationError({"config": [str(e)]})
    parsed = MigrationHarvester._parse_config(config)
    try:
        if isinstance(harvester, MigrationHarvester):
            result = harvester.preview(url, parsed, limit)
        else:
            result = _dcat_preview(harvester, url, parsed, limit)
    except http.FetchError as e:
        raise tk.ValidationError({"url": [str(e)]})
    except Exception as e:  # noqa: BLE001 - what the source answered is the user's to fix
        from ckanext.migration.harvesting.errors import describe as _describe
        probe = harvester.probe_url(url, parsed) if isinstance(
            harvester, MigrationHarvester) else url
        message = _describe(e, name)
        hint = _diagnose(probe)
        raise tk.ValidationError({"url": [message + (" - " + hint if hint else "")]})
    result.update(source_type=name, url=url, limit=limit)
    return result


def template_helpers() -> dict:
    return {"migration_harvest_source_types": source_types,
            "migration_harvest_type_help": type_help}
