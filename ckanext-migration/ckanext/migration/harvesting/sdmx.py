"""SDMX REST providers (Eurostat, OECD, ILO, UNICEF, UNSD...), one code path for all.

Gather reads the dataflows (one request per configured id, or the agency's listing
filtered by prefix); fetch reads each dataflow's structure (``references=descendants``,
``detail=referencepartial`` so that codelists hold the codes the dataflow uses) for its
countries, dimensions and frequency. Every response is fetched with ``http.fetch`` and
parsed with sdmx1's reader; sdmx1 never does its own HTTP here.
"""
from __future__ import annotations

import io
import re

import sdmx

from ckanext.migration.harvesting import eurostat, http, periods, safejson, safexml
from ckanext.migration.harvesting.base import MigrationHarvester, RecordError
from ckanext.migration.harvesting.mapping import SourceRecord

ACCEPT = {"Accept": "application/vnd.sdmx.structure+xml;version=2.1, application/xml;q=0.9"}
STRUCTURE_PARAMS = "references=descendants&detail=referencepartial"
ANNOTATIONS = ("UPDATE_DATA", "OBS_PERIOD_OVERALL_OLDEST", "OBS_PERIOD_OVERALL_LATEST",
               "SOURCE_INSTITUTIONS", "ESMS_HTML")
GEO_DIMENSIONS = {"GEO", "REF_AREA", "COUNTRY", "AREA"}
FREQ_DIMENSIONS = {"FREQ", "FREQUENCY"}
MEASURE_DIMENSIONS = {"MEASURE", "INDICATOR"}
# dimension, concept or codelist id (without CL_) -> disaggregation vocabulary code
DISAGGREGATION = {
    "SEX": "sex", "AGE": "age",
    "CITIZEN": "citizenship", "CITIZENSHIP": "citizenship", "NATIONALITY": "citizenship",
    "C_BIRTH": "country_of_birth", "COB": "country_of_birth",
    "COUNTRY_OF_BIRTH": "country_of_birth", "PLACE_OF_BIRTH": "country_of_birth",
    "ISCO08": "occupation", "ISCO88": "occupation", "OCCUPATION": "occupation",
    "OCU": "occupation", "ISCO": "occupation",
    "EDUC": "education", "EDU": "education", "ISCED": "education", "ISCED11": "education",
    "ISCED97": "education", "EDUCATION": "education", "EDU_LEVEL": "education",
    "MIG": "migration_status", "MIGRATION_STATUS": "migration_status",
    "NACE_R2": "economic_activity", "ECO": "economic_activity",
    "ECONOMIC_ACTIVITY": "economic_activity", "DSB": "disability", "DISABILITY": "disability",
    "DEG_URB": "urban_rural", "RESIDENCE": "urban_rural", "URBANISATION": "urban_rural",
    "WEALTH_QUINTILE": "income", "QUANTILE": "income", "INCOME": "income",
    "REASON": "reason_for_migration",
}
ESTAT_PAGE = "https://ec.europa.eu/eurostat/databrowser/view/{id}/default/table?lang=en"


def _texts(international) -> dict:
    """{lang: text} of an sdmx1 InternationalString."""
    return {k: v for k, v in sorted(getattr(international, "localizations", {}).items()) if v}


def _annotations(artefact) -> dict:
    out = {}
    for a in getattr(artefact, "annotations", []):
        kind = str(a.type or "")
        if kind in ANNOTATIONS:
            out[kind] = {"title": str(a.title or ""), "url": str(a.url or ""),
                         "text": _texts(a.text)}
        elif kind.startswith("DISSEMINATION_DOI") and "DOI" not in out:
            doi = re.search(r"\b10\.\d{4,}/[^\s<\"]+", str(a.title or ""))
            if doi:
                out["DOI"] = {"title": doi.group(0), "url": "", "text": {}}
    return out


def _ref(artefact) -> dict:
    return {"id": artefact.id, "agency": str(getattr(artefact.maintainer, "id", "") or
                                                  artefact.maintainer or ""),
            "version": str(artefact.version or "latest")}


def parse_structure(data: bytes, url: str):
    """An sdmx1 StructureMessage from SDMX-ML bytes; RecordError when it is not one."""
    refused = safexml.refusal(data)
    if refused:
        raise RecordError("%s is not parsed: %s" % (url, refused))
    try:
        return sdmx.read_sdmx(io.BytesIO(data), format="XML")
    except Exception as e:  # the reader raises many kinds: lxml, assertion, key errors
        raise RecordError("%s is not an SDMX-ML 2.1 structure message (%s: %s)"
                          % (url, type(e).__name__, str(e)[:200]))


