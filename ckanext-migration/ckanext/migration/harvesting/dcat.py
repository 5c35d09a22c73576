"""The shared mapping, hooked into ckanext-dcat's DCAT-AP harvester.

ckanext-dcat parses DCAT-AP into the schema's DCAT fields; this adds what the migration
schema derives from them: countries from dct:spatial, topics and GCM objectives from the
rules, the source platform, and drops values the vocabularies cannot take (a frequency
that is not an EU frequency URI) instead of rejecting the whole dataset. After import, the
twins we already hold are linked (harvesting/twins.py).
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.migration import countries as country_codes, vocab
from ckanext.migration.harvesting import http, mapping, safejson, safexml, twins


def guarded_session(session):
    """ckanext-dcat's session with the harvesters' guarded adapter mounted: private
    addresses refused (redirects too), the checked address pinned, busy sources retried."""
    return http.mount_guard(session)


def refuse_hostile(content, url: str):
    """ckanext-dcat's ``after_download``: (content, errors). What rdflib must not parse is
    refused before it does, with no content (the gather stops) and the reason as a gather
    error: RDF/XML declaring a DTD or entities (billion laughs, quadratic blow-up, external
    entities, DTD fetches; harvesting/safexml.py), JSON-LD or Turtle nested deeper than
    rdflib's recursive parsers can take (harvesting/safejson.py)."""
    if not content:
        return content, []
    is_xml, refused = safexml.scan(content)
    if refused:
        return None, ["%s is not parsed: %s" % (url, refused)]
    if not is_xml:
        start = content.lstrip("\ufeff \t\r\n" if isinstance(content, str)
                               else b"\xef\xbb\xbf \t\r\n")[:1]
        try:  # the size is ckanext-dcat's to limit (ckanext.dcat.max_file_size)
            safejson.check(content, source=url, max_bytes=len(content) * 4,
                           syntax="json" if start in ("{", "[", b"{", b"[") else "turtle")
        except safejson.JSONRefused as e:
            return None, [str(e)]
    return content, []


def enrich(dataset_dict: dict, harvest_object) -> dict:
    spatial = [s.get("uri") or s.get("text") for s in dataset_dict.get("spatial_coverage") or []
               if isinstance(s, dict)]
    countries = [c for c in map(country_codes.to_iso3, spatial) if c]
    dataset_dict["countries"] = mapping.merge(dataset_dict.get("countries"), countries)
    if not dataset_dict["countries"] and not dataset_dict.get("regions"):
        inferred = mapping.infer_countries(dataset_dict.get("title"), dataset_dict.get("notes"))
        if inferred:
            dataset_dict.update(countries=inferred, countries_inferred=True)
    # a source that states topics or objectives in our vocabularies (another migration
    # catalogue, or this one) is taken at its word; the rules fill in for the others
    if not dataset_dict.get("topics") and not dataset_dict.get("gcm_objectives"):
        record = mapping.SourceRecord(
            guid="", title=dataset_dict.get("title", ""), source_platform="",
            identifier=dataset_dict.get("identifier") or "",
            notes=dataset_dict.get("notes") or "",
            keywords=[t.get("name", "") for t in dataset_dict.get("tags") or []
                      if isinstance(t, dict)])
        topics, objectives = mapping.infer(record)
        dataset_dict["topics"] = topics
        dataset_dict["gcm_objectives"] = objectives
    if harvest_object is not None and not dataset_dict.get("source_platform"):
        dataset_dict["source_platform"] = harvest_object.source.title or harvest_object.source.url
    if not dataset_dict.get("notes"):
        # e.g. a description only in other languages than the catalogue's
        dataset_dict["notes"] = dataset_dict.get("title") or ""
    # DCAT-AP has no "raw data" flag: a distribution in a data format is the raw data
    for resource in dataset_dict.get("resources") or []:
        if resource.get("raw_data") in (None, ""):
            fmt = str(resource.get("format") or "").rsplit("/", 1)[-1].upper()
            resource["raw_data"] = "true" if fmt in mapping.RAW_FORMATS else "false"
    if dataset_dict.get("resources"):
        dataset_dict["resources"] = mapping.raw_data_first(dataset_dict["resources"])
    frequencies = vocab.get_vocabulary("frequencies")
    frequency = dataset_dict.get("frequency")
    if frequency and not (frequencies.get(frequency) or frequencies.by_uri(frequency)):
        dataset_dict.pop("frequency")
    return dataset_dict


def link_twins(dataset_dict: dict, harvest_object) -> None:
    """After import: link the dataset with the same dataset we hold from elsewhere, as the
    migration harvesters do. A catalogue that republishes keeps the platform it took the
    dataset from (the same as our original's), so any dataset not from this harvest
    source is a twin."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    twins.link(dataset_dict, {"user": site_user["name"], "ignore_auth": True},
               other_than_source=harvest_object.source.id if harvest_object else None)
