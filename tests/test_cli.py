"""`ckan migration ...` commands."""
import datetime as dt

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
