"""The dataset search page in a browser: the catalogue's sort orders (and their URLs),
active filters as removable chips, result snippets, keyboard navigation, private datasets,
accessibility (axe-core), screenshot .run/test/screenshots/search.png."""
import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from .a11y import assert_accessible

TITLES = ".dataset-item .dataset-heading a"
COUNT = "#dataset-search-form h1"


def _days_ago(days):
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


NO_CAVEATS = {"caveats": "", "caveat_flags": []}
# name: (title, changes) -- annual updates, so the last update decides the freshness:
# fresh under 365 days, due from 365, overdue from 425, delinquent from 455 days
CATALOGUE = {
    "labour-fresh": ("Labour migration survey",
                     dict(NO_CAVEATS, modified=_days_ago(30), frequency="ANNUAL")),  # 92
    "refugees-due": ("Refugee population statistics",
                     dict(modified=_days_ago(380), frequency="ANNUAL")),  # 100
    "missing-overdue": ("Missing migrants counts",
                        dict(NO_CAVEATS, modified=_days_ago(440), frequency="ANNUAL",
                             collection_method="", sample_size="",
                             countries=["MLI", "SEN", "DEU", "FRA", "ITA"])),  # 77
    "remittances-delinquent": ("Remittance inflows",
                               dict(NO_CAVEATS, modified=_days_ago(800), frequency="ANNUAL",
                                    collection_method="", topics=["remittances"],
                                    gcm_objectives=["20"])),  # 85
    "asylum-unknown": ("Asylum decisions",
                       dict(NO_CAVEATS, modified=_days_ago(200), frequency="",
                            collection_method="", sample_size="",
                            countries=["DEU", "FRA"])),  # 69
}
BY_TRANSPARENCY = ["Refugee population statistics", "Labour migration survey",
                   "Remittance inflows", "Missing migrants counts", "Asylum decisions"]
BY_FRESHNESS = ["Labour migration survey", "Refugee population statistics",
                "Missing migrants counts", "Remittance inflows", "Asylum decisions"]
BY_SOURCE_UPDATE = ["Labour migration survey", "Asylum decisions",
                    "Refugee population statistics", "Missing migrants counts",
                    "Remittance inflows"]


@pytest.fixture
def catalogue(create_dataset):
    made = {}
    for name, (title, changes) in CATALOGUE.items():
        made[name] = create_dataset(name=name, title=title, **changes)
    # the fixture means what the test names say
    assert [made[n]["freshness"] for n in CATALOGUE] == [
        "fresh", "due", "overdue", "delinquent", "unknown"]
    assert [made[n]["transparency_score"] for n in CATALOGUE] == [92, 100, 77, 85, 69]
    return made


def _titles(page):
    return [t.strip() for t in page.locator(TITLES).all_inner_texts()]


def _count(page):
    text = page.locator(COUNT).inner_text()
    if re.match(r"\s*No datasets? found", text):
        return 0
    return int(re.match(r"\s*(\d+) datasets? found", text).group(1))


@pytest.mark.parametrize("label,sort,expected", [
    ("Transparency score (highest first)", "transparency_score desc, metadata_modified desc",
     BY_TRANSPARENCY),
    ("Freshness (freshest first)", "freshness_rank asc, metadata_modified desc",
     BY_FRESHNESS),
    ("Last update at the source (newest first)", "modified desc, metadata_modified desc",
     BY_SOURCE_UPDATE),
])
def test_sort_orders(page, catalogue, label, sort, expected):
    page.goto("/dataset/")
    assert _count(page) == 5
    page.select_option("#field-order-by", label=label)
    # the choice becomes the page's URL (shareable), and the results follow it
    page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("sort") == [sort])
    expect(page.locator(TITLES).first).to_have_text(expected[0])
    assert _titles(page) == expected
    # the URL, opened anew, gives the same page with the order selected
    page.goto(page.url)
    assert _titles(page) == expected
    selected = page.locator("#field-order-by option:checked")
    assert selected.inner_text().strip() == label and selected.get_attribute("value") == sort


def test_sort_urls_round_trip_with_filters_and_query(page, catalogue):
    page.goto("/dataset/?q=asylum&countries=SEN&sort=freshness_rank+asc%2C+metadata_modified+desc")
    assert page.locator("#field-order-by option:checked").inner_text().strip() == \
        "Freshness (freshest first)"
    assert page.locator("#field-giant-search").input_value() == "asylum"
    assert _titles(page) == [t for t in BY_FRESHNESS if t != "Asylum decisions"]  # not SEN
    # removing the filter keeps the query and the sort
    page.locator(".migration-chip").click()
    page.wait_for_url(lambda url: "countries" not in url)
    query = parse_qs(urlparse(page.url).query)
    assert query["q"] == ["asylum"]
    assert query["sort"] == ["freshness_rank asc, metadata_modified desc"]