def dataflow_payload(flow) -> dict:
    """A serialisable summary of an sdmx1 DataflowDefinition."""
    payload = _ref(flow)
    payload.update(names=_texts(flow.name), description=_texts(flow.description),
                   annotations=_annotations(flow))
    if flow.structure is not None and flow.structure.id:
        payload["structure"] = _ref(flow.structure)
    return payload


def parse_json_dataflows(data: bytes, url: str = "the SDMX source") -> list:
    """Dataflow payloads from the .Stat Suite JSON structure answer
    (``{"resources": [], "references": {urn: artefact}}``), which sdmx1 cannot read."""
    try:
        doc = safejson.loads(data, source=url)
        artefacts = list(doc.get("resources") or []) + list(doc.get("references", {}).values())
    except (ValueError, AttributeError) as e:
        raise RecordError("not an SDMX structure answer in JSON: %s" % e)
    out = []
    for a in artefacts:
        if ".Dataflow=" not in str(a.get("urn", "")):
            continue
        names = a.get("names") or ({"en": a["name"]} if a.get("name") else {})
        descriptions = a.get("descriptions") or (
            {"en": a["description"]} if a.get("description") else {})
        structure = re.match(r".*=([^:]+):([^(]+)\(([^)]+)\)$",
                             str((a.get("structure") or {}).get("urn", "")))
        payload = {"id": a["id"], "agency": a.get("agencyID", ""),
                   "version": a.get("version", "latest"),
                   "names": names, "description": descriptions, "annotations": {}}
        if structure:
            payload["structure"] = dict(zip(("agency", "id", "version"), structure.groups()))
        out.append(payload)
    return out


def _constrained(message) -> dict:
    """{dimension id: set of codes} included by the message's content constraints."""
    out = {}
    for constraint in getattr(message, "constraint", {}).values():
        for region in getattr(constraint, "data_content_region", []):
            if not region.included:
                continue
            for component, selection in region.member.items():
                key = str(getattr(component, "id", component))
                out.setdefault(key, set()).update(
                    str(getattr(v, "value", v)) for v in selection.values
                    if not hasattr(v, "start"))
    return out


def _constrained_period(message) -> list:
    """[first year, last year] of the TIME_PERIOD ranges in the content constraints
    (the .Stat Suite's actual constraint says which years hold data), or []."""
    starts, ends = [], []
    for constraint in getattr(message, "constraint", {}).values():
        for region in getattr(constraint, "data_content_region", []):
            for component, selection in region.member.items():
                if str(getattr(component, "id", component)) != "TIME_PERIOD" \
                        or not region.included:
                    continue
                for value in selection.values:
                    for bound, out in (("start", starts), ("end", ends)):
                        when = getattr(getattr(value, bound, None), "period", None)
                        if when is not None:
                            out.append(str(when)[:4])
    return [min(starts), max(ends)] if starts and ends else []


def describe_structure(message, structure_id: str | None = None) -> dict:
    """Countries, disaggregation and frequencies from a structure message's DSD."""
    dsds = list(message.structure.values())
    dsd = next((d for d in dsds if d.id == structure_id), dsds[0] if dsds else None)
    if dsd is None:
        raise RecordError("the structure message has no data structure definition")
    constrained = _constrained(message)
    countries, disaggregation, frequencies, dimensions, measures = [], [], [], [], []
    for dim in dsd.dimensions:
        concept = getattr(dim.concept_identity, "id", "") or ""
        rep = dim.local_representation
        codelist = getattr(rep, "enumerated", None) if rep is not None else None
        if codelist is None or not len(codelist):
            wanted = {dim.id.upper(), "CL_" + dim.id.upper(), concept.upper()}
            # several versions may come: prefer a partial one (codes in use), then any
            found = sorted((cl for cl in message.codelist.values()
                            if cl.id.upper() in wanted and len(cl)),
                           key=lambda cl: not cl.is_partial)
            codelist = found[0] if found else codelist
        codes = [c.id for c in codelist] if codelist is not None else []
        if dim.id in constrained:
            codes = [c for c in codes if c in constrained[dim.id]]
        names = {dim.id.upper(), concept.upper()}
        if codelist is not None:
            names.add(re.sub(r"^CL_", "", codelist.id.upper()))
        dimensions.append(dim.id)
        # CITIZENSHIP coded with the area codelist (OECD's CL_AREA) is a breakdown,
        # not where the figures are about
        if names & GEO_DIMENSIONS and not {dim.id.upper(), concept.upper()} & set(
                DISAGGREGATION):
            countries += [c for c in codes if re.match(r"^(?:[A-Z]{2,3}|\d{3})$", c)]
        elif names & MEASURE_DIMENSIONS and codelist is not None:
            # what the dataflow counts: named in the notes, where the rules read them
            measures += ["%s %s" % (c.id, _texts(c.name).get("en") or c.id)
                         for c in codelist if c.id in codes]
        elif names & FREQ_DIMENSIONS:
            frequencies += codes
        for name in sorted(names):
            if name in DISAGGREGATION and DISAGGREGATION[name] not in disaggregation:
                disaggregation.append(DISAGGREGATION[name])
    return {"dimensions": dimensions, "countries": sorted(set(countries)),
            "disaggregation": disaggregation, "frequencies": sorted(set(frequencies)),
            "measures": measures, "period": _constrained_period(message)}


