"""The MigrationHarvester base class, through gather / fetch / import, without any HTTP.

A tiny harvester defined here reads its records from a Python list the test controls
(``upstream``); everything else is real: the harvest tables, CKAN's actions and
validation on the project's schema, and the search service.
"""
import datetime as dt
import json
import logging

import pytest

from ckan import model
from ckan import plugins as p
from ckan.plugins import toolkit as tk
from ckan.tests import helpers
from ckanext.harvest.model import HarvestGatherError, HarvestObject

from ckanext.migration.harvesting.base import MigrationHarvester, RecordError
from ckanext.migration.harvesting.http import FetchError
from ckanext.migration.harvesting.mapping import SourceRecord, dataset_name

from .conftest import Harvest

PLATFORM = "Test list"
URL = "http://list.test/records"


class Upstream:
    """What the fake source publishes now, and what the harvester asked of it."""

    def __init__(self):
        self.records = {}        # guid -> payload
        self.details = {}        # guid -> what fetch_record adds (fetching harvester)
        self.gather_error = None
        self.fetch_errors = {}   # guid -> exception fetch_record raises
        self.mapped = []         # guids to_record was called for
        self.fetched = []        # guids fetch_record was called for

    def publish(self, *guids, **changes):
        for guid in guids:
            self.records[guid] = dict({"id": guid, "title": "Dataset %s" % guid,
                                       "notes": "Records of %s" % guid}, **changes)

    def withdraw(self, guid):
        del self.records[guid]

    def reset_calls(self):
        self.mapped, self.fetched = [], []


FAILURES = {
    "record": lambda guid: RecordError("no title in %s" % guid),
    "key": lambda guid: KeyError("title"),
    "index": lambda guid: IndexError("list index out of range"),
    "attribute": lambda guid: AttributeError("'NoneType' object has no attribute 'strip'"),
}


class ListSource:
    """The source side of the test harvesters: records from ``upstream``, the test's list.

    Not a plugin itself: CKAN's SingletonPlugin hands a subclass its parent's instance
    once the parent has one, so the two harvesters below share this mixin instead.
    """

    upstream = None

    def gather_records(self, url, config):
        if self.upstream.gather_error:
            raise self.upstream.gather_error
        return [(guid, payload) for guid, payload in self.upstream.records.items()]

    def to_record(self, payload, config):
        self.upstream.mapped.append(payload["id"])
        if payload.get("fail"):
            raise FAILURES[payload["fail"]](payload["id"])
        return SourceRecord(
            guid=payload["id"], title=payload["title"], identifier=payload["id"],
            source_platform=PLATFORM, notes=payload["notes"],
            modified=payload.get("modified", ""), producer="Test office",
            resources=[{"url": "https://list.test/%s.%s" % (payload["id"], fmt.lower()),
                        "name": "%s %s" % (payload["id"], fmt), "format": fmt}
                       for fmt in payload.get("formats", ["CSV"])])


class ListHarvester(ListSource, MigrationHarvester):
    """gather_records says everything there is: no fetch_record."""

    NAME = "migration_test_list"
    TITLE = "Test list"
    DESCRIPTION = "Records from a list in the test"


class FetchingListHarvester(ListSource, MigrationHarvester):
    """fetch_record reads more about each record (``upstream.details``)."""

    NAME = "migration_test_list_fetch"
    TITLE = "Test list with details"
    DESCRIPTION = "Records from a list in the test, with details"

    def fetch_record(self, payload, config):
        self.upstream.fetched.append(payload["id"])
        if payload["id"] in self.upstream.fetch_errors:
            raise self.upstream.fetch_errors[payload["id"]]
        return dict(payload, notes="%s; %s" % (
            payload["notes"], self.upstream.details.get(payload["id"], "no details")))


def pipeline(test):
    """The two test harvesters loaded with test.ini's plugins, on a clean database."""
    test = pytest.mark.usefixtures("with_plugins", "harvest_db")(test)
    return pytest.mark.with_plugins({ListHarvester.NAME: ListHarvester,
                                     FetchingListHarvester.NAME: FetchingListHarvester})(test)


@pytest.fixture
def upstream():
    state = Upstream()
    ListSource.upstream = state
    yield state
    ListSource.upstream = None


@pytest.fixture
def harvest(upstream):
    return Harvest(p.get_plugin(ListHarvester.NAME), URL, {"defaults": {"license_id": "cc-by"}})


