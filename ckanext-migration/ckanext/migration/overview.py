"""Counts of the catalogue read from the search index: facets and pivots, never a loop
over datasets. Public datasets only, whoever asks: a private dataset changes no count."""
from __future__ import annotations

import re

import ckan.plugins.toolkit as tk
from ckan.lib.search.common import make_connection
from ckan.lib.search.query import solr_literal

# what package_search on /dataset shows (harvest sources are datasets of another type)
DATASETS = "+dataset_type:dataset"


def search(fq: str = "", **params) -> dict:
    """package_search over public datasets, facets unlimited unless said otherwise."""
    params.setdefault("rows", 0)
    params.setdefault("facet.limit", -1)
    params["fq"] = (DATASETS + " " + fq).strip()
    params["include_private"] = False
    return tk.get_action("package_search")({"ignore_auth": True}, params)


def facet_counts(result: dict) -> dict:
    """{field: {value: count}} of a package_search result."""
    return {field: {i["name"]: i["count"] for i in facet.get("items", [])}
            for field, facet in result.get("search_facets", {}).items()}


def pivot(fields: tuple, fq: list) -> tuple:
    """({value of fields[0]: count}, {value of fields[0]: {value of fields[1]: count}}) in
    one pivot-facet query, with the filters package_search applies for an anonymous user
    (only public, active datasets)."""
    filters = [DATASETS, "+capacity:public", "+state:active",
               "+site_id:%s" % solr_literal(tk.config.get("ckan.site_id")),
               "+permission_labels:public"] + [f for f in fq if f]
    key = ",".join(fields)
    response = make_connection(decode_dates=False).search(
        q="*:*", fq=filters, rows=0, facet="true", **{
            "facet.pivot": key, "facet.limit": -1, "facet.mincount": 1, "wt": "json"})
    totals, nested = {}, {}
    for outer in response.facets.get("facet_pivot", {}).get(key, []):
        totals[str(outer["value"])] = outer["count"]
        nested[str(outer["value"])] = {str(inner["value"]): inner["count"]
                                       for inner in outer.get("pivot", [])}
    return totals, nested


def drop_untracked_sort(search_params: dict) -> dict:
    """CKAN 2.12's home view sorts by ``view_recent``, a field nothing fills (the tracking
    plugin writes ``views_recent``): sorting 100,000 documents on an empty field costs
    seconds for nothing. Sort by the last modification, the order it then has anyway."""
    sort = search_params.get("sort") or ""
    if re.search(r"\bview_recent\b", sort):
        search_params["sort"] = re.sub(r"\bview_recent\b", "metadata_modified", sort)
    return search_params


def quote(value: str) -> str:
    return solr_literal(str(value))


def any_of(field: str, values) -> str:
    """A filter matching documents with any of ``values`` in ``field``."""
    values = list(values)
    if not values:
        return ""
    return "%s:(%s)" % (field, " OR ".join(quote(v) for v in values))


def last_harvest():
    """When the last harvest job finished (None without harvests)."""
    from ckan import model
    from sqlalchemy import func
    try:
        from ckanext.harvest.model import HarvestJob
        return model.Session.query(func.max(HarvestJob.finished)).scalar()
    except Exception:  # harvest tables absent (the harvest plugin is optional)
        model.Session.rollback()
        return None
