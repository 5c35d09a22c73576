"""Downloads of DataStore rows: CKAN's ``/datastore/dump/<resource_id>``, plus ``format=xlsx``.

CKAN 2.12's datastore has no extension point for dump formats (``DUMP_FORMATS`` and the
writers are fixed in ``ckanext.datastore.blueprint``), so the plugin serves the
``datastore.dump`` endpoint with :func:`dump` (:func:`install`): the same URL and query
parameters (``filters``, ``q``, ``plain``, ``language``, ``distinct``, ``fields``, ``sort``,
``offset``, ``limit``, ``bom``), every link to ``datastore.dump`` (the resource page, the
datatables filtered download) keeps working. CSV, TSV, JSON and XML are still written by
CKAN's view; XLSX by :mod:`ckanext.migration.download`. Before either:

* an unknown ``format`` is a 400 naming the allowed formats;
* a resource that is not in the DataStore gets a page linking to its original file (404);
* who may not ``datastore_search`` the resource gets a 404, as from CKAN's dump;
* a query the DataStore rejects (an unknown field in ``filters``...) is a 400, not a 500;
* JSON with a full-text ``q`` is written here (CKAN 2.12's fails on it, see :func:`_json`).
"""
from __future__ import annotations

import logging

from flask import Response, request, stream_with_context

import ckan.lib.navl.dictization_functions as dict_fns
import ckan.plugins.toolkit as tk
from ckan.common import current_user

from ckanext.migration import download as rows_xlsx
from ckanext.migration import xlsx
from ckanext.migration import helpers

log = logging.getLogger(__name__)

FORMATS = ("csv", "tsv", "json", "xml", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENDPOINT = "datastore.dump"


def install(app) -> None:
    """Serve ``datastore.dump`` with :func:`dump` in this Flask app (when the datastore
    plugin is loaded); the endpoint name, and so every ``url_for``, stays CKAN's."""
    views = getattr(app, "view_functions", None)
    if views is None:
        log.warning("XLSX downloads not installed: %r is not the Flask app", app)
    elif ENDPOINT in views:
        views[ENDPOINT] = dump


def _context():
    return {"user": current_user.name, "auth_user_obj": current_user}


def _datastore_id(resource_id):
    """The DataStore table a dump of ``resource_id`` reads (aliases resolved), or None."""
    from ckanext.datastore.backend import DatastoreBackend
    exists, real_id = DatastoreBackend.get_active_backend().resource_id_from_alias(resource_id)
    return (real_id or resource_id) if exists else None


def _not_in_datastore(resource_id, fmt):
    try:
        res = tk.get_action("resource_show")(_context(), {"id": resource_id})
        pkg = tk.get_action("package_show")(_context(), {"id": res["package_id"]})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Resource not found"))
    page = tk.render("migration/download/not_in_datastore.html",
                     {"res": res, "pkg": pkg, "fmt": fmt})
    return Response(page, status=404, content_type="text/html; charset=utf-8")


def _invalid(error: tk.ValidationError):
    details = error.error_dict or {}
    message = "; ".join("%s: %s" % (k, " ".join(map(str, v)) if isinstance(v, list) else v)
                        for k, v in details.items() if k != "__type")
    return tk.abort(400, tk._("The DataStore cannot answer this download: %s")
                    % (message or error))


def dump(resource_id: str):
    fmt = request.args.get("format") or "csv"
    if fmt not in FORMATS:
        return tk.abort(400, tk._("Unknown download format '%s'. Allowed formats: %s.")
                        % (fmt, ", ".join(FORMATS)))
    if resource_id in tk.config.get("ckan.datastore.public_table_search"):
        table = resource_id  # CKAN's public tables (_table_metadata): its own checks
    else:
        table = _datastore_id(resource_id)
        if table is None:
            return _not_in_datastore(resource_id, fmt)
    try:
        tk.check_access("datastore_search", _context(), {"resource_id": table})
    except tk.NotAuthorized:
        # the answer for an id that does not exist: nothing says it is in the DataStore
        return tk.abort(404, tk._("Resource not found"))
    if fmt == "xlsx":
        return _xlsx(table)
    if fmt == "json" and request.args.get("q"):
        return _json(table)
    from ckanext.datastore.blueprint import dump as ckan_dump
    try:
        return ckan_dump(resource_id)
    except tk.ValidationError as e:  # raised by its first page, before any byte is sent
        return _invalid(e)


def _licence(pkg):
    title = pkg.get("license_title") or pkg.get("license_id") or tk._("Not specified")
    url = pkg.get("license_url")
    return "%s (%s)" % (title, url) if url else title


def _params():
    """The query parameters, as CKAN's dump validates them."""
    from ckanext.datastore.blueprint import dump_schema
    schema = dump_schema()
    # its format check knows only CKAN's formats (dump() has checked the format already)
    schema["format"] = [tk.get_validator("default")("csv"), tk.get_validator("unicode_safe")]
    data, errors = dict_fns.validate(request.args.to_dict(), schema)
    if errors:
        tk.abort(400, "\n".join("%s: %s" % (k, " ".join(e)) for k, e in errors.items()))
    return data


def _search(data_dict):
    return tk.get_action("datastore_search")(_context(), data_dict)


def _rows(resource_id, data):
    try:
        return rows_xlsx.Rows(_search, resource_id, data, sort=data["sort"],
                         offset=data["offset"], limit=data.get("limit"))
    except tk.ValidationError as e:
        _invalid(e)
    except tk.ObjectNotFound:
        tk.abort(404, tk._("DataStore resource not found"))


def _json(resource_id):
    """CKAN's JSON dump of a full-text query: its ``records_format=lists`` pages fail on a
    ``q`` in CKAN 2.12, so the rows are read as objects and written by CKAN's JSON writer."""
    from ckanext.datastore.writer import json_writer
    data = _params()
    rows = _rows(resource_id, data)

    def chunks():
        with json_writer(rows.fields, bom=data["bom"]) as writer:
            for page in rows.pages():
                yield writer.write_records(page)
            yield writer.end_file()
    resp = Response(stream_with_context(chunks()), content_type="application/json; charset=utf-8")
    resp.headers["Content-Disposition"] = 'attachment; filename="%s.json"' % resource_id
    return resp


def _xlsx(resource_id):
    data = _params()
    try:
        res = tk.get_action("resource_show")(_context(), {"id": resource_id})
        pkg = tk.get_action("package_show")(_context(), {"id": res["package_id"]})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("DataStore resource not found"))

    rows = _rows(resource_id, data)
    dataset_url = tk.url_for("dataset.read", id=pkg["name"], _external=True)
    described = rows_xlsx.metadata(
        pkg, res, dataset_url=dataset_url, download_url=request.url,
        site_title=tk.config.get("ckan.site_title"), licence=_licence(pkg),
        caveat_flags=[helpers.migration_label("caveat_flags", c)
                      for c in pkg.get("caveat_flags") or []],
        caveats=tk.h.markdown_extract(pkg.get("caveats") or "", extract_length=0),
        filters=rows_xlsx.describe_filters(data, data["sort"]))
    try:
        f, count = rows_xlsx.xlsx_file(rows, described)
    except rows_xlsx.TooManyRows as e:
        return tk.abort(400, str(e))
    length = f.seek(0, 2)
    f.seek(0)
    resp = Response(xlsx.file_chunks(f), content_type=XLSX_TYPE)
    resp.content_length = length
    # named like CKAN's other dump formats
    resp.headers["Content-Disposition"] = 'attachment; filename="%s.xlsx"' % resource_id
    resp.headers["X-Row-Count"] = str(count)
    return resp