@pytest.fixture
def fetching_harvest(upstream):
    return Harvest(p.get_plugin(FetchingListHarvester.NAME), URL + "/detailed",
                   {"defaults": {"license_id": "cc-by"}})


def _name(guid):
    return dataset_name(PLATFORM, guid)


def _show(guid):
    return helpers.call_action("package_show", id=_name(guid))


def _public_names():
    found = helpers.call_action("package_search", q="*:*", rows=100)
    return sorted(r["name"] for r in found["results"])


def _current_objects(harvest):
    return {o.guid: o for o in model.Session.query(HarvestObject)
            .filter(HarvestObject.harvest_source_id == harvest.source.id)
            .filter(HarvestObject.current == True)}  # noqa: E712


# -- new records ----------------------------------------------------------------------------

@pipeline
def test_new_datasets_are_indexed_with_their_harvest_source(upstream, harvest):
    """The dashboard's facet: harvest_source_id is in the index from the create on."""
    upstream.publish("a", "b")
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2}, harvest.errors(job)
    found = helpers.call_action("package_search", fq='harvest_source_id:"%s"'
                                % harvest.source.id, rows=10)
    assert sorted(r["name"] for r in found["results"]) == [_name("a"), _name("b")]
    assert {o.package_id for o in _current_objects(harvest).values()} == \
        {r["id"] for r in found["results"]}


# -- unchanged records ----------------------------------------------------------------------

@pipeline
def test_unchanged_records_are_skipped_at_fetch(upstream, harvest):
    upstream.publish("a", "b")
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2}, harvest.errors(job)
    assert _public_names() == [_name("a"), _name("b")]
    before = {g: _show(g)["metadata_modified"] for g in ("a", "b")}

    upstream.reset_calls()
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 2}
    assert upstream.mapped == []  # decided at fetch: not even mapped again
    assert {g: _show(g)["metadata_modified"] for g in ("a", "b")} == before
    # the new objects took over: one current object per record, from this job
    current = _current_objects(harvest)
    assert sorted(current) == ["a", "b"]
    assert {o.harvest_job_id for o in current.values()} == {job.id}

    upstream.publish("b", title="Dataset b, revised")
    upstream.reset_calls()
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 1, "updated": 1}
    assert upstream.mapped == ["b"]
    assert _show("b")["title"] == "Dataset b, revised"
    assert _show("a")["metadata_modified"] == before["a"]


@pipeline
def test_unchanged_records_are_skipped_at_import_when_fetch_reads_more(upstream,
                                                                      fetching_harvest):
    harvest = fetching_harvest
    upstream.publish("a", "b")
    upstream.details = {"a": "2 tables", "b": "3 tables"}
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2}, harvest.errors(job)
    assert _show("a")["notes"] == "Records of a; 2 tables"
    before = {g: _show(g)["metadata_modified"] for g in ("a", "b")}

    # gather sees the same summary, but only fetch can tell whether the record changed
    upstream.reset_calls()
    job, _ = harvest.run()
    assert sorted(upstream.fetched) == ["a", "b"]
    assert harvest.report(job) == {"not modified": 2}
    assert {g: _show(g)["metadata_modified"] for g in ("a", "b")} == before

    upstream.details["b"] = "4 tables"  # changed where only fetch looks
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 1, "updated": 1}
    assert _show("b")["notes"] == "Records of b; 4 tables"
    assert _show("a")["metadata_modified"] == before["a"]


# -- datasets gone upstream -----------------------------------------------------------------

@pipeline
def test_gone_upstream_is_withdrawn_kept_and_comes_back(upstream, harvest):
    upstream.publish("a", "b", "c")
    harvest.run()

    upstream.withdraw("c")
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 2, "deleted": 1}, harvest.errors(job)
    gone = _show("c")
    assert gone["private"] is True
    assert gone["state"] == "active"  # kept, not deleted
    assert gone["withdrawn_at"] == dt.date.today().isoformat()
    assert gone["title"] == "Dataset c" and gone["resources"]  # kept as it was
    assert _public_names() == [_name("a"), _name("b")]
    assert "c" not in _current_objects(harvest)

    # still gone: nothing more to do, and the withdrawal date stays the first one
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 2}
    assert _show("c")["withdrawn_at"] == gone["withdrawn_at"]

    # back upstream, exactly as it was: public again, no longer withdrawn
    upstream.publish("c")
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 2, "updated": 1}, harvest.errors(job)
    back = _show("c")
    assert back["private"] is False and not back.get("withdrawn_at")
    assert back["id"] == gone["id"]  # the same dataset, not a new one
    assert _public_names() == [_name("a"), _name("b"), _name("c")]
    assert _current_objects(harvest)["c"].package_id == gone["id"]


