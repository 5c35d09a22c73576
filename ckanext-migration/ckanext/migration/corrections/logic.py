"""Actions of the corrections: correction_create, correction_show, correction_list and
correction_update. A correction of a dataset the caller cannot see does not exist for them
(``ObjectNotFound``); bad input raises ``ValidationError`` naming the field, what was wrong
and what is allowed."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk
from ckan import authz, model

from ckanext.migration.logic.visibility import visible_package

from ckanext.migration.corrections import activity, mail
from ckanext.migration.corrections.tables import (ANSWERED, KINDS, STATUSES, Correction,
                                                  CorrectionComment)

MAX_TEXT = 4000      # characters of a report, an answer or a comment
MAX_FIELD = 200
LIST_LIMIT = 100
# what a publisher may move a correction to from each status
NEXT = {"open": ("acknowledged", "fixed", "declined"),
        "acknowledged": ("fixed", "declined"),
        "fixed": (), "declined": ()}


def _user(context):
    name = context.get("user")
    return model.User.get(name) if name else None


def _get(context: dict, correction_id) -> tuple:
    correction = model.Session.get(Correction, str(correction_id or ""))
    if correction is None:
        raise tk.ObjectNotFound(tk._("Correction not found"))
    try:
        pkg = visible_package(context, correction.package_id)
    except tk.ObjectNotFound:
        raise tk.ObjectNotFound(tk._("Correction not found"))
    return correction, pkg


def is_publisher(user_name: str, pkg: model.Package) -> bool:
    """Editors and admins of the dataset's organisation, and sysadmins."""
    if not user_name:
        return False
    if authz.is_sysadmin(user_name):
        return True
    return bool(pkg.owner_org) and authz.has_user_permission_for_group_or_org(
        pkg.owner_org, user_name, "update_dataset")


def _text(errors: dict, data: dict, key: str, required: bool, limit: int = MAX_TEXT):
    value = str(data.get(key) or "").strip()
    if required and not value:
        errors[key] = [tk._("Missing value: describe what is wrong")]
    elif len(value) > limit:
        errors[key] = [tk._("Too long: {n} characters, at most {limit} are allowed").format(
            n=len(value), limit=limit)]
    return value or None


def _choice(errors: dict, key: str, value, allowed, required=True):
    if not value and not required:
        return None
    if value not in allowed:
        errors[key] = [tk._("{value!r} is not allowed; allowed values: {allowed}").format(
            value=str(value or ""), allowed=", ".join(allowed))]
    return value


