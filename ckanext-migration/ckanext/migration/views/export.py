"""Export a dataset search as CSV or XLSX: ``/dataset/export.csv``, ``/dataset/export.xlsx``.

They take the search page's query string (``q``, ``sort``, facet filters such as
``countries=SEN&gcm_objectives=1``; ``ext_*`` go to package_search as its search page passes
them) and turn it into a query with CKAN's own code (``ckan.views.dataset``). Public datasets
only, whoever asks. More matches than ``ckanext.migration.export.max_rows``, or a malformed
query, is a 400: HTML for browsers, ``{"error": ...}`` JSON otherwise.
"""
from __future__ import annotations

import datetime as dt
import logging
import re

from flask import Blueprint, Response, jsonify, request, stream_with_context

import ckan.plugins.toolkit as tk
from ckan.common import current_user
from ckan.lib.search import SearchError
from ckan.views.dataset import _get_search_details

from ckanext.migration import export as rows
from ckanext.migration import xlsx

log = logging.getLogger(__name__)
export = Blueprint("migration_export", __name__)

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class BadExport(Exception):
    """A search that cannot be exported; the message says why."""


def _wants_html():
    """Whether the client names HTML itself (browsers do; ``*/*`` alone is not enough)."""
    return any(mt in ("text/html", "application/xhtml+xml") and q > 0
               for mt, q in request.accept_mimetypes)


def _error(message):
    if _wants_html():
        tk.abort(400, message)
    resp = jsonify({"error": message})
    resp.status_code = 400
    return resp


def search_params() -> dict:
    """package_search parameters of the search page's query string, sorted stably."""
    details = _get_search_details()  # fq from the facet filters, exactly as the search page
    fq = details["fq"]
    show_all = tk.config.get("ckan.search.show_all_types")
    try:  # the search page's rule, for its type "dataset"
        search_all, all_type = tk.asbool(show_all), "dataset"
    except ValueError:
        search_all, all_type = True, show_all
    if not (search_all and all_type == "dataset"):
        fq += " +dataset_type:dataset"
    sort = request.args.get("sort") or tk.config.get("ckan.search.default_package_sort")
    if "id" not in [key.split()[0] for key in sort.split(",") if key.strip()]:
        sort += ", id asc"  # ties broken, so pages neither repeat nor skip a dataset
    return {"q": request.args.get("q", ""), "fq": fq.strip(), "sort": sort,
            "extras": details["search_extras"], "include_private": False,
            "include_drafts": False, "rows": rows.PAGE_SIZE, "start": 0}


def _search(data_dict):
    context = {"user": current_user.name, "auth_user_obj": current_user}
    return tk.get_action("package_search")(context, data_dict)


def _first_page(params):
    try:
        first = _search(params)
    except tk.ValidationError as e:
        raise BadExport(tk._("Invalid search: %s") % e.error_summary)
    except SearchError as e:  # CKAN's own wording; Solr's reason when it gives one
        reason = re.search(r"Reason: (.+)\]", str(e))
        reason = re.sub(r"\\+(['\"])", r"\1", reason.group(1)) if reason else str(e)
        raise BadExport(tk._("Invalid search query: %s") % reason)
    limit = int(tk.config.get("ckanext.migration.export.max_rows"))
    if first["count"] > limit:
        raise BadExport(tk._(
            "This search matches {count:,} datasets; an export is limited to {limit:,}. "
            "Narrow the search (a query, or filters such as a country, a GCM objective, a "
            "topic or an organization) and export again.").format(count=first["count"],
                                                                  limit=limit))
    return first


def _dataset_url(name):
    return tk.url_for("dataset.read", id=name, _external=True)


def download(fmt):
    try:
        params = search_params()
        first = _first_page(params)
    except BadExport as e:
        return _error(str(e))
    batches = rows.pages(_search, params, first)
    if fmt == "csv":
        body = stream_with_context(rows.csv_chunks(batches, _dataset_url))
        length = None
    else:
        f = rows.xlsx_file(batches, _dataset_url)
        length = f.seek(0, 2)
        f.seek(0)
        body = xlsx.file_chunks(f)
    resp = Response(body, content_type=FORMATS[fmt])
    if length is not None:
        resp.content_length = length
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    resp.headers["Content-Disposition"] = f'attachment; filename="datasets-{stamp}.{fmt}"'
    resp.headers["X-Export-Count"] = str(first["count"])
    return resp


for _fmt in FORMATS:
    export.add_url_rule(f"/dataset/export.{_fmt}", endpoint=_fmt,
                        view_func=lambda fmt=_fmt: download(fmt))
