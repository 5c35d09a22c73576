"""Auth functions: the front door's actions read public counts only, so anyone may call them;
the broken-links report page is for sysadmins and organisation admins."""
import ckan.plugins.toolkit as tk


@tk.auth_allow_anonymous_access
def _public(context, data_dict):
    return {"success": True}


def migration_broken_links_report(context, data_dict):
    """The broken-links report page: sysadmins (CKAN lets them through before this) and
    organisation admins, who see their organisations' datasets there."""
    user = context.get("user")
    if user and report_organizations(user):
        return {"success": True}
    return {"success": False,
            "msg": tk._("Only sysadmins and organisation admins see the broken-links report")}


def report_organizations(user_name: str) -> list:
    """Ids of the organisations whose broken links the user's report shows."""
    orgs = tk.get_action("organization_list_for_user")(
        {"user": user_name, "ignore_auth": True},
        {"id": user_name, "permission": "admin", "include_dataset_count": False})
    return [o["id"] for o in orgs]


@tk.auth_allow_anonymous_access  # to say who may, rather than "log in"
def migration_harvest_dashboard(context, data_dict):
    """The harvest dashboard: sysadmins (CKAN lets them through before this) and the
    admins and editors of an organisation, who may update its harvest sources."""
    from ckanext.migration.harvesting.dashboard import manageable_organizations
    if manageable_organizations(context.get("user") or ""):
        return {"success": True}
    return {"success": False,
            "msg": tk._("Only sysadmins and the admins and editors of an organisation "
                        "see the harvest dashboard")}


def migration_harvest_source_test(context, data_dict):
    """Testing a harvest source: whoever may create one in an organisation (the given
    one, else any: a site that allows unowned datasets does not open this to everyone)."""
    from ckan import authz
    user, owner_org = context.get("user") or "", (data_dict or {}).get("owner_org")
    try:
        tk.check_access("harvest_source_create", dict(context), {"owner_org": owner_org})
        if owner_org or authz.has_user_permission_for_some_org(user, "create_dataset"):
            return {"success": True}
    except tk.NotAuthorized:
        pass
    return {"success": False, "msg": tk._("Only those who may create harvest sources "
                                          "may test one")}


def get_auth_functions() -> dict:
    public = {name: _public for name in ("migration_overview", "migration_country_show",
                                         "migration_objective_show", "migration_coverage",
                                         # results are filtered by what the caller may see
                                         "migration_broken_links", "migration_compare",
                                         "migration_handbook")}
    from ckanext.migration.corrections.auth import get_auth_functions as corrections_auth
    from ckanext.migration.access.auth import get_auth_functions as access_auth
    return dict(public, migration_broken_links_report=migration_broken_links_report,
                migration_harvest_dashboard=migration_harvest_dashboard,
                migration_harvest_source_test=migration_harvest_source_test,
                **corrections_auth(), **access_auth())
