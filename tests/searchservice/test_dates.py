"""Date values: parsing and Solr's output format (date math: test_request.py)."""
import pytest

from ckanext.migration.searchservice.dates import format_date, parse_date
from ckanext.migration.searchservice.errors import BadRequest


def test_formats_like_solr():
    assert format_date(parse_date("2021-03-04T10:11:12.123456Z")) == "2021-03-04T10:11:12.123Z"
    assert format_date(parse_date("2021-03-04T10:11:12Z")) == "2021-03-04T10:11:12Z"
    assert format_date(parse_date("2021-03-04T12:11:12+02:00")) == "2021-03-04T10:11:12Z"


@pytest.mark.parametrize("bad", ["yesterday", "2020-13-01", "NOW"])
def test_bad_date_values_are_rejected(bad):
    with pytest.raises(BadRequest):
        parse_date(bad)
