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

from ckan import model
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra

from ckanext.migration.harvesting import batch, config_keys, doctor, mapping
from ckanext.migration.harvesting.errors import RecordError, describe
from ckanext.migration.harvesting.importing import STATUS_KEY, ImportStage

__all__ = ["MigrationHarvester", "RecordError", "STATUS_KEY"]


class MigrationHarvester(ImportStage, HarvesterBase):
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
                records.append({"guid": str(guid), "error": describe(e, self.NAME)})
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
            self._save_gather_error("%s: %s" % (self.TITLE, describe(e, self.NAME)),
                                    harvest_job)
            return None
        previous = {obj.guid: obj for obj in model.Session.query(HarvestObject)
                    .filter(HarvestObject.harvest_source_id == harvest_job.source.id)
                    .filter(HarvestObject.current == True)}  # noqa: E712
        fetches = self._fetches()
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

    def _fetches(self) -> bool:
        """Whether this harvester reads more about a record than gather did."""
        return type(self).fetch_record is not MigrationHarvester.fetch_record

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
            self._save_object_error("%s: %s" % (harvest_object.guid, describe(e, self.NAME)),
                                    harvest_object, "Fetch")
            return False
        if richer is not None:
            harvest_object.content = json.dumps(richer)
            harvest_object.save()
        return True

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


