"""Corrections in a real browser: a reader reports a problem on a dataset page, the
organisation's admin answers it, the reader and an anonymous visitor see the history."""
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


def _log_out(page):
    page.context.clear_cookies()


@pytest.fixture
def corrections_tables(migrate_db_for, live_server):
    migrate_db_for("migration")


def test_report_answer_and_history(page, live_server, corrections_tables, screenshot):
    from ckan.tests import factories, helpers
    from ..factories import dataset
    reader = _user(fullname="Rita Reader", email="rita@example.org")
    admin = _user(fullname="Ada Admin", email="ada@producer.example")
    org = factories.Organization(image_url="", title="Eurostat publications",
                                 users=[{"name": admin["name"], "capacity": "admin"}])
    helpers.call_action("package_create", context={"user": admin["name"]},
                        **dataset(name="asylum-data", owner_org=org["id"]))
    # a private dataset's correction must show nowhere for others
    helpers.call_action("package_create", context={"user": admin["name"]},
                        **dataset(name="secret-data", owner_org=org["id"], private=True))
    helpers.call_action("correction_create", context={"user": admin["name"]},
                        package_id="secret-data", kind="duplicate",
                        description="Secret duplicate")

    # the reader reports a problem from the dataset page
    _log_in(page, reader)
    page.goto("/dataset/asylum-data")
    section = page.locator("#corrections")
    expect(section.locator(".migration-corrections-count")).to_have_text("0")
    section.get_by_role("link", name="Report a problem").click()
    expect(page.get_by_role("heading", name="Report a problem")).to_be_visible()
    page.select_option("#field-kind", "wrong_figure")
    page.fill("#field-field", "sample_size")
    page.fill("#field-description", "The 2019 total is 1,234, not 12,340. <script>window.pwned=1</script>")
    page.fill("#field-evidence", "https://example.org/evidence.pdf")
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator(".flash-messages")).to_contain_text("Thank you")
    card = page.locator(".migration-correction").first
    expect(card.locator(".migration-correction-status")).to_have_text("Open")
    expect(card.locator(".migration-correction-description")).to_contain_text(
        "<script>window.pwned=1</script>")
    assert page.evaluate("window.pwned") is None
    # the page's own part: CKAN's header for logged-in users has its own findings
    assert_accessible(page, include="#content")
    screenshot("corrections-reported.png")
    page.goto("/dataset/asylum-data")
    expect(page.locator("#corrections .migration-corrections-count")).to_have_text("1")
    expect(page.locator("#corrections")).to_contain_text("The 2019 total is 1,234")
    assert_accessible(page, include="#corrections")

    # the organisation's admin answers: fixed, with an answer
    _log_out(page)
    _log_in(page, admin)
    page.goto("/dataset/asylum-data/corrections")
    form = page.locator("form.migration-correction-answer-form").first
    form.locator("select[name=status]").select_option("fixed")
    form.locator("textarea[name=answer]").fill("Corrected: the total is now 1,234.")
    assert_accessible(page, include="#content")
    screenshot("corrections-answer-form.png")
    form.get_by_role("button", name="Save the answer").click()
    expect(page.locator(".migration-correction-status").first).to_have_text("Fixed")

    # the reader and an anonymous visitor see the history
    for who in (reader, None):
        _log_out(page)
        if who:
            _log_in(page, who)
        page.goto("/dataset/asylum-data/corrections")
        card = page.locator(".migration-correction").first
        expect(card.locator(".migration-correction-answer")).to_contain_text(
            "Corrected: the total is now 1,234.")
        expect(card.locator(".migration-correction-history")).to_contain_text("Open → Fixed")
        expect(card).to_contain_text("Reported by Rita Reader")
        assert page.locator("form.migration-correction-answer-form").count() == 0
    expect(page.get_by_role("link", name="Log in to report a problem")).to_be_visible()
    assert_accessible(page)
    screenshot("corrections-thread-anonymous.png")

    # the site-wide list: the public correction, not the private one
    page.goto("/corrections?status=fixed")
    expect(page.locator(".migration-corrections-row")).to_have_count(1)
    page.goto("/corrections")
    expect(page.locator("body")).not_to_contain_text("Secret duplicate")
    assert_accessible(page)
    screenshot("corrections-list.png")
    page.goto("/dataset/activity/asylum-data")
    expect(page.locator("body")).to_contain_text("Rita Reader reported a problem with")
    expect(page.locator("body")).to_contain_text("answered a correction of")
    screenshot("corrections-activity.png")
    # outside addresses (avatars) are answered 404 by the test's browser: not script errors
    assert [e for e in page.console_errors if not e.startswith("Failed to load resource")] == []
