"""Auth of restricted datasets. ``resource_show`` is chained: CKAN's DataStore auth
(datastore_search, datastore_info, /datastore/dump) and the resource download call it, so
one check withholds files and rows. The request actions: any logged-in user asks; the
owning organisation's admins (and sysadmins, whom CKAN lets through first) decide."""
import ckan.plugins.toolkit as tk
from ckan import authz, model

from ckanext.migration import access


def restricted_message() -> str:
    return tk._("This dataset's data files are restricted: request access on the dataset page")


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def resource_show(next_auth, context, data_dict):
    result = next_auth(context, data_dict)
    if not result.get("success"):
        return result
    resource = context.get("resource") or model.Resource.get(
        (data_dict or {}).get("id") or (data_dict or {}).get("resource_id") or "")
    if resource is None:
        return result
    pkg = model.Package.get(resource.package_id)
    user = context.get("auth_user_obj") or context.get("user")
    if pkg is not None and not access.can_access_data(user, pkg):
        return {"success": False, "msg": restricted_message()}
    return result


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def resource_view_list(next_auth, context, data_dict):
    """Which views a resource has is metadata: the resource page of a restricted dataset
    lists none of them (templates), but loads; each view's content stays withheld
    (resource_view_show goes through resource_show)."""
    result = next_auth(context, data_dict)
    if result.get("success"):
        return result
    resource = context.get("resource") or model.Resource.get((data_dict or {}).get("id") or "")
    if resource is not None and access.is_restricted(model.Package.get(resource.package_id)):
        return authz.is_authorized("package_show", dict(context), {"id": resource.package_id})
    return result


def is_org_admin(user, pkg) -> bool:
    """Admin of the dataset's organisation, or sysadmin."""
    account = access._user(user)
    if account is None:
        return False
    if account.sysadmin:
        return True
    return bool(pkg is not None and pkg.owner_org and authz.users_role_for_group_or_org(
        pkg.owner_org, account.name) == "admin")


def migration_access_request_create(context, data_dict):
    if not context.get("user"):
        return {"success": False, "msg": tk._("Log in to request access")}
    return authz.is_authorized("package_show", dict(context),
                               {"id": (data_dict or {}).get("package_id")})


def migration_access_request_show(context, data_dict):
    # the action checks that the caller is the requester or decides on it
    return {"success": bool(context.get("user")),
            "msg": tk._("Log in to see access requests")}


def migration_access_request_list(context, data_dict):
    # results are limited to the caller's own requests and the organisations they admin
    return {"success": bool(context.get("user")),
            "msg": tk._("Log in to see access requests")}


def migration_access_request_decide(context, data_dict):
    from ckanext.migration.access.tables import AccessRequest
    req = model.Session.get(AccessRequest, (data_dict or {}).get("id") or "")
    pkg = model.Package.get(req.package_id) if req is not None else None
    if pkg is not None and is_org_admin(context.get("user"), pkg):
        return {"success": True}
    return {"success": False, "msg": tk._(
        "Only the admins of the dataset's organisation decide on access requests")}


migration_access_request_revoke = migration_access_request_decide


def migration_access_audit_list(context, data_dict):
    from ckanext.migration.access.logic import admin_org_ids
    if context.get("user") and admin_org_ids(context["user"]):
        return {"success": True}
    return {"success": False, "msg": tk._(
        "Only sysadmins and organisation admins see the access audit")}


def get_auth_functions() -> dict:
    return {"resource_show": resource_show, "resource_view_list": resource_view_list,
            "migration_access_request_create": migration_access_request_create,
            "migration_access_request_show": migration_access_request_show,
            "migration_access_request_list": migration_access_request_list,
            "migration_access_request_decide": migration_access_request_decide,
            "migration_access_request_revoke": migration_access_request_decide,
            "migration_access_audit_list": migration_access_audit_list}
