"""Fault tests: a harvest runs in real consumer processes while the test kills or
restarts the search service, PostgreSQL or Redis under it.

The harvest is the recorded Eurostat table of contents (45 ``migr_asy*`` datasets; no
request after gather, so the fetch consumer needs no network). Each test owns the server
it breaks (``processes``: free port, temporary data, killed at the end) and points the
consumer processes at it through a configuration file derived from the test run's own.
"""
import configparser
import json
import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import factories, helpers
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectError

from ..conftest import fixture_bytes
from ..processes import Processes

CKAN = os.path.join(os.path.dirname(sys.executable), "ckan")
TOC_URL = "https://ec.europa.eu/eurostat/api/dissemination/catalogue/toc/txt?lang=en"
PREFIX = "migr_asy"
TOTAL = 45
UNFINISHED = ("WAITING", "FETCH", "IMPORT")


@pytest.fixture
def processes(tmp_path):
    owner = Processes(tmp_path)
    yield owner
    owner.close()


@pytest.fixture
def harvest_queues(clean_queues):
    queue.purge_queues()
    yield
    queue.purge_queues()


@pytest.fixture
def source(http_replay):
    """The Eurostat asylum source (its table of contents replayed for gather)."""
    http_replay.add("GET", TOC_URL, body=fixture_bytes("eurostat", "table_of_contents_en.txt"))
    sysadmin = factories.Sysadmin()
    org = factories.Organization(name="eurostat-org")
    return helpers.call_action(
        "harvest_source_create", context={"user": sysadmin["name"]},
        name="eurostat-asylum", title="Eurostat asylum", url=TOC_URL,
        source_type="migration_eurostat", owner_org=org["id"],
        config=json.dumps({"code_prefixes": [PREFIX]}))


def gather(source_id):
    """A new job gathered by ckanext-harvest's gather callback: its objects wait on the
    fetch queue."""
    job = helpers.call_action("harvest_job_create", source_id=source_id, run=True)
    consumer = queue.get_gather_consumer()
    queue.gather_callback(consumer, *consumer.basic_get("ckan.harvest.gather"))
    model.Session.remove()
    return job["id"]


def finish(job_id):
    """ckanext-harvest's `harvester run`: a job whose objects are all done is Finished."""
    helpers.call_action("harvest_jobs_run")
    model.Session.remove()
    return HarvestJob.get(job_id).status


@pytest.fixture
def derive_ini(tmp_path, ckan_config):
    """``derive_ini(**options)``: a configuration file that is the run's own (the
    --ckan-ini file) with ``options`` set, and its logging sections."""
    base = os.path.abspath(ckan_config["__file__"])

    def derive(name="derived", **options):
        # batches smaller than the job: a fault cuts the job between and inside batches
        options.setdefault("ckanext.migration.harvest.import_batch", "4")
        parser = configparser.RawConfigParser(strict=False)
        parser.read(base)
        path = os.path.join(str(tmp_path), "%s.ini" % name)
        lines = ["[app:main]", "use = config:%s" % base]
        lines += ["%s = %s" % (k, v) for k, v in options.items()]
        for section in parser.sections():
            if section != "app:main" and not section.startswith(("server:", "pipeline:")):
                lines.append("\n[%s]" % section)
                lines += ["%s = %s" % (k, v.replace("\n", "\n  "))
                          for k, v in parser.items(section, raw=True)]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path
    return derive


def ckan(ini, *args, timeout=120, check=True):
    """Run a ``ckan`` command; its output."""
    result = subprocess.run([CKAN, "-c", ini, *args], capture_output=True, text=True,
                            timeout=timeout, start_new_session=True)
    if check:
        assert result.returncode == 0, "ckan %s: %s%s" % (" ".join(args), result.stdout[-3000:],
                                                         result.stderr[-3000:])
    return result


def states(job_id, session=None):
    session = session or model.Session
    session.remove()  # a fresh transaction: what the consumer committed so far
    rows = session.query(HarvestObject.state, sa.func.count()) \
        .filter(HarvestObject.harvest_job_id == job_id).group_by(HarvestObject.state)
    return dict(rows)


def completed_guids(job_id, session=None):
    session = session or model.Session
    return {guid for (guid,) in session.query(HarvestObject.guid).filter(
        HarvestObject.harvest_job_id == job_id, HarvestObject.state == "COMPLETE")}


def object_errors(job_id, session=None):
    """{guid: [messages]} of the job's object errors."""
    session = session or model.Session
    out = {}
    for guid, message in session.query(HarvestObject.guid, HarvestObjectError.message) \
            .join(HarvestObjectError, HarvestObjectError.harvest_object_id == HarvestObject.id) \
            .filter(HarvestObject.harvest_job_id == job_id):
        out.setdefault(guid, []).append(message)
    return out


def wait_until(check, timeout, what, proc=None):
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.poll() is not None:
            raise AssertionError("%s: the consumer exited (%s): %s" % (
                what, proc.returncode, open(proc.log_path).read()[-4000:]))
        assert time.monotonic() < deadline, "%s: not within %g s" % (what, timeout)
        time.sleep(0.05)


def harvested_datasets(session=None):
    """[(id, name, identifier, number of active resources)] of every harvested dataset
    (active or not)."""
    session = session or model.Session
    rows = session.execute(sa.text(
        "SELECT p.id, p.name, p.state, "
        " (SELECT count(*) FROM resource r WHERE r.package_id = p.id AND r.state = 'active'),"
        " p.extras ->> 'identifier'"
        " FROM package p WHERE p.name LIKE :like"), {"like": "eurostat-%s%%" % PREFIX})
    return [tuple(r) for r in rows]


def assert_whole_and_unique(session=None):
    """Every harvested dataset is whole (active, its 3 resources, its identifier) and
    there is one per Eurostat code."""
    rows = harvested_datasets(session)
    for pkg_id, name, state, resources, identifier in rows:
        assert (state, resources) == ("active", 3) and identifier, \
            "half-written dataset %s: %r" % (name, (state, resources, identifier))
    codes = [r[4] for r in rows]
    assert len(codes) == len(set(codes)), "duplicated datasets: %s" % sorted(codes)
    return {r[4]: r[0] for r in rows}


def index_equals_database(service, session):
    """{id: metadata_modified} of the index and of the database (datasets not deleted), to
    the millisecond (Solr's date precision)."""
    import datetime as dt

    def ms(value):
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        return value.replace(microsecond=value.microsecond // 1000 * 1000).isoformat()

    indexed = {pkg_id: ms(modified) for pkg_id, modified in service.ids().items()}
    session.remove()
    in_db = {pkg_id: ms(modified) for pkg_id, modified in
             session.execute(sa.text("SELECT id, metadata_modified FROM package "
                                     "WHERE state <> 'deleted'"))}
    return indexed, in_db
