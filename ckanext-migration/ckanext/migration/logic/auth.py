"""Auth functions: the front door's actions read public counts only, so anyone may call them."""
import ckan.plugins.toolkit as tk


@tk.auth_allow_anonymous_access
def _public(context, data_dict):
    return {"success": True}


def get_auth_functions() -> dict:
    return {name: _public for name in ("migration_overview", "migration_country_show",
                                       "migration_objective_show", "migration_coverage",
                                       # results are filtered by what the caller may see
                                       "migration_broken_links")}
