"""The glossary in a browser: the agencies' definitions side by side, a term's page with the
datasets following each definition, the dataset page's links to it, Arabic (right to left),
a narrow screen, accessibility; screenshots glossary.png, glossary-term.png,
glossary-term-ar.png, glossary-mobile.png, glossary-dataset-links.png in .run/test/screenshots/."""
import re

import pytest
from playwright.sync_api import expect

from .a11y import assert_accessible

NEUTRAL = dict(notes="Counts of people by year.", tag_string="counts", definitions="",
               population_covered=[], topics=["migration_flows"], caveats="", caveat_flags=[])


@pytest.fixture
def catalogue(create_dataset):
    """Two public datasets following glossary definitions and a private one."""
    create_dataset(name="uses-unhcr", title="Displacement figures",
                   definition_terms=["refugee-unhcr", "asylum-seeker-unhcr"], **NEUTRAL)
    create_dataset(name="uses-eu", title="Protection decisions",
                   definition_terms=["refugee-eu"], **NEUTRAL)
    create_dataset(name="secret", title="Secret register", private=True,
                   definition_terms=["refugee-unhcr"], **NEUTRAL)


@pytest.mark.usefixtures("catalogue")
def test_glossary_to_term_to_datasets(page, screenshot):
    page.goto("/glossary")
    expect(page.locator("h1")).to_have_text("Glossary")
    refugee = page.locator("section#refugee")
    expect(refugee.locator(".migration-glossary-definition")).to_have_count(2)
    expect(refugee.locator("#refugee-unhcr")).to_contain_text("well-founded fear")
    expect(refugee.locator("#refugee-unhcr .migration-glossary-count")).to_have_text("1 dataset")
    # side by side on a wide screen: the two cards share a row
    boxes = [refugee.locator("#refugee-%s" % a).bounding_box() for a in ("unhcr", "eu")]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[0]["x"] < boxes[1]["x"]
    screenshot("glossary")
    assert_accessible(page)

    page.locator("nav .migration-glossary-toc").get_by_role("link", name="Refugee").click()
    expect(page).to_have_url(re.compile(r"/glossary#refugee$"))
    refugee.get_by_role("link", name="Refugee", exact=True).click()
    expect(page).to_have_url(re.compile(r"/glossary/refugee$"))
    expect(page.locator("h1")).to_have_text("Refugee")
    expect(page.locator("#refugee-eu")).to_contain_text("Directive 2011/95/EU")
    screenshot("glossary-term")
    assert_accessible(page)

    page.locator("#refugee-unhcr .migration-glossary-count a").click()
    expect(page).to_have_url(re.compile(r"definition_terms=refugee-unhcr"))
    expect(page.locator(".dataset-item")).to_have_count(1)
    expect(page.locator(".dataset-item")).to_contain_text("Displacement figures")
    expect(page.get_by_text("Secret register")).to_have_count(0)

    # the term's words as a search: both definitions' datasets
    page.goto("/glossary/refugee")
    page.locator("a.migration-glossary-search").click()
    expect(page.locator(".dataset-item")).to_have_count(2)
    assert not page.console_errors


@pytest.mark.usefixtures("catalogue")
def test_dataset_page_links_its_terms_to_the_glossary(page, screenshot):
    page.goto("/dataset/uses-unhcr")
    links = page.locator(".migration-provenance .migration-definition-terms a")
    expect(links).to_have_count(2)
    links.first.scroll_into_view_if_needed()
    screenshot("glossary-dataset-links")
    expect(links.first).to_have_text("Refugee")
    links.first.click()
    expect(page).to_have_url(re.compile(r"/glossary/refugee#refugee-unhcr$"))
    expect(page.locator("#refugee-unhcr")).to_be_in_viewport()


@pytest.mark.usefixtures("catalogue")
def test_arabic_term_page_and_a_narrow_screen(page, screenshot):
    page.goto("/ar/glossary/refugee")
    expect(page.locator("h1")).to_have_text("اللاجئ")
    assert page.evaluate("() => document.documentElement.dir") == "rtl"
    # UNHCR's definition in Arabic; the EU's has no Arabic text: English, marked lang="en"
    expect(page.locator("#refugee-unhcr blockquote")).to_contain_text("خوف له ما يبرره")
    expect(page.locator("#refugee-eu blockquote")).to_have_attribute("lang", "en")
    screenshot("glossary-term-ar")
    assert_accessible(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/glossary")
    refugee = page.locator("section#refugee")
    boxes = [refugee.locator("#refugee-%s" % a).bounding_box() for a in ("unhcr", "eu")]
    assert boxes[1]["y"] > boxes[0]["y"] + boxes[0]["height"] - 2  # one under the other
    # nothing of the glossary wider than its column (the site's own layout, the same on
    # every page, is 396 px wide at 390)
    assert page.evaluate("""() => {
        const article = document.querySelector('article.migration-glossary');
        const right = article.getBoundingClientRect().right;
        return [...document.querySelectorAll('article.migration-glossary *')]
            .filter(e => e.getBoundingClientRect().right > right + 1).length;
    }""") == 0
    screenshot("glossary-mobile")
    assert_accessible(page)
