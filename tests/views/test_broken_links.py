"""Link checks shown to people: the notice on the dataset and resource pages, the
`link_health` facet and filter, and the broken-links report (HTML and CSV) with its
permissions. The links are checked for real (`linkcheck.run`) against the local HTTP server
of tests/test_linkcheck.py; a private dataset is present in every test."""
import csv
import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers

from ckanext.migration import linkcheck

from ..factories import dataset
from ..test_linkcheck import ALLOW_PRIVATE, server  # noqa: F401  (the local HTTP server)

pytestmark = [pytest.mark.usefixtures("with_plugins", "migration_db"), ALLOW_PRIVATE]


def soup(response):
    return BeautifulSoup(response.body, "html.parser")


def text(node):
    return " ".join(node.get_text(" ", strip=True).split())


def _create(org, name, resources, creator="Eurostat", private=False, title=None):
    """resources: (path on the server, raw data?) pairs."""
    return helpers.call_action(
        "package_create", context={"user": factories.Sysadmin()["name"]},
        **dataset(name=name, title=title or name.replace("-", " ").capitalize(),
                  owner_org=org["id"], private=private,
                  creator=[{"name": creator,
                            "type": "http://purl.org/adms/publishertype/NationalAuthority"}],
                  resources=[{"url": url, "name": "%s %d" % (name, i), "format": "CSV",
                              "raw_data": "true" if raw else "false"}
                             for i, (url, raw) in enumerate(resources)]))


@pytest.fixture
def catalogue(server):  # noqa: F811
    """Two organisations; in each a public and a private dataset with broken links."""
    orgs = {"a": factories.Organization(name="org-a", title="Org A"),
            "b": factories.Organization(name="org-b", title="Org B")}
    url = server.url
    made = {
        # every raw-data link broken (the page about them works)
        "a-raw-gone": _create(orgs["a"], "a-raw-gone", [(url + "/missing", True),
                                                        (url + "/error", True),
                                                        (url + "/ok", False)]),
        # one raw-data link of two broken; the other works
        "a-some": _create(orgs["a"], "a-some", [(url + "/missing", True), (url + "/ok", True)],
                          creator="UNHCR"),
        "a-secret": _create(orgs["a"], "a-secret", [(url + "/error", True)], private=True),
        "b-fine": _create(orgs["b"], "b-fine", [(url + "/ok", True)], creator="IOM"),
        "b-secret": _create(orgs["b"], "b-secret", [(url + "/missing", True)],
                            creator="IOM", private=True),
        "b-unchecked": _create(orgs["b"], "b-unchecked", [("ftp://example.org/x", True)]),
    }
    counts = linkcheck.run()
    assert (counts["checked"], counts["broken"], counts["skipped"]) == (8, 5, 1)
    return {"orgs": orgs, "datasets": made, "server": server}


def _token(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def _org_user(org, role):
    user = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=user["name"],
                        role=role)
    return user


def _day(stamp):
    return dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S").strftime("%B %-d, %Y")


# --- the computed link health, in the API and the index -------------------------------------

def test_link_health_is_computed_and_indexed(catalogue):
    show = {n: helpers.call_action("package_show", id=n)["link_health"]
            for n in catalogue["datasets"]}
    assert show == {"a-raw-gone": "raw_data_broken", "a-some": "some_broken",
                    "a-secret": "raw_data_broken", "b-fine": "ok",
                    "b-secret": "raw_data_broken", "b-unchecked": "unchecked"}
    found = helpers.call_action("package_search", q="*:*", include_private=True,
                                context={"user": factories.Sysadmin()["name"]},
                                **{"facet.field": '["link_health"]'})
    items = {i["name"]: (i["count"], i["display_name"])
             for i in found["search_facets"]["link_health"]["items"]}
    assert items == {"raw_data_broken": (3, "Raw data links broken"),
                     "some_broken": (1, "Some links broken"), "ok": (1, "All links work"),
                     "unchecked": (1, "Links not checked yet")}
    # anonymous: the private ones are not counted
    public = helpers.call_action("package_search", fq="link_health:raw_data_broken")
    assert [d["name"] for d in public["results"]] == ["a-raw-gone"]


