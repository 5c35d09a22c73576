"""The gather / fetch / import cycle every migration harvester shares.

A harvester subclass only knows its source: ``gather_records`` lists what the source
has (one request where the source allows it), ``fetch_record`` optionally reads more
about one record, and ``to_record`` turns it into a ``SourceRecord``. This class makes
the harvest trustworthy: no duplicates on re-runs, unchanged records skipped, datasets
gone upstream withdrawn (private, kept, marked) rather than deleted, one bad record
reported without stopping the job, and nothing written for a record that fails.
"""
from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import logging
import time
import uuid

import ckan.plugins.toolkit as tk
import pysolr
import sqlalchemy as sa
from ckan import logic, model
from ckan.lib.search import SearchIndexError
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.model import HarvestObject, HarvestObjectError, HarvestObjectExtra

from ckanext.migration import tabular
from ckanext.migration.harvesting import batch, config_keys, doctor, mapping, twins
from ckanext.migration.harvesting.http import FetchError

log = logging.getLogger(__name__)

STATUS_KEY = "status"


class RecordError(ValueError):
    """A record the source published cannot be mapped (said in the job's report)."""


class MigrationHarvester(HarvesterBase):
    """Base class: subclasses set NAME, TITLE, DESCRIPTION and implement the hooks."""

    NAME = TITLE = DESCRIPTION = ""
    CONFIG_KEYS = ("defaults",)

    # -- what a subclass implements ---------------------------------------------------
    def gather_records(self, url: str, config: dict):
        """Iterable of (guid, payload dict) for every record the source has now."""
        raise NotImplementedError

    def fetch_record(self, payload: dict, config: dict):
        """More about one record (a new payload), or None when gather said it all."""
        return None

    def to_record(self, payload: dict, config: dict) -> mapping.SourceRecord:
        raise NotImplementedError

    # -- IHarvester ----------------------------------------------------------------------
    def info(self):
        return {"name": self.NAME, "title": self.TITLE, "description": self.DESCRIPTION}

    def validate_config(self, config):
        parsed = self._parse_config(config)
        allowed = tuple(self.CONFIG_KEYS) + (doctor.SOURCE_KEY,)
        unknown = set(parsed) - set(allowed)
        if unknown:
            raise ValueError("unknown configuration keys %s; allowed: %s"
                             % (sorted(unknown), ", ".join(allowed)))
        doctor.source_hours(parsed)  # a bad job limit is refused here, naming the key
        if not isinstance(parsed.get("defaults", {}), dict):
            raise ValueError("'defaults' must be an object of schema fields")
        if type(self).validate_config is MigrationHarvester.validate_config:
            config_keys.check(parsed)  # else after the subclass's own checks (below)
        return config

    def __init_subclass__(cls, **kwargs):
        """A subclass's validate_config is followed by the check of every key's type
        (config_keys.yaml): its own, more specific messages come first."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("validate_config")
        if own is None:
            return

        @functools.wraps(own)
        def validate_config(self, config):
            config = own(self, config)
            config_keys.check(self._parse_config(config))
            return config
        cls.validate_config = validate_config

    @staticmethod
    def _parse_config(config) -> dict:
        if not config:
            return {}
        if isinstance(config, dict):
            return config
        try:
            parsed = json.loads(config)
        except ValueError as e:
            raise ValueError("configuration is not valid JSON: %s" % e)
        if not isinstance(parsed, dict):
            raise ValueError("configuration must be a JSON object")
        return parsed

    # -- a dry run ("test this source"): gather only, nothing written -------------------
    def probe_url(self, url: str, config: dict) -> str:
        """The address gather reads first (told when it does not answer as expected)."""
        return url

    def preview(self, url: str, config, limit: int = 5) -> dict:
        """The first ``limit`` records a harvest of ``url`` would import, read and mapped
        as the import would, with nothing written (no harvest objects, no datasets).
        Bad configuration: ValueError; a source that cannot be read: the gather's error."""
        parsed = self._parse_config(self.validate_config(config))
        gathered = list(itertools.islice(iter(self.gather_records(url, parsed)), limit + 1))
        records = []
        for guid, payload in gathered[:limit]:
            try:
                richer = self.fetch_record(payload, parsed)
                record = self.to_record(richer if richer is not None else payload, parsed)
                package = mapping.to_package(record, parsed.get("defaults") or {})
            except Exception as e:  # one record's error, as the job would report it
                records.append({"guid": str(guid), "error": _describe(e, self.NAME)})
                continue
            coverage = (package.get("temporal_coverage") or [{}])[0]
            records.append({
                "guid": str(guid), "name": package["name"], "title": package["title"],
                "countries": package.get("countries") or [],
                "period": {"start": coverage.get("start") or "",
                           "end": coverage.get("end") or ""},
                "frequency": package.get("frequency") or "",
                "gcm_objectives": package.get("gcm_objectives") or [],
                "topics": package.get("topics") or [],
                "resources": len(package.get("resources") or [])})
        return {"records": records, "more": len(gathered) > limit}

    def gather_stage(self, harvest_job):
        config = self._parse_config(harvest_job.source.config)
        try:
            records = {}
            for guid, payload in self.gather_records(harvest_job.source.url, config):
                records.setdefault(str(guid), payload)
        except Exception as e:  # reported in the job, never a crashed gather consumer
            self._save_gather_error("%s: %s" % (self.TITLE, _describe(e, self.NAME)),
                                    harvest_job)
            return None
        previous = {obj.guid: obj for obj in model.Session.query(HarvestObject)
                    .filter(HarvestObject.harvest_source_id == harvest_job.source.id)
                    .filter(HarvestObject.current == True)}  # noqa: E712
        fetches = type(self).fetch_record is not MigrationHarvester.fetch_record
        live = set() if fetches else _live_packages(
            [b.package_id for b in previous.values() if b.package_id])
        now = dt.datetime.utcnow()
        queued = []
        for guid, payload in records.items():
            before = previous.get(guid)
            content = json.dumps(payload)
            if before is None:
                status = "new"
            elif before.content == content and not fetches:
                # what gather read is all there is and it did not change: nothing to import
                status = "unchanged"
            else:
                status = "change"
            obj = self._new_object(harvest_job, guid, status, content,
                                   before.package_id if before else None)
            if status == "unchanged" and before.package_id in live:
                # done here, all in one commit: no queue message, no per-object commits
                before.current = False
                obj.current = True
                obj.state, obj.report_status = "COMPLETE", "not modified"
                obj.fetch_started = obj.fetch_finished = now
                obj.import_started = obj.import_finished = now
                continue
            queued.append(obj)
        for guid, before in previous.items():
            if guid not in records:
                queued.append(self._new_object(harvest_job, guid, "delete", None,
                                               before.package_id))
        model.Session.commit()
        return [obj.id for obj in queued]

    @staticmethod
    def _new_object(job, guid, status, content, package_id):
        obj = HarvestObject(guid=guid, job=job, content=content, package_id=package_id,
                            extras=[HarvestObjectExtra(key=STATUS_KEY, value=status)])
        model.Session.add(obj)
        return obj

    @staticmethod
    def _status(obj) -> str:
        for extra in obj.extras:
            if extra.key == STATUS_KEY:
                return extra.value
        return "new"

    def fetch_stage(self, harvest_object):
        if batch.outcome(harvest_object) is not None:
            # imported with another object of the job (import_stage says how): read what
            # that batch committed, or ckanext-harvest reports it from what this consumer
            # loaded before (not current: "deleted")
            model.Session.refresh(harvest_object)
            return True
        status = self._status(harvest_object)
        if status == "delete":
            return True
        if status == "unchanged":
            previous = self._previous(harvest_object)
            if previous is not None and previous.package_id and \
                    not _is_withdrawn(previous.package_id):
                self._make_current(harvest_object, previous, previous.package_id)
                return "unchanged"
        config = self._parse_config(harvest_object.source.config)
        try:
            payload = json.loads(harvest_object.content)
            richer = self.fetch_record(payload, config)
        except Exception as e:  # this record's error: the other records go on
            self._save_object_error("%s: %s" % (harvest_object.guid, _describe(e, self.NAME)),
                                    harvest_object, "Fetch")
            return False
        if richer is not None:
            harvest_object.content = json.dumps(richer)
            harvest_object.save()
        return True

    def import_stage(self, harvest_object):
        done = batch.outcome(harvest_object)
        if done is not None:  # imported with another object of the job
            return done
        status = self._status(harvest_object)
        if status == "delete":
            context = {"user": self._get_user_name(), "ignore_auth": True}
            return self._withdraw(harvest_object, self._previous(harvest_object), context)
        objects = [harvest_object]
        if status == "new" and type(self).fetch_record is MigrationHarvester.fetch_record:
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
                    obj.guid, _describe(e, self.NAME))
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
                if obj is not first and obj.id in results:
                    batch.record(obj, results[obj.id])
            model.Session.commit()
        except SearchIndexError as e:
            # nothing of the batch was saved: said on the object in hand instead of
            # crashing the fetch consumer, which would leave the job running for ever
            model.Session.rollback()
            self._save_object_error(_index_error(guid, e), first, "Import")
            _index_as_saved([package_id for _, package_id in imported])
            return {first.id: False}
        except sa.exc.OperationalError as e:
            # the database went away (restarted, network) before the commit: nothing of
            # the batch was saved
            model.Session.rollback()
            self._save_error_when_back(_database_error(guid, e), first, e)
            _index_as_saved([package_id for _, package_id in imported])
            return {first.id: False}
        # the objects that came along are done: their queue messages are not needed
        doctor.unqueue(object_ids=[o.id for o in objects if o is not first and o.id in results])
        saved = {resource["id"] for package_id in package_ids
                 for resource in shown[package_id].get("resources") or []}
        tabular.queue_preflights([i for i in preflights if i in saved])
        datasets = [shown[package_id] for package_id in package_ids]
        user = {"user": context["user"], "ignore_auth": True}
        for dataset, found in zip(datasets, twins.find_many(datasets, user)
                                  if datasets else []):
            twins.link(dataset, user, twins=found)
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
            package["id"] = str(uuid.uuid4())
            try:
                with batch.savepoint():
                    # the action without its "succeeded" signal: the activity it would
                    # record reads the dataset back once more; written in _import from
                    # the read the index needs anyway
                    package_id = tk.get_action("package_create").__wrapped__(
                        dict(context), package)
                    held.append(model.Package.get(package_id))
                    self._set_current(obj, before, package_id)
                    model.Session.flush()
            except tk.ValidationError as e:
                errors[obj.id] = "%s: the mapped dataset does not validate: %s" % (
                    obj.guid, _errors(e.error_dict))
                continue
            except (sa.exc.IntegrityError, sa.exc.DataError) as e:
                errors[obj.id] = _database_error(obj.guid, e)  # this record only
                continue
            imported.append((obj, package_id))
            results[obj.id] = True
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
                                    % (guid, _errors(e.error_dict)),
                                    harvest_object, "Import")
            return False
        except SearchIndexError as e:
            model.Session.rollback()
            self._save_object_error(_index_error(guid, e), harvest_object, "Import")
            return False
        except sa.exc.OperationalError as e:
            model.Session.rollback()
            self._save_error_when_back(_database_error(guid, e), harvest_object, e)
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

    # -- helpers ------------------------------------------------------------------------
    @staticmethod
    def _previous(harvest_object):
        return model.Session.query(HarvestObject) \
            .filter(HarvestObject.harvest_source_id == harvest_object.harvest_source_id) \
            .filter(HarvestObject.guid == harvest_object.guid) \
            .filter(HarvestObject.current == True) \
            .filter(HarvestObject.id != harvest_object.id).first()  # noqa: E712

    @staticmethod
    def _make_current(harvest_object, previous, package_id):
        if previous is not None:
            previous.current = False
            previous.save()
        harvest_object.package_id = package_id
        harvest_object.current = True
        harvest_object.save()

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


