import json

import pytest

from ckan import model
from ckanext.harvest.model import HarvestObject
from ckanext.harvest.tests.lib import run_harvest_job
from ckanext.harvest.tests.factories import HarvestJobObj, HarvestSourceObj

from ..conftest import fixture_bytes  # noqa: F401  (the harvesting tests import it from here)


def hdx_records() -> list:
    """The three recorded HDX datasets (one is a full action envelope)."""
    out = []
    for name in ("package_show_reliefweb-crisis-figures.json",
                 "package_show_result_unhcr-population-data-for-world.json",
                 "package_show_result_global-iom-dtm-from-api.json"):
        data = json.loads(fixture_bytes("hdx", name))
        out.append(data.get("result", data))
    return out


@pytest.fixture
def harvest_db(migration_db, clean_queues):
    """A clean database with harvest tables, empty index and queues."""


class Harvest:
    """Runs harvest jobs for one source, as the gather/fetch/import consumers would."""

    def __init__(self, harvester, url, config=None, org=None):
        from ckan.tests import factories
        self.harvester = harvester
        self.org = org or factories.Organization()
        self.source = HarvestSourceObj(url=url, config=json.dumps(config or {}),
                                       source_type=harvester.info()["name"],
                                       owner_org=self.org["id"])

    def run(self):
        job = HarvestJobObj(source=self.source, run=False)
        results = run_harvest_job(job, self.harvester)
        model.Session.remove()
        return job, results

    @staticmethod
    def errors(job):
        from ckanext.harvest.model import HarvestGatherError, HarvestObjectError
        out = [e.message for e in HarvestGatherError.filter(harvest_job_id=job.id)]
        out += [e.message for e in model.Session.query(HarvestObjectError).join(HarvestObject)
                .filter(HarvestObject.harvest_job_id == job.id)]
        return out

    @staticmethod
    def report(job):
        statuses = [o.report_status for o in model.Session.query(HarvestObject)
                    .filter(HarvestObject.harvest_job_id == job.id)]
        return {s: statuses.count(s) for s in set(statuses)}



def raw_data_resources(pkg: dict) -> list:
    """The raw-data resources of a dataset, after asserting they come first."""
    flags = [r.get("raw_data") == "true" for r in pkg["resources"]]
    assert flags and flags[0], "no raw-data resource first in %s" % pkg["name"]
    assert flags == sorted(flags, reverse=True), "raw data not listed first: %r" % flags
    return [r for r in pkg["resources"] if r.get("raw_data") == "true"]


def query_of(url: str) -> dict:
    """The query parameters of a URL, one value each."""
    from urllib.parse import parse_qsl, urlsplit
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
