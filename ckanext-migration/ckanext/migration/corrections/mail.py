"""E-mails about a correction, through CKAN's mailer: to the organisation's admins, the
reporter and, for a harvested dataset, the producer's contact (the dataset's contact point
and creator addresses from the source's metadata). A mail that cannot be sent is logged;
the correction stands."""
from __future__ import annotations

import logging

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import mailer

log = logging.getLogger(__name__)


def _org_admins(pkg: model.Package) -> list:
    if not pkg.owner_org:
        return []
    members = model.Session.query(model.User).join(
        model.Member, model.Member.table_id == model.User.id).filter(
        model.Member.group_id == pkg.owner_org, model.Member.table_name == "user",
        model.Member.state == "active", model.Member.capacity == "admin",
        model.User.state == "active")
    return [(u.display_name, u.email) for u in members if u.email]


def _harvested(pkg: model.Package) -> bool:
    try:
        from ckanext.harvest.model import HarvestObject
    except ImportError:
        return False
    return model.Session.query(HarvestObject).filter(
        HarvestObject.package_id == pkg.id, HarvestObject.current.is_(True)).count() > 0


def producer_contacts(pkg: model.Package) -> list:
    """(name, address) of the dataset's contact points and creators, from its metadata."""
    data = tk.get_action("package_show")({"ignore_auth": True}, {"id": pkg.id})
    found = []
    for key in ("contact", "creator"):
        for agent in data.get(key) or []:
            if isinstance(agent, dict) and agent.get("email"):
                found.append((agent.get("name") or agent["email"], agent["email"]))
    return found


def recipients(correction, pkg: model.Package) -> list:
    """Each address once: the organisation's admins, the reporter, the producer's contact
    (harvested datasets)."""
    people = list(_org_admins(pkg))
    reporter = model.User.get(correction.user_id) if correction.user_id else None
    if reporter and reporter.email:
        people.append((reporter.display_name, reporter.email))
    elif correction.reporter_email:
        people.append((correction.reporter_email, correction.reporter_email))
    if _harvested(pkg):
        people.extend(producer_contacts(pkg))
    seen, unique = set(), []
    for name, address in people:
        if address.lower() not in seen:
            seen.add(address.lower())
            unique.append((name, address))
    return unique


def _message(correction, pkg, event, actor, comment) -> tuple:
    url = tk.url_for("migration_corrections.thread", id=pkg.name, _external=True) + \
        "#correction-" + correction.id
    who = actor.display_name if actor else tk._("A visitor")
    subject = {
        "reported": tk._("Problem reported on {title}"),
        "changed": tk._("Correction {status}: {title}"),
        "commented": tk._("New comment on a correction of {title}"),
    }[event].format(title=pkg.title or pkg.name, status=correction.status)
    lines = [
        tk._("Dataset: {title}").format(title=pkg.title or pkg.name),
        tk._("Kind: {kind}").format(kind=correction.kind),
        tk._("Status: {status}").format(status=correction.status),
        tk._("By: {who}").format(who=who),
        "",
        correction.description,
    ]
    if correction.answer:
        lines += ["", tk._("Answer: {answer}").format(answer=correction.answer)]
    if comment and comment != correction.answer:
        lines += ["", tk._("Comment: {comment}").format(comment=comment)]
    lines += ["", url]
    return subject, "\n".join(lines)


def notify(correction, pkg: model.Package, event: str, actor=None, comment=None) -> list:
    """Send the e-mails of an event (reported, changed, commented); returns the addresses."""
    subject, body = _message(correction, pkg, event, actor, comment)
    sent = []
    for name, address in recipients(correction, pkg):
        try:
            mailer.mail_recipient(name, address, subject, body)
            sent.append(address)
        except (mailer.MailerException, OSError) as e:
            log.warning("correction %s: no mail to %s: %s", correction.id, address, e)
    return sent
