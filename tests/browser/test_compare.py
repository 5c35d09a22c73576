"""Comparing datasets in a browser: tick two search results, "Compare selected", read the
table (no script needed); the dataset page's "Other sources for this" and its "Compare all";
a narrow screen scrolls the table sideways. Accessibility (axe-core) on each page;
screenshots .run/test/screenshots/compare-*.png."""
import re

import pytest
from playwright.sync_api import expect

from .a11y import assert_accessible


@pytest.fixture
def catalogue(create_dataset):
    create_dataset(name="eurostat-asylum", title="Asylum applicants (Eurostat)")
    create_dataset(name="unhcr-asylum", title="Asylum seekers (UNHCR)",
                   creator=[{"name": "UNHCR"}], countries=["FRA", "DEU"],
                   temporal_coverage=[{"start": "2015", "end": "2023"}],
                   definitions="Persons whose claim for refugee status is pending.",
                   unit_of_observation="persons", sample_size="", caveat_flags=[],
                   caveats="Mid-year figures.")
    create_dataset(name="remittances", title="Remittance inflows",
                   creator=[{"name": "World Bank"}], topics=["remittances"],
                   population_covered=["migrants"])


def test_tick_two_results_and_compare(page, catalogue, screenshot):
    page.goto("/dataset/")
    page.get_by_role("checkbox", name="Compare Asylum applicants (Eurostat)").check()
    page.get_by_role("checkbox", name="Compare Asylum seekers (UNHCR)").check()
    screenshot("compare-search.png")
    page.get_by_role("button", name="Compare selected").click()
    # the ticked results, in the order the search listed them
    expect(page).to_have_url(re.compile(r"/compare\?ids=[a-z-]+&ids=[a-z-]+$"))
    table = page.locator("table.migration-compare-table")
    expect(table.locator("thead th a")).to_have_count(2)
    titles = table.locator("thead th a").all_inner_texts()
    assert sorted(titles) == ["Asylum applicants (Eurostat)", "Asylum seekers (UNHCR)"]
    expected = {"Asylum applicants (Eurostat)": ("Eurostat", "2008–2024"),
                "Asylum seekers (UNHCR)": ("UNHCR", "2015–2023")}
    expect(table.locator("tr.migration-compare-producer td")).to_have_text(
        [expected[t][0] for t in titles])
    expect(table.locator("tr.migration-compare-period td")).to_have_text(
        [expected[t][1] for t in titles])
    expect(table.locator("tr.migration-differs th")).to_contain_text(["Producer"])
    assert "migration-differs" not in (table.locator(
        "tr.migration-compare-freshness").get_attribute("class") or "")
    screenshot("compare-table.png")
    assert_accessible(page)
    assert page.console_errors == []


def test_dataset_page_other_sources_and_compare_all(page, catalogue, screenshot):
    page.goto("/dataset/eurostat-asylum")
    section = page.locator("section.migration-other-sources")
    expect(section.get_by_role("heading", name="Other sources for this")).to_be_visible()
    expect(section.locator("thead th a")).to_have_text(["Asylum applicants (Eurostat)",
                                                         "Asylum seekers (UNHCR)"])
    section.scroll_into_view_if_needed()
    screenshot("compare-dataset-page.png")
    assert_accessible(page, include="section.migration-other-sources")
    section.get_by_role("link", name="Compare all").click()
    expect(page.locator("table.migration-compare-table thead th a")).to_have_count(2)


def test_narrow_screen_scrolls_the_table(page, catalogue, screenshot):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/compare?ids=eurostat-asylum,unhcr-asylum,remittances")
    scroller = page.locator(".migration-compare-scroll")
    width = scroller.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert width[0] > width[1]           # wider than the screen: it scrolls
    # the page itself is no wider than the site's other pages are on this screen
    page_width = page.evaluate("() => document.documentElement.scrollWidth")
    screenshot("compare-narrow.png")
    page.goto("/about")
    assert page_width <= page.evaluate("() => document.documentElement.scrollWidth")
    page.goto("/compare?ids=eurostat-asylum,unhcr-asylum,remittances")
    assert_accessible(page)


def test_empty_state_and_private_dataset(page, catalogue, create_dataset, screenshot):
    create_dataset(name="secret", title="Secret asylum file", private=True,
                   creator=[{"name": "Ministry"}])
    page.goto("/compare")
    expect(page.locator(".migration-compare-empty")).to_contain_text("Compare selected")
    assert_accessible(page)
    page.goto("/compare?ids=eurostat-asylum,secret")
    expect(page.locator(".migration-compare-not-found")).to_have_text(
        "No dataset found for: secret")
    expect(page.locator("table.migration-compare-table thead th a")).to_have_text(
        ["Asylum applicants (Eurostat)"])
    screenshot("compare-not-found.png")
