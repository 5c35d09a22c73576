"""POST /harvest/test-source: "test this source" on the harvest source form, a dry run
(``migration_harvest_source_test``) answered as an HTML fragment the form shows, or as
JSON (?format=json or ``Accept: application/json``)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

import ckan.plugins.toolkit as tk

harvest_source_form = Blueprint("migration_harvest_source_form", __name__)
FIELDS = ("source_type", "url", "config", "owner_org", "limit")


def _wants_json() -> bool:
    if request.args.get("format") == "json":
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) \
        == "application/json"


def test_source():
    as_json = _wants_json()
    data_dict = {k: request.form.get(k) for k in FIELDS if request.form.get(k) is not None}
    if request.is_json:
        data_dict = {k: v for k, v in (request.get_json(silent=True) or {}).items()
                     if k in FIELDS}
    user = tk.current_user.name if tk.current_user.is_authenticated else ""
    result, errors, status = None, {}, 200
    try:
        result = tk.get_action("migration_harvest_source_test")({"user": user}, data_dict)
    except tk.NotAuthorized as e:
        if as_json:
            return jsonify({"success": False, "error": {"message": str(e)}}), 403
        return tk.abort(403, str(e))
    except tk.ValidationError as e:
        errors, status = e.error_dict, 400
    if as_json:
        if errors:
            return jsonify({"success": False, "error": errors}), status
        return jsonify({"success": True, "result": result})
    return tk.render("migration/harvest_source_form/test_result.html",
                     {"result": result, "errors": errors}), status


harvest_source_form.add_url_rule("/harvest/test-source", view_func=test_source,
                                 methods=["POST"])
