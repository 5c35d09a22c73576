"""/compare?ids=a,b,c: datasets a visitor picked, side by side (``migration_compare``)."""
from __future__ import annotations

from flask import Blueprint, request

import ckan.plugins.toolkit as tk

compare = Blueprint("migration_compare", __name__)


def index():
    # ids=a,b and ids=a&ids=b (the search page's checkboxes) alike
    given = [v for v in request.args.getlist("ids") if v.strip()]
    if not given:
        return tk.render("migration/compare/index.html", {"result": None, "error": None})
    user = tk.current_user.name if tk.current_user.is_authenticated else ""
    try:
        result = tk.get_action("migration_compare")({"user": user}, {"ids": given})
    except tk.ValidationError as e:
        error = " ".join(" ".join(v) for v in e.error_dict.values())
        return tk.render("migration/compare/index.html",
                         {"result": None, "error": error}), 400
    return tk.render("migration/compare/index.html", {"result": result, "error": None})


compare.add_url_rule("/compare", view_func=index, endpoint="index")
