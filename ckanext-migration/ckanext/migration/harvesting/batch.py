"""Importing several harvest objects of one job together.

ckanext-harvest hands the import stage one object at a time. For a harvester whose gather
read everything (no fetch), the import of one object takes the next objects of the same
job waiting in the queue along (``claim``): they are written in the same transaction, each
in its own savepoint, indexed together and committed once. Each gets its own outcome,
states and report status in that transaction (``record``) and its queue message is taken
off; a consumer that had already taken the message finds the outcome (``OUTCOME_KEY``)
and returns it. The job's counts and states are what one-by-one imports would give.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading

import sqlalchemy as sa
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra

log = logging.getLogger(__name__)

OUTCOME_KEY = "batch_outcome"
# what import_stage returns for each recorded outcome
OUTCOMES = {"imported": True, "unchanged": "unchanged", "error": False}


def size() -> int:
    return max(1, int(tk.config.get("ckanext.migration.harvest.import_batch") or 1))


def claim(harvest_object, status_key: str, limit: int) -> list:
    """Up to ``limit`` other objects of the same job still waiting for their new record
    to be imported, locked until the transaction ends. SKIP LOCKED: two
    consumers never take the same object; one that dies leaves them waiting for their own
    queue messages. Taken from the end of the job: the queue hands out messages from its
    start, so another consumer's next object is not one this batch holds (it would wait
    for this batch's commit to mark its object taken). Near the end of the job, see
    :func:`fair_share`."""
    if limit <= 0:
        return []
    waiting = _waiting(harvest_object, status_key)
    return (waiting.order_by(HarvestObject.gathered.desc(), HarvestObject.id.desc())
            # record() appends to their extras: one query for all, not one each
            .options(sa.orm.selectinload(HarvestObject.extras))
            .limit(fair_share(waiting, limit))
            .with_for_update(skip_locked=True, of=HarvestObject)
            .all())


def fair_share(waiting, limit: int) -> int:
    """How many of the ``waiting`` objects a batch takes: ``limit`` while there are many;
    near the end of the job, half of those no other batch holds (at least one), so that
    the consumers finish together instead of one importing a whole batch while the
    others have nothing left to do."""
    if waiting.order_by(None).count() > 4 * limit:  # no lock: counts others' batches too
        return limit
    # the objects other batches hold are locked: count the others by locking them in a
    # savepoint whose rollback releases them at once
    savepoint = model.Session.begin_nested()
    try:
        free = len(waiting.with_entities(HarvestObject.id)
                   .with_for_update(skip_locked=True, of=HarvestObject).all())
    finally:
        savepoint.rollback()
    return min(limit, max(1, (free + 1) // 2))


def _waiting(harvest_object, status_key: str):
    """The other objects of ``harvest_object``'s job that wait for a new record's
    import and that no batch has done yet."""
    status = sa.orm.aliased(HarvestObjectExtra)
    done = sa.orm.aliased(HarvestObjectExtra)
    return (model.Session.query(HarvestObject)
            .join(status, sa.and_(status.harvest_object_id == HarvestObject.id,
                                  status.key == status_key))
            .outerjoin(done, sa.and_(done.harvest_object_id == HarvestObject.id,
                                     done.key == OUTCOME_KEY))
            .filter(HarvestObject.harvest_job_id == harvest_object.harvest_job_id,
                    HarvestObject.state == "WAITING",
                    HarvestObject.id != harvest_object.id,
                    status.value == "new",
                    done.id.is_(None)))


def outcome(harvest_object):
    """What import_stage returns for an object a batch already imported, else None."""
    for extra in harvest_object.extras:
        if extra.key == OUTCOME_KEY:
            return OUTCOMES[extra.value]
    return None


def record(harvest_object, result, in_hand=False) -> None:
    """An object of the batch is done, in the batch's transaction: the bookkeeping
    ckanext-harvest's fetch_and_import_stages would write (states, times, report
    status; a batch only creates, so "added") and, for an object that came along, its
    outcome. The object in hand is recorded too, though fetch_and_import_stages writes
    it again after import_stage: a consumer killed between the two commits would leave
    a dataset imported and its object not done."""
    value = {True: "imported", "unchanged": "unchanged"}.get(result, "error")
    now = dt.datetime.utcnow()
    if not in_hand:
        harvest_object.extras.append(HarvestObjectExtra(key=OUTCOME_KEY, value=value))
        harvest_object.fetch_started = harvest_object.fetch_finished = now
        harvest_object.import_started = now
    harvest_object.import_finished = now
    harvest_object.state = "ERROR" if value == "error" else "COMPLETE"
    harvest_object.report_status = {"imported": "added", "unchanged": "not modified",
                                    "error": "errored"}[value]


@contextlib.contextmanager
def one_index_request():
    """Within this block (and this thread), the documents CKAN's indexing builds are
    collected instead of sent one request each; at its end they go in one request and
    one commit. Yields nothing; raises what the search service's answer raises."""
    from ckan.lib.search import index as search_index
    from ckan.lib.search.common import make_connection
    docs, thread = [], threading.get_ident()

    class Collector:
        url = "(collected)"

        @staticmethod
        def add(docs=(), commit=False, **kwargs):
            collected.extend(docs)

    collected = docs

    def connection():
        return Collector() if threading.get_ident() == thread else make_connection()
    search_index.make_connection = connection
    try:
        yield
    finally:
        search_index.make_connection = make_connection
    if docs:
        conn = make_connection()
        conn.add(docs=docs, commit=False)
        conn.commit(waitSearcher=True)


