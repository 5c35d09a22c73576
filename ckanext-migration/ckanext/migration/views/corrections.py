"""Corrections pages: a dataset's thread (/dataset/<id>/corrections) with the report form
and the publishers' answer forms, and the site-wide list (/corrections) with filters."""
from __future__ import annotations

from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.migration.corrections.tables import KINDS, STATUSES
from ckanext.migration.views.pages import context, dataset_or_404

corrections = Blueprint("migration_corrections", __name__)
PER_PAGE = 25
REPORT_FIELDS = ("kind", "description", "field", "resource_id", "evidence_url",
                 "reporter_email")


def _thread(pkg: dict, form=None, errors=None, status=200, answer_errors=None):
    found = tk.get_action("correction_list")(context(), {"package_id": pkg["id"],
                                                         "limit": 100})
    try:
        can_report = tk.check_access("correction_create", context(),
                                     {"package_id": pkg["id"]})
    except tk.NotAuthorized:
        can_report = False
    return tk.render("migration/corrections/thread.html", {
        "pkg": pkg, "pkg_dict": pkg, "corrections": found, "form": form or {},
        "errors": errors or {}, "answer_errors": answer_errors or {},
        "can_report": can_report,
        "anonymous": not tk.current_user.is_authenticated,
    }), status


def thread(id):
    return _thread(dataset_or_404(id))


def report(id):
    pkg = dataset_or_404(id)
    form = {k: tk.request.form.get(k, "") for k in REPORT_FIELDS}
    try:
        made = tk.get_action("correction_create")(context(), dict(form, package_id=pkg["id"]))
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e))
    except tk.ValidationError as e:
        return _thread(pkg, form, e.error_dict, 400)
    tk.h.flash_success(tk._("Thank you: your report was sent to the publisher"))
    return tk.redirect_to(tk.url_for("migration_corrections.thread", id=pkg["name"])
                          + "#correction-" + made["id"])


def update(id, correction_id):
    pkg = dataset_or_404(id)
    form = {k: tk.request.form.get(k, "") for k in ("status", "answer", "comment")}
    try:
        tk.get_action("correction_update")(context(), dict(
            {k: v for k, v in form.items() if v}, id=correction_id))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Correction not found"))
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e))
    except tk.ValidationError as e:
        return _thread(pkg, answer_errors={correction_id: e.error_dict}, status=400)
    tk.h.flash_success(tk._("The correction was updated"))
    return tk.redirect_to(tk.url_for("migration_corrections.thread", id=pkg["name"])
                          + "#correction-" + correction_id)


def index():
    args = tk.request.args
    filters = {k: args.get(k, "") for k in ("organization", "status", "kind",
                                            "older_than_days")}
    try:
        page = max(1, int(args.get("page", 1)))
    except ValueError:
        page = 1
    errors = {}
    try:
        found = tk.get_action("correction_list")(context(), dict(
            {k: v for k, v in filters.items() if v}, limit=PER_PAGE,
            offset=(page - 1) * PER_PAGE))
    except tk.ValidationError as e:
        errors, found = e.error_dict, {"count": 0, "results": []}
    orgs = tk.get_action("organization_list")({}, {"all_fields": True, "limit": 1000})
    return tk.render("migration/corrections/index.html", {
        "corrections": found, "filters": filters, "errors": errors, "page": page,
        "per_page": PER_PAGE, "organizations": orgs, "kinds": KINDS, "statuses": STATUSES,
    }), 400 if errors else 200


corrections.add_url_rule("/dataset/<id>/corrections", view_func=thread, endpoint="thread")
corrections.add_url_rule("/dataset/<id>/corrections/new", view_func=report,
                         endpoint="report", methods=["POST"])
corrections.add_url_rule("/dataset/<id>/corrections/<correction_id>", view_func=update,
                         endpoint="update", methods=["POST"])
corrections.add_url_rule("/corrections", view_func=index, endpoint="index")
