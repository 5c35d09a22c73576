"""DataStore rows as an XLSX workbook: a "Data" sheet with the rows, a "Metadata" sheet saying
what they are (title, producer, period, caveats, licence, citation, sources, filters applied).

Rows are read page by page from ``datastore_search`` with the parameters of CKAN's
``/datastore/dump`` (filters, q, plain, language, distinct, fields, sort, offset, limit) and
its keyset paging (``next_page`` when sorted by ``_id``), as objects: CKAN 2.12's
``records_format=lists`` fails on any full-text ``q`` ("Query is not a single statement").
The workbook is written in
openpyxl's write-only mode into a temporary file, so memory stays flat whatever the number of
rows.
"""
from __future__ import annotations

import datetime as dt
import json

from ckanext.migration import xlsx

PAGE_SIZE = 10_000
# an Excel sheet holds 1,048,576 rows, one of them the header
MAX_ROWS = 1_048_575
SEARCH_PARAMS = ("filters", "q", "distinct", "plain", "language", "fields")


class TooManyRows(Exception):
    """More rows than a sheet holds; the message says how many."""


class Rows:
    """The rows a dump asks for: ``fields``, ``total`` (counted by the DataStore) and
    ``pages()``, lists of row lists in field order, one ``datastore_search`` call each."""

    def __init__(self, search, resource_id: str, params: dict, sort="_id", offset=0,
                 limit=None, page_size=PAGE_SIZE):
        self._search = search
        self._base = dict({k: v for k, v in params.items() if k in SEARCH_PARAMS},
                          resource_id=resource_id, sort=sort, records_format="objects",
                          include_total=False, include_next_page=True)
        self._offset = offset or 0
        self._limit = limit
        asked = self._page_limit(page_size, limit)
        first = search(dict(self._base, include_total=True, offset=self._offset, limit=asked))
        # datastore_search caps a page at ckan.datastore.search.rows_max
        self._page_size = page_size if first["limit"] == asked else first["limit"]
        self._first = first
        self.fields = first["fields"]
        self._ids = [f["id"] for f in self.fields]
        total = max(first["total"] - self._offset, 0)
        self.total = total if limit is None else min(total, limit)

    @staticmethod
    def _page_limit(page_size, remaining):
        return page_size if remaining is None else min(page_size, remaining)

    def pages(self):
        result, remaining, offset = self._first, self._limit, self._offset
        while True:
            records = result["records"]
            if remaining is not None:
                records = records[:remaining]
                remaining -= len(records)
            if records:
                yield [[r.get(i) for i in self._ids] for r in records]
            if len(records) < self._page_size or remaining == 0:
                return
            offset += len(records)
            params = dict(self._base, limit=self._page_limit(self._page_size, remaining))
            keyset = result.get("next_page")
            if keyset:  # the next _id range: no OFFSET scan over the rows already read
                params.update(offset=0, filters=dict(self._base.get("filters") or {}, **keyset))
            else:
                params["offset"] = offset
            result = self._search(params)


def _converter(field_type: str, sheet):
    """How a DataStore value of ``field_type`` (as ``datastore_search`` gives it) becomes
    a cell value: numbers and booleans stay typed, timestamps and dates become Excel dates,
    arrays and JSON become their JSON text, everything else text."""
    text = xlsx.text_converter(sheet)
    if field_type in ("int", "int4", "int8", "int2", "integer", "bigint", "smallint",
                      "numeric", "float", "float4", "float8", "real", "double precision",
                      "bool", "boolean"):
        return lambda v: v if isinstance(v, (int, float, bool)) or v is None else text(v)
    if field_type in ("timestamp", "date"):
        parse = dt.datetime.fromisoformat if field_type == "timestamp" else dt.date.fromisoformat

        def to_date(v):
            try:
                return parse(v) if isinstance(v, str) else text(v)
            except ValueError:  # e.g. 'infinity'
                return text(v)
        return to_date
    return text


