"""Corrections pages: the dataset page's section, the thread with its forms, the site-wide
list; private datasets hidden; reports' HTML shown as text."""
import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers

from ..corrections.conftest import publisher  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("with_plugins", "corrections_db")

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def corrections_db(migration_db, migrate_db_for):
    migrate_db_for("migration")


def soup(resp):
    return BeautifulSoup(resp.body, "html.parser")


def _auth(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def _report(user, pkg_id, **changes):
    data = dict(package_id=pkg_id, kind="wrong_figure", description="The total is wrong.")
    data.update(changes)
    return helpers.call_action("correction_create", context={"user": user["name"]}, **data)


def test_dataset_page_section_with_count_badge(app, publisher):
    reporter = factories.User()
    _report(reporter, publisher.public["id"], description="First problem")
    _report(reporter, publisher.public["id"], description="Second problem")
    page = soup(app.get("/dataset/public-data"))
    section = page.select_one("#corrections")
    assert section is not None
    assert section.select_one(".migration-corrections-count").get_text(strip=True) == "2"
    items = [li.get_text(" ", strip=True) for li in section.select(".migration-correction-summary")]
    assert "Second problem" in items[0] and "First problem" in items[1]   # newest first
    link = section.select_one(".migration-report-problem")["href"]
    assert link == "/dataset/public-data/corrections#report"


def test_report_form_posts_and_shows_in_thread(app, publisher):
    reporter = factories.User()
    thread = soup(app.get("/dataset/public-data/corrections", headers=_auth(reporter)))
    form = thread.select_one("form.migration-report-form")
    assert form is not None and form.select_one("input[name=_csrf_token]") is not None
    resp = app.post("/dataset/public-data/corrections/new", headers=_auth(reporter), data={
        "kind": "outdated", "description": "Newer figures exist: " + SCRIPT,
        "evidence_url": "https://example.org/new"}, follow_redirects=False)
    assert resp.status_code == 302
    assert "/dataset/public-data/corrections#correction-" in resp.headers["Location"]
    resp = app.get("/dataset/public-data/corrections")
    page = soup(resp)
    assert page.select_one(".migration-corrections-count").get_text(strip=True) == "1"
    text = page.select_one(".migration-correction-description").get_text()
    assert SCRIPT in text                                   # shown as text...
    assert "<script>alert" not in resp.body and "<img src=x" not in resp.body   # ...escaped
    assert "&lt;script&gt;" in resp.body
    assert page.select_one(".migration-correction-kind").get_text(strip=True) == "Outdated"
    # anonymous visitors read the thread but are asked to log in to report
    assert page.select_one("form.migration-report-form") is None
    assert "Log in to report a problem" in resp.body


def test_bad_report_says_what_was_wrong(app, publisher):
    reporter = factories.User()
    resp = app.post("/dataset/public-data/corrections/new", headers=_auth(reporter), data={
        "kind": "nonsense", "description": "x" * 4001, "evidence_url": "ftp:/x"},
        status=400)
    alert = soup(resp).select_one(".migration-report-form .alert-danger").get_text(" ")
    assert "at most 4000" in alert and "wrong_figure, wrong_metadata" in alert
    assert "evidence_url" in alert
    assert helpers.call_action("correction_list")["count"] == 0


def test_publisher_answers_in_thread(app, publisher):
    reporter = factories.User()
    made = _report(reporter, publisher.public["id"])
    page = soup(app.get("/dataset/public-data/corrections", headers=_auth(publisher.admin)))
    assert page.select_one("form.migration-correction-answer-form") is not None
    reporter_page = soup(app.get("/dataset/public-data/corrections", headers=_auth(reporter)))
    assert reporter_page.select_one("form.migration-correction-answer-form") is None
    assert reporter_page.select_one("form.migration-correction-comment-form") is not None
    # the reporter cannot change the status through the form
    app.post("/dataset/public-data/corrections/" + made["id"], headers=_auth(reporter),
             data={"status": "fixed", "answer": "done"}, status=403)
    resp = app.post("/dataset/public-data/corrections/" + made["id"],
                    headers=_auth(publisher.admin),
                    data={"status": "fixed", "answer": "Corrected <b>today</b>."},
                    follow_redirects=False)
    assert resp.status_code == 302
    page = soup(app.get("/dataset/public-data/corrections"))
    assert "Corrected <b>today</b>." in page.select_one(".migration-correction-answer").get_text()
    assert page.select_one(".migration-correction-status").get_text(strip=True) == "Fixed"
    history = page.select_one(".migration-correction-history").get_text(" ", strip=True)
    assert "Open → Fixed" in history


def test_private_dataset_thread_is_404_for_outsiders(app, publisher):
    _report(publisher.member, publisher.private["id"], description="Private problem")
    outsider = factories.User()
    app.get("/dataset/private-data/corrections", status=404)
    app.get("/dataset/private-data/corrections", headers=_auth(outsider), status=404)
    app.post("/dataset/private-data/corrections/new", headers=_auth(outsider),
             data={"kind": "duplicate", "description": "x"}, status=404)
    for headers in ({}, _auth(outsider)):
        resp = app.get("/corrections", headers=headers)
        assert "Private problem" not in resp.body
        assert soup(resp).select_one(".migration-corrections-total").get_text(strip=True) \
            == "0 corrections"
    member_list = app.get("/corrections", headers=_auth(publisher.member))
    assert "Private problem" in member_list.body


def test_site_wide_list_filters(app, publisher):
    reporter = factories.User()
    _report(reporter, publisher.public["id"], kind="duplicate", description="Dup here")
    made = _report(reporter, publisher.public["id"], kind="outdated", description="Old here")
    helpers.call_action("correction_update", context={"user": publisher.admin["name"]},
                        id=made["id"], status="acknowledged")
    page = soup(app.get("/corrections"))
    assert page.select_one(".migration-corrections-total").get_text(strip=True) == "2 corrections"
    page = soup(app.get("/corrections", query_string={"status": "acknowledged"}))
    rows = page.select(".migration-corrections-row")
    assert len(rows) == 1 and "Old here" in rows[0].get_text()
    page = soup(app.get("/corrections", query_string={"kind": "duplicate",
                                                      "organization": publisher.org["name"]}))
    assert [r.get_text(" ", strip=True) for r in page.select(".migration-corrections-row")][0] \
        .count("Dup here") == 1
    page = soup(app.get("/corrections", query_string={"older_than_days": "30"}))
    assert page.select(".migration-corrections-row") == []
    resp = app.get("/corrections", query_string={"status": "closed"}, status=400)
    assert "open, acknowledged, fixed, declined" in resp.body


def test_stale_corrections_in_quality_badges(app, publisher):
    import datetime as dt
    from ckan import model
    from ckanext.migration.corrections.tables import Correction
    made = _report(factories.User(), publisher.public["id"])
    page = soup(app.get("/dataset/public-data"))
    assert page.select_one(".migration-stale-corrections") is None
    row = model.Session.get(Correction, made["id"])
    row.created = dt.datetime.utcnow() - dt.timedelta(days=31)
    model.Session.commit()
    badge = soup(app.get("/dataset/public-data")).select_one(".migration-stale-corrections")
    assert badge.get_text(strip=True) == "1 correction open for over 30 days"


def test_activity_stream_says_reported_and_answered(app, publisher):
    reporter = factories.User(fullname="Rita Reporter")
    made = _report(reporter, publisher.public["id"])
    helpers.call_action("correction_update", context={"user": publisher.admin["name"]},
                        id=made["id"], status="declined", answer="The figure is right")
    text = soup(app.get("/dataset/activity/public-data")).get_text(" ", strip=True)
    assert "Rita Reporter reported a problem with" in text
    assert "answered a correction of" in text and "(Declined)" in text


@pytest.mark.ckan_config("ckanext.migration.corrections.allow_anonymous", True)
def test_anonymous_report_with_an_email_address_when_allowed(app, publisher):
    page = soup(app.get("/dataset/public-data/corrections"))
    form = page.select_one("form.migration-report-form")
    assert form.select_one("input[name=reporter_email]") is not None
    token = form.select_one("input[name=_csrf_token]")["value"]
    data = {"_csrf_token": token, "kind": "broken_link", "description": "The CSV link is dead"}
    resp = app.post("/dataset/public-data/corrections/new", data=data, status=400)
    assert "e-mail address is needed" in soup(resp).select_one(".alert-danger").get_text()
    resp = app.post("/dataset/public-data/corrections/new", follow_redirects=False,
                    data=dict(data, reporter_email="visitor@example.org"))
    assert resp.status_code == 302
    page = app.get("/dataset/public-data/corrections")
    assert "Reported by a visitor" in page.body
    assert "visitor@example.org" not in page.body           # the address is not published
    admin_page = app.get("/dataset/public-data/corrections", headers=_auth(publisher.admin))
    assert "visitor@example.org" in admin_page.body


def test_anonymous_reports_are_off_by_default(app, publisher):
    page = soup(app.get("/dataset/public-data/corrections"))
    assert page.select_one("form.migration-report-form") is None
    token = page.select_one("meta[name=_csrf_token]")["content"]
    resp = app.post("/dataset/public-data/corrections/new", status=403,
                    data={"_csrf_token": token, "kind": "broken_link", "description": "x",
                          "reporter_email": "visitor@example.org"})
    assert "Log in to report a problem" in resp.body
    assert helpers.call_action("correction_list")["count"] == 0
