"""Search in English, French, Spanish and Arabic through CKAN and the real search service.

A dataset whose only mention of Senegal is its country code is found by the country's
name in any of the four languages (pycountry's ISO 3166 translations, indexed with the
dataset), with or without accents; objective titles and topic labels in every language
find their datasets; private datasets stay hidden in every language.
"""
import pytest

from ckan.tests import factories

from ckanext.migration import countries, vocab

from ..factories import create_catalogue

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")

NEUTRAL = dict(notes="Monthly counts by sex and age.", tag_string="statistics",
               provenance="", definitions="", collection_method="", caveats="",
               identifier="", url="")


@pytest.fixture
def catalogue():
    # no country, objective or topic named in any text: only the codes say what they are
    specs = [
        dict(NEUTRAL, name="sen", countries=["SEN"], gcm_objectives=["20"],
             topics=["remittances"], population_covered=["migrant_workers"]),
        dict(NEUTRAL, name="deu", countries=["DEU"], gcm_objectives=["8"],
             topics=["missing_migrants"], population_covered=["refugees"]),
        dict(NEUTRAL, name="secret", countries=["SEN"], gcm_objectives=["20"],
             topics=["remittances"], private=True),
    ]
    return create_catalogue(specs)


def _names(app, q, headers=None):
    res = app.get("/api/3/action/package_search", headers=headers or {},
                  query_string={"q": q, "include_private": "true", "sort": "name asc"})
    assert res.status_code == 200, res.body
    return [d["name"] for d in res.json["result"]["results"]]


SENEGAL_AR = "\u0627\u0644\u0633\u0646\u063a\u0627\u0644"  # as people type it, no marks


def test_a_country_is_found_by_its_name_in_every_language(app, catalogue):
    for q in ("Senegal", "Sénégal", "senegal", "SÉNÉGAL", "Senegal migrant workers",
              SENEGAL_AR, "\u0633\u0646\u063a\u0627\u0644"):  # the last without the article
        assert _names(app, q) == ["sen"], q
    # the names searched are pycountry's in each language
    for lang in ("en", "fr", "es", "ar"):
        assert _names(app, countries.name("SEN", lang)) == ["sen"], lang
        assert _names(app, countries.name("DEU", lang)) == ["deu"], lang
    # Germany: Allemagne, Alemania, ألمانيا are different words, all found
    assert len({countries.name("DEU", lang) for lang in ("en", "fr", "es", "ar")}) == 4


def test_objective_and_topic_labels_and_titles_find_their_datasets(app, catalogue):
    for lang in ("en", "fr", "es", "ar"):
        assert _names(app, vocab.label("gcm_objectives", "20", lang)) == ["sen"], lang
        assert _names(app, vocab.label("gcm_objectives", "8", lang)) == ["deu"], lang
        assert _names(app, vocab.label("topics", "remittances", lang)) == ["sen"], lang
    for lang in ("fr", "es", "ar"):
        title = vocab.title("gcm_objectives", "20", lang)
        assert title != vocab.title("gcm_objectives", "20", "en")
        # what a person types: the title after "Objectif 20 :" (a colon makes a field query)
        assert _names(app, title.split(":", 1)[-1].strip()) == ["sen"], lang
    # a French objective title, a Spanish topic label
    fr = vocab.title("gcm_objectives", "8", "fr")
    assert _names(app, fr.split(":", 1)[-1].strip()) == ["deu"]
    es = vocab.label("topics", "missing_migrants", "es")
    assert es != vocab.label("topics", "missing_migrants", "en")
    assert _names(app, es) == ["deu"]
    # folded: without the accents people often leave out
    assert _names(app, "Refugies") == ["deu"]


def test_private_datasets_stay_hidden_in_every_language(app, catalogue):
    member_token = factories.APIToken(user=factories.User()["name"])["token"]
    admin_token = factories.APIToken(user=catalogue["user"])["token"]
    for q in ("Senegal", "Sénégal", SENEGAL_AR):
        assert "secret" not in _names(app, q), q                     # anonymous
        assert "secret" not in _names(app, q, {"Authorization": member_token}), q
        assert _names(app, q, {"Authorization": admin_token}) == ["secret", "sen"], q


def test_the_search_page_in_each_language_finds_the_dataset(app, catalogue):
    for lang, q in (("fr", "Sénégal"), ("es", "Senegal"), ("ar", SENEGAL_AR)):
        res = app.get("/%s/dataset/" % lang, query_string={"q": q})
        assert res.status_code == 200
        assert 'href="/%s/dataset/sen"' % lang in res.body, lang
        assert "/dataset/secret" not in res.body