def xlsx_file(rows: Rows, metadata) -> tuple:
    """(temporary file at position 0 holding the workbook, rows written); the caller closes
    the file. ``metadata(count)`` gives the (label, value) pairs of the Metadata sheet."""
    from openpyxl import Workbook

    if rows.total > MAX_ROWS:
        raise TooManyRows(
            "These are {total:,} rows; an Excel sheet holds {max:,}. Download CSV instead, "
            "or narrow the rows with filters or a query.".format(total=rows.total, max=MAX_ROWS))
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet("Data")
    data.freeze_panes = "A2"
    about = workbook.create_sheet("Metadata")
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 100
    data.append([xlsx.bold(data, f["id"]) for f in rows.fields])
    convert = [_converter(f.get("type", "text"), data) for f in rows.fields]
    count = 0
    for page in rows.pages():
        for record in page:
            data.append([c(v) for c, v in zip(convert, record)])
        count += len(page)
    text = xlsx.text_converter(about)
    for label, value in metadata(count):
        about.append([xlsx.bold(about, label), text(value) if isinstance(value, str) else value])
    return xlsx.save(workbook), count


# ----------------------------------------------------------------------------- metadata

def _period(periods) -> str:
    spans = []
    for p in periods or []:
        if isinstance(p, dict) and (p.get("start") or p.get("end")):
            spans.append("%s – %s" % (p.get("start") or "…", p.get("end") or "…"))
    return "; ".join(spans)


def _year(pkg: dict) -> str:
    for key in ("modified", "issued", "metadata_modified", "metadata_created"):
        value = str(pkg.get(key) or "")
        if value[:4].isdigit():
            return value[:4]
    return "n.d."


def describe_filters(params: dict, sort) -> str:
    """The filters, query, fields, sort and row range of a dump, in words."""
    parts = []
    for field, value in (params.get("filters") or {}).items():
        values = value if isinstance(value, list) else [value]
        parts.append("%s = %s" % (field, " or ".join(
            json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v)
            for v in values)))
    q = params.get("q")
    if q:
        parts.append("full-text query: %s" % (
            q if isinstance(q, str) else json.dumps(q, ensure_ascii=False)))
    if params.get("distinct"):
        parts.append("distinct rows")
    if params.get("fields"):
        fields = params["fields"]
        parts.append("fields: %s" % (fields if isinstance(fields, str) else ", ".join(fields)))
    if sort and sort != "_id":
        parts.append("sorted by %s" % (sort if isinstance(sort, str) else ", ".join(sort)))
    if params.get("offset"):
        parts.append("from row %d" % (int(params["offset"]) + 1))
    if params.get("limit") is not None:
        parts.append("at most %d rows" % int(params["limit"]))
    return "; ".join(parts) or "None: every row of the resource"


def citation(pkg: dict, res: dict, dataset_url: str, site_title: str,
             accessed: dt.date) -> str:
    """Producer (year). Title: resource [Data set]. Catalogue. URL (accessed date)."""
    org = pkg.get("organization") or {}
    producer = org.get("title") or org.get("name") or "Unknown producer"
    title = pkg.get("title") or pkg.get("name")
    name = res.get("name")
    what = "%s: %s" % (title, name) if name and name != title else title
    return "{producer} ({year}). {what} [Data set]. {site}. {url} (accessed {date}).".format(
        producer=producer, year=_year(pkg), what=what, site=site_title, url=dataset_url,
        date=accessed.isoformat())


def metadata(pkg: dict, res: dict, *, dataset_url: str, download_url: str, site_title: str,
             licence: str, caveat_flags: list, caveats: str, filters: str, now=None):
    """``metadata(count)`` for :func:`xlsx_file`: the Metadata sheet's (label, value) pairs."""
    now = now or dt.datetime.now(dt.timezone.utc)
    org = pkg.get("organization") or {}

    def rows(count):
        return [
            ("Title", pkg.get("title") or pkg.get("name")),
            ("Resource", res.get("name") or res.get("id")),
            ("Producer", org.get("title") or org.get("name") or ""),
            ("Period", _period(pkg.get("temporal_coverage"))),
            ("Caveats", caveats),
            ("Caveat flags", "; ".join(caveat_flags)),
            ("Licence", licence),
            ("Citation", citation(pkg, res, dataset_url, site_title, now.date())),
            ("Dataset page", dataset_url),
            ("Source page", pkg.get("url") or ""),
            ("Original file", res.get("url") or ""),
            ("This download", download_url),
            ("Filters applied", filters),
            ("Rows", count),
            ("Downloaded", now.strftime("%Y-%m-%d %H:%M UTC")),
        ]
    return rows
