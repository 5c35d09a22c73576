"""CKAN over the real search service (the one scripts/test.sh starts for config/test.ini):
create, find, update and delete datasets through the action API."""
import pytest

from ckan.tests import factories

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")


@pytest.fixture
def sysadmin_headers():
    user = factories.Sysadmin()
    token = factories.APIToken(user=user["name"])
    return {"Authorization": token["token"]}


@pytest.fixture
def org():
    return factories.Organization(name="iom", title="IOM")


def _dataset(**extra):
    data = {"name": "missing-migrants", "title": "Missing Migrants Project",
            "notes": "Deaths and disappearances of migrants on migratory routes",
            "tag_string": "missing migrants,mediterranean", "license_id": "cc-by"}
    data.update(extra)
    return data


def _search(app, **params):
    res = app.get("/api/3/action/package_search", query_string=params)
    assert res.status_code == 200, res.body
    return res.json["result"]


def test_create_find_update_delete(app, sysadmin_headers, org):
    res = app.post("/api/3/action/package_create", headers=sysadmin_headers,
                   json=_dataset(owner_org=org["id"]))
    assert res.status_code == 200, res.body

    # stemming: "migrant" finds "migrants"; fielded and faceted queries work
    found = _search(app, q="migrant")
    assert [d["name"] for d in found["results"]] == ["missing-migrants"]
    found = _search(app, fq='tags:"missing migrants"', **{"facet.field": '["organization","tags"]'})
    assert found["count"] == 1
    assert found["facets"]["organization"] == {"iom": 1}
    assert found["facets"]["tags"] == {"missing migrants": 1, "mediterranean": 1}

    res = app.post("/api/3/action/package_patch", headers=sysadmin_headers,
                   json={"id": "missing-migrants", "title": "Missing Migrants Project 2024",
                         "notes": "Remittances are not covered"})
    assert res.status_code == 200, res.body
    assert _search(app, q="remittances")["count"] == 1
    assert _search(app, q="deaths")["count"] == 0  # the old text is gone from the index
    assert _search(app, q="title:2024")["count"] == 1

    res = app.post("/api/3/action/package_delete", headers=sysadmin_headers,
                   json={"id": "missing-migrants"})
    assert res.status_code == 200, res.body
    assert _search(app, q="migrant")["count"] == 0


def test_private_datasets_are_invisible_to_anonymous_users(app, sysadmin_headers, org):
    app.post("/api/3/action/package_create", headers=sysadmin_headers,
             json=_dataset(name="public-one", owner_org=org["id"]))
    app.post("/api/3/action/package_create", headers=sysadmin_headers,
             json=_dataset(name="private-one", owner_org=org["id"], private=True))
    anonymous = _search(app, q="migrants", include_private="true")
    assert [d["name"] for d in anonymous["results"]] == ["public-one"]
    res = app.get("/api/3/action/package_search", headers=sysadmin_headers,
                  query_string={"q": "migrants", "include_private": "true", "sort": "name asc"})
    assert [d["name"] for d in res.json["result"]["results"]] == ["private-one", "public-one"]


def test_sort_and_paging_through_the_api(app, sysadmin_headers, org):
    for i in range(5):
        app.post("/api/3/action/package_create", headers=sysadmin_headers,
                 json=_dataset(name="ds-%d" % i, title="Migration table %d" % i,
                               owner_org=org["id"]))
    page = _search(app, q="migration", sort="name desc", rows=2, start=1)
    assert page["count"] == 5
    assert [d["name"] for d in page["results"]] == ["ds-3", "ds-2"]


def test_malformed_query_is_a_clear_409_not_a_500(app):
    res = app.get("/api/3/action/package_search", query_string={"q": "title:(migrants"},
                  status=409)
    assert res.json["success"] is False
    assert "Search" in str(res.json["error"])
    res = app.get("/api/3/action/package_search",
                  query_string={"q": "*:*", "fq": "metadata_modified:[NOW-1FORTNIGHT TO *]"},
                  status=409)
    assert res.json["success"] is False


def test_search_index_rebuild_refills_the_index(app, sysadmin_headers, org, cli):
    from ckan.cli.cli import ckan as ckan_command
    from ckan.lib import search

    for i in range(3):
        app.post("/api/3/action/package_create", headers=sysadmin_headers,
                 json=_dataset(name="ds-%d" % i, owner_org=org["id"]))
    search.clear_all()
    assert _search(app, q="migrants")["count"] == 0
    result = cli.invoke(ckan_command, ["search-index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert _search(app, q="migrants")["count"] == 3


def test_pivot_facets_through_ckans_solr_connection(org):
    """package_search refuses facet.pivot; the coverage matrix asks through pysolr."""
    from ckan.lib.search import SearchQueryError, make_connection
    from ckan.tests import helpers

    from ..factories import dataset

    context = {"ignore_auth": True, "user": factories.Sysadmin()["name"]}
    for name, countries, gcm in (("aa", ["SEN", "MLI"], ["1", "20"]), ("bb", ["SEN"], ["1"])):
        helpers.call_action("package_create", context=dict(context),
                            **dataset(name=name, owner_org=org["id"], countries=countries,
                                      gcm_objectives=gcm))
    results = make_connection().search(
        "*:*", fq="+dataset_type:dataset", rows=0, wt="json",
        **{"facet": "true", "facet.pivot": "{!key=coverage}gcm_objectives,countries"})
    assert results.facets["facet_pivot"]["coverage"] == [
        {"field": "gcm_objectives", "value": "1", "count": 2, "pivot": [
            {"field": "countries", "value": "SEN", "count": 2},
            {"field": "countries", "value": "MLI", "count": 1}]},
        {"field": "gcm_objectives", "value": "20", "count": 1, "pivot": [
            {"field": "countries", "value": "MLI", "count": 1},
            {"field": "countries", "value": "SEN", "count": 1}]}]
    with pytest.raises(SearchQueryError, match="Invalid search parameters.*facet.pivot"):
        helpers.call_action("package_search", **{"facet.pivot": "gcm_objectives,countries"})
