"""Vocabulary labels in the visitor's language on the rendered pages (issue 11)."""
import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers

from ..factories import dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")


@pytest.fixture
def senegal():
    user = factories.Sysadmin()
    org = factories.Organization()
    return helpers.call_action(
        "package_create", context={"user": user["name"]},
        **dataset(owner_org=org["id"], name="senegal-remittances", countries=["SEN"],
                  gcm_objectives=["20"], topics=["remittances"], source_type="survey",
                  caveat_flags=["provisional_figures"]))


def _facet_labels(app, url):
    page = BeautifulSoup(app.get(url).body, "html.parser")
    return {s.get_text(strip=True) for s in page.select("#search-facets .item-label")}


def test_search_page_facets_in_french_and_arabic(app, senegal):
    labels = _facet_labels(app, "/fr/dataset/")
    assert {"Sénégal", "20. Envois de fonds", "Envois de fonds", "Enquête par sondage"} <= labels
    assert "Senegal" not in labels and "Remittances" not in labels
    labels = _facet_labels(app, "/ar/dataset/")
    assert {"20. التحويلات المالية", "التحويلات المالية", "مسح بالعينة"} <= labels
    assert any(label.replace("\u0651", "") == "السنغال" for label in labels)
    labels = _facet_labels(app, "/es/dataset/")
    assert {"Senegal", "20. Remesas", "Remesas"} <= labels
    # English stays English
    assert {"Senegal", "Remittances", "Sample survey"} <= _facet_labels(app, "/dataset/")


def test_dataset_page_in_french(app, senegal):
    text = BeautifulSoup(app.get("/fr/dataset/senegal-remittances").body,
                         "html.parser").get_text(" ", strip=True)
    assert "Sénégal" in text
    assert "Envois de fonds" in text  # topic
    assert "Objectif 20 : Promouvoir des transferts de fonds" in text  # objective title
    assert "Enquête par sondage" in text  # source type
    assert "Chiffres provisoires" in text  # caveat flag
    assert "Sample survey" not in text and "Provisional figures" not in text


def test_country_objective_and_coverage_pages_in_french(app, senegal):
    country = BeautifulSoup(app.get("/fr/country/SEN").body, "html.parser")
    assert "Sénégal" in country.select_one("h1").get_text()
    objective = BeautifulSoup(app.get("/fr/objective/20").body, "html.parser")
    assert "Envois de fonds" in objective.get_text()
    coverage = app.get("/fr/coverage").body
    assert "Sénégal" in coverage and "Envois de fonds" in coverage
    # and the same pages in English are unchanged
    assert "Senegal" in BeautifulSoup(app.get("/country/SEN").body,
                                      "html.parser").select_one("h1").get_text()


def test_resource_view_tabs_in_the_visitors_language(app, senegal):
    # default views are stored with English titles; the tab reads them through gettext
    res = senegal["resources"][0]
    user = factories.Sysadmin()
    for title in ("Chart over time", "Map", "Our own title"):
        helpers.call_action("resource_view_create", context={"user": user["name"]},
                            resource_id=res["id"],
                            view_type="image_view", title=title,
                            image_url="http://example.org/x.png")
    page = BeautifulSoup(app.get("/fr/dataset/%s/resource/%s" % (senegal["name"], res["id"])).body,
                         "html.parser")
    tabs = {a.get_text(strip=True) for a in page.select("a.view-item")}
    assert {"Graphique dans le temps", "Carte", "Our own title"} <= tabs
