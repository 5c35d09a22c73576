"""Stuck harvest jobs: a real fetch consumer killed mid-job, then the doctor.

The source is the recorded Eurostat table of contents (45 ``migr_asy*`` datasets, no
request after gather); gather runs in the test through ckanext-harvest's gather callback
on the real Redis queue, fetch/import in a real ``ckan harvester fetch-consumer`` process
that is killed with SIGKILL after a few datasets.
"""
import datetime as dt
import email
import email.header
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from ckan import model
from ckan import plugins as p
from ckan.cli.cli import ckan as ckan_command
from ckan.plugins import toolkit as tk
from ckan.tests import factories, helpers
from ckanext.harvest import queue
from ckanext.harvest.logic import HarvestJobExists
from ckanext.harvest.model import HarvestGatherError, HarvestJob, HarvestObject
from ckanext.harvest.tests.lib import run_harvest_job

from ckanext.migration.harvesting import doctor

from .conftest import fixture_bytes

TOC_URL = "https://ec.europa.eu/eurostat/api/dissemination/catalogue/toc/txt?lang=en"
PREFIX = "migr_asy"
TOTAL = 45
CKAN = os.path.join(os.path.dirname(sys.executable), "ckan")

pytestmark = pytest.mark.usefixtures("with_plugins", "harvest_db", "harvest_queues")


@pytest.fixture
def harvest_queues():
    queue.purge_queues()
    yield
    queue.purge_queues()


@pytest.fixture
def people():
    """An organisation with an admin and an editor, and a sysadmin (all with e-mail)."""
    admin = factories.User(name="org-admin", email="org-admin@example.org")
    editor = factories.User(name="org-editor", email="org-editor@example.org")
    sysadmin = factories.Sysadmin(name="site-admin", email="site-admin@example.org")
    org = factories.Organization(name="eurostat-org", users=[
        {"name": admin["name"], "capacity": "admin"},
        {"name": editor["name"], "capacity": "editor"}])
    return {"org": org, "admin": admin, "editor": editor, "sysadmin": sysadmin}


@pytest.fixture
def source(people, http_replay):
    http_replay.add("GET", TOC_URL, body=fixture_bytes("eurostat", "table_of_contents_en.txt"))
    return helpers.call_action(
        "harvest_source_create", context={"user": people["sysadmin"]["name"]},
        name="eurostat-asylum", title="Eurostat asylum",
        url=TOC_URL, source_type="migration_eurostat", owner_org=people["org"]["id"],
        config=json.dumps({"code_prefixes": [PREFIX], "max_job_hours": 2}))


def _gather(source_id):
    """A new job, gathered by ckanext-harvest's gather callback from the Redis queue:
    the job is Running and its objects wait on the fetch queue."""
    job = helpers.call_action("harvest_job_create", source_id=source_id, run=True)
    consumer = queue.get_gather_consumer()
    queue.gather_callback(consumer, *consumer.basic_get("ckan.harvest.gather"))
    model.Session.remove()
    return job["id"]


def _states(job_id):
    model.Session.remove()
    rows = model.Session.query(HarvestObject.state, sa.func.count()) \
        .filter(HarvestObject.harvest_job_id == job_id).group_by(HarvestObject.state)
    return dict(rows)


