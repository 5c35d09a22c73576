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
    pkg = _create()
    page = _page(app, pkg)
    box = page.select_one("section.migration-provenance")
    assert box is not None
    terms = {dt.get_text(strip=True):
             " ".join(dt.find_next_sibling("dd").get_text(" ", strip=True).split())
             for dt in box.select("dt")}
    # the producer with its type (an ADMS publisher type URI), readable
    assert terms["Producer"] == "Eurostat Supranational authority"
    # the publishing organisation's handbook, on its own line
    handbook = box.select_one("a.migration-handbook-link")
    assert terms["Data handbook"] == handbook.get_text(strip=True)
    assert handbook["href"] == "/handbook/%s" % pkg["organization"]["name"]
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


RAW_RESOURCES = [
    {"url": "https://example.org/report.pdf", "name": "Methodology report", "format": "PDF",
     "raw_data": "false"},
    {"url": "https://example.org/data.csv", "name": "Applicants (SDMX-CSV)", "format": "CSV",
     "raw_data": "true", "link_size": "235907"},
    {"url": "https://example.org/page", "name": "Data browser", "format": "HTML",
     "raw_data": "false"},
    {"url": "https://example.org/data.xlsx", "name": "Applicants (Excel)", "format": "XLSX",
     "raw_data": "true"},
]


def test_download_raw_data_comes_first_with_format_and_size(app):
    pkg = _create(resources=RAW_RESOURCES)
    page = _page(app, pkg)
    box = page.select_one("section.migration-raw-data")
    assert box is not None
    assert box.select_one("h2").get_text(strip=True) == "Download raw data"
    # before everything else under the title: quality, notes, provenance, the resource list
    main = str(page.select_one("[role=main]"))
    assert main.index("migration-raw-data") < min(
        main.index(marker) for marker in ("migration-provenance", "dataset-resources",
                                          "notes embedded-content"))
    items = box.select("li")
    downloads = [li.select_one("a.migration-raw-data-download") for li in items]
    assert [a["href"] for a in downloads] == ["https://example.org/data.csv",
                                              "https://example.org/data.xlsx"]
    assert [" ".join(a.get_text(" ", strip=True).split()) for a in downloads] == [
        "Download Applicants (SDMX-CSV)", "Download Applicants (Excel)"]
    metas = [" ".join(li.select_one(".migration-raw-data-meta").get_text(" ", strip=True)
                      .split()) for li in items]
    # the size from the last link check when there is one
    assert metas[0] == "CSV · 230.3 KiB · Preview and details : Applicants (SDMX-CSV)"
    assert metas[1].startswith("XLSX ·") and "KB" not in metas[1] and "KiB" not in metas[1]
    ids = {r["name"]: r["id"] for r in pkg["resources"]}
    details = [li.select("a")[-1]["href"] for li in items]
    assert details == ["/dataset/%s/resource/%s" % (pkg["name"], ids[n])
                       for n in ("Applicants (SDMX-CSV)", "Applicants (Excel)")]


def test_resource_list_shows_raw_data_first(app):
    pkg = _create(resources=RAW_RESOURCES)
    listed = [a.get_text(" ", strip=True) for a in
              _page(app, pkg).select("#dataset-resources li.resource-item a.heading")]
    assert [" ".join(t.split()) for t in listed] == [
        "Applicants (SDMX-CSV) CSV", "Applicants (Excel) XLSX", "Methodology report PDF",
        "Data browser HTML"]


def test_no_raw_data_block_without_raw_data(app):
    pkg = _create(resources=[RAW_RESOURCES[0]])
    assert _page(app, pkg).select_one("section.migration-raw-data") is None


def test_private_dataset_raw_data_stays_private(app):
    private = _create(name="private-raw", private=True, resources=RAW_RESOURCES)
    # anonymous: no page, nothing of its downloads
    response = app.get("/dataset/%s" % private["name"], status=404)
    assert "example.org/data.csv" not in response.body
    public = _create(name="public-raw", resources=[RAW_RESOURCES[3]])
    box = _page(app, public).select_one("section.migration-raw-data")
    assert [a["href"] for a in box.select("a.migration-raw-data-download")] == [
        "https://example.org/data.xlsx"]


TRANSLATED = dict(
    title="Asylum applicants", title_translated={"fr": "Demandeurs d'asile",
                                                 "ar": "طالبو اللجوء"},
    notes="Monthly asylum applications.", notes_translated={"fr": "Demandes d'asile mensuelles."},
    provenance="Collected monthly.", provenance_translated={"fr": "Collecte mensuelle."},
    caveats="Provisional figures.", caveats_translated={"es": "Cifras provisionales."})