# The query string of each provider's documented CSV download of a whole dataflow
# (``{base}/data/{agency},{flow},{version}/all?...``). A URL cannot send SDMX's Accept
# header, so each service's own ``format`` parameter: the .Stat Suite (OECD) names
# "csvfilewithlabels" (SDMX-CSV 1.0, a label beside each code) and wants every dimension
# at observation level for one observation a line; UNICEF's registry (FMR) takes
# "csv" with labels=both; ILOSTAT's NSI web service "csv" (codes only).
CSV_QUERY = {
    "OECD": ("dimensionAtObservation=AllDimensions&format=csvfilewithlabels",
             "SDMX-CSV 1.0 with labels"),
    "UNICEF": ("format=csv&labels=both", "SDMX-CSV with labels"),
    "ILO": ("format=csv", "SDMX-CSV"),
}
DEFAULT_CSV_QUERY = ("format=csv", "SDMX-CSV")
SDMX_CSV_MIMETYPE = "application/vnd.sdmx.data+csv;version=1.0.0"


def data_resource(provider: str, base: str, agency: str, flow_id: str,
                  version: str) -> dict:
    """The raw-data resource of a dataflow: the provider's CSV of the whole dataflow."""
    if provider.startswith("ESTAT") and "/sdmx/" in base:
        return eurostat.sdmx_csv_resource(flow_id, api=base.rsplit("/sdmx/", 1)[0],
                                          agency=agency, version=version)
    query, kind = CSV_QUERY.get(provider, DEFAULT_CSV_QUERY)
    return {"url": "%s/data/%s,%s,%s/all?%s" % (base, agency, flow_id, version, query),
            "name": "%s (%s)" % (flow_id, kind), "format": "CSV",
            "mimetype": SDMX_CSV_MIMETYPE, "raw_data": "true",
            "description": "The whole dataflow from the provider's SDMX REST API in %s: "
                           "one observation a line." % kind}


def _frequency(codes, latest_period: str) -> str:
    """EU frequency code from a period's shape (2024, 2024-Q3, 2024-03...) or FREQ codes."""
    shape = periods.parse(latest_period).frequency
    if shape:
        return shape
    codes = set(codes or ())
    known = [eu for code, eu in periods.SDMX_FREQUENCIES.items() if code in codes]
    # a full FREQ codelist (every frequency) says nothing about this dataflow
    return known[0] if known and len(codes) <= 3 else ""


