"""GCM objective pages: /objective/ (the 23 objectives) and /objective/<n>."""
from flask import Blueprint

import ckan.plugins.toolkit as tk

objective = Blueprint("migration_objective", __name__)


def index():
    overview = tk.get_action("migration_overview")({}, {"recent": 0})
    return tk.render("migration/objective/index.html", {"overview": overview})


def read(id):
    try:
        data = tk.get_action("migration_objective_show")({}, {"id": id})
    except tk.ObjectNotFound as e:
        return tk.abort(404, str(e))
    if id != data["code"]:
        return tk.redirect_to("migration_objective.read", id=data["code"])
    return tk.render("migration/objective/read.html", {"objective": data})


objective.add_url_rule("/objective/", view_func=index, endpoint="index")
objective.add_url_rule("/objective/<id>", view_func=read, endpoint="read")
