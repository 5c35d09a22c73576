"""The front door in a browser: the home map (hover, click), objective tiles, the coverage
matrix, its XLSX download, the search export, keyboard navigation, accessibility, and
screenshots home.png, country.png, objective.png, coverage.png in .run/test/screenshots/."""
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from .a11y import assert_accessible

NO_CAVEATS = {"caveats": "", "caveat_flags": []}


@pytest.fixture
def catalogue(create_dataset):
    """Four public datasets and a private one that must show nowhere."""
    create_dataset(name="sen-mli", title="Remittances to West Africa", countries=["SEN", "MLI"],
                   gcm_objectives=["1", "20"], topics=["remittances"],
                   creator=[{"name": "World Bank"}], **NO_CAVEATS)
    create_dataset(name="sen", title="Asylum applicants from Senegal", countries=["SEN"],
                   gcm_objectives=["1"], creator=[{"name": "Eurostat"}])
    create_dataset(name="deu", title="Missing migrants in the Mediterranean",
                   countries=["DEU"], gcm_objectives=["8"], creator=[{"name": "IOM"}])
    create_dataset(name="africa", title="Refugees in Africa", countries=[], regions=["002"],
                   gcm_objectives=["2"], creator=[{"name": "UNHCR"}])
    create_dataset(name="secret", title="Secret register", countries=["SEN", "NER"],
                   gcm_objectives=["1", "7"], private=True)


@pytest.mark.usefixtures("catalogue")
def test_home_map_hover_shows_the_count_and_click_opens_the_country(page, screenshot):
    page.goto("/")
    expect(page.locator('[data-stat="datasets"]')).to_have_text("4")
    senegal = page.locator('.migration-map a[data-iso3="SEN"] path')
    senegal.hover()
    tooltip = page.locator(".migration-map-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Senegal")
    expect(tooltip).to_contain_text("2 datasets")
    expect(tooltip).to_contain_text("1. ")
    page.locator('.migration-map a[data-iso3="NER"] path').hover()
    expect(tooltip).to_contain_text("0 datasets")          # the private dataset is not counted
    screenshot("home")
    assert_accessible(page)
    senegal.click()
    expect(page).to_have_url(re.compile(r"/country/SEN$"))
    expect(page.locator("h1")).to_contain_text("Senegal")
    # directly (2) or through its region (the Africa-wide dataset)
    expect(page.locator("p.lead[data-count]")).to_have_attribute("data-count", "3")
    expect(page.get_by_text("Secret register")).to_have_count(0)
    screenshot("country")
    assert_accessible(page)
    assert not page.console_errors


@pytest.mark.usefixtures("catalogue")
def test_objective_tile_opens_the_filtered_search(page):
    page.goto("/")
    page.locator('[data-objective="1"] a').click()
    expect(page).to_have_url(re.compile(r"gcm_objectives=1"))
    expect(page.locator(".dataset-item")).to_have_count(2)


@pytest.mark.usefixtures("catalogue")
def test_objective_page(page, screenshot):
    page.goto("/objective/1")
    expect(page.locator("h1")).to_contain_text("1.")
    expect(page.locator('.migration-map a[data-iso3="SEN"]')).to_have_attribute("data-count", "2")
    screenshot("objective")
    assert_accessible(page)


@pytest.mark.usefixtures("catalogue")
def test_coverage_cell_leads_to_a_search_with_the_same_count(page, screenshot):
    page.goto("/coverage")
    cell = page.locator('tr[data-iso3="SEN"] td[data-objective="1"] a')
    expect(cell).to_have_text("2")
    expect(page.locator('tr[data-iso3="SEN"] td[data-objective="7"]')).to_have_class("gap")
    screenshot("coverage")
    assert_accessible(page)
    cell.click()
    expect(page.locator(".dataset-item")).to_have_count(2)


@pytest.mark.usefixtures("catalogue")
def test_coverage_filter_and_xlsx_download(page):
    page.goto("/coverage")
    page.select_option("#cov-producer", "Eurostat")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator('tr[data-iso3="MLI"] td[data-objective="1"]')).to_have_class("gap")
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    rows = {r[0]: r for r in book.active.iter_rows(values_only=True)}
    assert rows["SEN"][4] == 1 and rows["MLI"][4] == 0


@pytest.mark.usefixtures("catalogue")
def test_search_export_downloads_an_xlsx_with_the_rows_of_the_search(page):
    page.goto("/dataset/?countries=SEN")
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    sheet = book.active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    names = {row[header.index("name")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"sen-mli", "sen"}


@pytest.mark.usefixtures("catalogue")
def test_keyboard_reaches_the_search_box_and_searches(page):
    page.goto("/")
    search = page.locator("#migration-q")
    for _ in range(40):
        page.keyboard.press("Tab")
        if search.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the home page's search box")
    page.keyboard.type("Senegal")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=Senegal"))
    # every public dataset's description names Senegal (tests/factories.py); not the private one
    expect(page.locator(".dataset-item")).to_have_count(4)
