"""Template helpers of restricted datasets (registered in helpers.get_helpers)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.migration import access, vocab
from ckanext.migration.translation import N_

STATUS_LABELS = {"pending": N_("Pending"), "approved": N_("Approved"),
                 "denied": N_("Denied"), "revoked": N_("Revoked")}
EVENT_LABELS = {"requested": N_("Requested"), "approved": N_("Approved"),
                "denied": N_("Denied"), "revoked": N_("Revoked"),
                "download": N_("Download"), "datastore": N_("DataStore read")}


def migration_access(pkg: dict) -> dict:
    """What the visitor may do with a dataset's data: {restricted, label, has_access,
    until (end of the visitor's grant, when access comes from one), pending}."""
    if not access.is_restricted(pkg):
        return {"restricted": False}
    user = tk.current_user if tk.current_user.is_authenticated else None
    term = vocab.get_vocabulary("access_rights").by_uri(pkg.get("access_rights"))
    grant = access.access_via_grant(user, pkg) if user else None
    pending = False
    if user is not None and not grant:
        from ckanext.migration.access.tables import AccessRequest
        from ckan import model
        pending = model.Session.query(AccessRequest).filter(
            AccessRequest.user_id == user.id, AccessRequest.package_id == pkg.get("id"),
            AccessRequest.status == "pending").count() > 0
    return {
        "restricted": True,
        "label": vocab.label("access_rights", term.code) if term else pkg.get("access_rights"),
        "has_access": access.can_access_data(user, pkg),
        "until": grant.granted_until.isoformat() if grant else None,
        "pending": pending,
    }


def migration_access_label(value: str) -> str:
    return tk._(STATUS_LABELS.get(value) or EVENT_LABELS.get(value) or value)


def migration_access_is_admin(pkg: dict) -> bool:
    from ckan import model
    from ckanext.migration.access.auth import is_org_admin
    return is_org_admin(tk.current_user if tk.current_user.is_authenticated else None,
                        model.Package.get(pkg.get("id")))


def template_helpers() -> dict:
    return {f.__name__: f for f in (migration_access, migration_access_label,
                                    migration_access_is_admin)}
