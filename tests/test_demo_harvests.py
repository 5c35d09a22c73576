"""`ckan migration demo-harvests`: real jobs of registry sources against the packaged
recordings, offline, shown by the harvest dashboard."""
import ipaddress
import os
import socket

import pytest

from ckan import model
from ckan.tests import factories, helpers

from ckanext.migration.demo import harvests
from ckanext.migration.harvesting import registry

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db", "clean_queues")

NAMES = tuple(d.source for d in harvests.JOBS)


def _local(host) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def network(monkeypatch):
    """Every attempt to look up or reach a host that is not this machine (the database,
    Redis and the search service are on 127.0.0.1), refused and recorded."""
    tried = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):
        if not _local(host):
            tried.append(("lookup", host))
            raise socket.gaierror("no network in this test: %s" % host)
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            tried.append(("connect", address[0]))
            raise OSError("no network in this test: %s" % (address,))
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return tried


@pytest.fixture
def sources():
    report = registry.sync(registry.load(), only=NAMES)
    assert {status for _n, status, _d in report} == {"created"}


def _dashboard():
    result = helpers.call_action("migration_harvest_dashboard",
                                 context={"user": factories.Sysadmin()["name"]})
    return {r["name"]: r for r in result["sources"]}


def _state():
    """Every job, object and dataset, as the database holds them."""
    from ckanext.harvest.model import HarvestJob, HarvestObject
    return (sorted((j.id, j.status, str(j.finished)) for j in model.Session.query(HarvestJob)),
            sorted((o.id, o.state, o.report_status) for o in model.Session.query(HarvestObject)),
            sorted((p.name, str(p.metadata_modified)) for p in model.Session.query(model.Package)))


def test_ok_failing_and_stalled_jobs_on_the_dashboard(sources, network):
    report = harvests.run()
    assert [(name, status) for name, status, _job in report] == [
        ("undesa-international-migrant-stock", "made ok"), ("hdx-migration", "made failed"),
        ("eurostat-migration", "made stalled")]
    assert network == []

    rows = _dashboard()
    ok, failing, stalled = (rows[name] for name in NAMES)
    for row, (_name, _status, job_id) in zip((ok, failing, stalled), report):
        assert row["job_count"] == 1 and row["last_job"]["id"] == job_id
        assert row["last_job"]["status"] == "Finished"
        # the jobs' own counts, as ckanext-harvest reports them
        stats = helpers.call_action("harvest_job_show", id=job_id)["stats"]
        assert row["last_job"]["stats"] == {
            "added": stats.get("added", 0), "updated": stats.get("updated", 0),
            "unchanged": stats.get("not modified", 0), "withdrawn": stats.get("deleted", 0),
            "errors": stats.get("errored", 0)}

    assert ok["last_job"]["outcome"] == "ok" and not ok["failing"]
    assert ok["last_job"]["stats"]["added"] == 1 and ok["last_success"]
    assert ok["datasets"]["published"] == 1
    pkg = helpers.call_action("package_show",
                              id="un-desa-population-division-pop-db-mig-stock-rev-2024")
    assert pkg["title"] == "International Migrant Stock 2024: Destination"

    assert failing["last_job"]["outcome"] == "failed" and failing["failing"]
    assert failing["last_job"]["gather_errors"] == 1
    assert failing["last_job"]["errors"][0]["message"].endswith("answered HTTP 403")

    assert stalled["last_job"]["outcome"] == "stalled" and stalled["failing"]
    assert not stalled["stuck"]
    message = stalled["last_job"]["errors"][0]["message"]
    assert message.startswith("Stalled:")
    # every gathered Eurostat dataset is left for the next run, none imported
    left = int(message.split(" objects were not processed")[0].split("; ")[-1].split()[0])
    assert left > 100 and "%d of %d objects" % (left, left) in message
    assert stalled["last_job"]["stats"]["added"] == 0
    assert stalled["datasets"]["published"] == 0

    # the other registry sources are untouched
    assert all(r["never_run"] for name, r in rows.items() if name not in NAMES)


def test_running_it_again_changes_nothing(sources, network):
    harvests.run()
    before = _state()
    report = harvests.run()
    assert [status for _n, status, _j in report] == ["skipped"] * 3
    assert _state() == before
    assert network == []


def test_a_source_with_jobs_of_its_own_is_left_alone(sources):
    from ckanext.harvest.model import HarvestJob
    source_id = model.Package.get("hdx-migration").id
    helpers.call_action("harvest_job_create", context={"ignore_auth": True, "user": ""},
                        source_id=source_id, run=False)
    report = dict((n, s) for n, s, _j in harvests.run())
    assert report["hdx-migration"] == "skipped"
    assert model.Session.query(HarvestJob).filter_by(source_id=source_id).count() == 1


def test_unregistered_sources_are_reported_not_made():
    report = harvests.run()
    assert [status for _n, status, _j in report] == ["missing"] * 3


def test_an_unrecorded_request_stops_the_command(sources, network, monkeypatch):
    """A request no recording answers is an error, not a network access."""
    job = harvests.JOBS[0]
    moved = harvests.Answer(job.answers[0].url + ".old", job.answers[0].file)
    monkeypatch.setattr(harvests, "JOBS", (harvests.DemoJob(job.source, "ok", (moved,)),))
    with pytest.raises(harvests.DemoError, match="no recording for https://www.un.org/"):
        harvests.run()
    assert network == []


def test_the_recordings_ship_with_the_package_and_are_described():
    listed = open(os.path.join(harvests.RECORDINGS, "SOURCES.md"), encoding="utf-8").read()
    for job in harvests.JOBS:
        for answer in job.answers:
            assert harvests.recording(answer.file)
            assert "`%s`" % answer.file in listed
