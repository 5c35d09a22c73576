"""CKAN's own lists without private datasets.

tag_list, tag_autocomplete, tag_show, format_autocomplete and member_list read tags,
formats and organisation members straight from the database, private datasets included:
anyone learnt a private dataset's tags and formats, and its id from its organisation's
member list. Each is chained here to keep only what the caller's own search finds (or, for
member_list, the datasets the caller may read), so a private dataset's tags, formats and id
reach only those who may see it. CKAN's refusal of package_show no longer names the id.
Tests: tests/test_no_leaks.py.
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model


def visible_package(context: dict, package_id) -> model.Package:
    """The dataset, or ObjectNotFound when it is missing, deleted or hidden from the caller:
    what hangs off a private dataset (its corrections, access requests) must not be known
    to exist."""
    pkg = model.Package.get(str(package_id or ""))
    if pkg is None or pkg.state != "active":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    try:
        tk.check_access("package_show", dict(context), {"id": pkg.id})
    except tk.NotAuthorized:
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return pkg


def _visible_values(context, field: str) -> set:
    found = tk.get_action("package_search")({"user": context.get("user")}, {
        "q": "*:*", "rows": 0, "facet.field": [field], "facet.limit": -1,
        "include_private": True})
    return set(found["facets"].get(field, {}))


def _free_tags(data_dict) -> bool:
    return not data_dict.get("vocabulary_id")


@tk.chained_action
@tk.side_effect_free
def tag_list(next_action, context, data_dict):
    tags = next_action(context, data_dict)
    if not _free_tags(data_dict):
        return tags
    visible = _visible_values(context, "tags")
    return [t for t in tags if (t["name"] if isinstance(t, dict) else t) in visible]


@tk.chained_action
@tk.side_effect_free
def tag_autocomplete(next_action, context, data_dict):
    tags = next_action(context, data_dict)
    if not _free_tags(data_dict):
        return tags
    visible = _visible_values(context, "tags")
    return [t for t in tags if t in visible]


@tk.chained_action
@tk.side_effect_free
def tag_show(next_action, context, data_dict):
    tag = next_action(context, data_dict)
    if not tag.get("vocabulary_id") and tag["name"] not in _visible_values(context, "tags"):
        raise tk.ObjectNotFound()  # the answer for a tag that does not exist
    return tag


@tk.chained_action
@tk.side_effect_free
def format_autocomplete(next_action, context, data_dict):
    formats = next_action(context, data_dict)
    visible = {f.lower() for f in _visible_values(context, "res_format")}
    return [f for f in formats if f in visible]


@tk.chained_action
@tk.side_effect_free
def member_list(next_action, context, data_dict):
    members = next_action(context, data_dict)
    ids = [m[0] for m in members if m[1] == "package"]
    private = {pid for (pid,) in model.Session.query(model.Package.id).filter(
        model.Package.id.in_(ids), model.Package.private.is_(True))} if ids else set()
    hidden = set()
    for pid in private:
        try:
            tk.check_access("package_show", {"user": context.get("user")}, {"id": pid})
        except tk.NotAuthorized:
            hidden.add(pid)
    return [m for m in members if m[0] not in hidden]


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def package_show(next_auth, context, data_dict):
    """CKAN's refusal names the dataset's id ("not authorized to read package <id>"):
    asked by name, it told the id of a private dataset."""
    result = next_auth(context, data_dict)
    if not result.get("success"):
        return {"success": False, "msg": tk._("Not authorized to see this page")}
    return result


def get_auth_functions() -> dict:
    return {"package_show": package_show}


def get_actions() -> dict:
    return {f.__name__: f for f in (tag_list, tag_autocomplete, tag_show, format_autocomplete,
                                    member_list)}
