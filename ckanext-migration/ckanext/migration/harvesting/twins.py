"""Twins: the same dataset published by two sources is linked, not imported as strangers.

Two datasets from different source platforms are twins when they point at the same
original page, or carry the same identifier at the source. Each lists the other in
``also_published_by``.
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk


def _literal(value: str) -> str:
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def find(dataset: dict, context: dict) -> list:
    """Names of other-platform datasets with the same original page or identifier."""
    clauses = []
    if dataset.get("url"):
        clauses.append("url:%s" % _literal(dataset["url"]))
    if dataset.get("identifier"):
        clauses.append("identifier:%s" % _literal(dataset["identifier"]))
    if not clauses:
        return []
    found = tk.get_action("package_search")(dict(context), {
        "fq": "(%s)" % " OR ".join(clauses), "rows": 20, "include_private": True,
        "fl": "name,source_platform"})
    platform = dataset.get("source_platform")
    return sorted(r["name"] for r in found["results"]
                  if r["name"] != dataset["name"] and r.get("source_platform") != platform)


def link(dataset: dict, context: dict) -> list:
    """Record the twins of a just-imported dataset on both sides; returns them."""
    twins = find(dataset, context)
    if not twins and not dataset.get("also_published_by"):
        return []
    for name, others in [(dataset["name"], twins)] + [(t, [dataset["name"]]) for t in twins]:
        current = tk.get_action("package_show")(dict(context), {"id": name})
        merged = sorted(set(current.get("also_published_by") or []) | set(others))
        if merged != sorted(current.get("also_published_by") or []):
            tk.get_action("package_patch")(dict(context), {"id": name,
                                                           "also_published_by": merged})
    return twins
