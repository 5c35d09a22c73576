"""The one parser of SDMX / Eurostat time periods (Eurostat TOC and SDMX harvesters)."""
import pytest

from ckanext.migration.harvesting import periods


@pytest.mark.parametrize("value,expected", [
    # Eurostat table of contents
    ("2008", ("2008", "ANNUAL")), ("2008Q3", ("2008-07", "QUARTERLY")),
    ("2024M08", ("2024-08", "MONTHLY")), ("2024M8", ("2024-08", "MONTHLY")),
    ("2020-S2", ("2020-07", "ANNUAL_2")), ("2020H1", ("2020-01", "ANNUAL_2")),
    ("2008W05", ("2008-01-28", "WEEKLY")), ("2020W53", ("2020-12-28", "WEEKLY")),
    # SDMX observation periods (OBS_PERIOD_OVERALL_* annotations)
    ("2011", ("2011", "ANNUAL")), ("1980-Q1", ("1980-01", "QUARTERLY")),
    ("2022-Q3", ("2022-07", "QUARTERLY")), ("2024-03", ("2024-03", "MONTHLY")),
    ("202403", ("2024-03", "MONTHLY")), ("2024-M03", ("2024-03", "MONTHLY")),
    ("2024-03-15", ("2024-03-15", "DAILY")), ("2024-03-15T00:00:00", ("2024-03-15", "DAILY")),
    # nothing to read
    ("", ("", "")), (None, ("", "")), ("n/a", ("", "")), ("20245", ("", "")),
])
def test_parse(value, expected):
    assert periods.parse(value) == expected


def test_a_week_that_does_not_exist_keeps_the_year():
    assert periods.parse("2021W53") == ("2021", "WEEKLY")


def test_sdmx_frequency_codes_map_onto_eu_frequencies():
    from ckanext.migration import vocab
    frequencies = vocab.get_vocabulary("frequencies")
    assert all(code in frequencies for code in periods.SDMX_FREQUENCIES.values())


@pytest.mark.parametrize("years,expected", [
    (["2010", "2015", "2020", "2015"], "QUINQUENNIAL"),   # repeats (one per country)
    ([2009, 2010, 2011, 2012], "ANNUAL"), (["2000", "2010", "2020"], "DECENNIAL"),
    (["1990", "1995", "2000", "2020", "2024"], "IRREG"),
    (["1990", "2020"], ""), ([], ""),                     # too few years to tell
])
def test_frequency_of_years(years, expected):
    from ckanext.migration import vocab
    assert periods.frequency_of_years(years) == expected
    assert not expected or expected in vocab.get_vocabulary("frequencies")
