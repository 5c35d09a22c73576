"""The import stage of every migration harvester (a mixin of ``base.MigrationHarvester``).

A new record whose source needs no fetch takes the next new records of its job along
(``batch.claim``): they are created in one transaction, each in its own savepoint, indexed
with one request and committed once. A record whose dataset exists is updated alone; a
record gone upstream is withdrawn (private, kept, marked). One bad record is one object
error; when the search service or the database fails, nothing of the batch is kept.
"""
from __future__ import annotations

import datetime as dt
import gc
import json
import logging
import time

import ckan.plugins.toolkit as tk
import pysolr
import sqlalchemy as sa
from ckan import logic, model
from ckan.lib.search import SearchError, SearchIndexError
from ckan.lib.search.common import SolrConnectionError
from ckanext.harvest.model import HarvestObject, HarvestObjectError

from ckanext.migration import tabular
from ckanext.migration.harvesting import batch, doctor, mapping, twins
from ckanext.migration.harvesting.errors import (database_error, describe, index_error,
                                                 validation_errors)

log = logging.getLogger(__name__)

# the harvest object's extra that says what gather found: new, change, unchanged, delete
STATUS_KEY = "status"


class ImportStage:
    """import_stage and what it needs; the harvester gives ``to_record``, ``NAME``,
    ``_fetches``, ``_status``, ``_previous``, ``_make_current`` and ckanext-harvest's
    ``_get_user_name`` and ``_save_object_error``."""

    def import_stage(self, harvest_object):
        _freeze_startup_heap()
        done = batch.outcome(harvest_object)
        if done is not None:  # imported with another object of the job
            return done
        status = self._status(harvest_object)
        if status == "delete":
            context = {"user": self._get_user_name(), "ignore_auth": True}
            return self._withdraw(harvest_object, self._previous(harvest_object), context)
        objects = [harvest_object]
        if status == "new" and not self._fetches():
            # nothing to fetch: the next new records of the job can come along
            objects += batch.claim(harvest_object, STATUS_KEY, batch.size() - 1)
        return self._import(objects)[harvest_object.id]

    def _import(self, objects) -> dict:
        """Import the records of ``objects`` (of one job; the first is the one in hand) in
        one transaction, each new dataset in its own savepoint, indexed before the one
        commit; {object id: import_stage's result}. When the search service or the
        database fails the batch, the object in hand carries the error and the others,
        written by nothing, wait for their own turn. A dataset to update goes alone
        (package_update commits itself): the object in hand now, the others on their
        own turn."""
        user_name = self._get_user_name()
        # the user object once for the batch: each action's access check would look it up
        context = {"user": user_name, "ignore_auth": True,
                   "auth_user_obj": model.User.get(user_name),
                   "defer_commit": True, "return_id_only": True}
        first = objects[0]
        config = self._parse_config(first.source.config)
        defaults = config.get("defaults") or {}
        previous = self._previous_of(objects)
        results, errors, prepared = {}, {}, []
        for obj in objects:
            try:
                record = self.to_record(json.loads(obj.content), config)
                prepared.append((obj, mapping.to_package(record, defaults)))
            except Exception as e:  # this record's error: the other records go on
                errors[obj.id] = "%s: cannot map the record: %s" % (
                    obj.guid, describe(e, self.NAME))
        guid = first.guid  # read now: after a rollback it is read from the database
        imported = []  # (object, package id)
        held = []  # loaded objects the batch's steps share (see _create_all)
        try:
            with tabular.preflights_held() as preflights:  # queued once committed
                update = self._create_all(first, prepared, previous, context, results,
                                          errors, imported, held)
            if update is not None:  # the object in hand updates a dataset: alone
                model.Session.rollback()  # the others are let go: their own turn
                return {first.id: self._update(first, *update)}
            package_ids = [package_id for _, package_id in imported]
            shown = self._index(package_ids, context)
            batch.record_activities([(i, batch.with_harvest_extras(shown[i], obj))
                                     for obj, i in imported], context)
            for obj in objects:
                if obj.id in errors:
                    self._add_object_error(errors[obj.id], obj)
                    results[obj.id] = False
                if obj.id in results:
                    batch.record(obj, results[obj.id], in_hand=obj is first)
            model.Session.commit()
        except SearchIndexError as e:
            # nothing of the batch was saved: said on the object in hand instead of
            # crashing the fetch consumer, which would leave the job running for ever
            model.Session.rollback()
            self._save_object_error(index_error(guid, e), first, "Import")
            _index_as_saved([package_id for _, package_id in imported])
            return {first.id: False}
        except sa.exc.OperationalError as e:
            # the database went away (restarted, network) before the commit: nothing of
            # the batch was saved
            model.Session.rollback()
            self._save_error_when_back(database_error(guid, e), first, e)
            _index_as_saved([package_id for _, package_id in imported])
            return {first.id: False}
        # the objects that came along are done: their queue messages are not needed
        doctor.unqueue(object_ids=[o.id for o in objects if o is not first and o.id in results])
        saved = {resource["id"] for package_id in package_ids
                 for resource in shown[package_id].get("resources") or []}
        tabular.queue_preflights([i for i in preflights if i in saved])
        datasets = [shown[package_id] for package_id in package_ids]
        user = {"user": context["user"], "ignore_auth": True}
        try:
            for dataset, found in zip(datasets, twins.find_many(datasets, user)
                                      if datasets else []):
                twins.link(dataset, user, twins=found)
        except (SearchError, SearchIndexError, SolrConnectionError) as e:
            # the batch is committed: a search service that died since must not stop the
            # consumer (the job would never finish); the twins are left unlinked
            log.warning("twins of %d harvested datasets not linked: %s", len(datasets), e)
        return results

    def _create_all(self, first, prepared, previous, context, results, errors, imported,
                    held):
        """package_create of each new record in its savepoint (see _import); returns the
        update the object in hand needs instead, if it does. ``held`` keeps the new
        datasets: the session holds what it loaded weakly, and each later step of the
        batch (read-back, index, activity) would load them from the database again."""
        existing = self._existing_of(prepared, previous)
        owner_org = None
        for obj, package in prepared:
            before, pkg = previous.get(obj.guid), existing.get(obj.id)
            if pkg is not None and before is not None and before.content == obj.content \
                    and not (pkg.extras or {}).get("withdrawn_at"):
                self._set_current(obj, before, pkg.id)
                results[obj.id] = "unchanged"
                continue
            if pkg is not None:
                if obj is first:
                    return before, pkg, package
                continue
            if owner_org is None:
                owner_org = self._owner_org(first)
            package["owner_org"] = package.get("owner_org") or owner_org
            try:
                with batch.savepoint():
                    # the action without its "succeeded" signal: the activity it would
                    # record reads the dataset back once more; written in _import from
                    # the read the index needs anyway
                    package_id = tk.get_action("package_create").__wrapped__(
                        dict(context), package)
                    held.append(model.Package.get(package_id))
                    model.Session.flush()
            except tk.ValidationError as e:
                errors[obj.id] = "%s: the mapped dataset does not validate: %s" % (
                    obj.guid, validation_errors(e.error_dict))
                continue
            except (sa.exc.IntegrityError, sa.exc.DataError) as e:
                errors[obj.id] = database_error(obj.guid, e)  # this record only
                continue
            imported.append((obj, package_id))
            results[obj.id] = True
        # after the loop, the objects' rows in one statement, not one each inside the
        # savepoints; flushed before indexing, whose harvest extras read them
        for obj, package_id in imported:
            self._set_current(obj, previous.get(obj.guid), package_id)
        model.Session.flush()
        return None

    def _update(self, harvest_object, previous, pkg, package):
        """package_update of one dataset, its own transaction and index commit."""
        context = {"user": self._get_user_name(), "ignore_auth": True}
        guid = harvest_object.guid
        package.update(id=pkg.id, name=pkg.name, owner_org=pkg.owner_org, private=False,
                       withdrawn_at="")
        try:
            result = tk.get_action("package_update")(dict(context), package)
        except tk.ValidationError as e:
            self._save_object_error("%s: the mapped dataset does not validate: %s"
                                    % (guid, validation_errors(e.error_dict)),
                                    harvest_object, "Import")
            return False
        except SearchIndexError as e:
            model.Session.rollback()
            self._save_object_error(index_error(guid, e), harvest_object, "Import")
            return False
        except sa.exc.OperationalError as e:
            model.Session.rollback()
            self._save_error_when_back(database_error(guid, e), harvest_object, e)
            _index_as_saved([package["id"]])
            return False
        self._make_current(harvest_object, previous, result["id"])
        twins.link(result, context)
        return True

    def _index(self, package_ids, context) -> dict:
        """Index the datasets of a batch and commit the index once, before the database
        commits (as CKAN does for one dataset); {id: the dataset as package_show says}."""
        from ckan.lib import search
        index = search.index_for(model.Package)
        shown = {}
        try:
            with batch.one_index_request():
                for package_id in package_ids:
                    default, custom = logic.package_show_default_and_custom_schemas(
                        dict(context), package_id)
                    index.update_dict(dict(default, with_custom_schema=custom),
                                      defer_commit=True)
                    shown[package_id] = custom
        except (pysolr.SolrError, OSError) as e:  # the batch's one request refused
            raise SearchIndexError(e)
        return shown

    @staticmethod
    def _add_object_error(message, harvest_object):
        """An import error in the batch's transaction (committed with it)."""
        model.Session.add(HarvestObjectError(message=message, object=harvest_object,
                                             stage="Import"))

    @staticmethod
    def _previous_of(objects) -> dict:
        """{guid: the source's current object} for the guids of ``objects``."""
        first = objects[0]
        ids = [o.id for o in objects]
        return {o.guid: o for o in model.Session.query(HarvestObject)
                .filter(HarvestObject.harvest_source_id == first.harvest_source_id)
                .filter(HarvestObject.guid.in_([o.guid for o in objects]))
                .filter(HarvestObject.current == True)  # noqa: E712
                .filter(HarvestObject.id.notin_(ids))}

    @staticmethod
    def _existing_of(prepared, previous) -> dict:
        """{object id: the dataset a record was imported as before}: the one its previous
        object points at, else the one of its name."""
        refs = set()
        for obj, package in prepared:
            before = previous.get(obj.guid)
            if before is not None and before.package_id:
                refs.add(before.package_id)
            refs.add(package["name"])
        if not refs:
            return {}
        packages = model.Session.query(model.Package).filter(sa.or_(
            model.Package.id.in_(refs), model.Package.name.in_(refs))).all()
        by_id = {p.id: p for p in packages}
        by_name = {p.name: p for p in packages}
        out = {}
        for obj, package in prepared:
            before = previous.get(obj.guid)
            pkg = by_id.get(before.package_id) if before is not None and \
                before.package_id else None
            pkg = pkg or by_name.get(package["name"])
            if pkg is not None:
                out[obj.id] = pkg
        return out

    @staticmethod
    def _set_current(harvest_object, previous, package_id):
        """_make_current within the batch's transaction."""
        if previous is not None:
            previous.current = False
        harvest_object.package_id = package_id
        harvest_object.current = True

    def _save_error_when_back(self, message, harvest_object, error, wait=30.0):
        """Save the object's error once the database answers again (a restart takes a
        few seconds); if it does not within ``wait`` seconds, the original error is raised
        (the consumer stops; the harvest doctor closes the job)."""
        deadline = time.monotonic() + wait
        while True:
            try:
                self._save_object_error(message, harvest_object, "Import")
                return
            except sa.exc.OperationalError:
                model.Session.rollback()
                if time.monotonic() > deadline:
                    raise error
                time.sleep(1)

    def _withdraw(self, harvest_object, previous, context):
        """Gone upstream: hide the dataset, keep it, and say when it was withdrawn."""
        if previous is None or not previous.package_id:
            return "unchanged"
        try:
            tk.get_action("package_patch")(dict(context), {
                "id": previous.package_id, "private": True,
                "withdrawn_at": dt.date.today().isoformat()})
        except (tk.ObjectNotFound, tk.ValidationError) as e:
            self._save_object_error("%s: could not withdraw dataset %s: %s"
                                    % (harvest_object.guid, previous.package_id, e),
                                    harvest_object, "Import")
            return False
        previous.current = False
        previous.save()
        harvest_object.package_id = previous.package_id
        harvest_object.current = False
        harvest_object.save()
        return True

    @staticmethod
    def _owner_org(harvest_object):
        source = model.Package.get(harvest_object.source.id)
        return source.owner_org if source is not None else None


_heap_frozen = False


def _freeze_startup_heap():
    """Once a process: what is alive when it first imports (CKAN's plugins, schemas,
    mappers, caches: the bulk of a consumer's heap) is put out of the cyclic garbage
    collector's reach, which otherwise walks it all again on every full collection: 1.2 s
    of each 1,000 datasets a fetch consumer imports, 0.5 s once frozen."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()  # cycles already garbage are freed, not kept for ever
        gc.freeze()


def _index_as_saved(package_ids):
    """The index is written before the COMMIT: when the commit failed, the index may hold
    datasets (or versions of them) the database does not. Put the index back to what the
    database holds."""
    from ckan.lib import search
    for package_id in package_ids:
        try:
            if model.Package.get(package_id) is None:
                search.index_for(model.Package).delete_package({"id": package_id})
            else:
                search.rebuild(package_id)
        except Exception:  # `ckan search-index rebuild` mends it; the import error is said
            log.exception("could not put the index of dataset %s back after a failed "
                          "commit", package_id)
