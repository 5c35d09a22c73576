"""The dataset page: provenance box, caveats warning, freshness and transparency (HTML)."""
import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers

from .factories import dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")


def _create(**changes):
    user = factories.Sysadmin()
    org = factories.Organization()
    return helpers.call_action("package_create", context={"user": user["name"]},
                               **dataset(owner_org=org["id"], **changes))


def _page(app, pkg):
    return BeautifulSoup(app.get("/dataset/%s" % pkg["name"]).body, "html.parser")


def test_provenance_box(app):
    page = _page(app, _create())
    box = page.select_one("section.migration-provenance")
    assert box is not None
    terms = {dt.get_text(strip=True):
             " ".join(dt.find_next_sibling("dd").get_text(" ", strip=True).split())
             for dt in box.select("dt")}
    # the producer with its type (an ADMS publisher type URI), readable
    assert terms["Producer"] == "Eurostat Supranational authority"
    assert terms["Source type"] == "Administrative records"
    assert terms["Collection method"] == "Administrative data from national asylum authorities"
    assert terms["Sample size (N)"] == "N = 1,000 applications"
    assert terms["Collection period"] == "2008-01-01 – 2024-12-31"
    assert terms["Update frequency"] == "Monthly"
    assert "application for international protection" in terms["Definitions"]
    assert "eur-lex.europa.eu" in terms["Definitions"]
    assert "Regulation (EC) 862/2007" in terms["Methodology"]
    assert terms["Countries"] == "Senegal, Germany, France"
    assert "Objective 1: Collect and utilize accurate and disaggregated data" in terms["GCM objectives"]
    assert terms["Source platform"] == "Eurostat"
    assert terms["Identifier at the source"] == "migr_asyappctzm"


def test_caveats_are_a_visible_warning(app):
    page = _page(app, _create())
    warning = page.select_one("div.alert-warning.migration-caveats")
    assert warning is not None and warning.get("role") == "alert"
    text = warning.get_text(" ", strip=True)
    assert "Provisional figures" in text and "Break in series" in text
    assert warning.select_one("strong").get_text() == "provisional"  # markdown rendered


def test_no_caveats_no_warning_and_missing_parts_listed(app):
    page = _page(app, _create(caveats="", caveat_flags=[], sample_size="",
                              collection_method=""))
    assert page.select_one("div.migration-caveats") is None
    quality = page.select_one("section.migration-quality")
    assert "Transparency score: 77 /100" in quality.get_text(" ", strip=True)
    missing = quality.select_one(".migration-missing").get_text(" ", strip=True)
    assert missing == "Missing: Collection method, Sample size (N), Caveats"
    box = page.select_one("section.migration-provenance").get_text(" ", strip=True)
    assert "Sample size (N) Not stated" in box


def test_page_renders_without_optional_fields(app):
    data = dataset()
    for key in ("sample_size", "creator", "temporal_coverage", "unit_of_observation",
                "gcm_objectives", "countries", "frequency", "modified", "identifier"):
        data.pop(key)
    user = factories.Sysadmin()
    org = factories.Organization()
    pkg = helpers.call_action("package_create", context={"user": user["name"]},
                              **dict(data, owner_org=org["id"]))
    page = _page(app, pkg)
    box = " ".join(page.select_one("section.migration-provenance").get_text(" ").split())
    assert "Producer Not stated" in box and "Sample size (N) Not stated" in box
    assert "Collection period Not stated" in box
    badge = page.select_one(".migration-freshness")
    assert "Unknown" in badge.get_text() and "text-bg-secondary" in badge["class"]


def test_long_facet_labels_are_not_cut_short(app):
    _create(gcm_objectives=["12"])
    page = BeautifulSoup(app.get("/dataset/").body, "html.parser")
    labels = [s.get_text(strip=True) for s in page.select("#search-facets .item-label")]
    assert "12. Screening, assessment and referral" in labels  # CKAN would cut it at 22


def test_freshness_badge(app):
    page = _page(app, _create(frequency="NEVER"))
    badge = page.select_one(".migration-freshness")
    assert "migration-freshness-not_applicable" in badge["class"]
    assert "Not applicable" in badge.get_text()
    page = _page(app, _create(name="fresh-one", frequency="ANNUAL", modified="2099-01-01"))
    assert "Fresh" in page.select_one(".migration-freshness").get_text()


def test_form_has_sections_and_searchable_selects(app):
    user = factories.Sysadmin()
    factories.Organization(users=[{"name": user["name"], "capacity": "admin"}])
    token = factories.APIToken(user=user["name"])
    body = app.get("/dataset/new", headers={"Authorization": token["token"]}).body
    page = BeautifulSoup(body, "html.parser")
    text = page.get_text(" ", strip=True)
    assert "The dataset" in text and "Provenance" in text and "Caveats" in text
    topics = page.select_one("select#field-topics")
    assert topics is not None and topics.has_attr("multiple")
    assert topics.get("data-module") == "autocomplete"
    assert {o["value"] for o in topics.select("option")} >= {"remittances", "missing_migrants"}
    assert page.select_one("select#field-gcm_objectives") is not None
    assert "Objective 1: Collect and utilize accurate and disaggregated data" in body
    # later sections are the next pages of the form
    assert page.select_one("select#field-source_type") is None