def test_active_filters_are_removable_chips(page, catalogue):
    page.goto("/dataset/?countries=SEN&topics=remittances")
    assert _count(page) == 1
    chips = page.locator(".migration-chip")
    assert [" ".join(c.split()) for c in chips.all_inner_texts()] == [
        "Countries: Senegal (remove this filter)", "Topics: Remittances (remove this filter)"]
    # what is shown: the facet's title and the value's label; "(remove this filter)" is
    # for screen readers only
    shown = [" ".join(c.split()) for c in page.locator(
        ".migration-chip-facet, .migration-chip-label").all_inner_texts()]
    assert shown == ["Countries:", "Senegal", "Topics:", "Remittances"]
    hint = page.locator(".migration-chip .visually-hidden").first.bounding_box()
    assert hint["width"] <= 1 and hint["height"] <= 1

    page.locator(".migration-chip", has_text="Topics").click()
    page.wait_for_url(lambda url: "topics" not in url)
    expect(page.locator(".migration-chip")).to_have_count(1)
    expect(page.locator(COUNT)).to_have_text(re.compile(r"4 datasets found"))
    assert "countries=SEN" in page.url
    assert sorted(_titles(page)) == sorted(t for n, (t, _c) in CATALOGUE.items()
                                           if n != "asylum-unknown")

    page.locator(".migration-chip", has_text="Senegal").click()
    page.wait_for_url(lambda url: "countries" not in url)
    expect(page.locator(COUNT)).to_have_text(re.compile(r"5 datasets found"))
    assert page.locator(".migration-chip").count() == 0


def test_clear_all_filters(page, catalogue):
    page.goto("/dataset/?countries=DEU&freshness=fresh&sort=transparency_score+desc%2C+metadata_modified+desc")
    assert _count(page) == 1
    assert page.locator(".migration-chip", has_text="Freshness: Fresh").count() == 1
    page.locator(".migration-clear-filters").click()
    page.wait_for_url(lambda url: "countries" not in url and "freshness" not in url)
    expect(page.locator(COUNT)).to_have_text(re.compile(r"5 datasets found"))
    assert parse_qs(urlparse(page.url).query)["sort"] == [
        "transparency_score desc, metadata_modified desc"]


def test_result_snippets(page, catalogue):
    page.goto("/dataset/?sort=title_string+asc")
    item = page.locator(".dataset-item", has_text="Missing migrants counts")
    facts = {dt_.strip(): dd.strip() for dt_, dd in zip(
        item.locator(".migration-result-facts dt").all_inner_texts(),
        item.locator(".migration-result-facts dd").all_inner_texts())}
    assert facts == {"Producer": "Eurostat", "Collection period": "2008\u20132024",
                     "Countries": "Mali, Senegal, Germany and 2 more"}
    assert item.locator(".migration-result-countries dd").get_attribute("title") == \
        "Mali, Senegal, Germany, France, Italy"
    assert item.locator(".migration-freshness").inner_text().strip() == "Freshness: Overdue"
    assert item.locator(".migration-transparency").inner_text().strip() == \
        "Transparency: 77/100"
    short = page.locator(".dataset-item", has_text="Asylum decisions")
    assert short.locator(".migration-result-countries dd").inner_text().strip() == \
        "Germany, France"
    assert short.locator(".migration-result-countries dd").get_attribute("title") is None
    assert "Unknown" in short.locator(".migration-freshness").inner_text()


def test_keyboard_reaches_search_box_and_a_result(page, catalogue):
    page.goto("/dataset/")
    reached = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
            const e = document.activeElement;
            return {id: e.id, result: !!e.closest('.dataset-item .dataset-heading'),
                    tag: e.tagName, text: (e.innerText || '').trim()};
        }""")
        if focused["id"] == "field-giant-search" and "search" not in reached:
            reached.append("search")
        if focused["result"] and "search" in reached:
            reached.append("result")
            break
    assert reached == ["search", "result"]
    # the focused result link shows that it has the focus
    outline = page.evaluate("""() => getComputedStyle(document.activeElement).outlineStyle""")
    assert outline not in ("none", "")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dataset/[a-z-]+$"))
    assert page.locator("h1").first.inner_text().strip() in [t for t, _c in CATALOGUE.values()]


def test_private_dataset_not_shown_to_anonymous_users(page, catalogue, create_dataset):
    create_dataset(name="private-registry", title="Confidential registry of returns",
                   private=True, countries=["SEN", "NER"])
    page.goto("/dataset/")
    assert _count(page) == 5
    assert "Confidential registry of returns" not in page.content()
    senegal = page.locator("nav[aria-label='Filter by: Countries'] a",
                           has_text="Senegal").locator(".item-count")
    assert senegal.inner_text().strip() == "4"
    assert page.locator("nav[aria-label='Filter by: Countries'] a", has_text="Niger").count() == 0
    page.goto("/dataset/?q=Confidential")
    assert _count(page) == 0
    page.goto("/dataset/?countries=NER")
    assert _count(page) == 0
    assert page.goto("/dataset/private-registry").status == 404


def test_search_page_is_accessible(page, catalogue, screenshot):
    page.goto("/dataset/?countries=SEN&gcm_objectives=1"
              "&sort=transparency_score+desc%2C+metadata_modified+desc")
    assert _count(page) == 3
    assert_accessible(page)
    screenshot("search.png")
    assert page.console_errors == []
