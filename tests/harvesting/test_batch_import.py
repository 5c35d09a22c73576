"""Several new records of one job imported together (harvesting/batch.py): each keeps its
own outcome, a bad one fails alone, nothing is half-written, the index ends equal to the
database, and unchanged records of a re-run are settled by gather."""
import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import helpers
from ckanext.activity.model import Activity
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestObject
from ckanext.harvest.tests.factories import HarvestJobObj

from ckanext.migration.harvesting import batch
from ckanext.migration.harvesting.importing import STATUS_KEY

from ..factories import dataset

from .test_base import _name, harvest, pipeline, upstream  # noqa: F401 (fixtures)


def _harvested():
    """Names of the active datasets of the test platform, in the database."""
    model.Session.remove()
    return {name for (name,) in model.Session.query(model.Package.name)
            .filter(model.Package.name.like(_name("") + "%"))
            .filter(model.Package.state == "active")}


def _indexed():
    found = helpers.call_action("package_search", q="*:*", rows=1000, include_private=True,
                                fq="source_platform:\"Test list\"")
    return {r["name"] for r in found["results"]}


def _objects(job):
    return model.Session.query(HarvestObject).filter(HarvestObject.harvest_job_id == job.id)


@pipeline
@pytest.mark.ckan_config("ckanext.migration.harvest.import_batch", "3")
def test_a_bad_record_in_a_batch_fails_alone_and_the_counts_are_right(upstream, harvest):
    upstream.publish("a", "b")
    upstream.publish("bad-date", modified="last spring")   # refused by validation
    upstream.publish("c")
    upstream.publish("bad-map", fail="key")                 # refused by the mapping
    upstream.publish("d", "e")
    job, _ = harvest.run()

    assert harvest.report(job) == {"added": 5, "errored": 2}
    errors = sorted(harvest.errors(job))
    assert len(errors) == 2
    assert errors[0].startswith("bad-date: the mapped dataset does not validate: modified")
    assert errors[1].startswith("bad-map: cannot map the record: KeyError")
    # batches were used: objects that came along carry their outcome
    assert sum(batch.OUTCOME_KEY in {e.key for e in o.extras} for o in _objects(job)) >= 2
    assert {o.state for o in _objects(job)} == {"COMPLETE", "ERROR"}

    # nothing of the bad records written; the good ones whole, current, indexed once
    names = {_name(g) for g in "abcde"}
    assert _harvested() == names
    assert _indexed() == names
    for obj in _objects(job):
        if obj.state == "COMPLETE":
            assert obj.current and model.Package.get(obj.package_id).name == _name(obj.guid)
        else:
            assert not obj.current and obj.package_id is None
    source_hits = helpers.call_action("package_search", rows=1000, include_private=True,
                                      fq='harvest_source_id:"%s"' % harvest.source.id)
    assert {r["name"] for r in source_hits["results"]} == names


@pipeline
@pytest.mark.ckan_config("ckanext.migration.harvest.import_batch", "4")
def test_a_batch_records_each_datasets_activity_as_package_create_does(upstream, harvest):
    upstream.publish("a", "b", "c")
    harvest.run()
    for guid in "abc":
        shown = helpers.call_action("package_show", id=_name(guid))
        # the lists hide the site user's activities: read the table
        activities = model.Session.query(Activity).filter(Activity.object_id == shown["id"])
        assert [a.activity_type for a in activities] == ["new package"]
        stored = activities[0].data["package"]
        assert stored["id"] == shown["id"] and stored["name"] == shown["name"]
        # as package_show reads it from the index, with ckanext-harvest's extras
        assert stored == helpers.call_action("package_show", id=shown["id"])
        assert [r["url"] for r in stored["resources"]] == \
            [r["url"] for r in shown["resources"]]
    # who, what and for whom, as ckanext-activity records a package_create of the user
    user = helpers.call_action("get_site_user")["name"]
    own = helpers.call_action("package_create", {"user": user}, **dataset(
        name="made-by-hand", owner_org=shown["owner_org"]))
    made = model.Session.query(Activity).filter(Activity.object_id == own["id"]).one()
    assert (activities[0].user_id, activities[0].activity_type,
            activities[0].permission_labels, activities[0].data["actor"]) == \
        (made.user_id, made.activity_type, made.permission_labels, made.data["actor"])


