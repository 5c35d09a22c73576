"""ckanext.migration.vocab: the controlled vocabularies and their lookups."""
import csv
import io
import re
import subprocess
import sys

import pytest

from ckanext.migration import vocab

from .conftest import fixture_bytes

NAMESPACES = {
    "gcm_objectives": vocab.BASE_URI + "gcm-objective/",
    "topics": vocab.BASE_URI + "topic/",
    "source_types": vocab.BASE_URI + "source-type/",
    "populations": vocab.BASE_URI + "population/",
    "units_of_observation": vocab.BASE_URI + "unit-of-observation/",
    "disaggregation": vocab.BASE_URI + "disaggregation/",
    "caveat_flags": vocab.BASE_URI + "caveat/",
    "geographic_granularity": vocab.BASE_URI + "geographic-granularity/",
    "regions": vocab.BASE_URI + "m49/",
    "glossary": vocab.BASE_URI + "glossary/",
    "glossary_agencies": vocab.BASE_URI + "agency/",
    "frequencies": vocab.EU_FREQUENCY_URI,
    "access_rights": vocab.EU_ACCESS_RIGHT_URI,
    "countries": vocab.EU_COUNTRY_URI,
}
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def test_known_names():
    # glossary_definitions: computed from glossary.yaml (tests/test_glossary.py)
    assert set(vocab.vocabulary_names()) == set(NAMESPACES) | {"glossary_definitions"}


@pytest.mark.parametrize("name", sorted(NAMESPACES))
def test_vocabulary_loads_with_unique_codes_and_uris(name):
    v = vocab.get_vocabulary(name)
    assert v.name == name and len(v) > 0
    codes = v.codes()
    assert len(codes) == len(set(codes))
    assert len({t.uri for t in v}) == len(v)
    for t in v:
        assert isinstance(t.code, str) and t.label
        assert t.uri == NAMESPACES[name] + t.code
        assert v.get(t.code) is t and v.by_uri(t.uri) is t and t.code in v
    assert vocab.get_vocabulary(name) is v  # cached


@pytest.mark.parametrize("name", ["topics", "source_types", "populations", "units_of_observation",
                                  "disaggregation", "caveat_flags", "geographic_granularity"])
def test_own_codes_are_snake_case(name):
    assert all(SNAKE.match(c) for c in vocab.get_vocabulary(name).codes())


def test_choices_and_lookups():
    topics = vocab.get_vocabulary("topics")
    choices = topics.choices()
    assert choices[0] == {"value": "labour_migration", "label": "Labour migration"}
    assert [c["value"] for c in choices] == topics.codes()
    assert all(set(c) == {"value", "label"} for c in choices)
    assert topics.label("remittances") == "Remittances"
    assert topics.label("nope") is None and topics.label("nope", "x") == "x"
    assert topics.uri("remittances") == vocab.BASE_URI + "topic/remittances"
    assert topics.uri("nope") is None and topics.by_uri("http://example.org/x") is None
    assert "nope" not in topics and ["unhashable"] not in topics
    assert vocab.get_vocabulary("source_types").uri("survey") == vocab.BASE_URI + "source-type/survey"


def test_gcm_objectives():
    gcm = vocab.get_vocabulary("gcm_objectives")
    assert gcm.codes() == [str(n) for n in range(1, 24)]
    assert gcm.uri("8") == vocab.BASE_URI + "gcm-objective/8"
    assert gcm.get("1").get("title") == ("Objective 1: Collect and utilize accurate and "
                                         "disaggregated data as a basis for evidence-based policies")
    for t in gcm:
        assert t.get("title").startswith(f"Objective {t.code}: ")


def test_gcm_objectives_match_reference():
    text = fixture_bytes("reference", "gcm-objectives.csv").decode("utf-8")
    reference = {r["number"]: r["title"] for r in csv.DictReader(io.StringIO(text))}
    ours = {t.code: t.get("title").split(": ", 1)[1] for t in vocab.get_vocabulary("gcm_objectives")}
    assert ours == reference


def test_topics_reference_existing_objectives():
    gcm = vocab.get_vocabulary("gcm_objectives")
    for t in vocab.get_vocabulary("topics"):
        assert t.get("gcm_objectives") and all(o in gcm for o in t.get("gcm_objectives")), t.code


def test_gcm_for_topics():
    assert vocab.gcm_for_topics(["remittances"]) == ["20"]
    assert vocab.gcm_for_topics(["trafficking", "migration_policy", "remittances", "smuggling",
                                 "unknown"]) == ["1", "9", "10", "20", "23"]
    assert vocab.gcm_for_topics(["forced_displacement", "environmental_migration"]) == ["2"]
    assert vocab.gcm_for_topics("missing_migrants") == ["8"]
    assert vocab.gcm_for_topics([]) == [] and vocab.gcm_for_topics(None) == []


