"""The glossary pages (/glossary, /glossary/<term>), their JSON, the definition_terms field
and the dataset page's links. A private dataset is present in every test and counts nowhere
for those who may not see it."""
import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers

from ckanext.migration import glossary
from ..factories import create_catalogue

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db", "glossary_catalogue")

# no word of a glossary term in these texts: a search for a term finds the datasets by the
# definitions they declare
NEUTRAL = dict(notes="Counts of people by year.", tag_string="counts", definitions="",
               population_covered=[], topics=["migration_flows"])


@pytest.fixture
def glossary_catalogue():
    return create_catalogue([
        dict(name="uses-unhcr", definition_terms=["refugee-unhcr", "asylum-seeker-unhcr"]),
        dict(name="uses-eu", definition_terms=["refugee-eu"]),
        dict(name="uses-none"),
        dict(name="secret", definition_terms=["refugee-unhcr", "stateless-person-unhcr"],
             private=True),
    ], **NEUTRAL)


def soup(response):
    return BeautifulSoup(response.body, "html.parser")


def _sysadmin_headers():
    user = factories.Sysadmin()
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def test_index_lists_every_term_with_the_agencies_side_by_side(app):
    page = soup(app.get("/glossary"))
    assert page.find("h1").get_text(strip=True) == "Glossary"
    sections = page.select("section.migration-glossary-term")
    assert [s["id"] for s in sections] == glossary.terms().codes()
    refugee = page.select_one("section#refugee")
    cards = refugee.select(".migration-glossary-definition")
    assert [c["id"] for c in cards] == ["refugee-unhcr", "refugee-eu"]
    unhcr = refugee.select_one("#refugee-unhcr")
    assert unhcr.select_one("abbr").get_text(strip=True) == "UNHCR"
    assert "well-founded fear" in unhcr.select_one("blockquote").get_text()
    source = unhcr.select_one(".migration-glossary-source a")
    assert source["href"] == ("https://www.unhcr.org/media/"
                              "convention-and-protocol-relating-status-refugees")
    assert "1951" in source.get_text()
    # every definition shows its source
    assert len(page.select(".migration-glossary-source a[href^='https://']")) == 26
    # the footer links the glossary
    assert page.select_one('footer a[href="/glossary"]') is not None


def test_counts_leave_out_the_private_dataset_for_anonymous_visitors(app):
    page = soup(app.get("/glossary"))
    count = page.select_one('#refugee-unhcr .migration-glossary-count')
    assert count["data-count"] == "1"
    link = count.select_one("a")
    assert link.get_text(strip=True) == "1 dataset"
    assert link["href"] == "/dataset/?definition_terms=refugee-unhcr"
    # only the private dataset follows UNHCR's stateless definition: nothing to see
    stateless = page.select_one('#stateless-person-unhcr .migration-glossary-count')
    assert stateless["data-count"] == "0" and stateless.select_one("a") is None
    assert "secret" not in app.get("/glossary.json").body
    # the linked search finds exactly the counted datasets
    results = soup(app.get(link["href"]))
    assert [a.get_text(strip=True) for a in results.select(".dataset-heading a")] == [
        "Dataset uses-unhcr"]


def test_a_sysadmin_counts_the_private_dataset_too(app):
    data = app.get("/glossary/refugee.json", headers=_sysadmin_headers()).json
    counts = {d["code"]: d["count"] for d in data["definitions"]}
    assert counts == {"refugee-unhcr": 2, "refugee-eu": 1}


def test_term_page_shows_each_definition_with_its_datasets(app):
    page = soup(app.get("/glossary/refugee"))
    assert page.find("h1").get_text(strip=True) == "Refugee"
    counts = {c["data-code"]: c["data-count"] for c in page.select(".migration-glossary-count")}
    assert counts == {"refugee-unhcr": "1", "refugee-eu": "1"}
    eu = page.select_one("#refugee-eu")
    assert "Directive 2011/95/EU" in eu.select_one(".migration-glossary-source").get_text()
    assert eu.select_one(".migration-glossary-count a")["href"] == \
        "/dataset/?definition_terms=refugee-eu"
    search = page.select_one("a.migration-glossary-search")
    assert search["href"] == "/dataset/?q=Refugee"
    # the term's words find the datasets declaring its definitions, not the others
    names = [a.get_text(strip=True) for a in soup(app.get(search["href"])).select(
        ".dataset-heading a")]
    assert sorted(names) == ["Dataset uses-eu", "Dataset uses-unhcr"]


