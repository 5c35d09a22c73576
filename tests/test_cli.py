"""`ckan migration ...` commands."""
import datetime as dt
import os

import pytest
from freezegun import freeze_time

from ckan.cli.cli import ckan as ckan_command
from ckan.tests import factories, helpers

from .factories import dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")


def test_refresh_freshness_reindexes_datasets_whose_state_changed(cli):
    user = factories.Sysadmin()
    org = factories.Organization()
    today = dt.date.today()
    for name, frequency in (("yearly-one", "ANNUAL"), ("never-one", "NEVER")):
        helpers.call_action("package_create", context={"user": user["name"]},
                            **dataset(name=name, owner_org=org["id"], frequency=frequency,
                                      modified=today.isoformat()))
    assert helpers.call_action("package_search", fq="freshness:fresh")["count"] == 1

    with freeze_time(today + dt.timedelta(days=800)):
        # the index still says fresh until the refresh runs
        assert helpers.call_action("package_search", fq="freshness:fresh")["count"] == 1
        result = cli.invoke(ckan_command, ["migration", "refresh-freshness"])
        assert result.exit_code == 0, result.output
        assert "2 datasets checked, 1 re-indexed" in result.output
        found = helpers.call_action("package_search", fq="freshness:delinquent")
        assert [r["name"] for r in found["results"]] == ["yearly-one"]


def test_schema_build_check(cli):
    result = cli.invoke(ckan_command, ["migration", "schema-build", "--check"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


# demo-load: the demo's raw data shipped with the package and uploaded, so that a demo
# without internet has data to download, preview and query (tests/fixtures/SOURCES.md)
DEMO_RAW = {"eurostat-migr-asyappctza": ("eurostat", "data_MIGR_ASYAPPCTZA_sdmxcsv2_labels.csv",
                                         "migr_asyappctza_sdmxcsv2_labels.csv", 1080),
            "eurostat-migr-eipre": ("eurostat", "data_MIGR_EIPRE_sdmxcsv1_labels.csv",
                                    "migr_eipre_sdmxcsv1_labels.csv", 2535),
            "unhcr-refugee-population-statistics": (
                "unhcr", "refugee_data_finder_population_EU_plus_UK.csv",
                "unhcr_population_EU_plus_UK.csv", 425)}


def _demo_load(cli, *args):
    result = cli.invoke(ckan_command, ["migration", "demo-load", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_load_uploads_the_raw_data_files_first(cli, app):
    from .conftest import fixture_bytes
    _demo_load(cli)
    for name, (folder, recording, filename, _) in DEMO_RAW.items():
        pkg = helpers.call_action("package_show", id=name)
        first = pkg["resources"][0]
        assert (first["url_type"], first["format"], first["raw_data"]) == \
            ("upload", "CSV", "true"), name
        assert first["url"].endswith("/download/" + filename.lower())  # CKAN's munging
        # every raw-data resource before the others
        flags = [r["raw_data"] == "true" for r in pkg["resources"]]
        assert flags == sorted(flags, reverse=True), name
        # the file is served by this site: the recording, decompressed
        path = "/" + first["url"].split("/", 3)[3]
        assert app.get(path).get_data() == fixture_bytes(folder, recording), name
    # datasets without a packaged file keep only their links
    wb = helpers.call_action("package_show", id="world-bank-personal-remittances-received")
    assert not [r for r in wb["resources"] if r.get("url_type") == "upload"]


def test_demo_load_twice_uploads_nothing_again(cli):
    _demo_load(cli)
    before = {n: [(r["id"], r["url"]) for r in
                  helpers.call_action("package_show", id=n)["resources"]] for n in DEMO_RAW}
    output = _demo_load(cli)
    assert "0 created, 0 updated, 8 unchanged" in output, output
    after = {n: [(r["id"], r["url"]) for r in
                 helpers.call_action("package_show", id=n)["resources"]] for n in DEMO_RAW}
    assert after == before


def test_demo_load_replaces_a_changed_file_in_place(cli, app, tmp_path):
    import json
    import shutil
    from ckanext.migration import cli as migration_cli
    demo_dir = tmp_path / "demo"
    shutil.copytree(os.path.dirname(migration_cli.DEMO_FILE), demo_dir)
    _demo_load(cli, "--file", str(demo_dir / "datasets.json"))
    res = helpers.call_action("package_show", id="unhcr-refugee-population-statistics")
    first = res["resources"][0]

    csv = demo_dir / "rawdata" / "unhcr_population_EU_plus_UK.csv"
    csv.write_bytes(csv.read_bytes() + b"2025,Austria,-,AUT,-,1,0,0,0,0,0,0,0\n")
    # the dataset changes too: its update keeps the uploads
    datasets = demo_dir / "datasets.json"
    datasets.write_text(datasets.read_text().replace(
        '"title": "Refugee population statistics (UNHCR)"',
        '"title": "Refugee population statistics (UNHCR), revised"'))
    output = _demo_load(cli, "--file", str(demo_dir / "datasets.json"))
    assert "dataset unhcr-refugee-population-statistics: updated" in output
    again = helpers.call_action("package_show", id="unhcr-refugee-population-statistics")
    assert again["title"].endswith(", revised")
    assert again["resources"][0]["id"] == first["id"]
    assert again["resources"][0]["url"] == first["url"]
    assert app.get("/" + first["url"].split("/", 3)[3]).get_data().endswith(
        b"2025,Austria,-,AUT,-,1,0,0,0,0,0,0,0\n")
    assert again["resources"][0]["demo_file_sha256"] != first["demo_file_sha256"]
    assert len(again["resources"]) == len(res["resources"])
    assert json.loads((demo_dir / "datasets.json").read_text())  # untouched


def test_demo_load_refuses_a_raw_file_outside_the_demo_folder(cli, tmp_path):
    import json
    demo = {"organizations": [{"name": "o", "title": "O"}],
            "datasets": [{"name": "d", "owner_org": "o",
                          "_raw_files": [{"file": "../secret.csv", "name": "x"}]}]}
    (tmp_path / "secret.csv").write_text("a\n1\n")
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "datasets.json").write_text(json.dumps(demo))
    result = cli.invoke(ckan_command, ["migration", "demo-load", "--file",
                                       str(tmp_path / "demo" / "datasets.json")])
    assert result.exit_code != 0
    assert "raw-data file '../secret.csv' is not a file under" in result.output
    # refused before any change
    assert not helpers.call_action("organization_list")


def test_demo_datasets_link_the_glossary_definitions_they_follow(cli, app):
    """A fresh catalogue's dataset pages lead to the glossary (issue 12's "done when")."""
    from bs4 import BeautifulSoup
    _demo_load(cli)
    for name in ("unhcr-refugee-population-statistics", "eurostat-migr-asyappctza"):
        codes = helpers.call_action("package_show", id=name)["definition_terms"]
        assert codes
        page = BeautifulSoup(app.get("/dataset/" + name).body, "html.parser")
        links = [a["href"] for a in page.select(".migration-definition-terms a")]
        assert sorted(h.split("#")[1] for h in links) == sorted(codes)
        assert all(h.startswith("/glossary/") for h in links)