@contextlib.contextmanager
def savepoint():
    """A record's savepoint. package_create answers a validation error with
    Session.rollback(), which would undo the whole batch: within this block (and this
    thread) that rollback undoes the record's savepoint only. When the database refuses
    the record's rows, the savepoint is rolled back and the batch goes on."""
    session = model.Session
    nested = session.begin_nested()
    thread = threading.get_ident()
    whole = session.rollback

    def still_open():
        # a failed flush leaves the savepoint inactive but open: it must still be rolled
        # back, or the session refuses every later statement of the batch
        return session().get_nested_transaction() is nested

    def rollback():
        if threading.get_ident() == thread and still_open():
            nested.rollback()
        else:
            whole()
    session.rollback = rollback
    try:
        yield nested
    except BaseException:
        if still_open():
            try:
                nested.rollback()
            except Exception:  # the connection lost: the caller handles the first error
                log.debug("savepoint rollback failed", exc_info=True)
        raise
    else:
        nested.commit()
    finally:
        del session.rollback


def with_harvest_extras(dataset: dict, harvest_object) -> dict:
    """A copy of ``dataset`` as package_show reads it back from the index: with the
    harvest extras ckanext-harvest's before_dataset_index adds (what the activity of a
    package_create stores)."""
    out = json.loads(json.dumps(dataset))
    for key, value in (("harvest_object_id", harvest_object.id),
                       ("harvest_source_id", harvest_object.source.id),
                       ("harvest_source_title", harvest_object.source.title)):
        if key in out:
            out[key] = value
            continue
        extras = out.setdefault("extras", []) or []
        out["extras"] = extras
        for extra in extras:
            if extra.get("key") == key:
                extra["value"] = value
                break
        else:
            extras.append({"key": key, "value": value})
    return out


def record_activities(datasets, context) -> None:
    """The "new package" activities of [(id, dataset as package_show says)], as
    ckanext-activity's activity_create records them after package_create (same data,
    same labels), in the batch's transaction. Saved with ckanext-activity's own
    activity_dict_save: what activity_create's validation would check (the user and the
    dataset exist, the type is known) holds here, and it costs two queries a dataset."""
    if not datasets or not p.plugin_loaded("activity") or \
            not tk.config.get("ckan.activity_streams_enabled"):
        return
    from ckan.lib.plugins import get_permission_labels
    from ckanext.activity.model import activity_dict_save
    user = context.get("auth_user_obj") or model.User.get(context["user"])
    labels = get_permission_labels()
    for package_id, dataset in datasets:
        activity_dict_save({
            "user_id": user.id, "object_id": package_id, "activity_type": "new package",
            "data": {"package": dataset, "actor": user.name},
            "permission_labels": labels.get_dataset_labels(model.Package.get(package_id))},
            {"session": model.Session})
