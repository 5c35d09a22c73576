"""Actions of access requests to restricted datasets: migration_access_request_create,
_show, _list, _decide, _revoke and migration_access_audit_list. Bad input raises
``ValidationError`` naming the field, what was wrong and what is allowed; every request,
decision and revocation is written to the audit trail (``AccessEvent``)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import authz, model

from ckanext.migration.logic.visibility import visible_package

from ckanext.migration import access
from ckanext.migration.access import mail
from ckanext.migration.access.tables import EVENTS, STATUSES, AccessEvent, AccessRequest

MAX_TEXT = 2000
MAX_FIELD = 200
LIST_LIMIT = 500


def max_days() -> int:
    return tk.config.get("ckanext.migration.access.max_days")


def _user(context):
    name = context.get("user")
    return model.User.get(name) if name else None


def _account(context) -> model.User:
    """The caller (every action here is about someone: none works without a user)."""
    account = _user(context)
    if account is None:
        raise tk.NotAuthorized(tk._("Log in to see or make access requests"))
    return account


def admin_org_ids(user_name: str) -> list:
    """Ids of the organisations the user administers (every one for a sysadmin)."""
    if not user_name:
        return []
    if authz.is_sysadmin(user_name):
        return [g.id for g in model.Session.query(model.Group).filter(
            model.Group.is_organization.is_(True), model.Group.state == "active")]
    orgs = tk.get_action("organization_list_for_user")(
        {"user": user_name, "ignore_auth": True},
        {"id": user_name, "permission": "admin", "include_dataset_count": False})
    return [o["id"] for o in orgs]


def record(package_id, event, user_id=None, actor_id=None, request_id=None,
           resource_id=None, detail=None) -> AccessEvent:
    """Append one event to the audit trail (committed)."""
    row = AccessEvent(package_id=package_id, event=event, user_id=user_id, actor_id=actor_id,
                      request_id=request_id, resource_id=resource_id, detail=detail)
    model.Session.add(row)
    model.Session.commit()
    return row


def _text(errors, data, key, required=False, limit=MAX_TEXT, missing_msg=None):
    value = str(data.get(key) or "").strip()
    if required and not value:
        errors[key] = [missing_msg or tk._("Missing value")]
    elif len(value) > limit:
        errors[key] = [tk._("Too long: {n} characters, at most {limit} are allowed").format(
            n=len(value), limit=limit)]
    return value or None


def _date(errors, data, key, default=None):
    value = data.get(key)
    if value in (None, ""):
        if default is None:
            errors[key] = [tk._("Missing value: a date (YYYY-MM-DD)")]
        return default
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        errors[key] = [tk._("{value!r} is not a date: use YYYY-MM-DD").format(value=str(value))]
        return None


def _period(errors, start, end, start_key, end_key):
    if start is None or end is None or errors.get(start_key) or errors.get(end_key):
        return
    if end < start:
        errors[end_key] = [tk._("The end of the period ({end}) is before its start "
                                "({start})").format(end=end, start=start)]
    elif (end - start).days + 1 > max_days():
        errors[end_key] = [tk._("The period is {n} days long; at most {limit} days are "
                                "allowed").format(n=(end - start).days + 1, limit=max_days())]
    elif end < access.today():
        errors[end_key] = [tk._("The period ends in the past ({end})").format(end=end)]


def _name(user_id):
    account = model.User.get(user_id) if user_id else None
    return account.name if account else None


def request_dict(req: AccessRequest, pkg: model.Package | None = None) -> dict:
    pkg = pkg or model.Package.get(req.package_id)
    out = {c.name: getattr(req, c.name) for c in AccessRequest.__table__.columns}
    for key, value in list(out.items()):
        if isinstance(value, (dt.date, dt.datetime)):
            out[key] = value.isoformat()
    out["package_name"] = pkg.name if pkg else None
    out["package_title"] = (pkg.title or pkg.name) if pkg else None
    out["user_name"] = _name(req.user_id)
    out["decided_by_name"] = _name(req.decided_by)
    out["active"] = bool(req.status == "approved" and req.granted_from and req.granted_until
                         and req.granted_from <= access.today() <= req.granted_until)
    return out


def migration_access_request_create(context, data_dict):
    """Ask for the data of a restricted dataset: ``package_id``, ``purpose`` (required),
    ``intended_use``, ``organisation``, ``requester_name``, ``email``, ``wanted_from``
    (default today) and ``wanted_until`` (YYYY-MM-DD). One pending request per user and
    dataset; the organisation's admins are mailed."""
    tk.check_access("migration_access_request_create", context, data_dict)
    account = _account(context)
    pkg = visible_package(context, data_dict.get("package_id"))
    if not access.is_restricted(pkg):
        raise tk.ValidationError({"package_id": [tk._(
            "This dataset is not restricted: its data files are open to all who see it")]})
    pending = model.Session.query(AccessRequest).filter(
        AccessRequest.package_id == pkg.id, AccessRequest.user_id == account.id,
        AccessRequest.status == "pending").first()
    if pending is not None:
        raise tk.ValidationError({"package_id": [tk._(
            "You already have a pending request for this dataset (sent {date})").format(
            date=pending.created.date().isoformat())]})
    errors: dict = {}
    purpose = _text(errors, data_dict, "purpose", required=True, missing_msg=tk._(
        "Missing value: say why you need the data"))
    intended_use = _text(errors, data_dict, "intended_use")
    organisation = _text(errors, data_dict, "organisation", limit=MAX_FIELD)
    name = _text(errors, data_dict, "requester_name", limit=MAX_FIELD)
    email = _text(errors, data_dict, "email", limit=MAX_FIELD)
    if email and "@" not in email:
        errors["email"] = [tk._("{value!r} is not an e-mail address").format(value=email)]
    start = _date(errors, data_dict, "wanted_from", default=access.today())
    end = _date(errors, data_dict, "wanted_until")
    _period(errors, start, end, "wanted_from", "wanted_until")
    if errors:
        raise tk.ValidationError(errors)
    req = AccessRequest(package_id=pkg.id, user_id=account.id,
                        requester_name=name or account.fullname or account.name,
                        email=email or account.email, organisation=organisation,
                        purpose=purpose, intended_use=intended_use, wanted_from=start,
                        wanted_until=end, status="pending")
    model.Session.add(req)
    model.Session.commit()
    record(pkg.id, "requested", user_id=account.id, actor_id=account.id, request_id=req.id,
           detail="{} – {}".format(start, end))
    mail.notify_request(req, pkg)
    return request_dict(req, pkg)


