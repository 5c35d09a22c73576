"""The shared mapping: country codes, inference rules, package dicts."""
import pytest

from ckanext.migration.harvesting import mapping
from ckanext.migration.harvesting.mapping import SourceRecord, to_package


# one text per rule of harvesters/rules.yaml, with what it must add
RULE_EXAMPLES = [
    ("Personal remittances, received (current US$)", "remittances", "20"),
    ("Dead and missing migrants in the Mediterranean", "missing_migrants", "8"),
    ("First-time asylum applicants", "forced_displacement", "2"),
    ("Internally displaced persons (IDPs) in Chad", "internal_displacement", "2"),
    ("Victims of trafficking in human beings", "trafficking", "10"),
    ("Migrant smuggling routes", "smuggling", "9"),
    ("Employment rates of foreign-born workers", "labour_migration", "6"),
    ("Third-country nationals returned following an order to leave", "return_and_reintegration", "21"),
    ("Third country nationals found to be illegally present", "irregular_migration", "11"),
    ("First residence permits by reason", "migration_policy", "5"),
    ("Acquisition of citizenship by age and sex", "integration", "16"),
    ("Diaspora engagement survey", "diaspora", "19"),
    ("Population by citizenship and country of birth: migrant stock", "migrant_stocks", "1"),
    ("Immigration by age and sex", "migration_flows", "1"),
    ("Unaccompanied minors applying for asylum", "child_migration", "7"),
    ("International students mobility", "international_students", "5"),
    ("Disaster displacement and climate change", "environmental_migration", "2"),
    ("Stateless persons by country", "forced_displacement", "4"),
]


def test_every_rule_has_an_example():
    assert len(mapping.load_rules()) == len(RULE_EXAMPLES)


@pytest.mark.parametrize("title,topic,objective", RULE_EXAMPLES)
def test_rules(title, topic, objective):
    topics, objectives = mapping.infer(SourceRecord(guid="x", title=title, identifier="x",
                                                    source_platform="t"))
    assert topic in topics and objective in objectives


# the measures of the OECD International Migration Database (CL_MEASURE_MIG), as the SDMX
# harvester writes them into the notes
@pytest.mark.parametrize("measure,topic,objective", [
    ("B11 Inflows of foreign population", "migration_flows", "1"),
    ("B12 Outflows of foreign population", "migration_flows", "1"),
    ("B13 Inflows of asylum seekers", "forced_displacement", "2"),
    ("B14 Stocks of foreign-born population", "migrant_stocks", "1"),
    ("B15 Stocks of foreign population", "migrant_stocks", "1"),
    ("B16 Acquisitions of nationality by country of former nationality", "integration", "16"),
    ("B21 Inflows of foreign workers", "labour_migration", "6"),
    ("B22 Inflows of seasonal foreign workers", "labour_migration", "6"),
])
def test_rules_map_oecd_migration_measures(measure, topic, objective):
    topics, objectives = mapping.infer(SourceRecord(guid="x", title="t", identifier="x",
                                                    source_platform="t", notes=measure))
    assert topic in topics and objective in objectives


def test_rules_read_identifiers_and_keywords():
    record = SourceRecord(guid="x", title="Table 4", identifier="BX.TRF.PWKR.CD.DT",
                          source_platform="WB", keywords=["trafficking"])
    topics, objectives = mapping.infer(record)
    assert topics == ["remittances", "trafficking"] and objectives == ["20", "10"]


def test_to_package():
    record = SourceRecord(
        guid="g1", title=" Asylum applicants ", identifier="migr_asyappctza",
        source_platform="Eurostat", producer="Eurostat", countries=["EL", "DE", "EU27_2020", "DE"],
        keywords=["Asylum seekers", "x"], period_start="2008", period_end="2022",
        frequency="ANNUAL", modified="2023-06-02",
        resources=[{"url": "https://e.eu/a.csv", "format": "CSV"}, {"name": "no url"}],
        extra={"sample_size": 10})
    pkg = to_package(record, {"topics": ["migration_flows"], "license_id": "cc-by",
                              "source_type": "official_statistics"})
    assert pkg["name"] == "eurostat-migr_asyappctza"
    assert pkg["title"] == "Asylum applicants"
    assert pkg["countries"] == ["GRC", "DEU"]
    assert pkg["topics"] == ["migration_flows", "forced_displacement"]
    assert pkg["gcm_objectives"] == ["2"]
    assert pkg["creator"] == [{"name": "Eurostat"}]
    assert pkg["temporal_coverage"] == [{"start": "2008", "end": "2022"}]
    assert pkg["tag_string"] == "asylum-seekers"  # one-letter tags dropped
    assert pkg["license_id"] == "cc-by" and pkg["source_type"] == "official_statistics"
    assert pkg["resources"] == [{"url": "https://e.eu/a.csv", "format": "CSV"}]
    assert pkg["sample_size"] == 10


# one producer's wording per population rule of rules.yaml (HDX tags, UNHCR/IOM titles)
POPULATION_EXAMPLES = [
    ("refugees", "refugees"),
    ("asylum seekers", "asylum_seekers"),
    ("internally displaced persons-idp", "idps"),
    ("Migrant workers by sex and occupation", "migrant_workers"),
    ("Returnees and returned IDPs in Iraq", "returnees"),
    ("stateless persons", "stateless_persons"),
    ("Unaccompanied and separated children in Europe", "unaccompanied_minors"),
    ("Victims of trafficking identified", "victims_of_trafficking"),
    ("Inbound international students by country of origin", "international_students"),
    ("Missing Migrants Project", "missing_migrants"),
    ("International migrant stock 2024", "international_migrants"),
]


