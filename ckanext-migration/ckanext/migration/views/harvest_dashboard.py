"""/harvest/dashboard: the harvest sources a sysadmin or organisation admin/editor manages,
their last job, datasets and trend (``migration_harvest_dashboard``); ?format=json or an
``Accept: application/json`` header gives the action's answer."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

import ckan.plugins.toolkit as tk
from ckan import authz

from ckanext.migration import quality
from ckanext.migration.harvesting import dashboard as logic

harvest_dashboard = Blueprint("migration_harvest_dashboard", __name__)


def _wants_json() -> bool:
    if request.args.get("format") == "json":
        return True
    # a browser's */* prefers the page
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) \
        == "application/json"


def index():
    as_json = _wants_json()
    user = tk.current_user.name if tk.current_user.is_authenticated else ""
    data_dict = {"filter": request.args.getlist("filter") or None,
                 "jobs": request.args.get("jobs")}
    try:
        result = tk.get_action("migration_harvest_dashboard")({"user": user}, data_dict)
    except tk.NotAuthorized as e:
        if as_json:
            return jsonify({"success": False, "error": {"message": str(e)}}), 403
        return tk.abort(403, str(e))
    except tk.ValidationError as e:
        if as_json:
            return jsonify({"success": False, "error": e.error_dict}), 400
        return tk.abort(400, " ".join("%s: %s" % (k, " ".join(v))
                                      for k, v in e.error_dict.items()))
    if as_json:
        return jsonify({"success": True, "result": result})
    for row in result["sources"]:
        row["chart"] = logic.trend_chart(row["trend"])
        if row["last_job"]:
            row["last_job"]["duration"] = duration(row["last_job"]["duration_seconds"])
    return tk.render("migration/harvest_dashboard/index.html", {
        "result": result, "filter_names": logic.FILTERS, "everything": authz.is_sysadmin(user),
        "freshness_labels": {k: tk._(v) for k, v in quality.FRESHNESS_LABELS.items()}})


def duration(seconds) -> str:
    """A job's duration, readable: 45 s, 3 min 5 s, 2 h 10 min."""
    if seconds is None:
        return ""
    if seconds < 60:
        return tk._("{s} s").format(s=seconds)
    if seconds < 3600:
        return tk._("{m} min {s} s").format(m=seconds // 60, s=seconds % 60)
    return tk._("{h} h {m} min").format(h=seconds // 3600, m=seconds % 3600 // 60)


harvest_dashboard.add_url_rule("/harvest/dashboard", view_func=index, endpoint="index")