def _get(context, request_id) -> tuple:
    req = model.Session.get(AccessRequest, str(request_id or ""))
    if req is None:
        raise tk.ObjectNotFound(tk._("Access request not found"))
    return req, model.Package.get(req.package_id)


@tk.side_effect_free
def migration_access_request_show(context, data_dict):
    """One request: for its requester and the admins who decide on it."""
    tk.check_access("migration_access_request_show", context, data_dict)
    req, pkg = _get(context, data_dict.get("id"))
    account = _account(context)
    from ckanext.migration.access.auth import is_org_admin
    if account is None or (req.user_id != account.id and not is_org_admin(account, pkg)):
        raise tk.ObjectNotFound(tk._("Access request not found"))
    return request_dict(req, pkg)


@tk.side_effect_free
def migration_access_request_list(context, data_dict):
    """The caller's own requests and those on the datasets of the organisations they
    administer (all for sysadmins); pending first, newest first. Filters: ``status``,
    ``package_id`` (id or name), ``mine`` (only the caller's own)."""
    tk.check_access("migration_access_request_list", context, data_dict)
    account = _account(context)
    query = model.Session.query(AccessRequest, model.Package).join(
        model.Package, model.Package.id == AccessRequest.package_id)
    mine = AccessRequest.user_id == account.id
    if tk.asbool(data_dict.get("mine")):
        query = query.filter(mine)
    elif not account.sysadmin:
        orgs = admin_org_ids(account.name)
        query = query.filter(sa.or_(mine, model.Package.owner_org.in_(orgs)) if orgs else mine)
    status = data_dict.get("status")
    if status:
        if status not in STATUSES:
            raise tk.ValidationError({"status": [tk._(
                "{value!r} is not allowed; allowed values: {allowed}").format(
                value=str(status), allowed=", ".join(STATUSES))]})
        query = query.filter(AccessRequest.status == status)
    if data_dict.get("package_id"):
        pkg = model.Package.get(str(data_dict["package_id"]))
        query = query.filter(AccessRequest.package_id == (pkg.id if pkg else ""))
    query = query.order_by(sa.case((AccessRequest.status == "pending", 0), else_=1),
                           AccessRequest.created.desc()).limit(LIST_LIMIT)
    return [request_dict(req, pkg) for req, pkg in query]


