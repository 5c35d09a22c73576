import datetime as dt

import pytest

from ckanext.migration.searchservice.dates import UTC, date_math, format_date, parse_date
from ckanext.migration.searchservice.errors import BadRequest

NOW = dt.datetime(2024, 2, 29, 13, 45, 10, 500000, tzinfo=UTC)


@pytest.mark.parametrize("expr,expected", [
    ("NOW", NOW),
    ("NOW/DAY", dt.datetime(2024, 2, 29, tzinfo=UTC)),
    ("NOW-1DAY", NOW - dt.timedelta(days=1)),
    ("NOW+1YEAR/DAY", dt.datetime(2025, 2, 28, tzinfo=UTC)),
    ("NOW/MONTH-1MONTH", dt.datetime(2024, 1, 1, tzinfo=UTC)),
    ("2020-01-01T00:00:00Z+6HOURS", dt.datetime(2020, 1, 1, 6, tzinfo=UTC)),
    ("2020-05-01", dt.datetime(2020, 5, 1, tzinfo=UTC)),
])
def test_date_math(expr, expected):
    assert date_math(expr, now=NOW) == expected


@pytest.mark.parametrize("bad", ["NOW-1FORTNIGHT", "yesterday", "2020-13-01", "NOW+"])
def test_bad_dates_are_rejected(bad):
    with pytest.raises(BadRequest):
        date_math(bad, now=NOW)


def test_formats_like_solr():
    assert format_date(parse_date("2021-03-04T10:11:12.123456Z")) == "2021-03-04T10:11:12.123Z"
    assert format_date(parse_date("2021-03-04T10:11:12Z")) == "2021-03-04T10:11:12Z"
    assert format_date(parse_date("2021-03-04T12:11:12+02:00")) == "2021-03-04T10:11:12Z"
