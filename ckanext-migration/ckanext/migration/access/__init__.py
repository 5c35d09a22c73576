"""Restricted datasets: the description is public, the data files are shared on request.

A dataset is restricted when its ``access_rights`` is the EU authority's RESTRICTED or
NON_PUBLIC and it is not private (private datasets keep CKAN's rules). Its resources'
files, links and DataStore rows are for :func:`can_access_data` only: sysadmins, members
of the owning organisation and requesters whose approved grant covers today.

Modules: ``tables``, ``logic`` (actions), ``auth``, ``mail`` (notifications), ``helpers``
(templates), ``audit`` (recording downloads). This module is the one place that decides.
"""
from __future__ import annotations

import datetime as dt
import json

import ckan.plugins.toolkit as tk
from ckan import authz, model

from ckanext.migration.vocab import EU_ACCESS_RIGHT_URI

RESTRICTED_URIS = (EU_ACCESS_RIGHT_URI + "RESTRICTED", EU_ACCESS_RIGHT_URI + "NON_PUBLIC")
# resource fields that point at the data: blanked for callers without access
URL_FIELDS = ("url", "download_url", "access_url")


def today() -> dt.date:
    return dt.datetime.utcnow().date()


def _package(pkg):
    if isinstance(pkg, model.Package):
        return pkg
    if isinstance(pkg, dict):
        pkg = pkg.get("id") or pkg.get("name")
    return model.Package.get(pkg) if pkg else None


def _user(user):
    if user is None or isinstance(user, model.User):
        return user
    if hasattr(user, "is_anonymous"):     # flask-login's current_user
        return None if user.is_anonymous else model.User.get(user.id)
    return model.User.get(user) if user else None


def access_rights(pkg) -> str | None:
    if isinstance(pkg, dict):
        return pkg.get("access_rights") or None
    pkg = _package(pkg)
    return (pkg.extras.get("access_rights") or None) if pkg is not None else None


def is_restricted(pkg) -> bool:
    """Restricted or non-public access rights, on a dataset that is not private."""
    if isinstance(pkg, dict):
        private = pkg.get("private")
    else:
        obj = _package(pkg)
        if obj is None:
            return False
        private = obj.private
    return access_rights(pkg) in RESTRICTED_URIS and not tk.asbool(private)


def active_grant(user_id: str, package_id: str, on: dt.date | None = None):
    """The approved request of the user on the dataset whose period covers ``on`` (today)."""
    from ckanext.migration.access.tables import AccessRequest
    on = on or today()
    return model.Session.query(AccessRequest).filter(
        AccessRequest.user_id == user_id, AccessRequest.package_id == package_id,
        AccessRequest.status == "approved", AccessRequest.granted_from <= on,
        AccessRequest.granted_until >= on).order_by(AccessRequest.granted_until.desc()).first()


def is_member(account, pkg_obj) -> bool:
    """Member, editor or admin of the dataset's organisation (or sysadmin)."""
    if account is None:
        return False
    if account.sysadmin:
        return True
    return bool(pkg_obj is not None and pkg_obj.owner_org and authz.users_role_for_group_or_org(
        pkg_obj.owner_org, account.name) in ("member", "editor", "admin"))


def access_via_grant(user, pkg):
    """The grant through which the user reads a restricted dataset's data, or None (not
    restricted, no access, or access as a member or sysadmin)."""
    account, obj = _user(user), _package(pkg)
    if account is None or obj is None or not is_restricted(pkg if isinstance(pkg, dict) else obj):
        return None
    if is_member(account, obj):
        return None
    return active_grant(account.id, obj.id)


def can_access_data(user, pkg) -> bool:
    """Whether ``user`` (name, id, model.User, current_user or None) may read the data files
    and DataStore rows of ``pkg`` (dict, id/name or model.Package)."""
    if not is_restricted(pkg):
        return True
    account, obj = _user(user), _package(pkg)
    if account is None or obj is None:
        return False
    return is_member(account, obj) or active_grant(account.id, obj.id) is not None


def request_url(pkg, qualified=True) -> str:
    name = pkg.get("name") or pkg.get("id") if isinstance(pkg, dict) else pkg
    return tk.url_for("migration_access.request", id=name, _external=qualified)


