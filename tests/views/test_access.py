"""Restricted-data pages: the dataset page's panel, the request form, the admins' decisions
on /access-requests, a grantee's downloads in the audit trail (page and CSV)."""
import csv
import io

import pytest
from bs4 import BeautifulSoup

from ckan import model
from ckan.tests import factories, helpers

from ..access.conftest import LINK, iso, restricted, upload  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("with_plugins")


def soup(resp):
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def browser(app, user=None):
    """A client of ``user`` (API token: no cookies kept, no CSRF token needed)."""
    client = app.test_client(use_cookies=False)
    headers = {"Authorization": factories.APIToken(user=user["name"])["token"]} if user else {}

    class Browser:
        def get(self, url, **kw):
            return client.get(url, headers=headers, follow_redirects=False, **kw)

        def post(self, url, data, **kw):
            return client.post(url, headers=headers, data=data, follow_redirects=False, **kw)
    return Browser()


def test_dataset_page_panel_and_resource_list(app, restricted):
    p = restricted
    page = soup(browser(app).get("/dataset/crimes-restricted"))
    panel = page.select_one(".migration-access-panel")
    assert "the data files are shared on request" in panel.get_text()
    assert panel.select_one(".migration-access-rights").get_text() == "Restricted"
    assert panel.select_one(".migration-request-access")["href"] == \
        "/dataset/crimes-restricted/request-access"
    item = page.select_one(".resource-item")
    assert item.select_one(".migration-resource-locked") is not None
    assert item.select_one(".migration-resource-restricted") is not None
    assert item.select_one(".dropdown-menu") is None
    assert LINK not in str(page)
    technical = page.select_one(".migration-technical-access_rights")
    assert technical is not None and "Restricted" in technical.get_text()
    # the resource page: the panel instead of the download button
    res_page = soup(browser(app).get("/dataset/crimes-restricted/resource/" + p.link["id"]))
    assert res_page.select_one(".migration-access-panel") is not None
    assert res_page.select_one(".resource-url-analytics") is None
    # a member: no lock, the link
    member_page = browser(app, p.member).get("/dataset/crimes-restricted").get_data(as_text=True)
    assert LINK in member_page and "migration-resource-locked" not in member_page
    assert "You have access as a member" in member_page


def test_anonymous_request_page_asks_to_log_in(app, restricted):
    page = soup(browser(app).get("/dataset/crimes-restricted/request-access"))
    login = page.select_one("a.migration-access-login")
    assert login is not None and "came_from=/dataset/crimes-restricted/request-access" in \
        login["href"]
    assert page.select_one("form.migration-access-form") is None


def test_request_approve_download_audit(app, datastore_db, restricted):
    p = restricted
    helpers.call_action("datastore_create", context={"user": p.admin["name"]},
                        resource_id=p.link["id"], force=True,
                        fields=[{"id": "year", "type": "int"}], records=[{"year": 2023}])
    up = helpers.call_action("resource_create", context={"user": p.admin["name"]}, **{
        "upload": upload(), "package_id": p.dataset["id"], "name": "Upload", "format": "CSV"})
    asker, admin = browser(app, p.stranger), browser(app, p.admin)
    form = soup(asker.get("/dataset/crimes-restricted/request-access"))
    assert form.select_one("#field-email")["value"] == "r@uni.example"
    # a bad request says which field is wrong
    resp = asker.post("/dataset/crimes-restricted/request-access",
                      data={"purpose": "", "wanted_until": iso(20)})
    assert resp.status_code == 400
    assert "purpose: Missing value: say why you need the data" in \
        soup(resp).select_one(".alert-danger").get_text(" ", strip=True)
    resp = asker.post("/dataset/crimes-restricted/request-access", data={
        "purpose": "Hate-crime research", "intended_use": "Report", "organisation": "Uni",
        "wanted_from": iso(), "wanted_until": iso(20)})
    assert resp.status_code == 302
    mine = soup(asker.get("/dataset/crimes-restricted/request-access"))
    assert mine.select_one(".migration-request-pending") is not None
    assert asker.get("/dataset/%s/resource/%s/download" % ("crimes-restricted",
                                                          p.link["id"])).status_code == 403

    # the admin's list: approve for 10 days
    page = soup(admin.get("/access-requests"))
    (item,) = page.select(".migration-access-item")
    assert "Hate-crime research" in item.get_text()
    action = item.select_one("form.migration-decide-form")["action"]
    resp = admin.post(action, data={"decision": "deny", "message": ""})
    assert resp.status_code == 400
    assert "message: Missing value" in soup(resp).select_one(".alert-danger").get_text(" ", strip=True)
    resp = admin.post(action, data={"decision": "approve", "granted_from": iso(),
                                    "granted_until": iso(10), "message": "Granted"})
    assert resp.status_code == 302
    # strangers do not decide
    assert browser(app, p.other_member).post(action, data={"decision": "approve"}).status_code == 403

    # the grantee: the panel says until when; the downloads are recorded
    page = asker.get("/dataset/crimes-restricted").get_data(as_text=True)
    assert LINK in page and "You have access until" in page
    resp = asker.get("/dataset/crimes-restricted/resource/%s/download" % p.link["id"])
    assert resp.status_code == 302 and resp.headers["Location"] == LINK
    resp = asker.get("/dataset/crimes-restricted/resource/%s/download/crimes.csv" % up["id"])
    assert resp.status_code == 200
    assert asker.get("/datastore/dump/%s?format=xlsx" % p.link["id"]).status_code == 200
    assert asker.get("/api/3/action/datastore_search?resource_id=" + p.link["id"]).status_code == 200
    # a member's download is not a grantee's: not recorded
    assert browser(app, p.member).get(
        "/dataset/crimes-restricted/resource/%s/download" % p.link["id"]).status_code == 302

    page = soup(admin.get("/access-requests/audit"))
    events = [tr["class"][0] for tr in page.select(".migration-audit-table tbody tr")]
    assert events == ["migration-audit-datastore", "migration-audit-download",
                      "migration-audit-download", "migration-audit-download",
                      "migration-audit-approved", "migration-audit-requested"]
    resp = admin.get("/access-requests/audit?format=csv&event=download")
    assert resp.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [r["user"] for r in rows] == [p.stranger["name"]] * 3
    assert {r["resource_id"] for r in rows} == {p.link["id"], up["id"]}
    assert any(r["detail"].endswith("?format=xlsx") for r in rows)
    # the audit is for admins
    assert browser(app, p.member).get("/access-requests/audit").status_code == 403
    assert browser(app).get("/access-requests/audit").status_code == 302
    bad = admin.get("/access-requests/audit?event=viewed")
    assert bad.status_code == 400 and "event" in soup(bad).select_one(".alert-danger").get_text()

    # revoke: no more downloads
    page = soup(admin.get("/access-requests"))
    action = page.select_one("form.migration-decide-form")["action"]
    assert admin.post(action, data={"decision": "revoke", "message": "Ended"}).status_code == 302
    assert asker.get("/dataset/crimes-restricted/resource/%s/download" % p.link["id"]
                     ).status_code == 403