def _gathered(harvest):
    """A running job of ``harvest``'s source after gather (nothing fetched or imported
    yet): the job and its objects' ids."""
    job = HarvestJobObj(source=harvest.source, run=False)
    job.status = "Running"
    job.save()
    return job, queue.gather_stage(harvest.harvester, job)


@pipeline
@pytest.mark.ckan_config("ckanext.migration.harvest.import_batch", "2")
def test_an_object_is_done_in_the_commit_that_saves_its_dataset(upstream, harvest):
    """A fetch consumer killed between import_stage's commit and the state that
    ckanext-harvest's fetch_and_import_stages writes after it leaves no dataset
    imported whose object is not done (the harvest doctor would count it as not
    processed)."""
    upstream.publish("a", "b", "c")
    job, ids = _gathered(harvest)
    in_hand = HarvestObject.get(ids[0])
    in_hand.state = "IMPORT"  # as fetch_and_import_stages leaves it before import_stage
    in_hand.save()
    assert harvest.harvester.import_stage(in_hand) is True
    model.Session.remove()  # killed here: what fetch_and_import_stages would write is lost

    done = {o.guid: (o.state, o.report_status, o.current)
            for o in _objects(job) if o.package_id}
    assert len(done) == 2 and in_hand.guid in done  # the object in hand and one more
    assert set(done.values()) == {("COMPLETE", "added", True)}
    assert _harvested() == _indexed() == {_name(g) for g in done}
    waiting = [o for o in _objects(job) if not o.package_id]
    assert [o.state for o in waiting] == ["WAITING"]


def _locked_elsewhere(ids, nowait=False):
    """Another connection's transaction holding the rows of ``ids`` locked, as another
    consumer's batch does; the caller closes it."""
    conn = model.meta.engine.connect()
    conn.begin()
    conn.execute(sa.text("SELECT id FROM harvest_object WHERE id = ANY(:ids) FOR UPDATE"
                         + (" NOWAIT" if nowait else "")), {"ids": list(ids)})
    return conn


@pipeline
def test_near_the_end_of_a_job_a_batch_takes_half_of_what_no_other_batch_holds(
        upstream, harvest):
    upstream.publish(*["r%02d" % i for i in range(30)])
    _, ids = _gathered(harvest)
    in_hand = HarvestObject.get(ids[0])
    others = [i for i in ids if i != in_hand.id]
    held = set(others[:20])
    elsewhere = _locked_elsewhere(held)  # another consumer's batch
    try:
        # many waiting: the whole batch, from what is free
        claimed = {o.id for o in batch.claim(in_hand, STATUS_KEY, 5)}
        assert len(claimed) == 5 and not claimed & held
        model.Session.rollback()
        # near the end: half of the 9 that are free, none of the held ones
        claimed = {o.id for o in batch.claim(in_hand, STATUS_KEY, 9)}
        assert len(claimed) == 5 and not claimed & held
        # counting them did not keep the others locked: another consumer takes them
        rest = set(others) - held - claimed
        assert len(rest) == 4
        _locked_elsewhere(rest, nowait=True).close()
    finally:
        model.Session.rollback()
        elsewhere.close()
    # none held elsewhere: half of the 29, though the batch could take 20
    assert len(batch.claim(in_hand, STATUS_KEY, 20)) == 15


@pipeline
def test_a_rerun_settles_unchanged_records_in_gather(upstream, harvest):
    upstream.publish("a", "b", "c")
    harvest.run()
    upstream.publish("b", notes="Records of b, revised")
    job, results = harvest.run()
    # only the changed record went through fetch and import
    assert list(results) == ["b"]
    assert harvest.report(job) == {"not modified": 2, "updated": 1}
    current = model.Session.query(HarvestObject).filter(
        HarvestObject.harvest_source_id == harvest.source.id,
        HarvestObject.current == True).all()  # noqa: E712
    assert sorted(o.guid for o in current) == ["a", "b", "c"]
    assert {o.harvest_job_id for o in current} == {job.id}
    assert _harvested() == _indexed() == {_name(g) for g in "abc"}


