"""Property-based fuzzing of CKAN's ``package_search`` over HTTP (issue 14 item 6).

CKAN with our plugins, served by the live server, over the real search service: hypothesis
sends generated q, fq, sort, rows/start and facet parameters to
``/api/3/action/package_search`` by GET (query string) and by POST (a JSON body, values of
any JSON type). Never a 5xx; every 4xx is CKAN's error shape, ``success: false`` with an
``error`` naming a field or its ``__type`` and saying why. Reproducible: ``derandomize=True``,
no example database (see tests/searchservice/test_fuzz.py, which sends most of the 10,000
generated requests straight to the service).
"""
import json

import pytest
import requests
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from ..factories import create_catalogue
from ..searchservice import fuzz_strategies as fz

FUZZ = dict(deadline=None, database=None, derandomize=True, print_blob=True,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck))
PARAMS = ["q", "fq", "sort", "rows", "start", "facet", "facet.field", "facet.limit",
          "facet.mincount", "facet.pivot", "include_private", "include_drafts", "fl",
          "qf", "defType", "ext_bbox", "nosuch"]


@pytest.fixture
def api(live_server):
    create_catalogue([{"name": "senegal-migrants"}, {"name": "mali-refugees",
                                                     "countries": ["MLI"]},
                      {"name": "arabic", "title_translated": {"ar": "المهاجرون في السنغال"}},
                      {"name": "hidden", "private": True}])
    session = requests.Session()
    session.url = live_server.url_for("/api/3/action/package_search")
    return session


def check(response, params):
    assert response.status_code < 500, (params, response.status_code, response.text[:800])
    body = response.json()
    if response.status_code >= 400:
        assert body["success"] is False, (params, body)
        error = body["error"]
        # CKAN's shape: the failing field(s) with their messages, or __type and a message
        named = {k: v for k, v in error.items() if k not in ("__type", "message")}
        assert "__type" in error or named, (params, body)
        reasons = [error.get("message")] + [
            m for v in named.values() for m in (v if isinstance(v, list) else [v])]
        assert any(isinstance(r, str) and r.strip() for r in reasons), (params, body)
    else:
        assert body["success"] is True and body["result"]["count"] >= 0, params
        assert "hidden" not in [d.get("name") for d in body["result"]["results"]
                                if isinstance(d, dict)], params


json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-10 ** 20, 10 ** 20) | st.floats() |
    st.text(fz.ALPHABET, max_size=40) | fz.short_query | fz.number | fz.facet_field,
    lambda children: st.lists(children, max_size=3) |
    st.dictionaries(st.text(max_size=5), children, max_size=2), max_leaves=5)


@settings(max_examples=900, **FUZZ)
@given(q=fz.short_query.filter(lambda q: len(q) < 2000), fq=fz.short_query.filter(
    lambda q: len(q) < 2000), sort=fz.sort, rows=fz.number, start=fz.number,
    facet_field=st.one_of(
        st.lists(fz.facet_field, max_size=3).map(json.dumps), fz.facet_field),
    limit=fz.number, mincount=fz.number, pivot=st.one_of(st.none(), fz.facet_field))
# regression (2026-11-26): CKAN checks start >= 0 but not its size; the service then
# allocated a collector of that many hits and died
@example(q="migrants", fq="", sort="score desc", rows="10", start="99999999999",
         facet_field='["countries"]', limit="10", mincount="1", pivot=None)
def test_package_search_get(api, q, fq, sort, rows, start, facet_field, limit, mincount,
                            pivot):
    params = {"q": q, "fq": fq, "sort": sort, "rows": rows, "start": start,
              "facet.field": facet_field, "facet.limit": limit, "facet.mincount": mincount}
    if pivot is not None:
        params["facet.pivot"] = pivot
    check(api.get(api.url, params=params, timeout=120), params)


@settings(max_examples=600, **FUZZ)
@given(body=st.dictionaries(st.sampled_from(PARAMS), json_value, max_size=6))
@example(body={"rows": -1, "start": "x"})
@example(body={"facet.field": {"a": 1}, "sort": ["title_string asc"]})
# regressions (2026-11-26): each was a 500 from CKAN's own package_search
@example(body={"rows": []})
@example(body={"start": "", "facet.mincount": ""})
@example(body={"include_private": ""})
@example(body={"include_drafts": "x"})
@example(body={"fl": 1})
def test_package_search_post(api, body):
    r = api.post(api.url, data=json.dumps(body),
                 headers={"Content-Type": "application/json"}, timeout=120)
    check(r, body)
