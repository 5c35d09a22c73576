"""Restricted datasets: an organisation with an admin, an editor and a member, a restricted
dataset with a link and an uploaded file, and people around it."""
import datetime as dt

import pytest

RESTRICTED = "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
NON_PUBLIC = "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"
PUBLIC = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
LINK = "https://police.example.org/files/crimes-against-migrants.csv"


def iso(days=0):
    return (dt.datetime.utcnow().date() + dt.timedelta(days=days)).isoformat()


class People:
    pass


@pytest.fixture
def restricted(with_plugins, migration_db):
    """p.org (admin, editor, member), p.other_org (other_member), p.stranger, p.sysadmin,
    p.dataset: restricted, with resource p.link (a URL) and p.upload (an uploaded file)."""
    from ckan.tests import factories, helpers
    from ..factories import dataset
    p = People()
    p.admin = factories.User(email="admin@police.example")
    p.editor, p.member = factories.User(), factories.User()
    p.other_member, p.stranger = factories.User(), factories.User(email="r@uni.example")
    p.sysadmin = factories.Sysadmin()
    p.org = factories.Organization(users=[
        {"name": p.admin["name"], "capacity": "admin"},
        {"name": p.editor["name"], "capacity": "editor"},
        {"name": p.member["name"], "capacity": "member"}])
    p.other_org = factories.Organization(users=[
        {"name": p.other_member["name"], "capacity": "admin"}])
    p.dataset = helpers.call_action(
        "package_create", context={"user": p.admin["name"]},
        **dataset(name="crimes-restricted", owner_org=p.org["id"], access_rights="restricted",
                  resources=[{"url": LINK, "name": "Link", "format": "CSV"}]))
    p.link = p.dataset["resources"][0]
    return p


def grant(p, user, **dates):
    """An approved request of ``user`` (dates: granted_from/granted_until, ISO)."""
    from ckan.tests import helpers
    req = helpers.call_action("migration_access_request_create",
                              context={"user": user["name"]}, package_id=p.dataset["id"],
                              purpose="Research on hate crimes", wanted_until=iso(30))
    return helpers.call_action("migration_access_request_decide",
                               context={"user": p.admin["name"]}, id=req["id"],
                               decision="approve", **dates)
