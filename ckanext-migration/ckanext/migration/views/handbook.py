"""The producers' data handbooks: /handbook (every producer) and /handbook/<organisation>,
as a page, JSON and PDF (WeasyPrint, from the page's own content template with a print
stylesheet)."""
from __future__ import annotations

import os

from flask import Blueprint, Response, jsonify

import ckan.plugins.toolkit as tk

handbook = Blueprint("migration_handbook", __name__)
PRINT_CSS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "public", "migration", "handbook-print.css")


def _data(org=None) -> dict:
    user = tk.current_user.name if tk.current_user.is_authenticated else ""
    try:
        return tk.get_action("migration_handbook")({"user": user}, {"id": org} if org else {})
    except tk.ObjectNotFound as e:
        return tk.abort(404, str(e))


def _canonical(org, data):
    """An organisation given by id (or another spelling) redirects to its name."""
    name = data["organization"]["name"]
    return None if org == name else name


def read(org=None):
    data = _data(org)
    if org and _canonical(org, data):
        return tk.redirect_to("migration_handbook.read", org=data["organization"]["name"])
    return tk.render("migration/handbook/read.html", {"handbook": data})


def as_json(org=None):
    return jsonify(_data(org))


def _no_fetch(url, *args, **kwargs):
    # the PDF carries only what the page's HTML holds: no request leaves the server
    raise ValueError("not fetched: %s" % url)


def as_pdf(org=None):
    from weasyprint import CSS, HTML
    data = _data(org)
    page_url = tk.url_for("migration_handbook.read", org=org, qualified=True) if org \
        else tk.url_for("migration_handbook.index", qualified=True)
    html = tk.render("migration/handbook/print.html", {"handbook": data, "page_url": page_url})
    pdf = HTML(string=html, base_url=tk.config.get("ckan.site_url"),
               url_fetcher=_no_fetch).write_pdf(stylesheets=[CSS(filename=PRINT_CSS)])
    name = data["organization"]["name"] if data["organization"] else "all-producers"
    return Response(pdf, content_type="application/pdf", headers={
        "Content-Disposition": "inline; filename=handbook-%s.pdf" % name})


handbook.add_url_rule("/handbook", view_func=read, endpoint="index")
handbook.add_url_rule("/handbook.json", view_func=as_json, endpoint="index_json")
handbook.add_url_rule("/handbook.pdf", view_func=as_pdf, endpoint="index_pdf")
handbook.add_url_rule("/handbook/<org>", view_func=read, endpoint="read")
handbook.add_url_rule("/handbook/<org>.json", view_func=as_json, endpoint="json")
handbook.add_url_rule("/handbook/<org>.pdf", view_func=as_pdf, endpoint="pdf")
