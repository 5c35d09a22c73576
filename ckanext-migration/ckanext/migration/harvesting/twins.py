"""Twins: the same dataset published by two sources is linked, not imported as strangers.

Two datasets from different source platforms are twins when they point at the same
original page, or carry the same identifier at the source. Each lists the other in
``also_published_by``. A DCAT-AP catalogue that republishes states the platform it took a
dataset from: there, any dataset of another harvest source is a twin (``other_than_source``).
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model


def _literal(value: str) -> str:
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def find(dataset: dict, context: dict, other_than_source: str | None = None) -> list:
    """Names of other-platform datasets with the same original page or identifier (of
    datasets not harvested by harvest source ``other_than_source``, when given)."""
    clauses = []
    if dataset.get("url"):
        clauses.append("url:%s" % _literal(dataset["url"]))
    if dataset.get("identifier"):
        clauses.append("identifier:%s" % _literal(dataset["identifier"]))
    if not clauses:
        return []
    fq = "(%s)" % " OR ".join(clauses)
    if other_than_source:
        fq += " -harvest_source_id:%s" % _literal(other_than_source)
    found = tk.get_action("package_search")(dict(context), {
        "fq": fq, "rows": 20, "include_private": True, "fl": "name,source_platform"})
    platform = dataset.get("source_platform")
    return sorted(r["name"] for r in found["results"]
                  if r["name"] != dataset["name"] and (
                      other_than_source or r.get("source_platform") != platform))


def find_many(datasets: list, context: dict) -> list:
    """``find`` for several datasets of one platform with one search: [twins] in the
    order of ``datasets``. Falls back to one search each when the answer is cut off."""
    platforms = {d.get("source_platform") for d in datasets}
    clauses = [clause for d in datasets for clause in (
        ["url:%s" % _literal(d["url"])] if d.get("url") else []) + (
        ["identifier:%s" % _literal(d["identifier"])] if d.get("identifier") else [])]
    if len(platforms) != 1 or not clauses:
        return [find(d, context) for d in datasets]
    [platform] = platforms
    fq = "(%s)" % " OR ".join(clauses)
    if platform:
        # a platform's own datasets are never its twins: the search leaves them out
        fq += " -source_platform:%s" % _literal(platform)
    rows = 1000
    found = tk.get_action("package_search")(dict(context), {
        "fq": fq, "rows": rows, "include_private": True,
        "fl": "name"})
    if found["count"] > rows:
        return [find(d, context) for d in datasets]
    # which dataset each found one is the twin of: the identifier is not stored in the
    # index, the database says
    names = [r["name"] for r in found["results"]]
    keys = {}
    if names:
        for name, url, extras in model.Session.query(
                model.Package.name, model.Package.url, model.Package.extras) \
                .filter(model.Package.name.in_(names)):
            keys[name] = (url, (extras or {}).get("identifier"))
    out = []
    for d in datasets:
        out.append(sorted(name for name, (url, identifier) in keys.items()
                          if name != d["name"] and (
                              (d.get("url") and url == d["url"]) or
                              (d.get("identifier") and identifier == d["identifier"]))))
    return out


def link(dataset: dict, context: dict, other_than_source: str | None = None,
         twins: list | None = None) -> list:
    """Record the twins of a just-imported dataset on both sides (``twins``: already
    found); returns them."""
    if twins is None:
        twins = find(dataset, context, other_than_source)
    if not twins and not dataset.get("also_published_by"):
        return []
    for name, others in [(dataset["name"], twins)] + [(t, [dataset["name"]]) for t in twins]:
        current = tk.get_action("package_show")(dict(context), {"id": name})
        merged = sorted(set(current.get("also_published_by") or []) | set(others))
        if merged != sorted(current.get("also_published_by") or []):
            tk.get_action("package_patch")(dict(context), {"id": name,
                                                           "also_published_by": merged})
    return twins
