"""The search service killed (SIGKILL) in the middle of a harvest, then restarted."""
import signal

import pytest

from ckan import model

from .conftest import (CKAN, TOTAL, UNFINISHED, assert_whole_and_unique, ckan,
                       completed_guids, finish, gather, index_equals_database, object_errors,
                       states, wait_until)

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db", "harvest_queues")


def test_search_service_killed_mid_harvest(source, processes, derive_ini, tmp_path):
    search = processes.search_service(tmp_path / "search", core="ckan_faults",
                                      autocommit_ms=1000)
    ini = derive_ini(solr_url=search.url,
                     **{"ckanext.migration.search_service_url": search.url})

    job_id = gather(source["id"])
    consumer = processes.spawn("fetch-consumer", [CKAN, "-c", ini, "harvester",
                                                  "fetch-consumer"])
    wait_until(lambda: states(job_id).get("COMPLETE", 0) >= 8, 60,
               "8 datasets imported", consumer)
    search.kill()
    # the consumer goes on: every object left is done, each with its error
    wait_until(lambda: not any(states(job_id).get(s) for s in UNFINISHED), 60,
               "every object processed after the search service died", consumer)
    done = states(job_id)
    assert sum(done.values()) == TOTAL and done.get("ERROR", 0) > 0, done
    assert finish(job_id) == "Finished"
    errors = object_errors(job_id)
    assert len(errors) == done["ERROR"]
    for guid, messages in errors.items():
        [message] = messages
        assert message.startswith("%s: the search service could not be reached" % guid), \
            message
        assert search.url in message and "harvested again on the next run" in message
    # a dataset is in the database exactly when its object completed
    assert set(assert_whole_and_unique()) == completed_guids(job_id)

    search.start()
    job2 = gather(source["id"])
    wait_until(lambda: not any(states(job2).get(s) for s in UNFINISHED), 60,
               "the next run", consumer)
    assert states(job2) == {"COMPLETE": TOTAL}
    assert object_errors(job2) == {}
    assert finish(job2) == "Finished"
    assert len(assert_whole_and_unique()) == TOTAL
    consumer.send_signal(signal.SIGKILL)

    indexed, in_db = index_equals_database(search, model.Session)
    assert indexed != in_db  # the harvest source at least (written before the service was)
    ckan(ini, "search-index", "rebuild", "--quiet")
    indexed, in_db = index_equals_database(search, model.Session)
    assert indexed == in_db
    assert len(in_db) == TOTAL + 1  # and the harvest source
