"""IDMC Global Internal Displacement Database (GIDD), Helix external API.

One dataset per GIDD figure type: conflict and violence (``gidd/conflicts/``, country ×
year) and disasters (``gidd/disasters/``, one record per disaster event). Fetch reads
every page of the type, following the ``next`` links the API returns (Django REST
framework limit/offset paging), for the countries, years and last update.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from ckanext.migration.harvesting import http, safejson
from ckanext.migration.harvesting.base import MigrationHarvester, RecordError
from ckanext.migration.harvesting.mapping import SourceRecord

PLATFORM = "IDMC GIDD"
PAGE = "https://www.internal-displacement.org/database/displacement-data/"
PAGE_SIZE = 100
MAX_PAGES = 1000   # disasters: 22,119 events in 222 pages (May 2025)
PRODUCER = "Internal Displacement Monitoring Centre (IDMC)"
FIGURES = ("new_displacement", "total_displacement")
# GIDD figure type -> what its dataset is about; the texts carry the words the shared
# rules (harvest_registry/rules.yaml) map onto topics and GCM objectives
TYPES = {
    "conflicts": {
        "title": "IDMC Global Internal Displacement Database: internal displacement "
                 "by conflict and violence",
        "about": "Internally displaced persons (IDPs) by conflict and violence, per "
                 "country and year: new displacements during the year and the total "
                 "number of IDPs at its end."},
    "disasters": {
        "title": "IDMC Global Internal Displacement Database: internal displacement "
                 "by disasters",
        "about": "Internal displacements by disasters (floods, storms, earthquakes, "
                 "wildfires, droughts...), one record per disaster event and country: "
                 "new displacements and internally displaced persons (IDPs) at year end, "
                 "with the hazard's category and type."},
}


def parse_page(body: bytes, what: str) -> dict:
    """A GIDD answer page: ``{count, next, previous, results, last_updated}``."""
    try:
        page = safejson.loads(body.decode("utf-8-sig"), source=what)
    except ValueError as e:
        raise RecordError("%s is not JSON: %s" % (what, e))
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise RecordError("%s is not a GIDD API page (no results list)" % what)
    return page


class Summary:
    """Countries, years and counts of GIDD records, page after page."""

    def __init__(self):
        self.countries, self.years, self.hazards = set(), set(), set()
        self.records = self.with_figures = 0

    def add(self, rows: list):
        for row in rows:
            if not isinstance(row, dict):
                continue
            self.records += 1
            # a record without any figure (both null) says nothing of its country-year
            if all(row.get(k) is None for k in FIGURES):
                continue
            self.with_figures += 1
            if row.get("iso3"):
                self.countries.add(str(row["iso3"]).upper())
            if str(row.get("year") or "").isdigit():
                self.years.add(int(row["year"]))
            if row.get("hazard_type_name"):
                self.hazards.add(str(row["hazard_type_name"]))

    def as_dict(self) -> dict:
        return {"records": self.records, "with_figures": self.with_figures,
                "countries": sorted(self.countries), "hazards": sorted(self.hazards),
                "period": [str(min(self.years)), str(max(self.years))]
                if self.years else []}


class IDMCHarvester(MigrationHarvester):
    NAME = "migration_idmc"
    TITLE = "IDMC Global Internal Displacement Database (GIDD API)"
    DESCRIPTION = ("Internal displacement by conflict and by disasters, per country and "
                   "year, from IDMC's GIDD; one dataset per figure type")
    CONFIG_KEYS = ("defaults", "figure_types", "client_id")

    def validate_config(self, config):
        config = super().validate_config(config)
        parsed = self._parse_config(config)
        types = parsed.get("figure_types", list(TYPES))
        if not isinstance(types, list) or not types or not set(types) <= set(TYPES):
            raise ValueError("'figure_types' must be a non-empty list of %s"
                             % ", ".join(sorted(TYPES)))
        if not isinstance(parsed.get("client_id", ""), str):
            raise ValueError("'client_id' must be a string (IDMC's API client id)")
        return config

    def gather_records(self, url, config):
        base = url.rstrip("/")
        return [(kind, {"base": base, "type": kind})
                for kind in config.get("figure_types") or list(TYPES)]

    def fetch_record(self, payload, config):
        endpoint = "%s/gidd/%s/" % (payload["base"], payload["type"])
        params = {"format": "json", "limit": PAGE_SIZE}
        if config.get("client_id"):
            params["client_id"] = config["client_id"]
        summary, address, last_updated, pages = Summary(), endpoint, "", 0
        while address:
            pages += 1
            if pages > MAX_PAGES:
                raise RecordError("GIDD %s: more than %d pages" % (payload["type"], MAX_PAGES))
            page = parse_page(http.fetch(address, params=params),
                              "GIDD %s page %d" % (payload["type"], pages))
            summary.add(page["results"])
            last_updated = last_updated or str(page.get("last_updated") or "")
            address, params = page.get("next"), None   # the next link carries the query
            if address and not self._same_endpoint(address, endpoint):
                raise RecordError("GIDD %s: the next page %s is not on %s"
                                  % (payload["type"], address, endpoint))
        return dict(payload, data=dict(summary.as_dict(), last_updated=last_updated,
                                       pages=pages))

    @staticmethod
    def _same_endpoint(link: str, endpoint: str) -> bool:
        a, b = urlsplit(link), urlsplit(endpoint)
        return (a.scheme, a.netloc, a.path) == (b.scheme, b.netloc, b.path)

    def to_record(self, payload, config):
        kind, data = payload["type"], payload.get("data") or {}
        if not data.get("period"):
            raise RecordError("GIDD %s has no record with a displacement figure" % kind)
        about, period = TYPES[kind], data["period"]
        notes = "%s\n\n%s records with figures (of %s), %d countries and territories, " \
                "%s to %s; data as of %s." % (
                    about["about"], format(data["with_figures"], ","),
                    format(data["records"], ","), len(data["countries"]), period[0],
                    period[1], data.get("last_updated") or "unknown")
        if data.get("hazards"):
            notes += " Hazards: %s." % ", ".join(data["hazards"])
        api = "%s/gidd/%s/?format=json" % (payload["base"], kind)
        return SourceRecord(
            guid=kind, identifier="gidd-%s" % kind, source_platform=PLATFORM,
            title=about["title"], notes=notes, url=PAGE, producer=PRODUCER,
            keywords=["idmc", "gidd", "internal displacement", kind],
            countries=data["countries"], period_start=period[0], period_end=period[1],
            frequency="ANNUAL", modified=(data.get("last_updated") or "")[:10],
            resources=[{"url": api, "name": "GIDD %s (JSON, paged, IDMC client id needed)"
                        % kind, "format": "JSON", "raw_data": "true",
                        "description": "IDMC's Helix external API: %s records a page; "
                                       "add client_id=<your IDMC client id>." % PAGE_SIZE}],
            extra={"source_type": "ngo_monitoring", "population_covered": ["idps"],
                   "unit_of_observation": "persons", "geographic_granularity": "national"})
