"""Stored sources: written and read by orjson when it can, by Python's json otherwise,
with the same values either way."""
import json
import math

import pytest

from ckanext.migration.searchservice.documents import dumps_source, loads


@pytest.mark.parametrize("source", [
    {"id": "a", "title": "Sénégal السنغال", "tags": ["x", "y"], "n": 3, "f": 1.5, "b": True},
    {"id": "big", "n": 2 ** 70},  # over 64 bits: orjson refuses, json writes it
    {"id": "inf", "f": [1.0, float("inf")], "g": float("-inf")},
])
def test_sources_round_trip(source):
    assert loads(dumps_source(source)) == source
    assert loads(json.dumps(source, ensure_ascii=False).encode("utf-8")) == source


def test_nan_stays_nan():
    """orjson would store NaN as null: such a source goes through Python's json."""
    back = loads(dumps_source({"id": "nan", "f": float("nan")}))
    assert math.isnan(back["f"])


def test_what_orjson_refuses_is_read_by_json():
    assert loads(b'{"a": NaN, "b": 123456789012345678901234567890}')["b"] == \
        123456789012345678901234567890
    assert loads('"\\ud800"'.encode()) == "\ud800"  # a lone surrogate, escaped
    with pytest.raises(ValueError):
        loads(b'{"a": ')
