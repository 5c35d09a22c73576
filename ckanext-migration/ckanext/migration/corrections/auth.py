"""Auth of the corrections. Seeing a correction is seeing its dataset (the actions answer
"not found" instead of "not authorised", so a private dataset's corrections stay unknown);
changing its status is for the organisation's editors and admins."""
import ckan.plugins.toolkit as tk
from ckan import authz, model


def _can_see(context, package_id) -> dict:
    return authz.is_authorized("package_show", dict(context), {"id": package_id})


@tk.auth_allow_anonymous_access
def correction_create(context, data_dict):
    if not context.get("user") and not tk.config.get(
            "ckanext.migration.corrections.allow_anonymous"):
        return {"success": False, "msg": tk._("Log in to report a problem")}
    return _can_see(context, data_dict.get("package_id"))


@tk.auth_allow_anonymous_access
def correction_show(context, data_dict):
    return _can_see(context, data_dict.get("package_id"))


@tk.auth_allow_anonymous_access
def correction_list(context, data_dict):
    # results are filtered by what the caller may see
    return {"success": True}


def correction_update(context, data_dict):
    from ckanext.migration.corrections.logic import is_publisher
    from ckanext.migration.corrections.tables import Correction
    user = context.get("user")
    pkg = model.Package.get(data_dict.get("package_id") or "")
    if pkg is not None and is_publisher(user, pkg):
        return {"success": True}
    if data_dict.get("publishing"):
        return {"success": False, "msg": tk._(
            "Only the dataset's organisation editors and admins answer corrections")}
    correction = model.Session.get(Correction, data_dict.get("id") or "")
    account = model.User.get(user) if user else None
    if correction is not None and account is not None and correction.user_id == account.id:
        return {"success": True}
    return {"success": False, "msg": tk._("Only the reporter and the dataset's publishers "
                                          "comment on a correction")}


def get_auth_functions() -> dict:
    return {f.__name__: f for f in (correction_create, correction_show, correction_list,
                                    correction_update)}