def _live_packages(package_ids) -> set:
    """The ids among ``package_ids`` of datasets active and not withdrawn."""
    if not package_ids:
        return set()
    return {package_id for package_id, extras in model.Session.query(
        model.Package.id, model.Package.extras)
        .filter(model.Package.id.in_(package_ids), model.Package.state == "active")
        if not (extras or {}).get("withdrawn_at")}


def _is_withdrawn(package_id) -> bool:
    package = model.Package.get(package_id)
    return package is None or package.state != "active" or bool(
        package.extras.get("withdrawn_at"))


def _describe(error: Exception, harvester: str) -> str:
    """The message of an error a harvester raises on purpose; else its type as well, and
    the traceback in the log (a KeyError or IndexError says little without them)."""
    if isinstance(error, (FetchError, RecordError, ValueError)):
        return str(error)
    log.error("%s: unexpected error", harvester, exc_info=error)
    return "%s: %s" % (type(error).__name__, error)


def _index_error(guid, error) -> str:
    url = tk.config.get("solr_url") or "(solr_url not set)"
    text = str(error)
    unreachable = any(m in text for m in ("Failed to connect", "timed out",
                                          "Connection refused", "Connection aborted"))
    what = ("the search service could not be reached at %s" % url if unreachable else
            "the search service at %s refused the dataset" % url)
    return ("%s: %s, so the dataset was not saved; it will be harvested again on the next "
            "run (%s)" % (guid, what, text))


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


def _database_error(guid, error) -> str:
    what = ("the connection to the database was lost" if error.connection_invalidated
            else "the database refused the change")
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return ("%s: %s, so the dataset was not saved; it will be harvested again on the next "
            "run (%s)" % (guid, what, reason))


def _errors(error_dict) -> str:
    parts = []
    for key, value in error_dict.items():
        parts.append("%s: %s" % (key, "; ".join(map(str, value))
                                 if isinstance(value, list) else value))
    return ", ".join(parts)
