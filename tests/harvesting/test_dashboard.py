"""The harvest dashboard's figures against the jobs' own: recorded HDX harvests run through
the pipeline (one finished ok, one failing on an HTML answer, one never run)."""
import datetime as dt
import json

import pytest

from ckan import model
from ckan import plugins as p
from ckan.tests import factories, helpers
from ckanext.harvest.tests.factories import HarvestJobObj, HarvestSourceObj
from ckanext.harvest.tests.lib import run_harvest_job

from ckanext.migration.harvesting import dashboard

from .conftest import hdx_records

HDX = "https://data.humdata.org"
BROKEN = "https://broken.example.org"
pytestmark = pytest.mark.usefixtures("with_plugins", "harvest_db")


def answer(records):
    return json.dumps({"success": True, "result": {"count": len(records), "results": records}})


def run(source):
    from ckanext.harvest.model import HarvestJob
    job = model.Session.query(HarvestJob).filter_by(source_id=source.id, status="New") \
        .first() or HarvestJobObj(source=source, run=False)
    run_harvest_job(job, p.get_plugin("migration_ckan"))
    model.Session.remove()
    return job.id


class Sources:
    """Three sources in two organisations: hdx (ok), broken (failing), quiet (never run)."""

    def __init__(self, http_replay):
        self.http = http_replay
        self.org = factories.Organization(name="hdx-team", title="HDX team")
        self.other_org = factories.Organization(name="other-team", title="Other team")
        self.hdx = HarvestSourceObj(url=HDX, name="hdx", title="HDX migration",
                                    source_type="migration_ckan", frequency="DAILY",
                                    owner_org=self.org["id"])
        self.broken = HarvestSourceObj(url=BROKEN, name="broken", title="Broken portal",
                                       source_type="migration_ckan", frequency="WEEKLY",
                                       owner_org=self.org["id"])
        self.quiet = HarvestSourceObj(url="https://quiet.example.org", name="quiet",
                                      title="Quiet portal", source_type="migration_ckan",
                                      frequency="MANUAL", owner_org=self.other_org["id"])
        # next runs ahead, as the scheduler leaves them: harvest_jobs_run (which ends every
        # run here) queues no job of its own then
        for source, days in ((self.hdx, 1), (self.broken, 7)):
            source.next_run = dt.datetime.utcnow() + dt.timedelta(days=days)
            source.save()

    def harvest_hdx(self, records):
        self.http.upsert("GET", HDX + "/api/3/action/package_search", body=answer(records))
        return run(self.hdx)

    def harvest_broken(self):
        self.http.add("GET", BROKEN + "/api/3/action/package_search",
                      body="<html><body>Cloudflare: checking your browser</body></html>")
        return run(self.broken)


@pytest.fixture
def sources(http_replay):
    made = Sources(http_replay)
    made.harvest_hdx(hdx_records())
    made.harvest_broken()
    return made


def as_sysadmin(**filters):
    user = factories.Sysadmin()
    return dashboard.dashboard({"user": user["name"]}, filters)


def rows_by_name(result):
    return {r["name"]: r for r in result["sources"]}


def test_rows_equal_the_jobs_own_counts(sources):
    # a second run: one record gone upstream is withdrawn, the others unchanged
    records = hdx_records()
    sources.harvest_hdx(records[1:])
    result = helpers.call_action("migration_harvest_dashboard",
                                 context={"user": factories.Sysadmin()["name"]})
    rows = rows_by_name(result)
    assert set(rows) == {"hdx", "broken", "quiet"}
    for name, row in rows.items():
        status = helpers.call_action("harvest_source_show_status", id=row["id"])
        assert row["job_count"] == status["job_count"]
        assert row["datasets"]["published"] == status["total_datasets"]
        if status["last_job"] is None:
            assert row["last_job"] is None and row["never_run"]
            continue
        shown = helpers.call_action("harvest_job_show", id=row["last_job"]["id"])
        assert shown["id"] == status["last_job"]["id"]
        stats = shown["stats"]
        assert row["last_job"]["stats"] == {
            "added": stats["added"], "updated": stats["updated"],
            "unchanged": stats["not modified"], "withdrawn": stats["deleted"],
            "errors": stats["errored"]}
        listed = helpers.call_action("harvest_job_list", source_id=row["id"])
        assert [j["id"] for j in reversed(listed)] == [j["id"] for j in row["trend"]]
        assert [j["stats"]["not modified"] for j in reversed(listed)] == \
            [j["stats"]["unchanged"] for j in row["trend"]]

    hdx = rows["hdx"]
    assert hdx["last_job"]["stats"] == {"added": 0, "updated": 0, "unchanged": 2,
                                        "withdrawn": 1, "errors": 0}
    assert [j["stats"]["added"] for j in hdx["trend"]] == [3, 0]
    assert hdx["last_job"]["outcome"] == "ok" and not hdx["failing"]
    assert hdx["datasets"]["published"] == 2  # the withdrawn one is private
    assert sum(hdx["datasets"]["freshness"].values()) == 2
    assert hdx["datasets"]["mean_transparency"] is not None
    assert hdx["producer"] == "HDX team"
    assert hdx["harvester"]["name"] == "migration_ckan"
    assert hdx["frequency"] == "DAILY" and hdx["next_run"]["state"] == "scheduled"
    assert hdx["last_job"]["duration_seconds"] is not None

    broken = rows["broken"]
    assert broken["failing"] and broken["last_job"]["outcome"] == "failed"
    assert broken["last_job"]["stats"]["errors"] == 1
    [error] = broken["last_job"]["errors"]
    assert error["stage"] == "Gather"
    assert "did not answer a CKAN package_search result" in error["message"]
    assert broken["datasets"]["published"] == 0 and broken["last_success"] is None

    assert rows["quiet"]["never_run"] and rows["quiet"]["next_run"]["state"] == "manual"
    assert result["counts"] == {"all": 3, "failing": 1, "stale": 0, "never_run": 1}


