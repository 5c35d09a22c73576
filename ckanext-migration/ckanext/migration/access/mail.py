"""E-mails about access requests, through CKAN's mailer: a new request to the admins of the
dataset's organisation, a decision or revocation to the requester. A mail that cannot be
sent is logged; the request stands."""
from __future__ import annotations

import logging

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import mailer

from ckanext.migration.corrections.mail import _org_admins

log = logging.getLogger(__name__)


def _send(req, people, subject, body) -> list:
    sent = []
    for name, address in people:
        try:
            mailer.mail_recipient(name, address, subject, body)
            sent.append(address)
        except (mailer.MailerException, OSError) as e:
            log.warning("access request %s: no mail to %s: %s", req.id, address, e)
    return sent


def notify_request(req, pkg: model.Package) -> list:
    """Tell the organisation's admins that someone asks for the data."""
    title = pkg.title or pkg.name
    subject = tk._("Access requested to {title}").format(title=title)
    lines = [
        tk._("Dataset: {title}").format(title=title),
        tk._("Requested by: {name} ({email})").format(name=req.requester_name,
                                                     email=req.email or "-"),
        tk._("Organisation: {organisation}").format(organisation=req.organisation or "-"),
        tk._("Period wanted: {start} to {end}").format(start=req.wanted_from,
                                                       end=req.wanted_until),
        "",
        tk._("Purpose: {purpose}").format(purpose=req.purpose),
    ]
    if req.intended_use:
        lines.append(tk._("Intended use: {use}").format(use=req.intended_use))
    lines += ["", tk._("Approve or deny it at {url}").format(
        url=tk.url_for("migration_access.requests", _external=True))]
    return _send(req, _org_admins(pkg), subject, "\n".join(lines))


def notify_decision(req, pkg: model.Package) -> list:
    """Tell the requester that the request was approved, denied or the grant revoked."""
    account = model.User.get(req.user_id)
    address = req.email or (account.email if account else None)
    if not address:
        return []
    title = pkg.title or pkg.name
    subject = {
        "approved": tk._("Access granted to {title}"),
        "denied": tk._("Access denied to {title}"),
        "revoked": tk._("Access revoked to {title}"),
    }[req.status].format(title=title)
    lines = [tk._("Dataset: {title}").format(title=title)]
    if req.status == "approved":
        lines.append(tk._("You may download its data from {start} to {end}.").format(
            start=req.granted_from, end=req.granted_until))
    if req.decision_message:
        lines += ["", tk._("Message: {message}").format(message=req.decision_message)]
    lines += ["", tk.url_for("migration_access.request", id=pkg.name, _external=True)]
    return _send(req, [(req.requester_name or address, address)], subject, "\n".join(lines))