def _preflight_jobs():
    from ckan.lib import jobs
    return [j.args[0] for j in jobs.get_queue().jobs
            if j.func_name == "ckanext.migration.tabular.preflight"]


@pipeline
@pytest.mark.ckan_config("ckanext.migration.harvest.import_batch", "3")
def test_a_batch_queues_the_preflight_checks_of_what_it_saved_once_committed(
        upstream, harvest):
    from ckan.lib import jobs
    jobs.get_queue().empty()
    upstream.publish("a", formats=["CSV", "PDF"])
    upstream.publish("bad-date", modified="last spring")   # refused: nothing queued
    upstream.publish("b", "c")
    upstream.publish("d", formats=["XLSX", "CSV"])
    try:
        job, _ = harvest.run()
        assert harvest.report(job) == {"added": 4, "errored": 1}
        queued = _preflight_jobs()
        tabular = {r["id"] for g in "abcd"
                   for r in helpers.call_action("package_show", id=_name(g))["resources"]
                   if r["format"] in ("CSV", "XLSX")}
        # one check per tabular resource of the saved datasets, none twice, none for PDF
        assert sorted(queued) == sorted(tabular) and len(tabular) == 5
        # titled as the one-by-one path titles them, for `ckan jobs list`
        assert all(j.meta["title"] == "pre-flight check of resource %s" % j.args[0]
                   for j in jobs.get_queue().jobs)
    finally:
        jobs.get_queue().empty()


@pytest.fixture
def refusing_database():
    """A trigger that makes PostgreSQL itself refuse a dataset whose title it names, with
    the SQLSTATE the test gives (what validation cannot foresee: a constraint, a value too
    long for a column)."""
    created = []

    def refuse(title, sqlstate):
        model.Session.execute(sa.text("""
            CREATE OR REPLACE FUNCTION test_refuse_package() RETURNS trigger AS $$
            BEGIN
                IF NEW.title = '%s' THEN
                    RAISE EXCEPTION 'the test refuses %%', NEW.title USING ERRCODE = '%s';
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_refuse_package BEFORE INSERT ON package
                FOR EACH ROW EXECUTE FUNCTION test_refuse_package();""" % (title, sqlstate)))
        model.Session.commit()
        created.append(True)
    yield refuse
    if created:
        model.Session.remove()
        model.Session.execute(sa.text(
            "DROP TRIGGER IF EXISTS test_refuse_package ON package; "
            "DROP FUNCTION IF EXISTS test_refuse_package()"))
        model.Session.commit()


@pipeline
@pytest.mark.ckan_config("ckanext.migration.harvest.import_batch", "4")
@pytest.mark.parametrize("sqlstate", ["23514", "22001"],
                         ids=["check_violation", "value_too_long"])
def test_a_record_the_database_refuses_fails_alone_in_its_batch(
        upstream, harvest, refusing_database, sqlstate):
    refusing_database("Dataset refused", sqlstate)
    upstream.publish("a", "b")
    upstream.publish("refused", title="Dataset refused")
    upstream.publish("c", "d")
    job, _ = harvest.run()

    assert harvest.report(job) == {"added": 4, "errored": 1}
    [error] = harvest.errors(job)
    assert error.startswith("refused: the database refused the change, so the dataset was "
                            "not saved; it will be harvested again on the next run "
                            "(the test refuses Dataset refused")
    # batches were used, and the refused record left nothing behind
    assert sum(batch.OUTCOME_KEY in {e.key for e in o.extras} for o in _objects(job)) >= 2
    names = {_name(g) for g in "abcd"}
    assert _harvested() == _indexed() == names
    refused = [o for o in _objects(job) if o.guid == "refused"][0]
    assert refused.state == "ERROR" and not refused.current and refused.package_id is None
    assert model.Session.query(model.Package).filter(
        model.Package.title == "Dataset refused").count() == 0