def test_term_page_in_french_with_english_fallback(app):
    page = soup(app.get("/fr/glossary/refugee"))
    assert page.find("h1").get_text(strip=True) == "Réfugié"
    unhcr = page.select_one("#refugee-unhcr")
    assert unhcr.select_one("abbr").get_text(strip=True) == "HCR"
    quote = unhcr.select_one("blockquote")
    assert quote.get_text().startswith("Toute personne qui") and not quote.get("lang")
    # a definition without a French text: English, marked as such
    returnee = soup(app.get("/fr/glossary/returnee")).select_one("#returnee-iom blockquote")
    assert returnee["lang"] == "en" and returnee.get_text().startswith("Return migration")


def test_json_by_suffix_and_by_accept_header(app):
    by_suffix = app.get("/glossary.json").json
    by_accept = app.get("/glossary", headers={"Accept": "application/json"}).json
    assert by_suffix == by_accept
    terms = {t["code"]: t for t in by_suffix["terms"]}
    assert set(terms) == set(glossary.terms().codes())
    unhcr = terms["refugee"]["definitions"][0]
    assert unhcr["code"] == "refugee-unhcr" and unhcr["count"] == 1
    assert unhcr["url"] == "/glossary/refugee#refugee-unhcr"
    assert unhcr["source_url"].startswith("https://www.unhcr.org/")
    term = app.get("/glossary/asylum-seeker", headers={"Accept": "application/json"}).json
    assert term["code"] == "asylum-seeker" and len(term["definitions"]) == 3
    assert app.get("/glossary", headers={"Accept": "text/html"}).headers[
        "Content-Type"].startswith("text/html")


def test_unknown_term_and_format_are_404s(app):
    assert "No such term" in app.get("/glossary/nope", status=404).body
    assert "use .json" in app.get("/glossary/refugee.xml", status=404).body


def test_dataset_page_links_its_definitions_to_the_glossary(app):
    page = soup(app.get("/dataset/uses-unhcr"))
    links = page.select(".migration-provenance .migration-definition-terms a")
    assert [(a.get_text(strip=True), a["href"]) for a in links] == [
        ("Refugee", "/glossary/refugee#refugee-unhcr"),
        ("Asylum seeker", "/glossary/asylum-seeker#asylum-seeker-unhcr")]
    assert "(UNHCR)" in links[0].parent.get_text()
    assert soup(app.get("/dataset/uses-none")).select_one(".migration-definition-terms") is None


def test_unknown_definition_code_is_rejected_naming_the_field_and_the_allowed_codes():
    context = {"user": factories.Sysadmin()["name"], "ignore_auth": True}
    org = factories.Organization()
    with pytest.raises(helpers.logic.ValidationError) as e:
        helpers.call_action("package_create", context=context, name="bad", title="Bad", notes="x",
                            owner_org=org["id"],
                            definition_terms=["refugee-unhcr", "refugee-who"])
    errors = e.value.error_dict
    assert list(errors) == ["definition_terms"]
    (message,) = errors["definition_terms"]
    assert "'refugee-who'" in message and "refugee-unhcr" in message and \
        "asylum-seeker-eu" in message


def test_facet_and_index():
    result = helpers.call_action("package_search", q="*:*", rows=0,
                                 **{"facet.field": ["definition_terms"]})
    items = {i["name"]: (i["count"], i["display_name"])
             for i in result["search_facets"]["definition_terms"]["items"]}
    assert items == {"refugee-unhcr": (1, "Refugee (UNHCR)"),
                     "asylum-seeker-unhcr": (1, "Asylum seeker (UNHCR)"),
                     "refugee-eu": (1, "Refugee (Eurostat / EU law)")}
    # the term's words in another language find the dataset too
    found = helpers.call_action("package_search", q="Réfugié")
    assert sorted(d["name"] for d in found["results"]) == ["uses-eu", "uses-unhcr"]


def test_dcat_output_names_the_definitions_as_glossary_concepts(app):
    from rdflib import Graph, URIRef
    from rdflib.namespace import SKOS

    from ckanext.migration import vocab
    from ckanext.migration.profiles import MIG

    g = Graph().parse(data=app.get("/dataset/uses-unhcr.ttl").body, format="turtle")
    found = set(g.objects(None, MIG.definition))
    base = vocab.BASE_URI + "glossary/"
    assert found == {URIRef(base + "refugee/unhcr"), URIRef(base + "asylum-seeker/unhcr")}
    for concept in found:
        assert (concept, SKOS.inScheme, URIRef(vocab.BASE_URI + "glossary")) in g
