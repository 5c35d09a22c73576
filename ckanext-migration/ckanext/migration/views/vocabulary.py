"""The controlled vocabularies as SKOS, served at stable URLs.

- ``/vocabulary``: the concept schemes (HTML, or JSON for ``Accept: application/json``);
- ``/vocabulary/<name>.<ttl|rdf|jsonld>``: scheme ``name`` as Turtle, RDF/XML or JSON-LD;
- ``/vocabulary/<name>``: the same, negotiated on the ``Accept`` header (HTML for browsers).

``name`` is a vocabulary (``gcm_objectives``, ``topics``, ``regions``, ...; ``-`` may be written
for ``_``) or ``migration``: the GCM objectives and topics schemes together.
"""
from flask import Blueprint, Response, jsonify, request

import ckan.plugins.toolkit as tk

from ckanext.migration import skos, vocab

vocabulary = Blueprint("migration_vocabulary", __name__)

HTML = "text/html"
JSON = "application/json"
# media types offered by /vocabulary/<name>, in order of preference for */*
NEGOTIATED = [(HTML, None)] + [(mt, fmt) for fmt, (_, mt) in skos.FORMATS.items()] \
    + [(JSON, "jsonld"), ("application/x-turtle", "ttl"), ("application/xml", "rdf"),
       ("text/xml", "rdf")]


def _name(raw):
    name = raw.replace("-", "_")
    if name not in skos.scheme_names():
        tk.abort(404, tk._("Vocabulary not found"))
    return name


def _rdf(name, fmt):
    body = skos.serialize(name, fmt)
    resp = Response(body, content_type=skos.FORMATS[fmt][1] + "; charset=utf-8")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


def _negotiate(offers):
    """The best media type the client accepts among ``offers`` (the first if none says)."""
    if not request.headers.get("Accept"):
        return offers[0]
    return request.accept_mimetypes.best_match(offers)


def index():
    schemes = [dict(skos.scheme_info(n),
                    url=tk.url_for("migration_vocabulary.read", name=n, _external=True),
                    formats={fmt: tk.url_for("migration_vocabulary.read", name=f"{n}.{fmt}",
                                             _external=True) for fmt in skos.FORMATS})
               for n in skos.scheme_names()]
    best = _negotiate([HTML, JSON])
    if best is None:
        tk.abort(406, tk._("Available: text/html, application/json"))
    if best == JSON:
        resp = jsonify(schemes)
    else:
        resp = Response(tk.render("migration/vocabulary/index.html", {"schemes": schemes}),
                        content_type="text/html; charset=utf-8")
    resp.vary.add("Accept")
    return resp


def read(name):
    base, dot, ext = name.rpartition(".")
    if dot and ext in skos.FORMATS:
        return _rdf(_name(base), ext)
    if dot:
        tk.abort(404, tk._("Unknown format: use .ttl, .rdf or .jsonld"))
    name = _name(name)
    best = _negotiate([mt for mt, _ in NEGOTIATED])
    if best is None:
        tk.abort(406, tk._("Available: text/html, text/turtle, application/rdf+xml, "
                           "application/ld+json"))
    fmt = dict(NEGOTIATED)[best]
    resp = _rdf(name, fmt) if fmt else _html(name)
    resp.vary.add("Accept")
    return resp


def _html(name):
    info = skos.scheme_info(name)
    parts = skos.COMBINED.get(name, (name,))
    schemes = []
    lang = vocab.normalise_lang()
    for part in parts:
        voc = vocab.get_vocabulary(part)
        concepts = []
        for term in voc:
            related = []
            if part == "topics":
                objectives = vocab.get_vocabulary("gcm_objectives")
                related = [objectives.get(str(c)) for c in term.get("gcm_objectives") or ()]
            parent = voc.get(term.get("parent")) if term.get("parent") else None
            concepts.append({
                # in the visitor's language (English where a label has no translation)
                "code": term.code, "label": term.text("label", lang), "uri": term.uri,
                "definition": term.text("title" if part == "gcm_objectives" else "description",
                                        lang),
                "broader": parent, "related": [r for r in related if r is not None]})
        schemes.append(dict(skos.scheme_info(part), concepts=concepts))
    formats = {fmt: tk.url_for("migration_vocabulary.read", name=f"{name}.{fmt}")
               for fmt in skos.FORMATS}
    return Response(tk.render("migration/vocabulary/scheme.html",
                              {"info": info, "schemes": schemes, "formats": formats}),
                    content_type="text/html; charset=utf-8")


vocabulary.add_url_rule("/vocabulary", view_func=index, endpoint="index")
vocabulary.add_url_rule("/vocabulary/<name>", view_func=read, endpoint="read")