@pipeline
def test_withdrawn_by_one_source_republished_by_another_that_still_has_it(upstream):
    # two sources of the same platform list the same record: one dataset, two objects
    first = Harvest(p.get_plugin(ListHarvester.NAME), URL + "/first")
    second = Harvest(p.get_plugin(ListHarvester.NAME), URL + "/second", org=first.org)
    upstream.publish("c")
    first.run()
    second.run()
    assert _public_names() == [_name("c")]

    upstream.withdraw("c")
    job, _ = first.run()
    assert first.report(job) == {"deleted": 1}
    assert _show("c")["private"] is True

    # the second source still publishes it, unchanged: not skipped as "not modified"
    upstream.publish("c")
    job, _ = second.run()
    assert second.report(job) == {"updated": 1}, second.errors(job)
    back = _show("c")
    assert back["private"] is False and not back.get("withdrawn_at")


@pipeline
@pytest.mark.parametrize("error,message", [
    (FetchError("could not fetch %s: refused" % URL), "could not fetch %s: refused" % URL),
    (RecordError("the source answered an error page"), "the source answered an error page"),
    (KeyError("results"), "KeyError: 'results'"),  # a bug or a changed source: reported
])
def test_a_failed_gather_is_a_job_error_and_withdraws_nothing(upstream, harvest, error,
                                                             message):
    upstream.publish("a", "b")
    harvest.run()
    upstream.gather_error = error
    job, _ = harvest.run()
    errors = [e.message for e in HarvestGatherError.filter(harvest_job_id=job.id)]
    assert errors == ["Test list: %s" % message]
    assert harvest.report(job) == {}
    assert _public_names() == [_name("a"), _name("b")]
    assert not _show("a").get("withdrawn_at")


# -- one bad record -------------------------------------------------------------------------

@pipeline
@pytest.mark.parametrize("bad,message", [
    ({"fail": "record"}, "cannot map the record: no title in bad"),
    ({"fail": "key"}, "cannot map the record: KeyError: 'title'"),
    ({"fail": "index"}, "cannot map the record: IndexError: list index out of range"),
    ({"fail": "attribute"}, "cannot map the record: AttributeError: 'NoneType' object"),
    ({"modified": "last spring"}, "the mapped dataset does not validate: modified"),
])
def test_one_bad_record_is_one_object_error_and_the_others_import(upstream, harvest, bad,
                                                                 message):
    upstream.publish("a")
    upstream.publish("bad", **bad)
    upstream.publish("c")
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2, "errored": 1}
    errors = harvest.errors(job)
    assert len(errors) == 1 and errors[0].startswith("bad: ") and message in errors[0], errors
    # nothing written for the bad one: no dataset, no current object, not in the index
    assert model.Package.get(_name("bad")) is None
    assert sorted(_current_objects(harvest)) == ["a", "c"]
    assert _public_names() == [_name("a"), _name("c")]

    # a failed record is tried again on the next run, not taken as unchanged
    upstream.reset_calls()
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 2, "errored": 1}
    assert upstream.mapped == ["bad"]


@pipeline
@pytest.mark.parametrize("error,message", [
    (FetchError("https://list.test/b answered HTTP 500"), "https://list.test/b answered HTTP 500"),
    (RecordError("not an SDMX-ML message"), "not an SDMX-ML message"),
    (ValueError("unexpected payload"), "unexpected payload"),
    (KeyError("dataflow"), "KeyError: 'dataflow'"),
])
def test_a_failed_fetch_is_one_object_error(upstream, fetching_harvest, error, message):
    harvest = fetching_harvest
    upstream.publish("a", "b", "c")
    upstream.fetch_errors = {"b": error}
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2, "errored": 1}
    errors = harvest.errors(job)
    assert errors == ["b: %s" % message]
    assert model.Package.get(_name("b")) is None
    assert _public_names() == [_name("a"), _name("c")]


