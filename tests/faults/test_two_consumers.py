"""Two fetch consumers sharing a job's queue, each importing batches (harvesting/batch.py):
no object is imported twice, none is lost, each is reported as what happened to it."""
import signal

import pytest
import sqlalchemy as sa

from ckan import model
from ckanext.harvest.model import HarvestObject

from .conftest import (CKAN, TOTAL, UNFINISHED, assert_whole_and_unique, finish, gather,
                       index_equals_database, object_errors, states, wait_until)

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db", "harvest_queues")


def _reports(job_id):
    model.Session.remove()
    return dict(model.Session.query(HarvestObject.report_status, sa.func.count())
                .filter(HarvestObject.harvest_job_id == job_id)
                .group_by(HarvestObject.report_status))


def test_two_consumers_share_a_job(source, processes, derive_ini, tmp_path):
    search = processes.search_service(tmp_path / "search", core="ckan_consumers")
    # batches of 3: the two consumers meet often, each taking messages whose objects
    # the other's batch has imported or still holds
    ini = derive_ini(solr_url=search.url,
                     **{"ckanext.migration.search_service_url": search.url,
                        "ckanext.migration.harvest.import_batch": "3"})
    consumers = [processes.spawn("fetch-consumer-%d" % i,
                                 [CKAN, "-c", ini, "harvester", "fetch-consumer"])
                 for i in (1, 2)]

    for run, report in ((1, "added"), (2, "not modified")):
        job_id = gather(source["id"])
        for consumer in consumers:
            wait_until(lambda: not any(states(job_id).get(s) for s in UNFINISHED), 120,
                       "run %d: every object processed" % run, consumer)
        assert states(job_id) == {"COMPLETE": TOTAL}
        assert object_errors(job_id) == {}
        assert _reports(job_id) == {report: TOTAL}
        assert finish(job_id) == "Finished"
        assert len(assert_whole_and_unique()) == TOTAL
        current = model.Session.query(HarvestObject).filter(
            HarvestObject.harvest_source_id == source["id"],
            HarvestObject.current == True).all()  # noqa: E712
        assert len(current) == TOTAL and {o.harvest_job_id for o in current} == {job_id}
    for consumer in consumers:
        consumer.send_signal(signal.SIGKILL)

    indexed, in_db = index_equals_database(search, model.Session)
    # the harvest source was written before the consumers' service was in use
    assert set(in_db) - set(indexed) == {source["id"]}
    assert {k: v for k, v in in_db.items() if k != source["id"]} == indexed
