"""The producers' data handbook in a browser: from the dataset page's provenance box to the
producer's handbook, its PDF link, and every producer's page; accessible (axe-core);
screenshots .run/test/screenshots/handbook-producer.png, handbook-all.png, ar-handbook.png."""
import datetime as dt

import pytest
from playwright.sync_api import expect

from .a11y import assert_accessible


@pytest.fixture(autouse=True)
def corrections_tables(live_server, migrate_db_for):
    """The corrections' tables: the dataset page shows their counts."""
    migrate_db_for("migration")

TODAY = dt.date.today().isoformat()
MONTHLY = "http://publications.europa.eu/resource/authority/frequency/MONTHLY"


def _catalogue(create_dataset):
    create_dataset(name="asylum-monthly", title="Asylum applicants, monthly",
                   modified=TODAY, frequency=MONTHLY)
    create_dataset(name="remittances-survey", title="Remittances survey",
                   topics=["remittances"], gcm_objectives=["20"], countries=["MLI", "SEN"],
                   source_type="survey", collection_method="Household survey",
                   sample_size=None, caveat_flags=["self_reported", "provisional_figures"],
                   temporal_coverage=[{"start": "2015", "end": "2019"}])
    create_dataset(name="secret-table", title="Secret table", private=True,
                   countries=["NER"], caveat_flags=["modelled_estimates"])


def test_producer_handbook(page, screenshot, create_dataset):
    _catalogue(create_dataset)
    page.goto("/dataset/asylum-monthly")
    page.locator("a.migration-handbook-link").click()
    page.wait_for_url("**/handbook/**")
    expect(page.locator("h1")).to_have_text("Data handbook: Eurostat publications")
    stats = page.locator(".migration-handbook-stats")
    # the private dataset is not counted for an anonymous visitor
    expect(stats.locator('[data-stat="datasets"]')).to_have_text("2")
    expect(stats.locator('[data-stat="countries"]')).to_have_text("4")
    expect(page.locator('[data-period="start"]')).to_have_text("2008-01-01")
    caveats = page.locator('table[data-field="caveat_flags"] tbody tr')
    expect(caveats.first).to_contain_text("Provisional figures")
    expect(page.locator("table[data-field=caveat_flags]")).not_to_contain_text(
        "Modelled estimates")
    expect(page.locator('table[data-field="transparency_missing"] tbody tr').first) \
        .to_contain_text("Sample size (N)")
    pdf = page.get_by_role("link", name="Download as PDF")
    expect(pdf).to_have_attribute("href", "/handbook/%s.pdf" % page.url.rsplit("/", 1)[1])
    assert page.request.get(pdf.get_attribute("href")).body()[:4] == b"%PDF"
    assert_accessible(page)
    screenshot("handbook-producer.png")
    # printed (the PDF's stylesheet): no site navigation, no download buttons
    page.emulate_media(media="print")
    expect(page.locator(".masthead")).to_be_hidden()
    expect(page.locator(".migration-handbook-downloads")).to_be_hidden()
    screenshot("handbook-producer-print.png")
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Every producer").click()
    expect(page.locator("h1")).to_have_text("Data handbook: all producers")
    row = page.locator(".migration-handbook-producers tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator('[data-col="count"]')).to_have_text("2")
    assert_accessible(page)
    screenshot("handbook-all.png")
    assert not page.console_errors


def test_arabic_handbook(page, screenshot, create_dataset):
    _catalogue(create_dataset)
    page.goto("/ar/handbook")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator('table[data-field="caveat_flags"]')).to_contain_text("أرقام أولية")
    assert_accessible(page)
    screenshot("ar-handbook.png")