def _url(errors: dict, value):
    value = str(value or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 2000:
        errors["evidence_url"] = [tk._(
            "Not a web address: give a full http:// or https:// link (at most 2000 "
            "characters), e.g. https://example.org/report.pdf")]
    return value


def _validate_report(data: dict, pkg: model.Package, anonymous: bool) -> dict:
    errors: dict = {}
    report = {
        "kind": _choice(errors, "kind", data.get("kind"), KINDS),
        "description": _text(errors, data, "description", True),
        "field": _text(errors, data, "field", False, MAX_FIELD),
        "evidence_url": _url(errors, data.get("evidence_url")),
        "resource_id": data.get("resource_id") or None,
    }
    if report["resource_id"] and report["resource_id"] not in {
            r.id for r in pkg.resources}:
        errors["resource_id"] = [tk._("Not a resource of this dataset")]
    if anonymous:
        email = str(data.get("reporter_email") or "").strip()
        try:
            tk.get_validator("email_validator")(email, {})
            if not email:
                raise tk.Invalid("")
        except tk.Invalid:
            errors["reporter_email"] = [tk._(
                "An e-mail address is needed to report a problem without logging in, "
                "e.g. name@example.org")]
        report["reporter_email"] = email
    if errors:
        raise tk.ValidationError(errors)
    return report


def _check_rate(user: model.User | None, email: str | None):
    limit = tk.config.get("ckanext.migration.corrections.max_per_hour")
    since = dt.datetime.utcnow() - dt.timedelta(hours=1)
    query = model.Session.query(Correction).filter(Correction.created > since)
    query = query.filter(Correction.user_id == user.id) if user else query.filter(
        Correction.reporter_email == email)
    if query.count() >= limit:
        raise tk.ValidationError({"description": [tk._(
            "Too many reports: at most {limit} an hour; please try again later").format(
                limit=limit)]})


def dictize(correction: Correction, pkg: model.Package, with_email: bool = False) -> dict:
    """The correction as the API and the pages show it; the reporter's e-mail address only
    for the dataset's publishers."""
    def user_name(user_id):
        user = model.User.get(user_id) if user_id else None
        return (user.display_name, user.name) if user else (None, None)

    display, name = user_name(correction.user_id)
    result = {c: getattr(correction, c) for c in (
        "id", "package_id", "resource_id", "field", "kind", "status", "description",
        "evidence_url", "answer")}
    for c in ("created", "modified", "answered_at"):
        value = getattr(correction, c)
        result[c] = value.isoformat() if value else None
    result.update(package_name=pkg.name, package_title=pkg.title,
                  organization=pkg.owner_org and model.Group.get(pkg.owner_org).name,
                  reporter=name, reporter_display_name=display)
    if with_email:
        result["reporter_email"] = correction.reporter_email
    result["comments"] = []
    for comment in correction.comments:
        c_display, c_name = user_name(comment.user_id)
        result["comments"].append({
            "id": comment.id, "author": c_name, "author_display_name": c_display,
            "body": comment.body, "created": comment.created.isoformat(),
            "status_change": comment.status_change})
    return result


def correction_create(context, data_dict):
    """Report a problem with a dataset.

    :param package_id: the dataset (id or name)
    :param kind: one of wrong_figure, wrong_metadata, duplicate, broken_link, outdated
    :param description: what is wrong (at most 4000 characters)
    :param field: which field is wrong (optional)
    :param resource_id: which resource of the dataset is wrong (optional)
    :param evidence_url: a link to the evidence (optional, http or https)
    :param reporter_email: the reporter's address, when reporting without logging in
    """
    pkg = visible_package(context, data_dict.get("package_id"))
    tk.check_access("correction_create", context, {"package_id": pkg.id})
    user = _user(context)
    report = _validate_report(data_dict, pkg, anonymous=user is None)
    _check_rate(user, report.get("reporter_email"))
    correction = Correction(package_id=pkg.id, status="open",
                            user_id=user.id if user else None, **report)
    model.Session.add(correction)
    model.Session.commit()
    activity.record(correction, pkg, user, "reported")
    if not context.get("corrections_no_mail"):
        mail.notify(correction, pkg, "reported", actor=user)
    return dictize(correction, pkg, with_email=is_publisher(context.get("user"), pkg))


@tk.side_effect_free
def correction_show(context, data_dict):
    """One correction and its thread.

    :param id: the correction's id
    """
    correction, pkg = _get(context, data_dict.get("id"))
    tk.check_access("correction_show", context, {"id": correction.id,
                                                 "package_id": pkg.id})
    return dictize(correction, pkg, with_email=is_publisher(context.get("user"), pkg))


def _readable_orgs(user_name: str) -> list:
    if not user_name or model.User.get(user_name) is None:
        return []
    orgs = tk.get_action("organization_list_for_user")(
        {"user": user_name, "ignore_auth": True},
        {"id": user_name, "permission": "read", "include_dataset_count": False})
    return [o["id"] for o in orgs]


def _int(errors, data, key, default, low, high):
    value = data.get(key, default)
    if value in (None, ""):
        return default
    try:
        value = int(value)
        if not low <= value <= high:
            raise ValueError
    except (TypeError, ValueError):
        errors[key] = [tk._("Must be a whole number from {low} to {high}").format(
            low=low, high=high)]
        return default
    return value


@tk.side_effect_free
def correction_list(context, data_dict):
    """Corrections, newest first, of the datasets the caller may see.

    :param package_id: of one dataset (optional)
    :param organization: of one producer's datasets, organisation name or id (optional)
    :param status: open, acknowledged, fixed or declined (optional)
    :param kind: wrong_figure, wrong_metadata, duplicate, broken_link or outdated (optional)
    :param older_than_days: reported more than this many days ago (optional)
    :param limit: at most this many (default 20, at most 100); ``offset``: skip this many
    :returns: ``{"count": ..., "results": [...]}``
    """
    tk.check_access("correction_list", context, data_dict)
    errors: dict = {}
    status = _choice(errors, "status", data_dict.get("status"), STATUSES, required=False)
    kind = _choice(errors, "kind", data_dict.get("kind"), KINDS, required=False)
    older = _int(errors, data_dict, "older_than_days", None, 0, 36500)
    limit = _int(errors, data_dict, "limit", 20, 1, LIST_LIMIT)
    offset = _int(errors, data_dict, "offset", 0, 0, 10 ** 9)
    if errors:
        raise tk.ValidationError(errors)

    query = model.Session.query(Correction, model.Package).join(
        model.Package, model.Package.id == Correction.package_id).filter(
        model.Package.state == "active")
    user_name = context.get("user")
    if not authz.is_sysadmin(user_name):
        visible = model.Package.private.is_(False)
        orgs = _readable_orgs(user_name)
        if orgs:
            visible = visible | model.Package.owner_org.in_(orgs)
        query = query.filter(visible)
    if data_dict.get("package_id"):
        pkg = visible_package(context, data_dict["package_id"])
        query = query.filter(Correction.package_id == pkg.id)
    if data_dict.get("organization"):
        org = model.Group.get(data_dict["organization"])
        query = query.filter(model.Package.owner_org == (org.id if org else None))
    if status:
        query = query.filter(Correction.status == status)
    if kind:
        query = query.filter(Correction.kind == kind)
    if older is not None:
        query = query.filter(
            Correction.created < dt.datetime.utcnow() - dt.timedelta(days=older))
    count = query.count()
    rows = query.order_by(Correction.created.desc()).offset(offset).limit(limit).all()
    return {"count": count,
            "results": [dictize(c, pkg, with_email=is_publisher(user_name, pkg))
                        for c, pkg in rows]}


def correction_update(context, data_dict):
    """A publisher changes the status and answers; the reporter (or a publisher) adds a
    comment to the thread.

    :param id: the correction's id
    :param status: acknowledged, fixed or declined (publishers; fixed and declined need an
        answer); from open any of them, from acknowledged fixed or declined
    :param answer: the publisher's answer (publishers)
    :param comment: a comment added to the thread (optional)
    """
    correction, pkg = _get(context, data_dict.get("id"))
    publishing = bool(data_dict.get("status") or data_dict.get("answer"))
    tk.check_access("correction_update", context, {
        "id": correction.id, "package_id": pkg.id, "publishing": publishing})
    user = _user(context)
    errors: dict = {}
    comment = _text(errors, data_dict, "comment", not publishing)
    answer = _text(errors, data_dict, "answer", False)
    old = correction.status
    new = data_dict.get("status") or old
    if new not in STATUSES:
        _choice(errors, "status", new, STATUSES)
    elif new != old and not NEXT[old]:
        errors["status"] = [tk._("A {status} correction keeps its status; add a comment "
                                 "instead").format(status=old)]
    elif new != old:
        _choice(errors, "status", new, NEXT[old])
    if new in ANSWERED and new != old and not (answer or correction.answer):
        errors["answer"] = [tk._("Missing value: a correction is fixed or declined with "
                                 "an answer to the reporter")]
    if errors:
        raise tk.ValidationError(errors)

    now = dt.datetime.utcnow()
    change = "%s->%s" % (old, new) if new != old else None
    if change:
        correction.status = new
        if old == "open" and correction.answered_at is None:
            correction.answered_at = now
    if answer:
        correction.answer = answer
    correction.modified = now
    correction.comments.append(CorrectionComment(
        user_id=user.id, body=comment or answer or "", created=now, status_change=change))
    model.Session.commit()
    if change or answer:
        activity.record(correction, pkg, user, "answered")
    if not context.get("corrections_no_mail"):
        mail.notify(correction, pkg, "changed" if change else "commented", actor=user,
                    comment=comment or answer)
    return dictize(correction, pkg, with_email=is_publisher(context.get("user"), pkg))


def get_actions() -> dict:
    return {f.__name__: f for f in (correction_create, correction_show, correction_list,
                                    correction_update)}
