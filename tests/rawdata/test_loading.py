"""Tabular resources loaded into the DataStore by ckanext-xloader, through CKAN's real job
queue (Redis) and worker, from recordings served by a local HTTP server."""
import pytest
from ckan.tests import factories, helpers

from ..factories import dataset

PLUGINS = ("activity migration scheming_datasets harvest dcat structured_data "
           "image_view datatables_view datastore xloader")


def _resource(xloader, url, fmt="CSV", **extra):
    org = factories.Organization()
    pkg = helpers.call_action("package_create", context={"user": xloader.user["name"]},
                              **dataset(owner_org=org["id"], resources=[]))
    return helpers.call_action("resource_create", context={"user": xloader.user["name"]},
                               package_id=pkg["id"], url=url, format=fmt, name="data",
                               **extra)


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_unhcr_csv_loads_with_every_row(xloader, data_server):
    url = data_server.serve_fixture("/unhcr.csv", "unhcr",
                                    "refugee_data_finder_population_EU_plus_UK.csv")
    res = _resource(xloader, url)
    status = xloader.load(res["id"])
    assert status["status"] == "complete", status
    found = helpers.call_action("datastore_search", resource_id=res["id"], limit=1)
    assert found["total"] == 425
    assert [f["id"] for f in found["fields"]][:3] == ["_id", "Year", "Country of Asylum"]