def test_link_health_cannot_be_set_by_hand(catalogue):
    """A computed field: sent back from the API it is ignored, the check decides."""
    pkg = helpers.call_action("package_show", id="a-raw-gone")
    helpers.call_action("package_update", context={"user": factories.Sysadmin()["name"]},
                        **dict(pkg, link_health="ok"))
    assert helpers.call_action("package_show", id="a-raw-gone")["link_health"] == \
        "raw_data_broken"


def test_recovery_is_seen_by_the_index(catalogue):
    """The checker re-indexes what it touched: a repaired link leaves the filter."""
    server = catalogue["server"]
    assert helpers.call_action("package_search", fq="link_health:some_broken")["count"] == 1
    resource = catalogue["datasets"]["a-some"]["resources"][0]
    helpers.call_action("resource_patch", context={"user": factories.Sysadmin()["name"]},
                        id=resource["id"], url=server.url + "/ok?fixed=1")
    linkcheck.run()
    assert helpers.call_action("package_search", fq="link_health:some_broken")["count"] == 0
    assert helpers.call_action("package_search", fq="link_health:ok")["count"] == 2


# --- the search page: facet and filter -------------------------------------------------------

def test_search_page_facet_and_filter(app, catalogue):
    page = soup(app.get("/dataset/"))
    facet = next(s for s in page.select("section.module-narrow")
                 if "Link checks" in s.get_text())
    labels = text(facet)
    assert "Raw data links broken" in labels and "Some links broken" in labels
    link = next(a for a in facet.select("a") if "Raw data links broken" in a.get_text())
    assert "link_health=raw_data_broken" in link["href"]
    assert "(1)" in text(link) or " 1" in text(link)  # the private ones are not counted

    filtered = soup(app.get("/dataset/", query_string={"link_health": "raw_data_broken"}))
    names = [a["href"].rsplit("/", 1)[-1] for a in filtered.select(".dataset-heading a")]
    assert names == ["a-raw-gone"]
    badge = filtered.select_one(".migration-link-health")
    assert text(badge) == "Raw data links broken"


# --- the dataset and resource pages ----------------------------------------------------------

def test_dataset_page_says_which_links_are_broken_and_since_when(app, catalogue):
    pkg = helpers.call_action("package_show", id="a-raw-gone")
    page = soup(app.get("/dataset/a-raw-gone"))
    badge = page.select_one("section.migration-quality .migration-link-health")
    since = max(r["link_broken_since"] for r in pkg["resources"] if r["raw_data"] == "true")
    assert text(badge) == "Raw data links broken since %s" % _day(since)
    # the transparency score is what it was: link health is said beside it
    assert "Transparency score: 100 /100" in text(page.select_one("section.migration-quality"))

    items = {item["data-id"]: item for item in page.select("li.resource-item")}
    missing, error, ok = pkg["resources"]
    notice = text(items[missing["id"]].select_one(".migration-link-broken"))
    assert notice.startswith("Link broken since %s HTTP 404" % _day(missing["link_broken_since"]))
    assert "last checked %s" % _day(missing["link_checked_at"]) in notice
    assert "never worked since checks began" in notice
    assert "HTTP 500" in text(items[error["id"]].select_one(".migration-link-broken"))
    assert items[ok["id"]].select_one(".migration-link-broken") is None


def test_some_broken_is_a_warning_not_a_raw_data_loss(app, catalogue):
    page = soup(app.get("/dataset/a-some"))
    assert text(page.select_one(".migration-link-health")) == "Some links broken"
    assert "migration-link-health-some_broken" in page.select_one(
        ".migration-link-health")["class"]
    fine = soup(app.get("/dataset/b-fine"))
    assert fine.select_one(".migration-link-health") is None
    assert fine.select_one(".migration-link-broken") is None


