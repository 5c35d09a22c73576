"""The demo catalogue shows a restricted dataset: its description public, its file not."""
import pytest

from ckan.cli.cli import ckan as ckan_command

from .conftest import RESTRICTED

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")
NAME = "iom-crimes-against-migrants-restricted"


def test_demo_has_a_restricted_dataset(cli, app):
    result = cli.invoke(ckan_command, ["migration", "demo-load"])
    assert result.exit_code == 0, result.output
    assert "dataset %s: created" % NAME in result.output
    shown = app.get("/api/3/action/package_show?id=" + NAME).json["result"]
    assert shown["access_rights"] == RESTRICTED
    assert [r["url"] for r in shown["resources"]] == [""]
    page = app.get("/dataset/" + NAME).get_data(as_text=True)
    assert "migration-access-panel" in page and "data-sharing.example.org" not in page
    again = cli.invoke(ckan_command, ["migration", "demo-load"])
    assert "dataset %s: unchanged" % NAME in again.output
