"""/handbook pages: HTML, JSON and PDF of one producer and of all, a private dataset counted
for members only, 404 with a suggestion for an unknown producer; the dataset page links the
producer's handbook."""
import io

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers

from ..test_handbook import catalogue, corrections_tables  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")


def soup(response):
    return BeautifulSoup(response.body, "html.parser")


def _token(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def _stats(page):
    return {li["data-stat"]: li.get_text(strip=True)
            for li in page.select(".migration-handbook-stats .value")}


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) >= 1
    return "\n".join(page.extract_text() for page in reader.pages)


def test_producer_page(app, catalogue):  # noqa: F811
    resp = app.get("/handbook/stats")
    assert resp.status_code == 200
    page = soup(resp)
    assert page.h1.get_text(strip=True) == "Data handbook: Statistics Office"
    assert _stats(page) == {"datasets": "3", "countries": "3", "objectives": "3",
                            "median-score": "85", "broken-links": "0"}
    topics = page.select_one('table[data-field="topics"]')
    first = topics.select_one("tbody tr")
    assert first["data-code"] == "forced_displacement"
    assert first.a.get_text(strip=True) == "Forced displacement"
    assert "organization=stats" in first.a["href"] and "topics=forced_displacement" in \
        first.a["href"]
    assert first.select_one(".migration-count").get_text() == "2"
    assert page.select_one('[data-period="start"]').get_text() == "2005-01-01"
    assert page.select_one('[data-period="end"]').get_text() == "2024-12-31"
    missing = page.select_one('table[data-field="transparency_missing"] tbody tr')
    assert missing["data-code"] == "Sample size (N)"
    methods = [r.td.get_text(strip=True) for r in
               page.select('table[data-field="collection_method"] tbody tr')]
    assert methods == ["Household survey",
                       "Administrative data from national asylum authorities"]
    caveats = page.select_one('table[data-field="caveat_flags"] tbody tr')
    assert caveats.a.get_text(strip=True) == "Provisional figures"
    hrefs = [a["href"] for a in page.select(".migration-handbook-downloads a")]
    assert "/handbook/stats.pdf" in hrefs and "/handbook/stats.json" in hrefs


def test_producer_page_in_french(app, catalogue):  # noqa: F811
    page = soup(app.get("/fr/handbook/stats"))
    first = page.select_one('table[data-field="caveat_flags"] tbody tr')
    assert first.a.get_text(strip=True) == "Chiffres provisoires"
    assert page.select_one('table[data-field="countries"] tbody tr a').get_text(
        strip=True) == "Sénégal"


def test_every_producer_page(app, catalogue):  # noqa: F811
    page = soup(app.get("/handbook"))
    assert page.h1.get_text(strip=True) == "Data handbook: all producers"
    assert _stats(page)["datasets"] == "5"
    rows = {tr["data-org"]: {td["data-col"]: td.get_text() for td in tr.select("td")}
            for tr in page.select(".migration-handbook-producers tbody tr")}
    assert rows == {"stats": {"count": "3", "fresh": "1", "high_transparency": "3",
                              "broken_links": "0"},
                    "ngo": {"count": "2", "fresh": "2", "high_transparency": "1",
                            "broken_links": "1"}}
    link = page.select_one('.migration-handbook-producers tr[data-org="ngo"] a')
    assert link["href"] == "/handbook/ngo" and link.get_text() == "Migration Monitor NGO"


def test_json(app, catalogue):  # noqa: F811
    data = app.get("/handbook/stats.json").json
    assert data["organization"]["name"] == "stats" and data["count"] == 3
    assert data["reliability"]["transparency"]["median"] == 85
    everyone = app.get("/handbook.json").json
    assert everyone["count"] == 5
    assert {r["name"] for r in everyone["producers"]} == {"stats", "ngo"}
    # the organisation's id redirects to its name
    org_id = data["organization"]["id"]
    resp = app.get("/handbook/%s" % org_id, follow_redirects=False)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/handbook/stats")


def test_pdf(app, catalogue):  # noqa: F811
    resp = app.get("/handbook/stats.pdf")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.data.startswith(b"%PDF")
    text = _pdf_text(resp.data)
    assert "Data handbook: Statistics Office" in text
    assert "Forced displacement" in text and "Provisional figures" in text
    # the site's navigation is not printed
    assert "Log in" not in text
    # right to left in Arabic, labels in the visitor's language
    arabic = app.get("/ar/handbook/stats.pdf")
    assert arabic.data.startswith(b"%PDF")
    assert "أرقام أولية" in _pdf_text(arabic.data)  # provisional figures
    everyone = _pdf_text(app.get("/handbook.pdf").data)
    assert "Data handbook: all producers" in everyone and "Migration Monitor NGO" in everyone


def test_private_dataset_counted_for_members_only(app, catalogue):  # noqa: F811
    assert _stats(soup(app.get("/handbook/stats")))["datasets"] == "3"
    outsider = _token(catalogue["outsider"])
    assert app.get("/handbook/stats.json", headers=outsider).json["count"] == 3
    assert "Population census" not in _pdf_text(app.get("/handbook/stats.pdf").data)
    member = _token(catalogue["member"])
    assert _stats(soup(app.get("/handbook/stats", headers=member)))["datasets"] == "4"
    data = app.get("/handbook/stats.json", headers=member).json
    assert data["count"] == 4
    assert data["publishes"]["period"]["earliest_start"] == "1990-01-01"
    assert "Population census" in _pdf_text(app.get("/handbook/stats.pdf", headers=member).data)
    assert app.get("/handbook.json", headers=member).json["count"] == 6


@pytest.mark.parametrize("path", ["/handbook/stat", "/handbook/stat.json", "/handbook/stat.pdf"])
def test_unknown_producer_is_404_with_a_suggestion(app, catalogue, path):  # noqa: F811
    resp = app.get(path, status=404)
    assert "did you mean stats?" in resp.body


def test_dataset_page_links_the_handbook(app, catalogue):  # noqa: F811
    page = soup(app.get("/dataset/stats-full"))
    link = page.select_one(".migration-provenance a.migration-handbook-link")
    assert link["href"] == "/handbook/stats"
    assert link.get_text(strip=True) == helpers.call_action("organization_show", id="stats")["title"]


def test_organization_page_links_the_handbook(app, catalogue):  # noqa: F811
    page = soup(app.get("/organization/stats"))
    link = page.find("a", href="/handbook/stats")
    assert link is not None and "Data handbook" in link.get_text()