def test_resource_page_notice_with_status_and_dates(app, catalogue):
    server = catalogue["server"]
    pkg = catalogue["datasets"]["a-some"]
    broken = pkg["resources"][0]
    url = "/dataset/a-some/resource/%s" % broken["id"]
    page = soup(app.get(url))
    notice = page.select_one(".alert.migration-link-broken")
    shown = helpers.call_action("resource_show", id=broken["id"])
    assert text(notice.select_one("h2")) == "Link broken since %s" % _day(
        shown["link_broken_since"])
    body = text(notice)
    assert "The last check of this address failed: HTTP 404." in body
    assert "Last checked %s" % _day(shown["link_checked_at"]) in body
    assert "It has not worked since checks began." in body
    assert page.select_one(".alert.migration-link-broken") is not None

    # it worked once, then broke: the last good date is said
    helpers.call_action("resource_patch", context={"user": factories.Sysadmin()["name"]},
                        id=broken["id"], url=server.url + "/flip")
    server.flip_ok = True
    linkcheck.run()
    assert soup(app.get(url)).select_one(".migration-link-broken") is None
    server.flip_ok = False
    linkcheck.run()
    shown = helpers.call_action("resource_show", id=broken["id"])
    body = text(soup(app.get(url)).select_one(".alert.migration-link-broken"))
    assert "It last worked %s." % _day(shown["link_last_ok"]) in body

    working = pkg["resources"][1]
    assert soup(app.get("/dataset/a-some/resource/%s" % working["id"])).select_one(
        ".migration-link-broken") is None


def test_private_dataset_pages_stay_private(app, catalogue):
    app.get("/dataset/a-secret", status=404)
    assert "a-secret" not in app.get("/dataset/").body


# --- the report --------------------------------------------------------------------------------

def _report(app, user=None, status=200):
    headers = _token(user) if user else {}
    return app.get("/report/broken-links", headers=headers, status=status)


def _rows(page):
    """{producer: [(dataset, resource, url, status), ...]} as the report shows them."""
    out = {}
    for section in page.select(".migration-broken-links section"):
        producer = section.select_one("h2").contents[0].strip()
        out[producer] = [tuple(text(td) for td in row.select("td")[:4])
                         for row in section.select("tr.migration-broken-link")]
    return out


def test_report_refuses_anonymous_and_users_who_administer_nothing(app, catalogue):
    _report(app, status=403)
    app.get("/report/broken-links.csv", status=403)
    _report(app, factories.User(), status=403)
    # an editor maintains datasets but does not administer the organisation
    _report(app, _org_user(catalogue["orgs"]["a"], "editor"), status=403)


def test_sysadmin_report_has_every_broken_link_by_producer(app, catalogue):
    url = catalogue["server"].url
    page = soup(_report(app, factories.Sysadmin()))
    assert text(page.select_one(".migration-broken-count")) == "5 broken links"
    rows = _rows(page)
    assert list(rows) == ["Eurostat", "IOM", "UNHCR"]
    assert rows["Eurostat"] == [
        ("A raw gone Org A", "a-raw-gone 0 raw data", url + "/missing", "HTTP 404"),
        ("A raw gone Org A", "a-raw-gone 1 raw data", url + "/error", "HTTP 500"),
        ("A secret Private Org A", "a-secret 0 raw data", url + "/error", "HTTP 500")]
    assert rows["IOM"] == [
        ("B secret Private Org B", "b-secret 0 raw data", url + "/missing", "HTTP 404")]
    assert rows["UNHCR"] == [
        ("A some Org A", "a-some 0 raw data", url + "/missing", "HTTP 404")]
    row = page.select_one("tr.migration-broken-link")
    cells = [text(td) for td in row.select("td")]
    link = helpers.call_action("package_show", id="a-raw-gone")["resources"][0]
    assert cells[4] == _day(link["link_broken_since"])
    assert cells[5].startswith(_day(link["link_checked_at"]))
    assert cells[6] == "not since checks began"
    assert row.select("a")[0]["href"] == "/dataset/a-raw-gone"
    assert row.select("a")[1]["href"] == "/dataset/a-raw-gone/resource/%s" % link["id"]


