"""The broken-links report: what `ckan migration check-links` found broken, grouped by
producer, for sysadmins (every dataset) and organisation admins (their organisations')."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response

import ckan.plugins.toolkit as tk
from ckan import authz

from ckanext.migration import linkcheck
from ckanext.migration.export import _safe_text
from ckanext.migration.logic.auth import report_organizations

links = Blueprint("migration_links", __name__)


def _report() -> tuple:
    """(the report, whether it covers every dataset) for the logged-in user."""
    user = tk.current_user.name if tk.current_user.is_authenticated else ""
    try:
        tk.check_access("migration_broken_links_report", {"user": user})
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e)), False
    everything = authz.is_sysadmin(user)
    data_dict = {} if everything else {"organizations": report_organizations(user)}
    return tk.get_action("migration_broken_links")({"user": user}, data_dict), everything


def report():
    data, everything = _report()
    return tk.render("migration/links/report.html", {"report": data, "everything": everything})


def as_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(linkcheck.CSV_COLUMNS)
    for group in _report()[0]["producers"]:
        for link in group["links"]:
            writer.writerow([_safe_text(v) for v in [group["producer"]] + [
                link[c] for c in linkcheck.CSV_COLUMNS[1:]]])
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": "attachment; filename=broken-links.csv"})


links.add_url_rule("/report/broken-links", view_func=report, endpoint="report")
links.add_url_rule("/report/broken-links.csv", view_func=as_csv, endpoint="csv")