def test_page_in_french_shows_the_french_metadata(app):
    pkg = _create(name="translated", **TRANSLATED)
    page = BeautifulSoup(app.get("/fr/dataset/translated").body, "html.parser")
    assert page.select_one("h1").get_text(strip=True) == "Demandeurs d'asile"
    assert "Demandeurs d'asile" in page.title.get_text()
    assert "Demandes d'asile mensuelles." in page.get_text()
    assert "Collecte mensuelle." in page.select_one(".migration-methodology").get_text()
    # the caveats have no French version: the English original, said so
    assert "Provisional figures." in page.select_one(".migration-caveats").get_text()
    note = " ".join(page.select_one(".migration-original-language").get_text().split())
    assert "Caveats" in note or "Mises en garde" in note
    assert "English" in note or "Anglais" in note
    # the stored fields are unchanged for the API and the edit form
    shown = helpers.call_action("package_show", id=pkg["id"])
    assert shown["title"] == "Asylum applicants"
    assert shown["title_translated"] == {"en": "Asylum applicants", "fr": "Demandeurs d'asile",
                                         "ar": "طالبو اللجوء"}


def test_page_falls_back_to_the_original_with_a_note(app):
    _create(name="translated", **TRANSLATED)
    page = BeautifulSoup(app.get("/es/dataset/translated").body, "html.parser")
    assert page.select_one("h1").get_text(strip=True) == "Asylum applicants"
    note = " ".join(page.select_one(".migration-original-language").get_text().split())
    # "Shown in English, the original language: no Spanish version." (in Spanish)
    assert ("English" in note or "Inglés" in note) and ("Spanish" in note or "Español" in note)
    assert "Cifras provisionales." in page.select_one(".migration-caveats").get_text()
    # in English: the original, no note
    page = BeautifulSoup(app.get("/dataset/translated").body, "html.parser")
    assert page.select_one("h1").get_text(strip=True) == "Asylum applicants"
    assert page.select_one(".migration-original-language") is None


def test_a_dataset_without_translations_is_shown_as_before(app):
    pkg = _create(name="plain")
    assert "title_translated" not in helpers.call_action("package_show", id=pkg["id"])
    page = BeautifulSoup(app.get("/dataset/plain").body, "html.parser")
    assert page.select_one("h1").get_text(strip=True) == pkg["title"]
    assert page.select_one(".migration-original-language") is None
    page = BeautifulSoup(app.get("/fr/dataset/plain").body, "html.parser")
    assert page.select_one("h1").get_text(strip=True) == pkg["title"]
    assert page.select_one(".migration-original-language") is not None


def test_search_results_show_the_translated_title(app):
    _create(name="translated", **TRANSLATED)
    page = BeautifulSoup(app.get("/fr/dataset/").body, "html.parser")
    titles = [a.get_text(strip=True) for a in page.select(".dataset-heading a")]
    assert "Demandeurs d'asile" in titles
    api = app.get("/api/3/action/package_search").json["result"]["results"]
    assert api[0]["title"] == "Asylum applicants"


def test_translations_from_the_form(app):
    """The edit form (in French) shows the stored original and one input per language; the
    inputs come back as title_translated."""
    user = factories.Sysadmin()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "admin"}])
    headers = {"Authorization": factories.APIToken(user=user["name"])["token"]}
    helpers.call_action("package_create", context={"user": user["name"]},
                        **dataset(owner_org=org["id"], name="formed", **TRANSLATED))
    page = BeautifulSoup(app.get("/fr/dataset/edit/formed", headers=headers).body,
                         "html.parser")
    assert page.select_one("#field-title")["value"] == "Asylum applicants"
    assert page.select_one("#field-title_translated-fr")["value"] == "Demandeurs d'asile"
    assert page.select_one("#field-title_translated-ar")["dir"] == "rtl"
    assert page.select_one("#field-notes_translated-fr").get_text() == \
        "Demandes d'asile mensuelles."
    form = {}
    for field in page.select("form#dataset-edit input[name], form#dataset-edit textarea[name]"):
        if field.get("type") not in ("checkbox", "radio", "submit"):
            form[field["name"]] = field.get("value") if field.name == "input" \
                else field.get_text()
    for select in page.select("form#dataset-edit select[name]"):
        form[select["name"]] = [o["value"] for o in select.select("option[selected]")]
    form.update({"title_translated-es": "Solicitantes de asilo", "title_translated-ar": "",
                 "save": ""})
    response = app.post("/dataset/edit/formed", data=form, headers=headers,
                        follow_redirects=False)
    assert response.status_code == 302, response.body
    shown = helpers.call_action("package_show", id="formed")
    assert shown["title_translated"] == {"en": "Asylum applicants", "fr": "Demandeurs d'asile",
                                         "es": "Solicitantes de asilo"}
    assert shown["title"] == "Asylum applicants"