def _one_by_one(ckan_ini, tmp_path):
    """The run's configuration with records imported one at a time (a batch would
    import the whole job before the consumer could be killed in the middle of it)."""
    import configparser
    base = os.path.abspath(ckan_ini)
    parser = configparser.RawConfigParser(strict=False)
    parser.read(base)
    lines = ["[app:main]", "use = config:%s" % base,
             "ckanext.migration.harvest.import_batch = 1"]
    for section in parser.sections():  # the logging sections, which `use` does not bring
        if section != "app:main" and not section.startswith(("server:", "pipeline:")):
            lines.append("\n[%s]" % section)
            lines += ["%s = %s" % (k, v.replace("\n", "\n  "))
                      for k, v in parser.items(section, raw=True)]
    path = str(tmp_path / "one-by-one.ini")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def _kill_fetch_consumer_after(job_id, n, ckan_ini):
    """Run a real fetch consumer and SIGKILL it once `n` objects are complete."""
    proc = subprocess.Popen([CKAN, "-c", ckan_ini, "harvester", "fetch-consumer"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while _states(job_id).get("COMPLETE", 0) < n:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.time() < deadline, "the fetch consumer did not import %d objects" % n
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    return _states(job_id)


def _datasets():
    model.Session.remove()
    return [name for (name,) in model.Session.query(model.Package.name)
            .filter(model.Package.name.like("eurostat-%s%%" % PREFIX))
            .filter(model.Package.state == "active")]


def _redis_queue_lengths():
    redis = queue.get_connection()
    return redis.llen(queue.get_gather_routing_key()), redis.llen(queue.get_fetch_routing_key())


def test_killed_fetch_consumer_job_is_closed_and_the_next_run_imports_the_rest(
        source, people, mail_server, ckan_config, http_replay, tmp_path):
    job_id = _gather(source["id"])
    states = _kill_fetch_consumer_after(job_id, 3, _one_by_one(ckan_config["__file__"],
                                                               tmp_path))
    done = states.get("COMPLETE", 0)
    assert 3 <= done < TOTAL and sum(states.values()) == TOTAL, states
    imported_before = set(_datasets())
    # an object is done in the commit that saves its dataset: none imported and not done
    assert len(imported_before) == done

    # the job is stuck: the source is locked, ckanext-harvest's run does not finish it
    helpers.call_action("harvest_jobs_run", source_id=source["id"])
    assert HarvestJob.get(job_id).status == "Running"
    with pytest.raises(HarvestJobExists):
        helpers.call_action("harvest_job_create", source_id=source["id"])

    # not stuck within the source's limit (max_job_hours: 2), stuck after it
    now = dt.datetime.utcnow()
    job_dict = helpers.call_action("harvest_job_show", id=job_id)
    assert not doctor.is_stuck(job_dict)
    assert doctor.find_stuck(now=now + dt.timedelta(hours=1)) == []
    later = now + dt.timedelta(hours=3)
    assert doctor.is_stuck(job_dict, now=later)
    [stuck] = doctor.find_stuck(now=later)
    assert (stuck.job_id, stuck.source_name, stuck.status, stuck.limit_hours) == \
        (job_id, "eurostat-asylum", "Running", 2)
    assert (stuck.total, stuck.done) == (TOTAL, done)
    assert stuck.age_hours > 2.9
    assert doctor.stalled_job_ids() == set()

    result = doctor.fix(stuck, now=later)
    left = TOTAL - done
    assert result["not_processed"] == left and result["total"] == TOTAL
    model.Session.remove()
    job = HarvestJob.get(job_id)
    assert job.status == "Finished"
    [error] = [e.message for e in HarvestGatherError.filter(harvest_job_id=job_id)]
    assert error.startswith("Stalled: running for 3.0 hours (limit 2 hours)")
    assert ("%d of %d objects were not processed; they will be harvested again on the "
            "next run" % (left, TOTAL)) in error
    assert _states(job_id) == {"COMPLETE": done, "ERROR": left}
    errored = model.Session.query(HarvestObject).filter_by(harvest_job_id=job_id,
                                                           state="ERROR").all()
    assert {o.report_status for o in errored} == {"errored"}
    assert all(o.errors and o.errors[0].message.startswith("Stalled:") for o in errored)
    assert doctor.stalled_job_ids() == {job_id}
    assert doctor.stalled_job_ids(source["id"]) == {job_id}
    assert doctor.stalled_job_ids("another-source") == set()
    assert not doctor.is_stuck(helpers.call_action("harvest_job_show", id=job_id), now=later)
    # nothing left on the queues for the dead job; no dataset deleted
    assert _redis_queue_lengths() == (0, 0)
    assert set(_datasets()) == imported_before
    # fixed once: the doctor finds nothing more
    assert doctor.find_stuck(now=later) == [] and doctor.find_orphans() == []
    assert doctor.fix(stuck, now=later) == {}

    # the organisation's admin and the sysadmin are told, once each; the editor is not
    messages = mail_server.get_smtp_messages()
    recipients = sorted(to for _n, _from, (to,), _msg in messages)
    assert "org-admin@example.org" in recipients and "site-admin@example.org" in recipients
    assert "org-editor@example.org" not in recipients
    assert len(recipients) == len(set(recipients)) == len(result["notified"])
    mail = email.message_from_string(messages[0][3])
    assert "harvest job of eurostat-asylum stalled and closed" in str(
        email.header.make_header(email.header.decode_header(mail["Subject"])))
    body = mail.get_payload(decode=True).decode("utf-8")
    assert "eurostat-asylum" in body and job_id in body and "max_job_hours" in body

    # the source is free again; the next run imports the rest, without duplicates
    job2 = HarvestJob.get(helpers.call_action("harvest_job_create",
                                              source_id=source["id"], run=False)["id"])
    run_harvest_job(job2, p.get_plugin("migration_eurostat"))
    model.Session.remove()
    assert HarvestJob.get(job2.id).status == "Finished"
    report = dict(model.Session.query(HarvestObject.report_status, sa.func.count())
                  .filter(HarvestObject.harvest_job_id == job2.id)
                  .group_by(HarvestObject.report_status))
    assert "errored" not in report and sum(report.values()) == TOTAL, report
    assert report["not modified"] == done
    names = _datasets()
    assert len(names) == len(set(names)) == TOTAL


def test_a_job_never_gathered_is_closed_and_taken_off_the_gather_queue(
        source, mail_server):
    job = helpers.call_action("harvest_job_create", source_id=source["id"], run=True)
    assert job["status"] == "Running" and _redis_queue_lengths() == (1, 0)
    later = dt.datetime.utcnow() + dt.timedelta(hours=2, minutes=6)
    [stuck] = doctor.find_stuck(now=later)
    assert (stuck.total, stuck.done, round(stuck.age_hours, 1)) == (0, 0, 2.1)
    result = doctor.fix(stuck, now=later)
    assert result["not_processed"] == 0
    assert "0 of 0 objects were not processed" in result["message"]
    # a gather consumer started now would not gather the closed job
    assert _redis_queue_lengths() == (0, 0)
    assert HarvestJob.get(job["id"]).status == "Finished"
    helpers.call_action("harvest_job_create", source_id=source["id"])


def test_objects_left_waiting_by_ckanext_harvest_timeout_are_orphans(source, ckan_config,
                                                                     monkeypatch):
    job_id = _gather(source["id"])
    # ckanext-harvest's own timeout finishes the job and leaves its objects waiting
    model.Session.execute(sa.text("UPDATE harvest_job SET gather_finished = "
                                  "gather_finished - interval '2 hours' WHERE id = :id"),
                          {"id": job_id})
    model.Session.commit()
    monkeypatch.setitem(ckan_config, "ckan.harvest.timeout", "60")
    helpers.call_action("harvest_jobs_run", source_id=source["id"])
    model.Session.remove()
    assert HarvestJob.get(job_id).status == "Finished"
    assert _states(job_id) == {"WAITING": TOTAL}

    assert doctor.find_stuck() == []
    orphans = doctor.find_orphans()
    assert len(orphans) == TOTAL
    assert {(o.source_name, o.job_id, o.job_status, o.state) for o in orphans} == \
        {("eurostat-asylum", job_id, "Finished", "WAITING")}
    assert len(doctor.find_orphans(source=doctor.resolve_source("eurostat-asylum"))) == TOTAL
    assert doctor.fix_orphans(orphans) == TOTAL
    assert _states(job_id) == {"ERROR": TOTAL}
    assert doctor.find_orphans() == [] and _redis_queue_lengths() == (0, 0)


# -- configuration -------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["six", -1, 0, True, [6], "nan"])
def test_a_bad_max_job_hours_is_refused_naming_the_key(people, value):
    with pytest.raises(tk.ValidationError) as raised:
        helpers.call_action(
            "harvest_source_create", context={"user": people["sysadmin"]["name"]},
            name="bad-limit", title="Bad limit", url=TOC_URL,
            source_type="migration_eurostat", owner_org=people["org"]["id"],
            config=json.dumps({"max_job_hours": value}))
    message = str(raised.value.error_dict["config"])
    assert "max_job_hours must be a positive number of hours" in message
    assert "got %s" % (repr(value) if isinstance(value, str) else json.dumps(value)) in message


@pytest.mark.parametrize("value,hours", [(6, 6.0), ("0.5", 0.5), (None, None), ("", None)])
def test_max_job_hours_values(value, hours):
    assert doctor.source_hours({"max_job_hours": value}) == hours
    assert doctor.source_hours(json.dumps({"max_job_hours": value})) == hours


@pytest.mark.ckan_config("ckanext.migration.harvest.job_timeout_hours", "0.5")
def test_the_site_limit_applies_when_the_source_sets_none(people, http_replay):
    src = helpers.call_action(
        "harvest_source_create", context={"user": people["sysadmin"]["name"]},
        name="no-limit", title="No limit", url=TOC_URL,
        source_type="migration_eurostat", owner_org=people["org"]["id"],
        config=json.dumps({"code_prefixes": [PREFIX]}))
    job = helpers.call_action("harvest_job_create", source_id=src["id"], run=False)
    assert job["status"] == "New"
    now = dt.datetime.utcnow()
    assert not doctor.is_stuck(job, now=now + dt.timedelta(minutes=20))
    assert doctor.is_stuck(job, now=now + dt.timedelta(minutes=40))
    [stuck] = doctor.find_stuck(now=now + dt.timedelta(minutes=40))
    assert (stuck.status, stuck.limit_hours) == ("New", 0.5)


# -- the command -----------------------------------------------------------------------------

def test_cli_lists_then_fixes(source, cli, mail_server):
    job = helpers.call_action("harvest_job_create", source_id=source["id"], run=True)
    result = cli.invoke(ckan_command, ["migration", "harvest-doctor"])
    assert result.exit_code == 0, result.output
    assert "0 stuck jobs, 0 orphaned objects" in result.output

    result = cli.invoke(ckan_command, ["migration", "harvest-doctor", "--hours", "0"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["source", "job", "status"]
    row = lines[1].split()
    assert row[:3] == ["eurostat-asylum", job["id"], "Running"] and row[-1] == "0/0"
    assert "1 stuck jobs, 0 orphaned objects" in lines[-1]
    assert HarvestJob.get(job["id"]).status == "Running"  # listing changes nothing

    result = cli.invoke(ckan_command, ["migration", "harvest-doctor", "--hours", "0",
                                       "--source", "eurostat-asylum", "--fix"])
    assert result.exit_code == 0, result.output
    assert "job %s of eurostat-asylum closed: 0 of 0 objects not processed" % job["id"] \
        in result.output
    assert "org-admin@example.org" in result.output
    assert "1 stuck jobs, 0 orphaned objects (fixed)" in result.output
    model.Session.remove()
    assert HarvestJob.get(job["id"]).status == "Finished"
    result = cli.invoke(ckan_command, ["migration", "harvest-doctor", "--hours", "0"])
    assert result.exit_code == 0 and "0 stuck jobs" in result.output


@pytest.mark.parametrize("args,message", [
    (["--source", "no-such-source"], "no harvest source named or with id 'no-such-source'"),
    (["--hours", "-1"], "Invalid value for '--hours'"),
    (["--hours", "soon"], "'soon' is not a valid float"),
])
def test_cli_bad_input(cli, args, message):
    result = cli.invoke(ckan_command, ["migration", "harvest-doctor", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_cli_reports_a_bad_stored_limit_and_uses_the_default(source, cli):
    # a limit stored before validation existed (or by another harvester) is reported
    model.Session.execute(sa.text("UPDATE harvest_source SET config = :c WHERE id = :id"),
                          {"c": json.dumps({"max_job_hours": "often"}), "id": source["id"]})
    model.Session.commit()
    helpers.call_action("harvest_job_create", source_id=source["id"], run=False)
    result = cli.invoke(ckan_command, ["migration", "harvest-doctor"])
    assert result.exit_code == 1
    assert ("eurostat-asylum: max_job_hours must be a positive number of hours (e.g. 6 or "
            "0.5), got 'often'; the default 6 hours is used") in result.output
