"""The harvest source form (/harvest/new): our harvesters first, help per type from the
registry, validation naming the key (form and CLI, nothing saved), "test this source"."""
import json

import pytest

from ckan import model
from ckan.cli.cli import ckan as ckan_command
from ckan.tests import factories
from ckanext.harvest.model import HarvestSource

from ckanext.migration.harvesting import registry
from ..conftest import fixture_bytes
from ..harvesting.conftest import harvest_db  # noqa: F401

pytestmark = pytest.mark.usefixtures("with_plugins", "harvest_db")
TOC_URL = "https://ec.europa.eu/eurostat/api/dissemination/catalogue/toc/txt?lang=en"


def auth(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def types_in(page: str) -> list:
    import re
    return re.findall(r'name="source_type" value="([^"]+)"', page)


def test_form_lists_ours_first_and_help_per_type(app):
    page = app.get("/harvest/new", headers=auth(factories.Sysadmin())).body
    types = types_in(page)
    assert types[0] == "migration_eurostat" and types[-1] == "dcat_rdf"
    assert all(t.startswith("migration_") for t in types[:-1]) and "ckan" not in types
    assert 'id="source-type-migration_eurostat" name="source_type" value="migration_eurostat" checked' \
        in page
    # the panel of each type: its keys and the registry entry as the example
    assert '<section class="migration-source-help card card-body mb-3" data-source-type=' \
        '"migration_eurostat"' in page
    assert '<tr data-key="code_prefixes">' in page and "eurostat-migration" in page
    assert "harvest_registry/sources/hdx.yaml" in page and "vocab_Topics" in page
    assert "rdf_format" in page and "data-europa-eu-migration" in page
    assert "Test this source" in page


def test_a_source_already_on_the_stock_ckan_harvester_is_shown_with_a_warning():
    from ckanext.migration.harvesting.source_form import source_types
    listed = {t["name"]: t for t in source_types("ckan")}
    assert "drops every migration field" in listed["ckan"]["warning"]
    assert not listed["migration_ckan"]["warning"]


@pytest.mark.parametrize("config,message", [
    ('{"colour": "blue"}', "unknown configuration keys [&#39;colour&#39;]"),
    ('{"code_prefixes": "migr_"}', "&#39;code_prefixes&#39; must be a list of strings"),
])
def test_bad_config_is_refused_next_to_the_field_and_nothing_saved(app, config, message):
    org = factories.Organization()
    page = app.post("/harvest/new", headers=auth(factories.Sysadmin()), data={
        "url": TOC_URL, "title": "Eurostat", "name": "eurostat-bad", "notes": "",
        "source_type": "migration_eurostat", "frequency": "MANUAL", "config": config,
        "owner_org": org["id"], "save": "Save"}).body
    config_field = page[page.index('id="field-config"'):]
    assert message in config_field[:3000]
    assert model.Session.query(HarvestSource).count() == 0


def test_sources_sync_names_the_bad_key_and_saves_nothing(cli, tmp_path, monkeypatch):
    (tmp_path / "bad.yaml").write_text(json.dumps({
        "name": "bad", "title": "Bad", "harvester": "migration_eurostat", "url": TOC_URL,
        "schedule": "DAILY", "organization": {"name": "bad-org"},
        "config": {"code_prefix": ["migr_"]}}))
    monkeypatch.setattr(registry, "SOURCES_DIR", str(tmp_path))
    result = cli.invoke(ckan_command, ["migration", "sources", "sync"])
    assert result.exit_code == 1
    assert "config: unknown configuration keys ['code_prefix']" in result.output
    assert model.Session.query(HarvestSource).count() == 0
    assert model.Group.get("bad-org") is None


def test_harvester_source_create_cli_names_the_key(cli):
    factories.Organization(name="org")
    result = cli.invoke(ckan_command, [
        "harvester", "source", "create", "bad", TOC_URL, "migration_eurostat", "Bad", "true",
        "org", "MANUAL", '{"code_prefixes": "migr_"}'])
    assert "'code_prefixes' must be a list of strings" in result.output
    assert model.Session.query(HarvestSource).count() == 0


def test_test_this_source_shows_the_mapped_records(app, http_replay):
    http_replay.add("GET", TOC_URL, body=fixture_bytes("eurostat", "table_of_contents_en.txt"))
    headers = auth(factories.Sysadmin())
    page = app.post("/harvest/test-source", headers=headers, data={
        "source_type": "migration_eurostat", "url": TOC_URL,
        "config": '{"code_prefixes": ["migr_eipre"]}'}).body
    assert '<tr class="migration-source-test-record" data-guid="migr_eipre">' in page
    assert "nothing was saved" in page
    bad = app.post("/harvest/test-source", headers=headers, status=400, data={
        "source_type": "migration_eurostat", "url": TOC_URL, "config": '{"colour": 1}'}).body
    assert '<li data-field="config"><strong>Configuration</strong>: unknown configuration' in bad
    api = app.post("/harvest/test-source?format=json", headers=headers, data={
        "source_type": "migration_eurostat", "url": TOC_URL,
        "config": '{"code_prefixes": ["migr_eipre"]}'}).json
    assert api["success"] and api["result"]["records"][0]["guid"] == "migr_eipre"
    assert model.Session.query(HarvestSource).count() == 0


def test_test_this_source_needs_login(app):
    import re
    login = app.get("/user/login").body  # a CSRF token of this session: 403 is auth's
    token = re.search(r'name="_csrf_token" value="([^"]+)"', login).group(1)
    app.post("/harvest/test-source", status=403, data={
        "_csrf_token": token, "source_type": "migration_eurostat", "url": TOC_URL})
    app.post("/harvest/test-source", headers=auth(factories.User()), status=403, data={
        "source_type": "migration_eurostat", "url": TOC_URL})
