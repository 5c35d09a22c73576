"""Restricted-data pages: the request form of a dataset (/dataset/<id>/request-access),
the requests to decide or follow (/access-requests) and the audit trail
(/access-requests/audit, ``?format=csv``). The blueprint also records what grantees
download (:func:`record_download`)."""
from __future__ import annotations

import csv
import io
import logging

from flask import Blueprint, Response

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.migration import access
from ckanext.migration.access.tables import EVENTS
from ckanext.migration.views.pages import context, dataset_or_404

log = logging.getLogger(__name__)

access_bp = Blueprint("migration_access", __name__)
REQUEST_FIELDS = ("requester_name", "email", "organisation", "purpose", "intended_use",
                  "wanted_from", "wanted_until")
AUDIT_FILTERS = ("package_id", "user", "event", "date_from", "date_to")


def _request_page(pkg, form=None, errors=None, status=200):
    mine = []
    if tk.current_user.is_authenticated:
        mine = tk.get_action("migration_access_request_list")(
            context(), {"package_id": pkg["id"], "mine": True})
    if form is None:
        account = tk.current_user if tk.current_user.is_authenticated else None
        form = {"requester_name": getattr(account, "fullname", "") or "",
                "email": getattr(account, "email", "") or "",
                "wanted_from": access.today().isoformat()}
    return tk.render("migration/access/request.html", {
        "pkg": pkg, "pkg_dict": pkg, "form": form, "errors": errors or {},
        "requests": mine, "restricted": access.is_restricted(pkg),
        "has_access": access.can_access_data(tk.current_user, pkg),
        "pending": any(r["status"] == "pending" for r in mine),
        "anonymous": not tk.current_user.is_authenticated,
        "max_days": tk.config.get("ckanext.migration.access.max_days"),
    }), status


def request_access(id):
    pkg = dataset_or_404(id)
    if tk.request.method != "POST":
        return _request_page(pkg)
    form = {k: tk.request.form.get(k, "") for k in REQUEST_FIELDS}
    try:
        tk.get_action("migration_access_request_create")(
            context(), dict(form, package_id=pkg["id"]))
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e))
    except tk.ValidationError as e:
        return _request_page(pkg, form, e.error_dict, 400)
    tk.h.flash_success(tk._("Your request was sent to the dataset's publisher"))
    return tk.redirect_to(tk.url_for("migration_access.request", id=pkg["name"]))


def _login_or_403():
    if not tk.current_user.is_authenticated:
        return tk.redirect_to(tk.url_for("user.login", came_from=tk.request.full_path))
    return None


def requests(errors=None, failed_id=None, status=200):
    redirect = _login_or_403()
    if redirect:
        return redirect
    args = tk.request.args
    filters = {k: args.get(k, "") for k in ("status", "package_id")}
    try:
        found = tk.get_action("migration_access_request_list")(
            context(), {k: v for k, v in filters.items() if v})
    except tk.ValidationError as e:
        errors, found, status = e.error_dict, [], 400
    from ckanext.migration.access.logic import admin_org_ids
    return tk.render("migration/access/requests.html", {
        "requests": found, "filters": filters, "errors": errors or {},
        "failed_id": failed_id, "admin_orgs": admin_org_ids(tk.current_user.name),
        "user_id": tk.current_user.id,
    }), status


def decide(request_id):
    form = {k: tk.request.form.get(k, "") for k in ("decision", "granted_from",
                                                    "granted_until", "message")}
    action = "migration_access_request_revoke" if form["decision"] == "revoke" \
        else "migration_access_request_decide"
    try:
        tk.get_action(action)(context(), dict({k: v for k, v in form.items() if v},
                                               id=request_id))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Access request not found"))
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e))
    except tk.ValidationError as e:
        return requests(errors=e.error_dict, failed_id=request_id, status=400)
    tk.h.flash_success(tk._("The decision was saved and the requester told"))
    return tk.redirect_to(tk.url_for("migration_access.requests"))


def audit():
    redirect = _login_or_403()
    if redirect:
        return redirect
    args = tk.request.args
    filters = {k: args.get(k, "") for k in AUDIT_FILTERS}
    errors, rows, status = {}, [], 200
    try:
        rows = tk.get_action("migration_access_audit_list")(
            context(), {k: v for k, v in filters.items() if v})
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e))
    except tk.ValidationError as e:
        errors, status = e.error_dict, 400
    if args.get("format") == "csv" and not errors:
        from ckanext.migration.access.logic import AUDIT_COLUMNS
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(AUDIT_COLUMNS)
        for row in rows:
            writer.writerow([row.get(c) or "" for c in AUDIT_COLUMNS])
        return Response(out.getvalue(), mimetype="text/csv", headers={
            "Content-Disposition": "attachment; filename=access-audit.csv"})
    return tk.render("migration/access/audit.html", {
        "rows": rows, "filters": filters, "errors": errors, "events": EVENTS,
    }), status


# what a grantee's successful request reads: endpoint -> audit event
DOWNLOADS = {"resource.download": "download", "dataset_resource.download": "download",
             "datastore.dump": "download"}
API_READS = ("datastore_search", "datastore_search_sql")


def _resource_id():
    view_args = tk.request.view_args or {}
    if tk.request.endpoint in DOWNLOADS:
        return DOWNLOADS[tk.request.endpoint], view_args.get("resource_id")
    if tk.request.endpoint == "api.action" and view_args.get("logic_function") == \
            "datastore_search":
        body = tk.request.get_json(silent=True) if tk.request.method == "POST" else None
        rid = (body or {}).get("resource_id") if isinstance(body, dict) else None
        return "datastore", rid or tk.request.args.get("resource_id")
    return None, None


@access_bp.after_app_request
def record_download(response):
    """Audit a grantee's successful download or DataStore read of a restricted dataset
    (members and sysadmins read as publishers: not recorded)."""
    if response.status_code >= 400 or not tk.current_user.is_authenticated:
        return response
    try:
        event, rid = _resource_id()
        if not event or not rid:
            return response
        res = model.Resource.get(str(rid))
        pkg = model.Package.get(res.package_id) if res is not None else None
        grant = access.access_via_grant(tk.current_user, pkg) if pkg is not None else None
        if grant is not None:
            from ckanext.migration.access.logic import record
            fmt = tk.request.args.get("format")
            record(pkg.id, event, user_id=grant.user_id, actor_id=grant.user_id,
                   request_id=grant.id, resource_id=res.id,
                   detail=tk.request.path + ("?format=" + fmt if fmt else ""))
    except Exception:      # the download was served: a failed audit write must not undo it
        log.exception("access audit: download not recorded")
    return response


access_bp.add_url_rule("/dataset/<id>/request-access", view_func=request_access,
                       endpoint="request", methods=["GET", "POST"])
access_bp.add_url_rule("/access-requests", view_func=requests, endpoint="requests")
access_bp.add_url_rule("/access-requests/<request_id>/decide", view_func=decide,
                       endpoint="decide", methods=["POST"])
access_bp.add_url_rule("/access-requests/audit", view_func=audit, endpoint="audit")
