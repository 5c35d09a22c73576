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
import sqlalchemy as sa
from ckan import model
from ckan.lib.search import SearchIndexError
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra

from ckanext.migration.harvesting import config_keys, doctor, mapping, twins
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
        ids = []
        for guid, payload in records.items():
            before = previous.get(guid)
            content = json.dumps(payload)
            if before is None:
                status = "new"
            elif before.content == content and type(self).fetch_record is \
                    MigrationHarvester.fetch_record:
                # what gather read is all there is and it did not change: nothing to import
                status = "unchanged"
            else:
                status = "change"
            ids.append(self._new_object(harvest_job, guid, status, content,
                                        before.package_id if before else None))
        for guid, before in previous.items():
            if guid not in records:
                ids.append(self._new_object(harvest_job, guid, "delete", None,
                                            before.package_id))
        return ids

    @staticmethod
    def _new_object(job, guid, status, content, package_id):
        obj = HarvestObject(guid=guid, job=job, content=content, package_id=package_id,
                            extras=[HarvestObjectExtra(key=STATUS_KEY, value=status)])
        obj.save()
        return obj.id

    @staticmethod
    def _status(obj) -> str:
        for extra in obj.extras:
            if extra.key == STATUS_KEY:
                return extra.value
        return "new"

    def fetch_stage(self, harvest_object):
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
        context = {"user": self._get_user_name(), "ignore_auth": True}
        previous = self._previous(harvest_object)
        if self._status(harvest_object) == "delete":
            return self._withdraw(harvest_object, previous, context)
        config = self._parse_config(harvest_object.source.config)
        try:
            record = self.to_record(json.loads(harvest_object.content), config)
            package = mapping.to_package(record, config.get("defaults") or {})
        except Exception as e:  # this record's error: the other records go on
            self._save_object_error("%s: cannot map the record: %s"
                                    % (harvest_object.guid, _describe(e, self.NAME)),
                                    harvest_object, "Import")
            return False
        guid = harvest_object.guid  # read now: after a rollback it is read from the database
        existing = self._existing(previous, package["name"], context)
        if previous is not None and existing is not None \
                and previous.content == harvest_object.content \
                and not existing.get("withdrawn_at"):
            self._make_current(harvest_object, previous, existing["id"])
            return "unchanged"
        try:
            if existing is None:
                package["owner_org"] = package.get("owner_org") or \
                    self._owner_org(harvest_object)
                result = self._create(harvest_object, previous, package, context)
            else:
                package.update(id=existing["id"], name=existing["name"],
                               owner_org=existing.get("owner_org"), private=False,
                               withdrawn_at="")
                result = tk.get_action("package_update")(dict(context), package)
        except tk.ValidationError as e:
            self._save_object_error("%s: the mapped dataset does not validate: %s"
                                    % (harvest_object.guid, _errors(e.error_dict)),
                                    harvest_object, "Import")
            return False
        except SearchIndexError as e:
            # CKAN indexes before it commits: the dataset (or its change) was not saved.
            # Said on the object instead of crashing the fetch consumer, which would leave
            # the job running for ever.
            model.Session.rollback()
            self._save_object_error(_index_error(guid, e), harvest_object, "Import")
            return False
        except sa.exc.OperationalError as e:
            # the database went away (restarted, network) before the commit: nothing of
            # the dataset was saved
            model.Session.rollback()
            self._save_error_when_back(_database_error(guid, e), harvest_object, e)
            _index_as_saved(package.get("id"))
            return False
        self._make_current(harvest_object, previous, result["id"])
        twins.link(result, context)
        return True

    def _create(self, harvest_object, previous, package, context):
        """package_create with the harvest object already current for the new id, so the
        one index write carries ckanext-harvest's harvest_source_id (the dashboard's
        facet); the foreign key is checked at commit, as ckanext-harvest itself does."""
        package["id"] = str(uuid.uuid4())
        if previous is not None:
            previous.current = False
            previous.add()
        harvest_object.package_id = package["id"]
        harvest_object.current = True
        harvest_object.add()
        model.Session.execute(
            sa.text("SET CONSTRAINTS harvest_object_package_id_fkey DEFERRED"))
        model.Session.flush()
        try:
            return tk.get_action("package_create")(dict(context), package)
        except Exception:
            # e.g. the search service down: no harvest object may point at no dataset
            model.Session.rollback()
            raise

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
    def _existing(previous, name, context):
        for ref in ([previous.package_id] if previous is not None and previous.package_id
                    else []) + [name]:
            if model.Package.get(ref) is None:  # cheap check before the full show
                continue
            try:
                return tk.get_action("package_show")(dict(context), {"id": ref})
            except tk.ObjectNotFound:
                continue
        return None

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


def _index_as_saved(package_id):
    """CKAN writes the index before its COMMIT: when the commit failed, the index may hold
    a dataset (or a version of it) the database does not. Put the index back to what the
    database holds."""
    if not package_id:
        return
    from ckan.lib import search
    try:
        if model.Package.get(package_id) is None:
            search.index_for(model.Package).delete_package({"id": package_id})
        else:
            search.rebuild(package_id)
    except Exception:  # `ckan search-index rebuild` mends it; the import error is said
        log.exception("could not put the index of dataset %s back after a failed commit",
                      package_id)


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
