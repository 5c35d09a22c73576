"""Country pages: /country/ (every country with datasets) and /country/<ISO3>."""
from flask import Blueprint

import ckan.plugins.toolkit as tk

country = Blueprint("migration_country", __name__)


def index():
    overview = tk.get_action("migration_overview")({}, {"recent": 0})
    return tk.render("migration/country/index.html", {"overview": overview})


def read(id):
    try:
        data = tk.get_action("migration_country_show")({}, {"id": id})
    except tk.ObjectNotFound as e:
        return tk.abort(404, str(e))
    if id != data["iso3"]:
        return tk.redirect_to("migration_country.read", id=data["iso3"])
    return tk.render("migration/country/read.html", {"country": data})


country.add_url_rule("/country/", view_func=index, endpoint="index")
country.add_url_rule("/country/<id>", view_func=read, endpoint="read")
