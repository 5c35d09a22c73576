"""The source registry and `ckan migration sources sync`."""
import json
import re

import pytest
import yaml

from ckan.cli.cli import ckan as ckan_command
from ckan import plugins as p
from ckan.tests import helpers

from ckanext.migration.harvesting import registry

pytestmark = pytest.mark.usefixtures("with_plugins", "harvest_db")


def test_registry_has_the_federated_sources():
    entries = {e["name"]: e for e in registry.load()}
    harvesters = {e["harvester"] for e in entries.values()}
    assert {"migration_eurostat", "migration_sdmx", "migration_worldbank", "migration_unhcr",
            "migration_iom_dtm", "migration_missing_migrants", "migration_ckan",
            "dcat_rdf"} <= harvesters
    providers = {e["config"].get("provider") for e in entries.values()
                 if e["harvester"] == "migration_sdmx"}
    assert {"ESTAT", "OECD", "ILO", "UNICEF"} <= providers


def test_every_entry_config_is_accepted_by_its_harvester():
    from ckanext.harvest.interfaces import IHarvester
    by_type = {h.info()["name"]: h for h in p.PluginImplementations(IHarvester)}
    for entry in registry.load():
        harvester = by_type.get(entry["harvester"])
        if harvester is None:
            pytest.fail("%s: harvester %s is not enabled" % (entry["file"], entry["harvester"]))
        harvester.validate_config(json.dumps(entry.get("config") or {}))


def test_bad_entries_are_clear_errors(tmp_path):
    good = {"name": "x", "title": "X", "harvester": "migration_ckan",
            "url": "https://example.org", "schedule": "DAILY", "organization": {"name": "x"}}
    for change, message in ((dict(url="ftp://example.org"), "url must be http(s)"),
                            (dict(schedule="HOURLY"), "schedule 'HOURLY' is not one of"),
                            (dict(title=""), "missing title")):
        (tmp_path / "a.yaml").write_text(yaml.safe_dump(dict(good, **change)))
        with pytest.raises(registry.RegistryError, match=re.escape(message)):
            registry.load(str(tmp_path))


def test_an_empty_registry_is_an_error_not_an_empty_sync(tmp_path):
    with pytest.raises(registry.RegistryError, match="no source files"):
        registry.load(str(tmp_path))


def test_sync_of_an_unknown_source_name_is_an_error():
    with pytest.raises(registry.RegistryError, match="no source named nope; known: .*eurostat"):
        registry.sync(registry.load(), dry_run=True, only=("nope",))


def test_sync_is_idempotent_and_reports_changes(cli, tmp_path, monkeypatch):
    entry = {"name": "hdx-test", "title": "HDX test", "harvester": "migration_ckan",
             "url": "https://data.humdata.org", "schedule": "DAILY",
             "organization": {"name": "hdx", "title": "HDX"}, "config": {"q": "refugees"}}
    (tmp_path / "hdx.yaml").write_text(yaml.safe_dump(entry))
    monkeypatch.setattr(registry, "SOURCES_DIR", str(tmp_path))

    def run(*args):
        result = cli.invoke(ckan_command, ["migration", "sources", "sync", *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "(dry run): 1 created" in run("--dry-run")
    with pytest.raises(Exception):  # the dry run created nothing
        helpers.call_action("harvest_source_show", id="hdx-test")
    assert "1 created, 0 updated, 0 unchanged" in run()
    source = helpers.call_action("harvest_source_show", id="hdx-test")
    assert source["url"] == "https://data.humdata.org" and source["frequency"] == "DAILY"
    assert json.loads(source["config"]) == {"q": "refugees"}
    assert source["organization"]["name"] == "hdx"
    assert "0 created, 0 updated, 1 unchanged" in run()

    entry["config"] = {"q": "migrants"}
    entry["schedule"] = "WEEKLY"
    (tmp_path / "hdx.yaml").write_text(yaml.safe_dump(entry))
    out = run()
    assert "updated   config, frequency" in out and "0 created, 1 updated" in out
    assert json.loads(helpers.call_action("harvest_source_show", id="hdx-test")["config"]) == \
        {"q": "migrants"}


def test_sync_reports_a_disabled_harvester(cli, tmp_path, monkeypatch):
    entry = {"name": "nope", "title": "Nope", "harvester": "no_such_harvester",
             "url": "https://example.org", "schedule": "DAILY", "organization": {"name": "x"}}
    (tmp_path / "nope.yaml").write_text(yaml.safe_dump(entry))
    monkeypatch.setattr(registry, "SOURCES_DIR", str(tmp_path))
    result = cli.invoke(ckan_command, ["migration", "sources", "sync"])
    assert result.exit_code == 1
    assert "harvester 'no_such_harvester' is not enabled" in result.output
