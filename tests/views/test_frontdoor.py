"""The front door as HTML: home, country, objective and coverage pages, their errors and
downloads. A private dataset is present in every test and must show nowhere."""
import csv
import io

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from ..logic.test_action import catalogue  # noqa: F401  (the same known catalogue)

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db", "catalogue")


def soup(response):
    return BeautifulSoup(response.body, "html.parser")


def test_home_is_the_migration_overview(app):
    page = soup(app.get("/"))
    text = page.get_text(" ")
    for placeholder in ("Welcome to CKAN", "nice introductory paragraph"):
        assert placeholder not in text
    assert page.select_one('[data-stat="datasets"]').get_text(strip=True) == "5"
    assert page.select_one('[data-stat="countries"]').get_text(strip=True) == "3"
    sen = page.select_one('.migration-map [data-iso3="SEN"]')
    assert sen["data-count"] == "2" and sen["href"] == "/country/SEN"
    assert "1. " in sen["data-top"] and "20. " in sen["data-top"]
    assert page.select_one('.migration-map [data-iso3="NER"]')["data-count"] == "0"
    tile = page.select_one('[data-objective="1"] a')
    assert tile["href"] == "/dataset/?gcm_objectives=1" and "2 datasets" in tile.get_text()
    assert page.select_one('[data-freshness="delinquent"] .count').get_text(strip=True) == "1"
    assert "Dataset secret" not in text


def test_about_explains_the_scores(app):
    text = soup(app.get("/about")).get_text(" ")
    assert "Transparency score" in text and "Freshness" in text
    assert "CKAN is the world" not in text


def test_country_page(app):
    page = soup(app.get("/country/SEN"))
    assert page.find("h1").get_text(" ", strip=True).startswith("Senegal")
    assert page.select_one("[data-count]")["data-count"] == "4"
    group = page.select_one('details[data-objective="1"]')
    assert {a.get_text(strip=True) for a in group.select("li a")} == {
        "Dataset sen-mli", "Dataset sen"}
    assert "gap" in page.select_one('details[data-objective="7"] summary').get_text()
    assert "Dataset secret" not in page.get_text(" ")


def test_country_lowercase_redirects_and_unknown_is_a_404_with_a_suggestion(app):
    assert app.get("/country/sen", follow_redirects=False).status_code == 302
    response = app.get("/country/senegal", status=404)
    assert "did you mean SEN?" in response.body


def test_objective_page_and_unknown_objective(app):
    page = soup(app.get("/objective/1"))
    assert "Collect and utilize accurate" in page.get_text(" ")
    assert page.select_one('.migration-map [data-iso3="SEN"]')["data-count"] == "2"
    assert "objectives are numbered 1 to 23" in app.get("/objective/24", status=404).body
    assert "did you mean 20?" in app.get("/objective/remittances", status=404).body


def test_coverage_page_cells_link_to_the_matching_search(app):
    page = soup(app.get("/coverage"))
    cell = page.select_one('tr[data-iso3="SEN"] td[data-objective="1"] a')
    assert cell.get_text(strip=True) == "2"
    assert cell["href"] == "/dataset/?countries=SEN&gcm_objectives=1"
    assert "gap" in page.select_one('tr[data-iso3="SEN"] td[data-objective="7"]')["class"]
    # the linked search finds the same number of datasets
    results = soup(app.get(cell["href"]))
    assert len(results.select(".dataset-item")) == 2


def test_coverage_bad_filter_is_a_400_with_the_reason(app):
    response = app.get("/coverage?min_score=high", status=400)
    assert "min_score: must be a whole number from 0 to 100" in response.body


def test_coverage_downloads(app):
    rows = list(csv.reader(io.StringIO(app.get("/coverage.csv?region=002").body)))
    assert rows[0][:4] == ["ISO3", "Country", "Region", "Sub-region"] and len(rows[0]) == 27
    sen = next(r for r in rows if r[0] == "SEN")
    assert sen[4] == "2" and sen[4 + 19] == "1" and sen[4 + 6] == "0"
    assert not any(r[0] == "DEU" for r in rows)
    response = app.get("/coverage.xlsx?producer=Eurostat")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    by_iso3 = {r[0]: r for r in sheet.iter_rows(values_only=True)}
    assert by_iso3["SEN"][4] == 1 and by_iso3["MLI"][4] == 0


def test_coverage_cell_links_escape_the_filters(app):
    from ckan.tests import helpers
    from ckanext.migration.helpers import migration_coverage_rows
    coverage = helpers.call_action("migration_coverage")
    with app.flask_app.test_request_context():
        html = migration_coverage_rows(coverage, "/country/", "/dataset/",
                                       '&producer="><script>alert(1)</script>')
    assert "<script>" not in html
    assert 'href="/dataset/?countries=SEN&amp;gcm_objectives=1&amp;producer=&#34;&gt;' \
        '&lt;script&gt;' in html
