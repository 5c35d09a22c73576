"""Redis restarted in the middle of a harvest: every queued message is lost (nothing is
on disk). The fetch consumer reconnects and waits; the job stalls, and the next
``ckan harvester run`` (cron) sends the objects still WAITING again, so the job
finishes by itself with every dataset, none twice. (Objects a consumer had in hand when
it died are the harvest doctor's: tests/harvesting/test_doctor.py.)"""
import time

import pytest

from ckan import model

from ..processes import SearchIndex
from .conftest import (CKAN, TOTAL, UNFINISHED, assert_whole_and_unique, completed_guids,
                       finish, gather, index_equals_database, object_errors, states,
                       wait_until)

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db", "harvest_queues")


@pytest.fixture
def own_redis(processes, derive_ini, ckan_config):
    """A Redis of the test's own for the harvest queues (and CKAN's jobs), in this process
    and in the consumer's configuration; the settings are restored before it stops."""
    redis = processes.redis()
    options = {"ckan.redis.url": redis.url, "ckan.harvest.mq.hostname": "127.0.0.1",
               "ckan.harvest.mq.port": str(redis.port), "ckan.harvest.mq.redis_db": "0"}
    patch = pytest.MonkeyPatch()
    for key, value in options.items():
        patch.setitem(ckan_config, key, value)
    redis.ini = derive_ini(**options)
    yield redis
    patch.undo()


def fetch_queue_length(redis):
    import redis as redis_client
    from ckanext.harvest.queue import get_fetch_routing_key
    return redis_client.Redis(port=redis.port).llen(get_fetch_routing_key())


def test_redis_restarted_mid_harvest(source, processes, own_redis, ckan_config):
    job_id = gather(source["id"])
    consumer = processes.spawn("fetch-consumer", [CKAN, "-c", own_redis.ini, "harvester",
                                                  "fetch-consumer"])
    wait_until(lambda: states(job_id).get("COMPLETE", 0) >= 8, 60, "8 datasets imported",
               consumer)
    own_redis.kill()
    own_redis.start()
    assert fetch_queue_length(own_redis) == 0  # the messages are gone
    # the object in hand is finished, then nothing more happens
    wait_until(lambda: set(states(job_id)) == {"COMPLETE", "WAITING"}, 30,
               "the object in hand finished")
    if consumer.poll() is not None:
        # Redis went away under its acknowledgement: it died (after the object was
        # saved); supervisor starts it again
        assert "redis.exceptions.ConnectionError" in open(consumer.log_path).read()
        consumer = processes.spawn("fetch-consumer", [CKAN, "-c", own_redis.ini,
                                                      "harvester", "fetch-consumer"])
    stalled = states(job_id)
    time.sleep(2)
    assert states(job_id) == stalled
    assert set(assert_whole_and_unique()) == completed_guids(job_id)

    # the next `ckan harvester run`: the job is not done, its WAITING objects are sent
    # again, and the consumer (reconnected) imports them
    assert finish(job_id) == "Running"
    assert fetch_queue_length(own_redis) > 0
    wait_until(lambda: not any(states(job_id).get(s) for s in UNFINISHED), 60,
               "the objects sent again imported", consumer)
    assert states(job_id) == {"COMPLETE": TOTAL} and object_errors(job_id) == {}
    assert finish(job_id) == "Finished"
    assert len(assert_whole_and_unique()) == TOTAL

    # the next run finds nothing to do, and adds nothing
    job2 = gather(source["id"])
    wait_until(lambda: not any(states(job2).get(s) for s in UNFINISHED), 60,
               "the next run", consumer)
    assert states(job2) == {"COMPLETE": TOTAL} and finish(job2) == "Finished"
    assert len(assert_whole_and_unique()) == TOTAL
    # the search service saw every write: the index equals the database as it is
    indexed, in_db = index_equals_database(SearchIndex(ckan_config["solr_url"]),
                                           model.Session)
    assert indexed == in_db and len(in_db) == TOTAL + 1