@pipeline
def test_a_failed_update_leaves_the_dataset_as_it_was(upstream, harvest):
    upstream.publish("a", modified="2024-05-01")
    harvest.run()
    first = _show("a")

    upstream.publish("a", title="Dataset a, revised", modified="last spring",
                     formats=["CSV", "JSON"])
    job, _ = harvest.run()
    assert harvest.report(job) == {"errored": 1}
    assert "does not validate: modified" in harvest.errors(job)[0]
    kept = _show("a")
    assert (kept["title"], kept["modified"], len(kept["resources"])) == \
        (first["title"], first["modified"], 1)
    assert kept["metadata_modified"] == first["metadata_modified"]
    # the last good import is still the record's current state
    current = _current_objects(harvest)["a"]
    assert json.loads(current.content)["title"] == "Dataset a"

    upstream.publish("a", title="Dataset a, revised", modified="2024-06-01")
    job, _ = harvest.run()
    assert harvest.report(job) == {"updated": 1}, harvest.errors(job)
    assert (_show("a")["title"], _show("a")["modified"]) == ("Dataset a, revised",
                                                             "2024-06-01")


# -- configuration ----------------------------------------------------------------------------

@pytest.mark.parametrize("config,message", [
    ('{"defaults": {"license_id": "cc-by"}, "colour": "blue", "api": 1}',
     "unknown configuration keys ['api', 'colour']; allowed: defaults, max_job_hours"),
    ('{"defaults": ["cc-by"]}', "'defaults' must be an object of schema fields"),
    ('{"defaults": {"license_id": "cc-by"}', "configuration is not valid JSON"),
    ('["defaults"]', "configuration must be a JSON object"),
    ("null", "configuration must be a JSON object"),
])
def test_validate_config_says_what_is_wrong(config, message):
    with pytest.raises(ValueError) as raised:
        ListHarvester().validate_config(config)
    assert message in str(raised.value)


@pytest.mark.parametrize("config", ["", None, "{}", '{"defaults": {}}',
                                    '{"defaults": {"license_id": "cc-by"}}'])
def test_validate_config_accepts_and_returns_good_configuration(config):
    assert ListHarvester().validate_config(config) == config


def test_validate_config_lists_the_subclass_keys():
    class WithKeys(MigrationHarvester):
        CONFIG_KEYS = ("defaults", "indicators")
    WithKeys().validate_config('{"indicators": ["X"]}')
    with pytest.raises(ValueError,
                       match=r"\['indicator'\]; allowed: defaults, indicators, max_job_hours"):
        WithKeys().validate_config('{"indicator": ["X"]}')


@pipeline
def test_a_bad_configuration_is_refused_when_the_source_is_created(upstream):
    from ckan.tests import factories
    org = factories.Organization()
    with pytest.raises(tk.ValidationError) as raised:
        helpers.call_action("harvest_source_create", name="bad-config", title="Bad config",
                            url=URL, source_type=ListHarvester.NAME, owner_org=org["id"],
                            config='{"colour": "blue"}')
    assert "unknown configuration keys ['colour']; allowed: defaults, max_job_hours" in \
        str(raised.value.error_dict["config"])


# -- resource views -----------------------------------------------------------------------------

@pytest.fixture
def warnings_logged(caplog, monkeypatch):
    """caplog that really sees CKAN's warnings.

    The harvest_db fixture runs the plugins' alembic migrations, whose env.py calls
    logging.config.fileConfig: that disables every logger existing at that time, CKAN's
    included, so without this nothing a harvest logs would reach caplog.
    """
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and logger.disabled:
            monkeypatch.setattr(logger, "disabled", False)
    caplog.set_level(logging.WARNING)
    return caplog


@pipeline
def test_a_harvest_logs_no_missing_view_plugin(upstream, harvest, warnings_logged):
    upstream.publish("a", formats=["CSV", "PNG"])
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 1}, harvest.errors(job)
    # the capture works: the logger that would complain is heard
    logging.getLogger("ckan.lib.datapreview").warning("sentinel")
    messages = [r.getMessage() for r in warnings_logged.records
                if r.name == "ckan.lib.datapreview"]
    assert messages[-1] == "sentinel"
    assert [m for m in messages if "could not be found" in m] == []
    # the default views are really made: the image gets its image_view
    png = [r for r in _show("a")["resources"] if r["format"] == "PNG"][0]
    views = helpers.call_action("resource_view_list", id=png["id"])
    assert [v["view_type"] for v in views] == ["image_view"]
