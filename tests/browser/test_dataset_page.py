"""The dataset page in a browser: each fact once, no empty sub-fields, technical fields
collapsed, accessible (axe-core), screenshot .run/test/screenshots/dataset.png."""
from collections import Counter

from .a11y import assert_accessible

# the text of the page's main column, scripts and styles left out, collapsed <details>
# included (textContent, not what is rendered)
MAIN_TEXT = """() => {
    const main = document.querySelector('[role=main]').cloneNode(true);
    main.querySelectorAll('script, style, template').forEach(e => e.remove());
    return main.textContent.replace(/\\s+/g, ' ');
}"""
# the labels of every term (definition lists and table rows) in the main column
LABELS = """() => Array.from(document.querySelectorAll(
    '[role=main] dt, [role=main] th[scope=row]')).map(e => e.textContent.trim())"""


def _occurrences(page, text):
    return page.evaluate(MAIN_TEXT).count(text)


def test_each_fact_is_shown_once(page, create_dataset, screenshot):
    pkg = create_dataset(contact=[{"name": "Asylum statistics desk",
                                   "email": "asylum-stats@example.org"}],
                         version="2.1", identifier="ESTAT-ASY-0042")
    page.goto("/dataset/%s" % pkg["name"])

    labels = Counter(page.evaluate(LABELS))
    assert [label for label, n in labels.items() if n > 1] == []
    for label in ("Producer", "Source type", "Collection method", "Sample size (N)",
                  "Collection period", "Update frequency", "Last updated at the source",
                  "Definitions", "Methodology", "GCM objectives", "Countries",
                  "Original page", "Source platform", "Identifier at the source", "Topics",
                  "Disaggregation available", "Contact points", "Version"):
        assert labels[label] == 1, label

    facts = [
        "Administrative data from national asylum authorities",   # collection method
        "Regulation (EC) 862/2007",                                # methodology
        "application for international protection",               # definitions
        "https://eur-lex.europa.eu/eli/reg/2007/862/oj",           # definition document
        "ESTAT-ASY-0042",                                          # identifier at the source
        "N = 1,000",                                               # sample size
        "2008-01-01",                                              # collection period
        "2025-03-01",                                              # last update at the source
        "Supranational authority",                                 # producer type
        "Asylum seekers",                                          # population covered
        "Forced displacement",                                     # topic
        "Objective 2: Minimize the adverse drivers",               # GCM objective
        "Senegal, Germany, France",                                # countries
        "Asylum statistics desk",                                  # contact point
        "asylum-stats@example.org",
        "Provisional figures",                                     # caveat flag
        pkg["url"],                                                # original page
    ]
    counts = {fact: _occurrences(page, fact) for fact in facts}
    assert counts == {fact: 1 for fact in facts}

    # CKAN's "Additional Info" table and its numbered, empty sub-field labels are gone
    text = page.evaluate(MAIN_TEXT)
    for gone in ("Additional Info", "Creator 1", "Collection period 1", "Contact points 1"):
        assert gone not in text
    assert page.locator("section.additional-info").count() == 0

    # the remaining technical DCAT fields: collapsed, opened on demand
    details = page.locator("details.migration-technical")
    assert details.count() == 1 and details.get_attribute("open") is None
    version = details.locator(".migration-technical-version")
    assert not version.is_visible()
    details.locator("summary").click()
    assert version.is_visible() and version.inner_text().strip() == "2.1"
    assert details.locator("dt", has_text="Catalogue record created").count() == 1


def test_empty_sub_fields_are_not_shown(page, create_dataset):
    pkg = create_dataset(
        name="producer-name-only",
        creator=[{"name": "Ministry of Interior", "uri": "", "email": "", "url": "",
                  "type": "", "identifier": ""}],
        contact=[{"name": "Help desk", "email": "", "uri": "", "identifier": "", "url": ""}])
    page.goto("/dataset/%s" % pkg["name"])

    producer = page.locator("dd.migration-producer")
    assert " ".join(producer.inner_text().split()) == "Ministry of Interior"
    assert producer.locator(".migration-agent-details").count() == 0

    page.locator("details.migration-technical summary").click()
    technical = page.locator("details.migration-technical")
    contact = technical.locator(".migration-technical-contact")
    assert " ".join(contact.inner_text().split()) == "Name: Help desk"
    labels = set(page.evaluate(LABELS))
    # sub-field labels of empty values, and DCAT fields without a value, are absent
    text = page.evaluate(MAIN_TEXT)
    for absent in ("Email:", "URI:", "Identifier:", "Type:"):
        assert absent not in text, absent
    for absent in ("Publisher", "Release date", "Version", "Access rights", "Homepage",
                   "Spatial coverage", "Regions", "Qualified Attribution", "URI"):
        assert absent not in labels, absent


def test_unit_of_observation_shown_without_sample_size(page, create_dataset):
    pkg = create_dataset(name="no-sample-size", sample_size="")
    page.goto("/dataset/%s" % pkg["name"])
    terms = dict(zip(page.locator("section.migration-provenance dt").all_inner_texts(),
                     page.locator("section.migration-provenance dd").all_inner_texts()))
    assert terms["Sample size (N)"].strip() == "Not stated"
    assert terms["Unit of observation"].strip() == "Applications"
    assert _occurrences(page, "Applications") == 1


def test_dataset_page_is_accessible(page, create_dataset, screenshot):
    pkg = create_dataset(contact=[{"name": "Asylum statistics desk",
                                   "email": "asylum-stats@example.org"}])
    page.goto("/dataset/%s" % pkg["name"])
    assert_accessible(page)
    screenshot("dataset.png")
    page.locator("details.migration-technical summary").click()
    assert_accessible(page)
    screenshot("dataset-technical-open.png")
    assert page.console_errors == []


def test_download_raw_data_first_and_accessible(page, create_dataset, screenshot):
    pkg = create_dataset(name="raw-data-first", resources=[
        {"url": "https://example.org/report.pdf", "name": "Methodology report",
         "format": "PDF", "raw_data": "false"},
        {"url": "https://example.org/migr_asyappctza.csv",
         "name": "Asylum applicants by reporting country (SDMX-CSV with labels)",
         "format": "CSV", "raw_data": "true", "link_size": "235907"},
        {"url": "https://example.org/migr_asyappctza.xlsx", "name": "Asylum applicants (Excel)",
         "format": "XLSX", "raw_data": "true"}])
    page.goto("/dataset/%s" % pkg["name"])
    block = page.locator("section.migration-raw-data")
    # the first thing under the title
    assert page.evaluate("""() => {
        const h1 = document.querySelector('[role=main] h1');
        let next = h1.nextElementSibling;
        return next && next.matches('section.migration-raw-data');
    }""")
    buttons = block.get_by_role("link", name="Download Asylum applicants", exact=False)
    assert buttons.count() == 2
    assert buttons.first.get_attribute("href") == "https://example.org/migr_asyappctza.csv"
    assert "230.3 KiB" in block.inner_text()
    assert page.locator("#dataset-resources li.resource-item a.heading").first.inner_text()\
        .startswith("Asylum applicants by reporting country")
    assert_accessible(page)
    screenshot("dataset-raw-data.png")
    assert page.console_errors == []
