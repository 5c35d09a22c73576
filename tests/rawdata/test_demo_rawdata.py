"""The demo's raw data (files shipped in ckanext/migration/demo/rawdata/ and uploaded by
`ckan migration demo-load`) goes into the DataStore through xloader, the real job queue
and a real worker, with no internet."""
import pytest
from ckan.cli.cli import ckan as ckan_command
from ckan.lib import jobs
from ckan.tests import helpers

PLUGINS = ("activity migration scheming_datasets harvest dcat structured_data "
           "image_view datatables_view datastore xloader")
ROWS = {"eurostat-migr-asyappctza": 1080, "eurostat-migr-eipre": 2535,
        "unhcr-refugee-population-statistics": 425}


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_demo_load_queues_its_files_for_the_datastore_and_they_load(xloader, cli):
    result = cli.invoke(ckan_command, ["migration", "demo-load"])
    assert result.exit_code == 0, result.output
    uploads = {name: helpers.call_action("package_show", id=name)["resources"][0]
               for name in ROWS}
    assert {r["url_type"] for r in uploads.values()} == {"upload"}

    # creating the resources queued them (xloader's own hook: CSV is an xloader format)
    titles = [j.meta.get("title", "") or j.description for j in jobs.get_queue().jobs]
    for res in uploads.values():
        assert any(res["id"] in title for title in titles), (res["id"], titles)
    # the demo's producer links need the internet this test does not have: only the
    # uploaded files are loaded
    jobs.get_queue().empty()
    for name, rows in ROWS.items():
        status = xloader.load(uploads[name]["id"])
        assert status["status"] == "complete", (name, status)
        found = helpers.call_action("datastore_search", resource_id=uploads[name]["id"],
                                    limit=1)
        assert found["total"] == rows, name
    headers = [f["id"] for f in helpers.call_action(
        "datastore_search", resource_id=uploads["eurostat-migr-asyappctza"]["id"],
        limit=0)["fields"]]
    # SDMX-CSV with labels: a readable column beside each code column
    assert headers[4:8] == ["freq", "Time frequency", "citizen", "Country of citizenship"]