def test_the_published_count_leaves_private_datasets_out(sources):
    helpers.call_action("package_patch", context={"user": factories.Sysadmin()["name"]},
                        id="hdx-unhcr-population-data-for-world", private=True)
    editor = factories.User()
    helpers.call_action("organization_member_create", id=sources.org["id"],
                        username=editor["name"], role="editor")
    for user in (factories.Sysadmin()["name"], editor["name"]):
        row = rows_by_name(dashboard.dashboard({"user": user}, {}))["hdx"]
        status = helpers.call_action("harvest_source_show_status", id=sources.hdx.id)
        assert row["datasets"]["published"] == status["total_datasets"] == 2
        assert sum(row["datasets"]["freshness"].values()) == 2


def test_filters(sources):
    assert [r["name"] for r in as_sysadmin(filter="failing")["sources"]] == ["broken"]
    assert [r["name"] for r in as_sysadmin(filter=["never-run"])["sources"]] == ["quiet"]
    assert as_sysadmin(filter="stale")["sources"] == []
    # three days on, the daily source's last success is older than twice its schedule;
    # the weekly one never succeeded but was made less than two weeks before
    later = dt.datetime.utcnow() + dt.timedelta(days=3)
    assert [r["name"] for r in as_sysadmin(filter="stale", now=later)["sources"]] == ["hdx"]
    much_later = dt.datetime.utcnow() + dt.timedelta(days=15)
    assert {r["name"] for r in as_sysadmin(filter="stale", now=much_later)["sources"]} == \
        {"hdx", "broken"}
    assert [r["name"] for r in as_sysadmin(filter="failing,stale", now=much_later)
            ["sources"]] == ["broken"]


@pytest.mark.parametrize("filters,field,says", [
    ({"filter": "broken"}, "filter", "unknown filter 'broken'; allowed: failing, stale, never_run"),
    ({"jobs": "0"}, "jobs", "a whole number from 1 to 50"),
    ({"jobs": "ten"}, "jobs", "a whole number from 1 to 50"),
])
def test_bad_filters_are_clear_errors(filters, field, says):
    with pytest.raises(p.toolkit.ValidationError) as e:
        helpers.call_action("migration_harvest_dashboard",
                            context={"user": factories.Sysadmin()["name"]}, **filters)
    assert says in e.value.error_dict[field][0]


def test_trend_length(sources):
    sources.harvest_hdx(hdx_records())
    sources.harvest_hdx(hdx_records())
    row = rows_by_name(as_sysadmin(jobs="2"))["hdx"]
    assert len(row["trend"]) == 2 and row["job_count"] == 3
    chart = dashboard.trend_chart(row["trend"])
    assert len(chart["bars"]) == 2
    assert all(seg["h"] > 0 for bar in chart["bars"] for seg in bar["segments"])


def test_who_sees_what(sources):
    def call(action, context, **data):
        return p.toolkit.get_action(action)(context, data)
    with pytest.raises(p.toolkit.NotAuthorized) as e:
        p.toolkit.get_action("migration_harvest_dashboard")({"user": ""}, {})
    assert "Only sysadmins and the admins and editors" in str(e.value)
    stranger = factories.User()
    with pytest.raises(p.toolkit.NotAuthorized):
        call("migration_harvest_dashboard", context={"user": stranger["name"]})
    member = factories.User()
    helpers.call_action("organization_member_create", id=sources.org["id"],
                        username=member["name"], role="member")
    with pytest.raises(p.toolkit.NotAuthorized):
        call("migration_harvest_dashboard", context={"user": member["name"]})
    admin = factories.User()
    helpers.call_action("organization_member_create", id=sources.other_org["id"],
                        username=admin["name"], role="admin")
    mine = call("migration_harvest_dashboard", context={"user": admin["name"]})
    assert [r["name"] for r in mine["sources"]] == ["quiet"]
    assert mine["counts"] == {"all": 1, "failing": 0, "stale": 0, "never_run": 1}
    everything = call("migration_harvest_dashboard",
                      context={"user": factories.Sysadmin()["name"]})
    assert len(everything["sources"]) == 3


def test_long_errors_are_cut(sources):
    from ckanext.harvest.model import HarvestGatherError, HarvestJob
    job = model.Session.query(HarvestJob).filter_by(source_id=sources.broken.id).one()
    for n in range(4):
        HarvestGatherError(message="<b>%d</b> " % n + "x" * 1000, job=job).save()
    row = rows_by_name(as_sysadmin())["broken"]
    assert len(row["last_job"]["errors"]) == dashboard.SHOWN_ERRORS
    assert row["last_job"]["stats"]["errors"] == 5
    assert all(len(e["message"]) <= dashboard.ERROR_CHARS for e in row["last_job"]["errors"])
    assert row["last_job"]["errors"][1]["message"].endswith("…")