def test_countries():
    countries = vocab.get_vocabulary("countries")
    assert len(countries) >= 249
    assert countries.label("SEN") == "Senegal"
    assert countries.uri("SEN") == "http://publications.europa.eu/resource/authority/country/SEN"
    assert countries.get("SEN").get("alpha_2") == "SN"
    assert countries.get("SEN").get("numeric") == "686"
    assert countries.label("BOL") == "Bolivia"  # common_name preferred
    assert countries.by_uri(vocab.EU_COUNTRY_URI + "DEU").code == "DEU"


def test_regions_tree():
    regions = vocab.get_vocabulary("regions")
    levels = {"world": None, "region": "world", "subregion": "region",
              "intermediate": "subregion"}
    for t in regions:
        assert t.get("m49") == t.code and re.match(r"^\d{3}$", t.code)
        parent = regions.get(t.get("parent")) if t.get("parent") else None
        assert (parent.get("level") if parent else None) == levels[t.get("level")], t.code
    top = [t.code for t in regions if t.get("parent") == "001"]
    assert sorted(top) == ["002", "009", "019", "142", "150"]
    assert regions.label("202") == "Sub-Saharan Africa" and regions.label("035") == "South-eastern Asia"


@pytest.mark.parametrize("iso3,expected", [
    ("SEN", ["011", "202", "002"]),
    ("DEU", ["155", "150"]),
    ("MEX", ["013", "419", "019"]),
    ("BRA", ["005", "419", "019"]),
    ("HTI", ["029", "419", "019"]),
    ("USA", ["021", "019"]),
    ("IND", ["034", "142"]),
    ("SYR", ["145", "142"]),
    ("AUS", ["053", "009"]),
    ("FJI", ["054", "009"]),
    ("EGY", ["015", "002"]),
    ("JEY", ["830", "154", "150"]),
    ("sen", ["011", "202", "002"]),
])
def test_regions_for_country(iso3, expected):
    assert vocab.regions_for_country(iso3) == expected


@pytest.mark.parametrize("code", ["ZZZ", "", "XKX", "ATA", None, "002"])
def test_regions_for_unknown_country(code):
    assert vocab.regions_for_country(code) == []


def test_every_country_but_antarctica_has_regions():
    missing = [c for c in vocab.get_vocabulary("countries").codes() if not vocab.regions_for_country(c)]
    assert missing == ["ATA"]


def test_countries_in_region():
    west = vocab.countries_in_region("011")
    assert "SEN" in west and "NGA" in west and "DEU" not in west
    assert set(west) < set(vocab.countries_in_region("202")) < set(vocab.countries_in_region("002"))
    assert len(vocab.countries_in_region("001")) == len(vocab.get_vocabulary("countries"))
    assert vocab.countries_in_region("999") == []


def test_frequency_thresholds():
    assert vocab.frequency_thresholds("ANNUAL") == (365, 425, 455)
    assert vocab.frequency_thresholds(vocab.EU_FREQUENCY_URI + "ANNUAL") == (365, 425, 455)
    assert vocab.frequency_thresholds("DAILY") == vocab.frequency_thresholds("CONT") == (1, 2, 3)
    assert vocab.frequency_thresholds("ANNUAL_2") == (180, 210, 240)  # semiannual in the EU table
    assert vocab.frequency_thresholds("BIENNIAL") == (730, 790, 820)
    for code in ("NEVER", "IRREG", "UNKNOWN", "nonsense", None):
        assert vocab.frequency_thresholds(code) is None
    for t in vocab.get_vocabulary("frequencies"):
        due = vocab.frequency_thresholds(t.code)
        assert due is None or due[0] < due[1] < due[2]


def test_unknown_vocabulary():
    with pytest.raises(KeyError, match="known: .*topics"):
        vocab.get_vocabulary("nope")


