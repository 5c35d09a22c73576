"""The chart and map resource views (IResourceView plugins ``migration_chart_view`` and
``migration_map_view``): drawn on the server as SVG, no script needed."""
from __future__ import annotations

import logging

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.migration.resource_views import build, columns, datastore
from ckanext.migration.translation import N_

log = logging.getLogger(__name__)
_ignore_missing = tk.get_validator("ignore_missing")
_unicode_safe = tk.get_validator("unicode_safe")
_natural_number = tk.get_validator("natural_number_validator")


def _user_context() -> dict:
    # the reader's rights decide what datastore_search returns (private datasets)
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


class _DataStoreView(p.SingletonPlugin):
    p.implements(p.IConfigurer, inherit=True)
    p.implements(p.IResourceView, inherit=True)

    view_type = title = icon = ""
    settings = ()

    def update_config(self, config_):
        # the templates are the migration plugin's; adding its directory again from here
        # would move it after other extensions' and break its overrides of theirs
        if not p.plugin_loaded("migration"):
            tk.add_template_directory(config_, "../templates")

    def info(self):
        return {"name": self.view_type, "title": tk._(self.title), "icon": self.icon,
                "default_title": tk._(self.title), "requires_datastore": True,
                "iframed": False, "filterable": False, "preview_enabled": False,
                "schema": {key: [_ignore_missing, _natural_number] if key == "series_count"
                           else [_ignore_missing, _unicode_safe] for key in self.settings}}

    def can_view(self, data_dict):
        resource = data_dict["resource"]
        if not resource.get("datastore_active"):
            return False
        try:
            fields, rows = datastore.sample(resource["id"])
        except (tk.ObjectNotFound, tk.ValidationError):
            return False
        return self.drawable(columns.detect(fields, rows))

    def drawable(self, found: columns.Columns) -> bool:
        raise NotImplementedError

    def compute(self, resource, view, context) -> dict:
        raise NotImplementedError

    def setup_template_variables(self, context, data_dict):
        try:
            return {"drawn": self.compute(data_dict["resource"], data_dict["resource_view"],
                                          _user_context())}
        except build.ViewProblem as problem:
            return {"problem": str(problem)}
        except tk.NotAuthorized:
            return {"problem": tk._("You are not allowed to read this data.")}

    def form_template(self, context, data_dict):
        return "migration/resource_views/form.html"


class ChartView(_DataStoreView):
    """Sum of a numeric column by period, one line per top series (by default the
    countries), for DataStore tables with a time column."""
    view_type, title, icon = "migration_chart_view", N_("Chart over time"), "chart-line"
    settings = ("time_column", "value_column", "series_column", "series_count")

    def drawable(self, found):
        return bool(found.time and found.value)

    def compute(self, resource, view, context):
        return build.chart(resource, view, context)

    def view_template(self, context, data_dict):
        return "migration/resource_views/chart.html"


class MapView(_DataStoreView):
    """A world map of the latest period's figure per country, for DataStore tables with a
    country column (ISO codes or names)."""
    view_type, title, icon = "migration_map_view", N_("Map"), "globe"
    settings = ("time_column", "value_column", "country_column")

    def drawable(self, found):
        return bool(found.country and found.value)

    def compute(self, resource, view, context):
        return build.world(resource, view, context)

    def view_template(self, context, data_dict):
        return "migration/resource_views/map.html"
