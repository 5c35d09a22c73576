"""What the country and objective page families share: an index drawn from the overview
counts, and a page per entity with a canonical id."""
from flask import Blueprint

import ckan.plugins.toolkit as tk


def entity_blueprint(family: str, action: str, key: str) -> Blueprint:
    """``/<family>/`` and ``/<family>/<id>`` (templates ``migration/<family>/index.html``
    and ``read.html``). An unknown id is a 404 with the action's suggestion; another
    spelling of a known one redirects to the canonical id ("sen" -> "SEN", "01" -> "1")."""
    blueprint = Blueprint("migration_" + family, __name__)

    def index():
        overview = tk.get_action("migration_overview")({}, {"recent": 0})
        return tk.render("migration/%s/index.html" % family, {"overview": overview})

    def read(id):
        try:
            data = tk.get_action(action)({}, {"id": id})
        except tk.ObjectNotFound as e:
            return tk.abort(404, str(e))
        if id != data[key]:
            return tk.redirect_to("migration_%s.read" % family, id=data[key])
        return tk.render("migration/%s/read.html" % family, {family: data})

    blueprint.add_url_rule("/%s/" % family, view_func=index, endpoint="index")
    blueprint.add_url_rule("/%s/<id>" % family, view_func=read, endpoint="read")
    return blueprint
