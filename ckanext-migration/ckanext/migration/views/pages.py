"""What page families share: the caller's context, a dataset page's dataset (404 when the
caller may not see it), and for the country and objective families an index drawn from the
overview counts and a page per entity with a canonical id."""
from flask import Blueprint

import ckan.plugins.toolkit as tk


def context() -> dict:
    """The logged-in visitor's action context (anonymous: no user)."""
    user = tk.current_user.name if tk.current_user.is_authenticated else ""
    return {"user": user}


def dataset_or_404(id: str) -> dict:
    """The dataset as its page shows it, or a 404 alike for missing and hidden ones."""
    try:
        return tk.get_action("package_show")(dict(context(), for_view=True), {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Dataset not found"))


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
