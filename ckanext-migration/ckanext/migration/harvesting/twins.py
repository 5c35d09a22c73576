"""Twins: the same dataset published by two sources is linked, not imported as strangers.

Two datasets from different source platforms are twins when they point at the same
original page, or carry the same identifier at the source. Each lists the other in
``also_published_by``. A DCAT-AP catalogue that republishes states the platform it took a
dataset from: there, any dataset of another harvest source is a twin (``other_than_source``).
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk


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


def link(dataset: dict, context: dict, other_than_source: str | None = None) -> list:
    """Record the twins of a just-imported dataset on both sides; returns them."""
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