def test_does_not_import_ckan():
    code = ("import sys; from ckanext.migration import vocab; vocab.get_vocabulary('topics'); "
            "assert not any(m == 'ckan' or m.startswith('ckan.') for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- languages (issue 11) ---------------------------------------------------------------

FILES = [n for n in vocab.vocabulary_names() if n not in vocab.COMPUTED]


@pytest.mark.parametrize("name", FILES)
def test_every_term_has_a_label_in_every_language(name):
    """Fails when a term lacks label_fr, label_es or label_ar (or a GCM objective a title)."""
    for term in vocab.get_vocabulary(name):
        labels = term.texts("label")
        missing = [lang for lang in vocab.LANGUAGES if not labels.get(lang)]
        assert not missing, "%s %s: no label in %s" % (name, term.code, missing)
        if name == "gcm_objectives":
            titles = term.texts("title")
            assert all(titles.get(lang) for lang in vocab.LANGUAGES), term.code
        # translations are translations, not copies of the code
        assert all(text != term.code for lang, text in labels.items() if lang != "en")


def test_gcm_objectives_official_texts():
    # the UN Network on Migration hub's short labels (migrationnetwork.un.org/fr|es/hub)
    assert vocab.label("gcm_objectives", "2", "fr") == "Lutter contre les facteurs négatifs"
    assert vocab.label("gcm_objectives", "12", "fr") == "Contrôle, évaluation et orientation"
    assert vocab.label("gcm_objectives", "1", "es") == "Datos"
    assert vocab.label("gcm_objectives", "12", "es") == "Verificación de antecedentes y derivación"
    # the official titles as the hub's objective pages give them (A/RES/73/195)
    assert vocab.title("gcm_objectives", "1", "fr") == (
        "Objectif 1 : Collecter et utiliser des données précises et ventilées qui serviront à "
        "l’élaboration de politiques fondées sur la connaissance des faits")
    assert vocab.title("gcm_objectives", "2", "fr") == (
        "Objectif 2 : Lutter contre les facteurs négatifs et les problèmes structurels qui "
        "poussent des personnes à quitter leur pays d’origine")
    assert vocab.title("gcm_objectives", "2", "es") == (
        "Objetivo 2: Minimizar los factores adversos y estructurales que obligan a las personas "
        "a abandonar su país de origen")
    assert vocab.title("gcm_objectives", "2", "ar").startswith("الهدف 2: ")
    assert vocab.title("gcm_objectives", "2", "en").startswith("Objective 2: Minimize")


def test_labels_in_each_language_and_english_fallback():
    assert vocab.label("topics", "remittances", "fr") == "Envois de fonds"
    assert vocab.label("topics", "remittances", "es") == "Remesas"
    assert vocab.label("topics", "remittances", "ar") == "التحويلات المالية"
    assert vocab.label("topics", "remittances", "en") == "Remittances"
    # a language without labels, a regional variant, no language outside a request
    assert vocab.label("topics", "remittances", "de") == "Remittances"
    assert vocab.label("topics", "remittances", "fr_CA") == "Envois de fonds"
    assert vocab.label("topics", "remittances") == "Remittances"
    # term URIs too; unknown codes come back as they are, no error
    uri = vocab.get_vocabulary("topics").uri("remittances")
    assert vocab.label("topics", uri, "es") == "Remesas"
    assert vocab.label("topics", "nope", "fr") == "nope"
    assert vocab.label("topics", None, "fr") == ""
    assert vocab.label("topics", "nope", "fr", default="?") == "?"
    # a term whose translation is missing falls back to English
    term = vocab.Term("x", "English only", "https://example.org/x", None, {"label_fr": ""})
    assert term.text("label", "fr") == "English only"
    assert term.texts("label") == {"en": "English only"}
    # regions: M49 in four languages
    assert vocab.label("regions", "011", "fr") == "Afrique occidentale"
    assert vocab.label("regions", "419", "es") == "América Latina y el Caribe"


def test_all_labels_for_search():
    labels = vocab.all_labels("topics", "remittances")
    assert labels == ["Remittances", "Envois de fonds", "Remesas", "التحويلات المالية"]
    objective = vocab.all_labels("gcm_objectives", "20")
    assert "Envois de fonds" in objective and "Remesas" in objective
    assert any(t.startswith("Objectif 20 : ") for t in objective)
    assert len(objective) == len(set(objective))
    assert vocab.all_labels("topics", "nope") == []


def test_country_names_from_pycountry():
    from ckanext.migration import countries
    assert countries.name("SEN", "en") == "Senegal"
    assert countries.name("SEN", "fr") == "Sénégal"
    assert countries.name("SEN", "es") == "Senegal"
    # pycountry writes the shadda ("السّنغال"); without the optional marks it is the usual form
    assert countries.strip_arabic_marks(countries.name("SEN", "ar")) == "السنغال"
    assert countries.name("sen", "fr") == "Sénégal"
    assert countries.name(vocab.EU_COUNTRY_URI + "SEN", "fr") == "Sénégal"
    assert vocab.label("countries", "SEN", "fr") == "Sénégal"
    assert countries.name("DEU", "xx") == "Germany"  # no such locale: English
    assert countries.name("NOPE", "fr") == "NOPE"
    names = countries.all_names("SEN")
    assert {"Senegal", "Sénégal", "السنغال"} <= set(names)
    assert vocab.all_labels("countries", "SEN") == names
    # a common name pycountry has no translation for falls back to the official short name
    assert countries.name("KOR", "ar") != "South Korea"
