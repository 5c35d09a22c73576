"""The one country normaliser (harvest mapping, validators and DCAT parsing use it)."""
import pytest

from ckanext.migration import countries


@pytest.mark.parametrize("value,iso3", [
    ("SEN", "SEN"), ("sen", "SEN"), ("SN", "SEN"), ("686", "SEN"), ("Senegal", "SEN"),
    ("Sénégal", "SEN"), ("EL", "GRC"), ("UK", "GBR"), ("Schweiz", "CHE"),
    ("Deutschland", "DEU"), ("Türkiye", "TUR"), ("Ivory Coast", "CIV"),
    ("http://publications.europa.eu/resource/authority/country/DEU", "DEU"),
    ("EU27_2020", None), ("EA19", None), ("WLD", None), ("world", None), ("", None),
    ("XK", None), ("Atlantis", None),
])
def test_lenient_takes_what_sources_write(value, iso3):
    assert countries.to_iso3(value) == iso3


@pytest.mark.parametrize("value,iso3", [
    ("SEN", "SEN"), ("sen", "SEN"), (" deu ", "DEU"),
    ("http://publications.europa.eu/resource/authority/country/DEU", "DEU"),
    ("SN", None), ("686", None), ("Senegal", None), ("EL", None), ("XYZ", None),
    ("http://publications.europa.eu/resource/authority/country/XYZ", None), (None, None),
])
def test_strict_takes_only_alpha3_codes_and_eu_uris(value, iso3):
    assert countries.to_iso3(value, lenient=False) == iso3


def test_every_country_of_the_vocabulary_round_trips_through_its_codes():
    from ckanext.migration import vocab
    for term in vocab.get_vocabulary("countries"):
        assert countries.to_iso3(term.code, lenient=False) == term.code
        assert countries.to_iso3(term.uri, lenient=False) == term.code
        assert countries.to_iso3(term.get("alpha_2")) == term.code
        assert countries.to_iso3(term.get("numeric")) == term.code