def scrub_resource(res: dict, landing: str) -> dict:
    """A resource without its file: no url nor download URL; DCAT's access URL is the page
    to ask for access (DCAT-AP: accessURL is where to get access)."""
    for key in URL_FIELDS:
        if key in res:
            res[key] = ""
    res["access_url"] = landing
    res["restricted"] = True
    return res


def scrub_dataset(pkg_dict: dict) -> dict:
    landing = request_url(pkg_dict)
    for res in pkg_dict.get("resources") or []:
        scrub_resource(res, landing)
    return pkg_dict


def restore_urls(pkg_dict: dict) -> dict:
    """Resource links from the database: package_show may answer from the search index,
    whose copy of a restricted dataset has none."""
    from ckan.lib.dictization import model_dictize
    context = {"model": model, "session": model.Session}
    for res in pkg_dict.get("resources") or []:
        obj = model.Resource.get(res.get("id") or "")
        if obj is None:
            continue
        full = model_dictize.resource_dictize(obj, dict(context))
        for key in URL_FIELDS:
            if key in full:
                res[key] = full[key]
            elif key in res:
                res.pop(key)
        res.pop("restricted", None)
    return pkg_dict


def after_show(context: dict, pkg_dict: dict) -> dict:
    """package_show: the links of a restricted dataset for who may read its data only."""
    if not is_restricted(pkg_dict):
        return pkg_dict
    user = context.get("auth_user_obj") or context.get("user")
    if context.get("ignore_auth") and not user:
        # the system itself (CKAN's indexing, xloader): the index is scrubbed in
        # before_index, the activity stream's copies in scrub_activity
        return restore_urls(pkg_dict)
    if can_access_data(user, pkg_dict):
        return restore_urls(pkg_dict)
    return scrub_dataset(pkg_dict)


def scrub_activity(mapper, connection, activity) -> None:
    """SQLAlchemy ``before_insert`` of CKAN's activities: the copy of a restricted dataset
    an activity stores (shown on its activity and changes pages) has no links."""
    stored = (activity.data or {}).get("package")
    if isinstance(stored, dict) and is_restricted(stored):
        data = json.loads(json.dumps(activity.data))
        scrub_dataset(data["package"])
        activity.data = data


def install_activity_scrub() -> None:
    import sqlalchemy as sa
    try:
        from ckanext.activity.model import Activity
    except ImportError:
        return
    if not sa.event.contains(Activity, "before_insert", scrub_activity):
        sa.event.listen(Activity, "before_insert", scrub_activity)


def after_update(pkg_dict: dict) -> None:
    """A dataset just made restricted: the activities stored before (each a copy of the
    dataset as it was, shown on its activity and changes pages) lose their links too."""
    pkg = _package(pkg_dict.get("id"))
    if pkg is None or not is_restricted(pkg):
        return
    try:
        from ckanext.activity.model import Activity
    except ImportError:
        return
    landing = request_url(pkg.name)

    def has_link(res):
        return res.get("url") or res.get("download_url") or \
            res.get("access_url") not in (None, "", landing)

    for act in model.Session.query(Activity).filter(Activity.object_id == pkg.id):
        stored = (act.data or {}).get("package")
        if not isinstance(stored, dict) or not any(
                has_link(res) for res in stored.get("resources") or []):
            continue
        data = json.loads(json.dumps(act.data))
        for res in data["package"].get("resources") or []:
            scrub_resource(res, landing)
        act.data = data


def before_index(index_doc: dict) -> dict:
    """The search index never carries a restricted dataset's links (package_search, ``fl``,
    /catalog.*): res_url and the resources in data_dict / validated_data_dict."""
    validated = json.loads(index_doc.get("validated_data_dict") or "{}")
    if not is_restricted(validated):
        return index_doc
    landing = request_url(validated)
    for key in ("data_dict", "validated_data_dict"):
        if index_doc.get(key):
            stored = json.loads(index_doc[key])
            for res in stored.get("resources") or []:
                scrub_resource(res, landing)
            index_doc[key] = json.dumps(stored)
    for key in ("res_url", "res_extras_url", "res_extras_download_url",
                "res_extras_access_url"):
        if key in index_doc:
            index_doc[key] = ["" for _ in index_doc[key]]
    return index_doc