def test_every_population_rule_has_an_example():
    assert len(mapping.load_code_rules("populations")) == len(POPULATION_EXAMPLES)


@pytest.mark.parametrize("text,population", POPULATION_EXAMPLES)
def test_population_rules(text, population):
    from ckanext.migration import vocab
    assert population in vocab.get_vocabulary("populations")
    by_title = SourceRecord(guid="x", title=text, identifier="x", source_platform="t")
    by_tag = SourceRecord(guid="x", title="Table 1", identifier="x", source_platform="t",
                          keywords=[text])
    assert population in mapping.infer_populations(by_title)
    assert population in mapping.infer_populations(by_tag)


def test_population_is_not_read_from_notes():
    record = SourceRecord(guid="x", title="Key figures", identifier="x", source_platform="t",
                          notes="crises with refugees and IDPs")
    assert mapping.infer_populations(record) == []
    assert "population_covered" not in to_package(record)


# one caveats text per caveat-flag rule: the first is HDX's IOM DTM caveat as recorded
CAVEAT_EXAMPLES = [
    ("Data are collected in accessible locations only; coverage is partial.",
     "partial_geographic_coverage"),
    ("This dataset comes from the DTM API, which provides only non-sensitive IDP figures.",
     "redacted_for_privacy"),
    ("Figures for 2023 are modelled estimates.", "modelled_estimates"),
    ("Nationality is self-reported by respondents.", "self_reported"),
    ("National definitions of a migrant differ between countries.",
     "non_standard_definitions"),
    ("Figures for the last year are provisional and may be revised.", "provisional_figures"),
    ("A break in series occurs in 2021 with the new census.", "break_in_series"),
]


def test_every_caveat_flag_has_phrases_and_an_example():
    from ckanext.migration import vocab
    flags = [c for _, codes in mapping.load_code_rules("caveat_flags") for c in codes]
    assert sorted(flags) == sorted(t.code for t in vocab.get_vocabulary("caveat_flags"))
    assert len(mapping.load_code_rules("caveat_flags")) == len(CAVEAT_EXAMPLES)


@pytest.mark.parametrize("caveats,flag", CAVEAT_EXAMPLES)
def test_caveat_flag_rules(caveats, flag):
    assert mapping.infer_caveat_flags(caveats) == [flag]


@pytest.mark.parametrize("name,code", [
    ("world", "001"), ("World", "001"), ("lac", "419"), ("sub-saharan-africa", "202"),
    ("Eastern Africa", "014"), ("western-asia", "145"), ("150", "150"),
    ("afg", None), ("Chad", None), ("", None)])
def test_region_codes(name, code):
    assert mapping.region_code(name) == code


def test_regions_set_granularity_unless_stated():
    record = SourceRecord(guid="x", title="t", identifier="x", source_platform="t",
                          countries=["world"])
    pkg = to_package(record)
    assert pkg["regions"] == ["001"] and pkg["geographic_granularity"] == "global"
    assert pkg["countries"] == []
    record.countries = ["eastern-africa", "KEN"]
    pkg = to_package(record, {"geographic_granularity": "national"})
    assert pkg["regions"] == ["014"] and pkg["countries"] == ["KEN"]
    assert pkg["geographic_granularity"] == "national"
    record.countries = ["eastern-africa"]
    assert to_package(record)["geographic_granularity"] == "regional"


@pytest.mark.parametrize("name,named", [
    ("Multiple Sources", False), ("various organisations", False), ("", False),
    ("UNHCR", True), ("Multiple Indicator Cluster Surveys", True)])
def test_producers_naming_no_one(name, named):
    assert mapping.names_a_producer(name) is named


@pytest.mark.parametrize("text,codes", [
    ("Internally displaced persons in Chad", ["TCD"]),
    ("Réfugiés soudanais au Tchad", ["TCD"]),
    ("Desplazados internos en Colombia", ["COL"]),
    ("لاجئون في تشاد", ["TCD"]),
    ("SOUTH SUDAN: returnees", ["SSD"]),
    ("Refugees from South Sudan and Sudan in the DRC", ["SSD", "SDN", "COD"]),
    ("Displacement in Guinea-Bissau and Papua New Guinea", ["GNB", "PNG"]),
    ("Refugees hosted in Turkey and Russia", ["TUR", "RUS"]),
    # the stop list: places and people bearing a country's name
    ("Floods along the Niger River", []),
    ("Migrant workers in Atlanta, Georgia", []),
    ("Water use in the Jordan Valley", []),
    ("Interview by Dr. Chad Brown", []),
    ("Displacement around Lake Chad", []),
    ("Highlands of New Guinea", []),
    ("Returns to Northern Ireland, New Mexico and New Jersey", []),
    ("Price index (Belgium = 100)", []),
    # whole words, as written or in capitals
    ("Nigerian students", []), ("a chad of paper, roast turkey", []),
])
def test_infer_countries(text, codes):
    assert mapping.infer_countries(text) == codes


def test_every_stop_rule_has_an_example():
    assert len(mapping._rules_file()["country_names"]["stop"]) == 7


def test_countries_are_inferred_only_when_none_are_stated():
    record = SourceRecord(guid="x", title="IDPs in Chad", identifier="x", source_platform="t",
                          notes="Camps near the border with Sudan.")
    pkg = to_package(record)
    assert pkg["countries"] == ["TCD", "SDN"] and pkg["countries_inferred"] is True
    record.countries = ["NER"]
    pkg = to_package(record)
    assert pkg["countries"] == ["NER"] and "countries_inferred" not in pkg
    record.countries = ["world"]   # a global dataset names countries as examples only
    pkg = to_package(record)
    assert pkg["countries"] == [] and "countries_inferred" not in pkg
