"""Restricted data in a real browser: a visitor sees that the data exists and how to ask,
logs in and requests access; the organisation's admin approves it on /access-requests; the
requester downloads the file, and the download is in the audit trail."""
import datetime as dt

import pytest
from playwright.sync_api import expect

from .a11y import assert_accessible

PASSWORD = "correct-horse-77"


def _user(**changes):
    from ckan.tests import factories
    return factories.User(password=PASSWORD, **changes)


def _log_in(page, user):
    page.goto("/user/login")
    page.fill("#field-login", user["name"])
    page.fill("#field-password", PASSWORD)
    page.locator("form:has(#field-login) button[type=submit]").click()
    page.wait_for_load_state()


def test_request_approve_download(page, live_server, screenshot):
    import io
    from ckan import model
    from ckan.tests import factories, helpers
    from ckan.tests.pytest_ckan.fixtures import FakeFileStorage
    from ..factories import dataset
    requester = _user(fullname="Rita Researcher", email="rita@uni.example")
    admin = _user(fullname="Ada Admin", email="ada@police.example")
    org = factories.Organization(image_url="", title="Regional police cooperation",
                                 users=[{"name": admin["name"], "capacity": "admin"}])
    pkg = helpers.call_action("package_create", context={"user": admin["name"]}, **dataset(
        name="crimes-against-migrants", title="Crimes against migrants reported to the police",
        owner_org=org["id"], access_rights="RESTRICTED", resources=[]))
    helpers.call_action("resource_create", context={"user": admin["name"]}, **{
        "package_id": pkg["id"], "name": "Incident records", "format": "CSV",
        "raw_data": "true",
        "upload": FakeFileStorage(io.BytesIO(b"year,victims\n2023,412\n"), "incidents.csv")})
    model.Session.commit()

    # a visitor: the description, the restricted panel, no download
    page.goto("/dataset/crimes-against-migrants")
    panel = page.locator(".migration-access-panel")
    expect(panel).to_contain_text("the data files are shared on request")
    expect(panel.locator(".migration-access-rights")).to_have_text("Restricted")
    expect(page.locator(".migration-raw-data-download")).to_have_count(0)
    expect(page.locator(".resource-item .migration-resource-restricted")).to_have_text("Restricted")
    assert_accessible(page)
    screenshot("access-restricted-dataset.png")
    panel.get_by_role("link", name="Request access").click()
    expect(page.locator("a.migration-access-login")).to_be_visible()

    # the requester logs in and asks
    _log_in(page, requester)
    page.goto("/dataset/crimes-against-migrants/request-access")
    expect(page.locator("#field-email")).to_have_value("rita@uni.example")
    page.fill("#field-organisation", "University of Dakar")
    page.fill("#field-purpose", "Study of hate crimes against migrants in West Africa")
    page.fill("#field-intended-use", "Aggregated tables in a peer-reviewed article")
    until = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    page.fill("#field-wanted-until", until)
    assert_accessible(page, include="#content")
    screenshot("access-request-form.png")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".flash-messages")).to_contain_text("Your request was sent")
    expect(page.locator(".migration-my-requests")).to_contain_text("Pending")
    page.context.clear_cookies()

    # the admin approves it for 30 days
    _log_in(page, admin)
    page.goto("/access-requests")
    item = page.locator(".migration-access-item").first
    expect(item).to_contain_text("Study of hate crimes against migrants")
    expect(item).to_contain_text("University of Dakar")
    granted = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    item.locator("input[name=granted_until]").fill(granted)
    item.locator("textarea[name=message]").fill("Granted for the article; do not share rows.")
    assert_accessible(page, include="#content")
    screenshot("access-requests-admin.png")
    item.get_by_role("button", name="Approve").click()
    expect(page.locator(".flash-messages")).to_contain_text("The decision was saved")
    expect(page.locator(".migration-access-item").first).to_contain_text("Approved")
    page.context.clear_cookies()

    # the requester downloads the file
    _log_in(page, requester)
    page.goto("/dataset/crimes-against-migrants")
    expect(page.locator(".migration-access-granted")).to_contain_text("You have access until")
    with page.expect_download() as download:
        page.locator(".migration-raw-data-download").first.click()
    path = download.value.path()
    assert open(path, "rb").read() == b"year,victims\n2023,412\n"
    screenshot("access-granted-dataset.png")
    page.context.clear_cookies()

    # the admin's audit trail has it
    _log_in(page, admin)
    page.goto("/access-requests/audit")
    rows = page.locator(".migration-audit-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Download")
    expect(rows.nth(0)).to_contain_text(requester["name"])
    expect(rows.nth(1)).to_contain_text("Approved")
    expect(rows.nth(2)).to_contain_text("Requested")
    assert_accessible(page, include="#content")
    screenshot("access-audit.png")
