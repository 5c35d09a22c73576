"""The glossary: /glossary (every term, the agencies' definitions side by side) and
/glossary/<term> (one term, with the datasets following each definition).

JSON for ``Accept: application/json`` or ``/glossary.json``, ``/glossary/<term>.json``.
Dataset counts come from one faceted package_search, which hides the private datasets the
visitor may not see.
"""
from flask import Blueprint, Response, jsonify, request

import ckan.plugins.toolkit as tk

from ckanext.migration import glossary as data, vocab

glossary = Blueprint("migration_glossary", __name__)

HTML, JSON = "text/html", "application/json"


def counts():
    """{definition code: number of datasets the visitor may see that follow it}."""
    result = tk.get_action("package_search")({}, {
        "q": "*:*", "rows": 0, "include_private": True, "facet": "true",
        "facet.field": [data.FIELD], "facet.limit": -1, "facet.mincount": 1})
    facet = (result.get("search_facets") or {}).get(data.FIELD) or {}
    return {item["name"]: item["count"] for item in facet.get("items") or []}


def _term(term, lang, found):
    definitions = []
    for d in data.describe(data.codes_of_term(term.code), lang):
        full = data.definition(d["code"])
        d.update(
            count=found.get(d["code"], 0),
            datasets_url=tk.url_for("dataset.search", **{data.FIELD: d["code"]}),
            reference=full.get("reference"), variant=full.get("variant"),
            verbatim=full.get("verbatim", True) is not False,
            translated=data.translated(full, lang), verified=data.verified(full, lang),
            agency_title=data.agencies().get(d["agency"]).text("title", lang))
        definitions.append(d)
    return {"code": term.code, "label": term.text("label", lang), "uri": term.uri,
            "labels": term.texts("label"),
            "url": tk.url_for("migration_glossary.read", term=term.code),
            "search_url": tk.url_for("dataset.search", q=term.text("label", lang)),
            "definitions": definitions}


def _wants_json(suffix):
    if suffix:
        return True
    if not request.headers.get("Accept"):
        return False
    return request.accept_mimetypes.best_match([HTML, JSON]) == JSON


def _respond(as_json, payload, template, extra):
    if as_json:
        resp = jsonify(payload)
        resp.headers["Access-Control-Allow-Origin"] = "*"
    else:
        resp = Response(tk.render(template, extra), content_type="text/html; charset=utf-8")
    resp.vary.add("Accept")
    return resp


def index(suffix=None):
    lang = vocab.normalise_lang()
    found = counts()
    terms = [_term(t, lang, found) for t in data.terms()]
    return _respond(_wants_json(suffix), {"language": lang, "terms": terms},
                    "migration/glossary/index.html", {"terms": terms})


def read(term):
    code, dot, ext = term.partition(".")
    if dot and ext != "json":
        return tk.abort(404, tk._("Unknown format: use .json"))
    found_term = data.terms().get(code)
    if found_term is None:
        return tk.abort(404, tk._("No such term in the glossary"))
    lang = vocab.normalise_lang()
    info = _term(found_term, lang, counts())
    return _respond(_wants_json(dot), dict(info, language=lang),
                    "migration/glossary/read.html", {"term": info})


glossary.add_url_rule("/glossary", view_func=index, endpoint="index")
glossary.add_url_rule("/glossary.json", view_func=index, endpoint="index_json",
                      defaults={"suffix": "json"})
glossary.add_url_rule("/glossary/<term>", view_func=read, endpoint="read")
