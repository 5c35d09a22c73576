"""The coverage-gap view: countries x GCM objectives, as a page, CSV and XLSX."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, request

import ckan.plugins.toolkit as tk

from ckanext.migration import overview

coverage = Blueprint("migration_coverage", __name__)
FILTERS = ("region", "producer", "freshness", "min_score")


def _coverage():
    params = {k: request.args.get(k) for k in FILTERS if request.args.get(k)}
    try:
        return params, tk.get_action("migration_coverage")({}, params)
    except tk.ValidationError as e:
        reasons = "; ".join("%s: %s" % (k, " ".join(v)) for k, v in e.error_dict.items())
        return params, tk.abort(400, tk._("Bad coverage filter: %s") % reasons)


def index():
    params, data = _coverage()
    producers = overview.facet_counts(overview.search(**{"facet.field": ["producer"]}))
    return tk.render("migration/coverage/index.html", {
        "coverage": data, "params": params,
        "producers": sorted(producers.get("producer", {}))})


def table(data: dict) -> list:
    """The matrix as rows of cells: a header, then one row per country."""
    head = ["ISO3", tk._("Country"), tk._("Region"), tk._("Sub-region")] + [
        "%s. %s" % (o["code"], o["label"]) for o in data["objectives"]]
    rows = [head]
    for row in data["rows"]:
        rows.append([row["iso3"], row["name"], row["region_label"], row["subregion_label"]]
                    + [row["cells"][o["code"]] for o in data["objectives"]])
    return rows


def as_csv():
    _params, data = _coverage()
    out = io.StringIO()
    csv.writer(out).writerows(table(data))
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": "attachment; filename=migration-coverage.csv"})


def as_xlsx():
    from openpyxl import Workbook
    _params, data = _coverage()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(tk._("Coverage"))
    for row in table(data):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(), headers={
        "Content-Disposition": "attachment; filename=migration-coverage.xlsx"},
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


coverage.add_url_rule("/coverage", view_func=index, endpoint="index")
coverage.add_url_rule("/coverage.csv", view_func=as_csv, endpoint="csv")
coverage.add_url_rule("/coverage.xlsx", view_func=as_xlsx, endpoint="xlsx")
