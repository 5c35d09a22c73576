"""The catalogue in French, Spanish and Arabic in a browser: the Arabic pages right to left
(home, search, dataset, resource, country, objective, coverage), the French dataset page,
accessibility, and screenshots ar-*.png, fr-dataset.png in .run/test/screenshots/."""
import pytest
from playwright.sync_api import expect

from .a11y import assert_accessible

RAW = [{"url": "https://example.org/asylum.csv", "name": "Asylum applicants (CSV)",
        "format": "CSV", "raw_data": "true"}]


@pytest.fixture
def catalogue(create_dataset):
    return create_dataset(name="sen-asylum", title="Asylum applicants from Senegal",
                          countries=["SEN"], gcm_objectives=["1"], resources=RAW)


def _rtl(page):
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")


def test_arabic_front_door_is_right_to_left(page, screenshot, catalogue):
    page.goto("/ar/")
    _rtl(page)
    expect(page.locator("#map-heading")).to_have_text("مجموعات البيانات حسب البلد")
    expect(page.locator("#objectives-heading")).to_have_text("أهداف الاتفاق العالمي بشأن الهجرة")
    expect(page.locator("footer")).to_contain_text("فجوات التغطية")
    # the hero's search box starts on the right, as Arabic text does
    box = page.locator("#migration-q").bounding_box()
    hero = page.locator(".migration-hero .container").bounding_box()
    assert box["x"] + box["width"] > hero["x"] + hero["width"] / 2
    screenshot("ar-home")
    assert_accessible(page)


def test_arabic_search_dataset_and_resource_pages(page, screenshot, catalogue):
    page.goto("/ar/dataset/")
    _rtl(page)
    facets = page.locator("#search-facets")
    expect(facets).to_contain_text("البلدان")
    expect(facets).to_contain_text("أهداف الاتفاق العالمي")
    expect(page.locator("section.migration-export")).to_contain_text("تنزيل هذه النتائج")
    screenshot("ar-search")
    assert_accessible(page)

    page.goto("/ar/dataset/sen-asylum")
    _rtl(page)
    expect(page.locator("#migration-raw-data-heading")).to_have_text("تنزيل البيانات الخام")
    expect(page.locator("section.migration-quality")).to_contain_text("درجة الشفافية")
    screenshot("ar-dataset")
    assert_accessible(page)

    page.locator("a.migration-raw-data-download + .migration-raw-data-meta a").first.click()
    _rtl(page)
    expect(page.locator("h1").first).to_contain_text("Asylum applicants (CSV)")
    screenshot("ar-resource")


@pytest.mark.parametrize("path, name", [("/ar/country/SEN", "ar-country"),
                                        ("/ar/objective/1", "ar-objective"),
                                        ("/ar/coverage/", "ar-coverage")])
def test_arabic_front_door_pages(page, screenshot, catalogue, path, name):
    page.goto(path)
    _rtl(page)
    expect(page.locator("footer")).to_contain_text("أهداف الاتفاق العالمي")
    screenshot(name)
    assert_accessible(page)


def test_french_dataset_page(page, screenshot, catalogue):
    page.goto("/fr/dataset/sen-asylum")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("html")).not_to_have_attribute("dir", "rtl")
    expect(page.locator("#migration-raw-data-heading")).to_have_text(
        "Télécharger les données brutes")
    expect(page.locator("section.migration-quality")).to_contain_text("Score de transparence")
    expect(page.locator("footer")).to_contain_text("Lacunes de couverture")
    screenshot("fr-dataset")
    assert_accessible(page)
