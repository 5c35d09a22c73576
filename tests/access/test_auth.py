"""Who reads a restricted dataset's data: every path that serves its files, links or
DataStore rows, for each kind of visitor (one function decides: access.can_access_data)."""
import pytest

from ckan.tests import factories, helpers

from ckanext.migration import access

from ..factories import dataset
from .conftest import LINK, RESTRICTED

pytestmark = pytest.mark.usefixtures("with_plugins")

ALLOWED = ("member", "sysadmin", "grantee")
DENIED = ("anonymous", "stranger", "other_org", "expired", "denied", "revoked")


def client(app, world, persona):
    """A browser of the persona (logged in through the session, as on the site)."""
    from ckan import model
    user = world.people.get(persona)
    return app.test_client(user=model.User.get(user["name"]) if user else None)


def _get(app, world, persona, url, **kwargs):
    return client(app, world, persona).get(url, follow_redirects=False, **kwargs)


@pytest.mark.parametrize("persona", ALLOWED + DENIED)
def test_data_paths(app, world, persona):
    p, allowed = world, persona in ALLOWED
    pid, link, up = p.dataset["name"], p.link["id"], p.upload["id"]

    shown = _get(app, p, persona, "/api/3/action/package_show?id=" + pid).json["result"]
    urls = {r["id"]: r["url"] for r in shown["resources"]}
    flags = {r["id"]: r.get("restricted") for r in shown["resources"]}
    if allowed:
        assert urls[link] == LINK and urls[up].endswith("/download/crimes.csv")
        assert not any(flags.values())
    else:
        assert urls == {link: "", up: ""} and all(flags.values())
        assert all(r["access_url"].endswith("/dataset/%s/request-access" % pid)
                   for r in shown["resources"])
        assert LINK not in str(shown) and "crimes.csv" not in str(shown)

    resp = _get(app, p, persona, "/api/3/action/resource_show?id=" + link)
    assert resp.status_code == (200 if allowed else 403)
    if not allowed:
        assert "restricted" in resp.json["error"]["message"]

    resp = _get(app, p, persona, "/dataset/%s/resource/%s/download" % (pid, link))
    assert resp.status_code == (302 if allowed else 403)
    if allowed:
        assert resp.headers["Location"] == LINK

    resp = _get(app, p, persona, "/dataset/%s/resource/%s/download/crimes.csv" % (pid, up))
    assert resp.status_code == (200 if allowed else 403)
    assert (b"2023,412" in resp.get_data()) is allowed

    resp = _get(app, p, persona, "/api/3/action/datastore_search?resource_id=" + link)
    assert resp.status_code == (200 if allowed else 403)
    if allowed:
        assert resp.json["result"]["records"][0]["victims"] == 412

    resp = _get(app, p, persona, "/api/3/action/datastore_info?id=" + link)
    assert resp.status_code == (200 if allowed else 403)

    for fmt in ("csv", "xlsx"):
        resp = _get(app, p, persona, "/datastore/dump/%s?format=%s" % (link, fmt))
        assert resp.status_code == (200 if allowed else 404), fmt
        if not allowed:
            # the page CKAN shows for a 404, not a file; "412" alone could be in its
            # random CSRF token, the column name cannot
            assert resp.mimetype == "text/html", fmt
            assert "attachment" not in resp.headers.get("Content-Disposition", "")
            assert b"victims" not in resp.get_data()

    # the resource page itself is public (the description), without the file
    resp = _get(app, p, persona, "/dataset/%s/resource/%s" % (pid, link))
    assert resp.status_code == 200
    assert (LINK in resp.get_data(as_text=True)) is allowed


def test_can_access_data(world):
    p = world
    assert access.can_access_data(None, p.dataset["id"]) is False
    assert access.can_access_data(p.people["grantee"]["name"], p.dataset) is True
    assert access.can_access_data(p.people["expired"]["name"], p.dataset) is False
    assert access.can_access_data(p.editor["name"], p.dataset["name"]) is True
    assert access.can_access_data(p.stranger["name"], p.dataset) is False


def test_public_and_private_datasets_unchanged(app, restricted):
    """No access rights, PUBLIC, or private with RESTRICTED: CKAN's rules as before."""
    p = restricted
    admin = {"user": p.admin["name"]}
    open_pkg = helpers.call_action("package_create", context=dict(admin), **dataset(
        name="open-one", owner_org=p.org["id"]))
    private = helpers.call_action("package_create", context=dict(admin), **dataset(
        name="private-one", owner_org=p.org["id"], private=True, access_rights=RESTRICTED))
    assert not access.is_restricted(open_pkg) and not access.is_restricted(private)
    shown = helpers.call_action("package_show", context={"user": ""}, id="open-one")
    assert shown["resources"][0]["url"].startswith("https://ec.europa.eu/")
    resp = app.get("/dataset/open-one/resource/%s/download" % open_pkg["resources"][0]["id"],
                   follow_redirects=False)
    assert resp.status_code == 302
    # a private dataset stays hidden (404), not "restricted"
    app.get("/dataset/private-one", status=404)
    member = factories.APIToken(user=p.member["name"])["token"]
    shown = app.get("/api/3/action/package_show?id=private-one",
                    headers={"Authorization": member}).json["result"]
    assert shown["resources"][0]["url"].startswith("https://ec.europa.eu/")
    assert not shown["resources"][0].get("restricted")


@pytest.mark.parametrize("persona", ("anonymous", "expired", "member", "grantee"))
def test_chart_and_table_views(app, world, persona):
    """Our chart view and CKAN's table view of a restricted resource: its rows for who
    may read them only."""
    p, allowed = world, persona in ALLOWED
    from ckan import model
    views = [helpers.call_action("resource_view_create", context={"user": p.admin["name"]},
                                 resource_id=p.link["id"], view_type=kind, title=kind)
             for kind in ("migration_chart_view", "datatables_view")]
    model.Session.commit()
    for view in views:
        resp = _get(app, p, persona, "/dataset/%s/resource/%s/view/%s" % (
            p.dataset["name"], p.link["id"], view["id"]))
        assert resp.status_code == (200 if allowed else 404), view["view_type"]
    chart = _get(app, p, persona, "/dataset/%s/resource/%s/view/%s" % (
        p.dataset["name"], p.link["id"], views[0]["id"]))
    if allowed:     # the chart draws the row (a refusal is CKAN's 404 page, above)
        assert "412" in chart.get_data(as_text=True)
    # the table view's rows come from datastore_search: refused (test_data_paths)