def migration_access_request_decide(context, data_dict):
    """Approve (``decision=approve``, ``granted_from``/``granted_until``, default the
    period asked) or deny (``decision=deny``, ``message`` required) a pending request;
    the requester is mailed."""
    tk.check_access("migration_access_request_decide", context, data_dict)
    req, pkg = _get(context, data_dict.get("id"))
    account = _account(context)
    errors: dict = {}
    decision = data_dict.get("decision")
    if decision not in ("approve", "deny"):
        errors["decision"] = [tk._("{value!r} is not allowed; allowed values: {allowed}").format(
            value=str(decision or ""), allowed="approve, deny")]
    if req.status != "pending":
        errors["id"] = [tk._("This request was already decided ({status})").format(
            status=req.status)]
    message = _text(errors, data_dict, "message", required=decision == "deny",
                    missing_msg=tk._("Missing value: tell the requester why access is denied"))
    start = end = None
    if decision == "approve":
        start = _date(errors, data_dict, "granted_from", default=req.wanted_from)
        end = _date(errors, data_dict, "granted_until", default=req.wanted_until)
        _period(errors, start, end, "granted_from", "granted_until")
    if errors:
        raise tk.ValidationError(errors)
    req.status = "approved" if decision == "approve" else "denied"
    req.decided_by, req.decided_at = account.id, dt.datetime.utcnow()
    req.decision_message = message
    req.granted_from, req.granted_until = start, end
    model.Session.commit()
    detail = "{} – {}".format(start, end) if start else None
    record(pkg.id, req.status, user_id=req.user_id, actor_id=account.id, request_id=req.id,
           detail="; ".join(x for x in (detail, message) if x) or None)
    mail.notify_decision(req, pkg)
    return request_dict(req, pkg)


def migration_access_request_revoke(context, data_dict):
    """End an approved grant now (``message`` optional); the requester is mailed."""
    tk.check_access("migration_access_request_revoke", context, data_dict)
    req, pkg = _get(context, data_dict.get("id"))
    account = _account(context)
    errors: dict = {}
    if req.status != "approved":
        errors["id"] = [tk._("Only an approved request can be revoked (this one is "
                             "{status})").format(status=req.status)]
    message = _text(errors, data_dict, "message")
    if errors:
        raise tk.ValidationError(errors)
    req.status = "revoked"
    req.decided_by, req.decided_at = account.id, dt.datetime.utcnow()
    req.decision_message = message or req.decision_message
    model.Session.commit()
    record(pkg.id, "revoked", user_id=req.user_id, actor_id=account.id, request_id=req.id,
           detail=message)
    mail.notify_decision(req, pkg)
    return request_dict(req, pkg)


AUDIT_COLUMNS = ("created", "event", "dataset", "user", "actor", "resource_id", "request_id",
                 "detail")


@tk.side_effect_free
def migration_access_audit_list(context, data_dict):
    """The audit trail of the datasets of the organisations the caller administers (all for
    sysadmins), newest first. Filters: ``package_id`` (id or name), ``user`` (name or id),
    ``event``, ``date_from``, ``date_to`` (YYYY-MM-DD); ``limit`` (default 1000)."""
    tk.check_access("migration_access_audit_list", context, data_dict)
    account = _account(context)
    errors: dict = {}
    event = data_dict.get("event")
    if event and event not in EVENTS:
        errors["event"] = [tk._("{value!r} is not allowed; allowed values: {allowed}").format(
            value=str(event), allowed=", ".join(EVENTS))]
    start = _date(errors, data_dict, "date_from", default=dt.date.min) \
        if data_dict.get("date_from") else None
    end = _date(errors, data_dict, "date_to", default=dt.date.max) \
        if data_dict.get("date_to") else None
    try:
        limit = int(data_dict.get("limit") or 1000)
        if limit < 1:
            raise ValueError
    except (TypeError, ValueError):
        errors["limit"] = [tk._("must be a whole number of 1 or more")]
    if errors:
        raise tk.ValidationError(errors)
    query = model.Session.query(AccessEvent, model.Package).join(
        model.Package, model.Package.id == AccessEvent.package_id)
    if not account.sysadmin:
        query = query.filter(model.Package.owner_org.in_(admin_org_ids(account.name)))
    if data_dict.get("package_id"):
        pkg = model.Package.get(str(data_dict["package_id"]))
        query = query.filter(AccessEvent.package_id == (pkg.id if pkg else ""))
    if data_dict.get("user"):
        who = model.User.get(str(data_dict["user"]))
        query = query.filter(AccessEvent.user_id == (who.id if who else ""))
    if event:
        query = query.filter(AccessEvent.event == event)
    if start:
        query = query.filter(AccessEvent.created >= dt.datetime.combine(start, dt.time.min))
    if end:
        query = query.filter(AccessEvent.created < dt.datetime.combine(
            end + dt.timedelta(days=1), dt.time.min))
    rows = query.order_by(AccessEvent.created.desc()).limit(limit)
    return [{"id": ev.id, "created": ev.created.isoformat(), "event": ev.event,
             "dataset": pkg.name, "package_id": pkg.id, "user": _name(ev.user_id),
             "actor": _name(ev.actor_id), "resource_id": ev.resource_id,
             "request_id": ev.request_id, "detail": ev.detail} for ev, pkg in rows]


def get_actions() -> dict:
    return {f.__name__: f for f in (
        migration_access_request_create, migration_access_request_show,
        migration_access_request_list, migration_access_request_decide,
        migration_access_request_revoke, migration_access_audit_list)}