def test_org_admin_report_has_their_organisations_only(app, catalogue):
    admin = _org_user(catalogue["orgs"]["b"], "admin")
    page = _report(app, admin)
    rows = _rows(soup(page))
    # org B's private dataset, not org A's public ones
    assert list(rows) == ["IOM"] and [r[0] for r in rows["IOM"]] == ["B secret Private Org B"]
    assert "a-raw-gone" not in page.body and "a-secret" not in page.body

    # an admin of A who is a mere member of B sees A's, not B's private one
    admin_a = _org_user(catalogue["orgs"]["a"], "admin")
    helpers.call_action("organization_member_create", id=catalogue["orgs"]["b"]["id"],
                        username=admin_a["name"], role="member")
    page = _report(app, admin_a)
    assert text(soup(page).select_one(".migration-broken-count")) == "4 broken links"
    assert "b-secret" not in page.body


def test_report_csv(app, catalogue):
    url = catalogue["server"].url
    admin = _org_user(catalogue["orgs"]["a"], "admin")
    response = app.get("/report/broken-links.csv", headers=_token(admin))
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment; filename=broken-links.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.body)))
    assert list(rows[0]) == list(linkcheck.CSV_COLUMNS)
    assert [(r["producer"], r["dataset_name"], r["url"], r["http_status"], r["raw_data"])
            for r in rows] == [
        ("Eurostat", "a-raw-gone", url + "/missing", "404", "True"),
        ("Eurostat", "a-raw-gone", url + "/error", "500", "True"),
        ("Eurostat", "a-secret", url + "/error", "500", "True"),
        ("UNHCR", "a-some", url + "/missing", "404", "True")]
    assert all(r["broken_since"] and r["checked_at"] and r["organization"] == "Org A"
               for r in rows)
    assert "b-secret" not in response.body


def test_report_without_broken_links(app, server):  # noqa: F811
    org = factories.Organization()
    _create(org, "fine", [(server.url + "/ok", True)])
    _create(org, "fine-secret", [(server.url + "/ok", True)], private=True)
    linkcheck.run()
    page = soup(_report(app, factories.Sysadmin()))
    assert text(page.select_one(".migration-broken-count")) == "0 broken links"
    assert page.select_one(".migration-no-broken-links") is not None


# --- the action --------------------------------------------------------------------------------

def test_action_by_organization_and_private_filtering(catalogue):
    sysadmin = factories.Sysadmin()["name"]
    call = helpers.call_action
    assert call("migration_broken_links", context={"user": sysadmin})["count"] == 5
    only_b = call("migration_broken_links", context={"user": sysadmin}, organizations=["org-b"])
    assert [link["dataset_name"] for g in only_b["producers"] for link in g["links"]] == [
        "b-secret"]
    assert only_b["producers"][0]["links"][0]["private"] is True
    # a string of names works too (the API's GET form)
    assert call("migration_broken_links", context={"user": sysadmin},
                organizations="org-a,org-b")["count"] == 5
    assert call("migration_broken_links", context={"user": sysadmin},
                organizations=[])["count"] == 0
    # anonymous: the public ones only, whatever organisations are asked for
    anonymous = call("migration_broken_links", context={"user": ""}, organizations=["org-b"])
    assert anonymous["count"] == 0
    anonymous = call("migration_broken_links", context={"user": ""})
    assert sorted({link["dataset_name"] for g in anonymous["producers"]
                   for link in g["links"]}) == ["a-raw-gone", "a-some"]
    # a member of B sees B's private one
    member = _org_user(catalogue["orgs"]["b"], "member")
    assert "b-secret" in str(call("migration_broken_links", context={"user": member["name"]}))


def test_action_bad_organizations(catalogue):
    with pytest.raises(Exception) as e:
        helpers.call_action("migration_broken_links", organizations=["no-such-org"])
    assert "no organization 'no-such-org'" in str(e.value)
    with pytest.raises(Exception) as e:
        helpers.call_action("migration_broken_links", organizations=[1, 2])
    assert "a list of organization ids or names" in str(e.value)
