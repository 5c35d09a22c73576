"""Reading a resource's DataStore table through ``datastore_search`` (so the DataStore's
own authorization applies; ``datastore_search_sql`` may be disabled on a site)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

# rows sampled to tell the columns apart (can_view, default columns)
SAMPLE_ROWS = 200
DEFAULT_MAX_ROWS = 50_000


def max_rows() -> int:
    """Most rows a view reads (``ckanext.migration.views.max_rows``)."""
    return int(tk.config.get("ckanext.migration.views.max_rows") or DEFAULT_MAX_ROWS)


def sample(resource_id: str, context: dict | None = None) -> tuple:
    """(fields, first rows as dicts) of the table. ``context`` None: unchecked, for
    ``can_view``, which only answers yes or no."""
    context = dict(context) if context is not None else {"ignore_auth": True}
    found = tk.get_action("datastore_search")(context, {
        "resource_id": resource_id, "limit": SAMPLE_ROWS, "include_total": False,
        "sort": "_id"})
    return found["fields"], found["records"]


def read(resource_id: str, columns: list, context: dict, limit: int) -> tuple:
    """(rows as dicts with ``columns`` only, rows in the table), the first ``limit`` rows
    in the table's order, as the user of ``context`` may read them."""
    search = tk.get_action("datastore_search")
    page_size = int(tk.config.get("ckan.datastore.search.rows_max") or 32000)
    rows, total, offset = [], None, 0
    while offset < limit:
        wanted = min(page_size, limit - offset)
        found = search(dict(context), {
            "resource_id": resource_id, "fields": list(columns), "sort": "_id",
            "limit": wanted, "offset": offset, "records_format": "lists",
            "include_total": total is None})
        if total is None:
            total = found.get("total", 0)
        names = [f["id"] for f in found["fields"]]
        rows.extend(dict(zip(names, record)) for record in found["records"])
        offset += len(found["records"])
        if len(found["records"]) < wanted:
            break
    return rows, total or len(rows)