class SDMXHarvester(MigrationHarvester):
    NAME = "migration_sdmx"
    TITLE = "SDMX REST API"
    DESCRIPTION = ("Dataflows of an SDMX 2.1 REST provider (Eurostat, OECD, ILO, UNICEF, "
                   "UNSD...), with their countries, dimensions and SDMX-CSV downloads")
    CONFIG_KEYS = ("defaults", "provider", "dataflows", "dataflow_prefixes")

    def validate_config(self, config):
        config = super().validate_config(config)
        parsed = self._parse_config(config)
        if parsed.get("provider") not in sdmx.list_sources():
            raise ValueError("'provider' must be an sdmx1 source id (%s), not %r"
                             % (", ".join(sdmx.list_sources()), parsed.get("provider")))
        for key in ("dataflows", "dataflow_prefixes"):
            value = parsed.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v
                                                      for v in value):
                raise ValueError("'%s' must be a list of dataflow ids" % key)
        if not parsed.get("dataflows") and not parsed.get("dataflow_prefixes"):
            raise ValueError("give 'dataflows' (ids) or 'dataflow_prefixes'")
        return config

    @staticmethod
    def _provider(config):
        try:
            return sdmx.source.sources[config["provider"]]
        except KeyError:
            raise RecordError("configuration has no known sdmx1 'provider' (e.g. ESTAT, "
                              "OECD, ILO, UNICEF): %r" % config.get("provider"))

    @staticmethod
    def _flows(url, agency, flow_id, version="latest"):
        address = "%s/dataflow/%s/%s/%s" % (url.rstrip("/"), agency, flow_id, version)
        data = http.fetch(address, headers=ACCEPT)
        if data.lstrip()[:1] == b"{":
            return parse_json_dataflows(data, address)
        return [dataflow_payload(f) for f in parse_structure(data, address).dataflow.values()]

    def gather_records(self, url, config):
        source = self._provider(config)
        out = []
        for entry in config.get("dataflows") or []:
            # "ID", or "AGENCY,ID[,VERSION]" when the agency is not the provider's id
            parts = entry.split(",")
            parts = [source.id] + parts if len(parts) == 1 else parts
            agency, flow_id, version = (parts + ["latest"])[:3]
            flows = [f for f in self._flows(url, agency, flow_id, version)
                     if f["id"].upper() == flow_id.upper()]
            if not flows:
                raise RecordError("dataflow %s is not in %s's answer" % (entry, source.id))
            out += flows[:1]
        prefixes = tuple(p.upper() for p in config.get("dataflow_prefixes") or ())
        if prefixes:
            out += [f for f in self._flows(url, source.id, "all")
                    if f["id"].upper().startswith(prefixes)]
        seen = set()
        for payload in out:
            guid = "%s:%s" % (payload["agency"], payload["id"])
            if guid in seen:   # named in 'dataflows' and found again by a prefix
                continue
            seen.add(guid)
            payload["source_url"] = url.rstrip("/")
            yield guid, payload

    def fetch_record(self, payload, config):
        address = "%s/dataflow/%s/%s/%s?%s" % (payload["source_url"], payload["agency"],
                                               payload["id"], payload["version"],
                                               STRUCTURE_PARAMS)
        message = parse_structure(http.fetch(address, headers=ACCEPT), address)
        richer = dict(payload)
        richer["coverage"] = describe_structure(
            message, (payload.get("structure") or {}).get("id"))
        return richer

    def to_record(self, payload, config):
        source = self._provider(config)
        base, flow_id, agency = payload["source_url"], payload["id"], payload["agency"]
        names = payload.get("names") or {}
        title = names.get("en") or next(iter(names.values()), "") or flow_id
        notes = [payload.get("description", {}).get("en", "")]
        notes += ["%s: %s" % (lang, name) for lang, name in sorted(names.items())
                  if lang != "en" and name != title]
        notes.append("SDMX dataflow %s:%s(%s) of %s." % (agency, flow_id,
                                                         payload["version"], source.name))
        ann = payload.get("annotations") or {}

        def text(key):
            found = ann.get(key) or {}
            return (found.get("text") or {}).get("en") or found.get("title", "")
        coverage = payload.get("coverage") or {}
        if coverage.get("measures"):
            notes.insert(-1, "Measures: %s." % "; ".join(coverage["measures"]))
        constrained = coverage.get("period") or ["", ""]
        latest = text("OBS_PERIOD_OVERALL_LATEST") or constrained[1]
        estat = source.id.startswith("ESTAT")
        structure_url = "%s/dataflow/%s/%s/%s?references=descendants" % (
            base, agency, flow_id, payload["version"])
        extra = {"source_type": "official_statistics"}
        if coverage.get("disaggregation"):
            extra["disaggregation"] = coverage["disaggregation"]
        if ann.get("ESMS_HTML", {}).get("url"):
            extra["conforms_to"] = [ann["ESMS_HTML"]["url"]]
        if ann.get("DOI"):
            extra["alternate_identifier"] = ["https://doi.org/" + ann["DOI"]["title"]]
        return SourceRecord(
            guid="%s:%s" % (agency, flow_id), identifier="%s:%s" % (agency, flow_id),
            source_platform="%s SDMX" % source.id, title=title,
            notes="\n\n".join(n for n in notes if n),
            url=ESTAT_PAGE.format(id=flow_id.lower()) if estat else structure_url,
            producer=text("SOURCE_INSTITUTIONS") or source.name,
            countries=coverage.get("countries", []),
            period_start=periods.parse(text("OBS_PERIOD_OVERALL_OLDEST")
                                       or constrained[0]).start,
            period_end=periods.parse(latest).start,
            # a year from a constraint's range says nothing of the frequency
            frequency=_frequency(coverage.get("frequencies"),
                                 text("OBS_PERIOD_OVERALL_LATEST")),
            modified=text("UPDATE_DATA")[:10],
            keywords=["sdmx", source.id.lower()],
            resources=[
                data_resource(source.id, base, agency, flow_id, payload["version"]),
                {"url": structure_url, "name": "SDMX structure (dataflow, codelists)",
                 "format": "SDMX", "raw_data": "false"},
            ],
            extra=extra,
        )
