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


def upload(text="year,victims\n2023,412\n"):
    import io
    from ckan.tests.pytest_ckan.fixtures import FakeFileStorage
    return FakeFileStorage(io.BytesIO(text.encode("utf-8")), "crimes.csv")


@pytest.fixture
def world(with_plugins, datastore_db, restricted):
    """``restricted`` plus an uploaded file (p.upload), a DataStore table on the link and
    an API token per persona (p.tokens): anonymous, stranger, other_org, member, sysadmin,
    grantee (within the period), expired, denied and revoked requesters."""
    from ckan import model
    from ckan.tests import factories, helpers
    from ckanext.migration.access.tables import AccessRequest
    p = restricted
    admin = {"user": p.admin["name"]}
    p.upload = helpers.call_action("resource_create", context=dict(admin), **{
        "upload": upload(), "package_id": p.dataset["id"], "name": "Upload", "format": "CSV"})
    helpers.call_action("datastore_create", context=dict(admin), resource_id=p.link["id"],
                        force=True, fields=[{"id": "year", "type": "int"},
                                            {"id": "victims", "type": "int"}],
                        records=[{"year": 2023, "victims": 412}])
    people = {"stranger": p.stranger, "other_org": p.other_member, "member": p.member,
              "sysadmin": p.sysadmin}
    for name in ("grantee", "expired", "denied", "revoked"):
        people[name] = factories.User(name="access-" + name)
    grant(p, people["grantee"])
    old = grant(p, people["expired"])
    row = model.Session.get(AccessRequest, old["id"])
    row.granted_from, row.granted_until = (dt.date.today() - dt.timedelta(days=40),
                                           dt.date.today() - dt.timedelta(days=1))
    model.Session.commit()
    req = helpers.call_action("migration_access_request_create",
                              context={"user": people["denied"]["name"]},
                              package_id=p.dataset["id"], purpose="Curiosity",
                              wanted_until=iso(10))
    helpers.call_action("migration_access_request_decide", context=dict(admin), id=req["id"],
                        decision="deny", message="Not a research purpose")
    revoked = grant(p, people["revoked"])
    helpers.call_action("migration_access_request_revoke", context=dict(admin),
                        id=revoked["id"], message="Project ended")
    p.people = people
    p.tokens = {"anonymous": None}
    for name, user in people.items():
        p.tokens[name] = factories.APIToken(user=user["name"])["token"]
    model.Session.commit()
    return p
