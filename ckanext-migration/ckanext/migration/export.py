"""Search results as CSV or XLSX rows: one row per dataset, codes and readable labels.

Labels come from the vocabularies (``vocab``) and the facet labels (``facets.value_label``).
Rows are produced page by page from ``package_search``, so memory does not grow with the
number of datasets; the XLSX workbook is written in openpyxl's write-only mode to a
temporary file.
"""
from __future__ import annotations

import csv
import io

from ckanext.migration import facets, quality, vocab, xlsx

PAGE_SIZE = 500
SEP = "; "
# coded fields -> vocabulary naming their values (None: the facet labels, facets.value_label)
CODED = (("topics", None), ("gcm_objectives", None), ("source_type", None),
         ("frequency", "frequencies"), ("freshness", None), ("countries", None),
         ("regions", None), ("population_covered", None),
         ("unit_of_observation", "units_of_observation"),
         ("geographic_granularity", "geographic_granularity"), ("disaggregation", None),
         ("caveat_flags", "caveat_flags"))
_PLAIN_HEAD = ("name", "title", "catalogue_url", "organization", "organization_title",
               "license_id", "license_title", "producer", "source_platform", "identifier",
               "original_page", "collection_start", "collection_end",
               "last_updated_at_source", "transparency_score", "transparency_missing")
_PLAIN_TAIL = ("sample_size", "caveats", "resource_formats", "metadata_modified")
COLUMNS = _PLAIN_HEAD + tuple(c for f, _v in CODED for c in (f, f + "_label")) + _PLAIN_TAIL
# spreadsheet formula triggers (OWASP CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _codes(field, value):
    """The codes of a (single- or multi-valued) field; frequency URIs become EU codes."""
    values = value if isinstance(value, list) else [value] if value not in (None, "") else []
    if field == "frequency":
        freq = vocab.get_vocabulary("frequencies")
        values = [getattr(freq.by_uri(v), "code", v) for v in values]
    return [str(v) for v in values]


def _label(field, vocabulary, code):
    if vocabulary is None:
        return facets.value_label(field, code)
    return vocab.get_vocabulary(vocabulary).label(code, code)


def _period(periods):
    """(earliest start, latest end) of the collection periods, as given (dates or years)."""
    periods = [p for p in periods or [] if isinstance(p, dict)]
    starts = sorted(str(p["start"]) for p in periods if p.get("start"))
    ends = sorted(str(p["end"]) for p in periods if p.get("end"))
    return (starts[0] if starts else "", ends[-1] if ends else "")


def row(pkg: dict, dataset_url) -> list:
    """The export row of a dataset dict (as package_search returns it), in COLUMNS order."""
    if "freshness" not in pkg:
        pkg = dict(pkg, **quality.computed_fields(pkg))
    org = pkg.get("organization") or {}
    start, end = _period(pkg.get("temporal_coverage"))
    formats = sorted({r["format"] for r in pkg.get("resources") or [] if r.get("format")})
    values = [
        pkg.get("name"), pkg.get("title"), dataset_url(pkg["name"]), org.get("name"),
        org.get("title"), pkg.get("license_id"), pkg.get("license_title"),
        SEP.join(c["name"] for c in pkg.get("creator") or []
                 if isinstance(c, dict) and c.get("name")),
        pkg.get("source_platform"), pkg.get("identifier"), pkg.get("url"), start, end,
        pkg.get("modified"), pkg.get("transparency_score"),
        SEP.join(pkg.get("transparency_missing") or []),
    ]
    for field, vocabulary in CODED:
        codes = _codes(field, pkg.get(field))
        values += [SEP.join(codes), SEP.join(_label(field, vocabulary, c) for c in codes)]
    values += [pkg.get("sample_size"), pkg.get("caveats"), SEP.join(formats),
               pkg.get("metadata_modified")]
    return ["" if v is None else v for v in values]


def pages(search, params: dict, first: dict):
    """The results of ``first`` (page 1 of ``params``), then of the next pages, page by page.

    ``search(data_dict)`` is package_search; only the ``first["count"]`` datasets counted when
    the export started are read.
    """
    yield first["results"]
    for start in range(PAGE_SIZE, first["count"], PAGE_SIZE):
        results = search(dict(params, start=start, rows=PAGE_SIZE))["results"]
        if not results:
            return
        yield results


def _safe_text(value):
    """A CSV cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_chunks(batches, dataset_url):
    """UTF-8 CSV, a header then one chunk of rows per batch of datasets."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for batch in batches:
        writer.writerows([_safe_text(v) for v in row(pkg, dataset_url)] for pkg in batch)
        yield buf.getvalue().encode("utf-8")
        buf.seek(0)
        buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode("utf-8")


def xlsx_file(batches, dataset_url):
    """A temporary file (at position 0) holding the workbook; the caller closes it."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("datasets")
    sheet.freeze_panes = "A2"
    text = xlsx.text_converter(sheet)

    def cell(value):
        return text(value) if isinstance(value, str) else value

    sheet.append(COLUMNS)
    for batch in batches:
        for pkg in batch:
            sheet.append([cell(v) for v in row(pkg, dataset_url)])
    return xlsx.save(workbook)
