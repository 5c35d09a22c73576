"""/harvest/dashboard: the page and its JSON, who may see them, and the link on /harvest."""
import pytest

from ckan.tests import factories, helpers

from ..harvesting.conftest import harvest_db  # noqa: F401
from ..harvesting.test_dashboard import sources  # noqa: F401  (recorded harvests)

pytestmark = pytest.mark.usefixtures("with_plugins", "harvest_db")
URL = "/harvest/dashboard"


def auth(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def test_page_as_sysadmin(app, sources):  # noqa: F811
    from ckan import model
    from ckanext.harvest.model import HarvestGatherError, HarvestJob
    job = model.Session.query(HarvestJob).filter_by(source_id=sources.broken.id).one()
    HarvestGatherError(message="<script>alert(1)</script> upstream said no", job=job).save()
    headers = auth(factories.Sysadmin())
    page = app.get(URL, headers=headers).body
    assert page.count('class="migration-harvest-source"') == 3
    assert "did not answer a CKAN package_search result" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert '<svg class="migration-harvest-trend"' in page
    failing = app.get(URL, query_string={"filter": "failing"}, headers=headers).body
    assert failing.count('class="migration-harvest-source"') == 1 and "Broken portal" in failing
    assert app.get(URL, query_string={"filter": "nope"}, headers=headers,
                   status=400).status_code == 400
    # the harvest source list links to the dashboard
    assert 'href="/harvest/dashboard"' in app.get("/harvest", headers=headers).body


def test_json(app, sources):  # noqa: F811
    headers = auth(factories.Sysadmin())
    by_param = app.get(URL, query_string={"format": "json"}, headers=headers).json
    by_accept = app.get(URL, headers=dict(headers, Accept="application/json")).json
    assert by_param["success"] and by_param["result"]["counts"] == \
        by_accept["result"]["counts"] == {"all": 3, "failing": 1, "stale": 0, "never_run": 1}
    api = helpers.call_action("migration_harvest_dashboard",
                              context={"user": factories.Sysadmin()["name"]})
    assert [r["id"] for r in api["sources"]] == [r["id"] for r in by_param["result"]["sources"]]
    bad = app.get(URL, query_string={"format": "json", "jobs": "99"}, headers=headers,
                  status=400).json
    assert "from 1 to 50" in bad["error"]["jobs"][0]


def test_who_may_see_it(app, sources):  # noqa: F811
    assert "Only sysadmins and the admins and editors" in app.get(URL, status=403).body
    assert app.get(URL, query_string={"format": "json"}, status=403).json["success"] is False
    stranger = factories.User()
    app.get(URL, headers=auth(stranger), status=403)
    assert 'href="/harvest/dashboard"' not in app.get("/harvest", headers=auth(stranger)).body
    editor = factories.User()
    helpers.call_action("organization_member_create", id=sources.org["id"],
                        username=editor["name"], role="editor")
    page = app.get(URL, headers=auth(editor)).body
    assert "HDX migration" in page and "Broken portal" in page and "Quiet portal" not in page
