"""A private dataset leaks nowhere: one world, every path, every persona (issue 14 item 2).

The world (built once for the module, real database, search service and DataStore):
organisation A with a public dataset, a restricted one (R, README "Restricted and private
data") and, at the end, a private one (P) whose title, notes, tags, producer, resource
names, URL, format, upload, DataStore rows and correction carry the marker ``qzleak``,
with facet values no public dataset has (``DISTINCT``), harvested by A's harvest source;
organisation B with a public dataset sharing a country, population and topic with P (so P
is one of its "Other sources for this").

Each path of ``PATHS`` is requested

1. while a *public* dataset of P's kind (its facet values, its own marker) exists, and
   just before it (as ``control_as``, anonymous unless said): the path shows public
   datasets of that kind, so an unchanged answer for P means something; it is deleted;
2. by every persona before P exists (the baseline; P's own paths with names and ids that
   do not exist);
3. by every persona after P is created.

Anonymous visitors, logged-in non-members and the editor of organisation B must get
exactly the baseline (bodies normalised for what changes by itself: CSRF tokens, "x
minutes ago", generation times, RDF blank nodes), which for P's own paths is the answer
for a name that does not exist (CKAN's own 403s are listed, with why); the marker must
appear nowhere. P's editor and a sysadmin see P where CKAN lets them: for them the same
comparison fails, which proves the check can fail there. ``RESTRICTED_PATHS``: R's files
(link, upload, DataStore rows) reach none of the three, and do reach the organisation.
README's table "Restricted and private data: what leaks nowhere" lists every path.
"""
import io
import json
import os
import re
import uuid

import pytest

from ckan import model
import ckan.plugins as plugins
from ckan.tests import factories, helpers

from .factories import dataset

MARK = "qzleak"
CONTROL_MARK = "qzctrl"

NEGATIVE = ("anonymous", "non-member", "other-org-editor")
ENTITLED = ("member", "sysadmin")
PERSONAS = NEGATIVE + ENTITLED

# P's facet values: used by no public dataset of the world (the control uses them too)
DISTINCT = dict(countries=["TUV", "SEN"], gcm_objectives=["17", "1"],
                topics=["trafficking", "forced_displacement"],
                population_covered=["stateless_persons", "asylum_seekers"],
                caveat_flags=["redacted_for_privacy"],
                definition_terms=["stateless-person-unhcr"], license_id="odc-odbl",
                source_type="ngo_monitoring")
FACET_FIELDS = ["countries", "regions", "gcm_objectives", "topics", "population_covered",
                "caveat_flags", "definition_terms", "source_type", "freshness",
                "link_health", "license_id", "organization", "tags", "res_format"]

# what CKAN itself answers for a private dataset where it differs from "not found"
# (CKAN's API says 403 "not authorised" for an existing private dataset, 404 for a missing
# one; its pages answer 404 for both as ckan.auth.reveal_private_datasets is off)
CKAN_403 = "CKAN's API: 403 for an existing private object, 404 for a missing one"
DCAT_403 = "ckanext-dcat: 403 for an existing private dataset, 404 for a missing one"
DOWNLOAD_403 = "CKAN's resource download: 403 for an existing private dataset, 404 for a missing one"


class Path:
    """One way in. ``url`` is a format string over the world's names (``{p}``, ``{pid}``,
    ``{r}``, ``{u}``...: P's, the control's or missing ones); ``shows`` who sees P or
    the public control there (``member``, ``sysadmin``, ``public``)."""

    def __init__(self, pid, description, url, shows, about_p=False, accept=None,
                 exception=None, parse="auto", control_as="anonymous"):
        self.id, self.description, self.url = pid, description, url
        self.control_as = control_as
        self.shows, self.about_p, self.accept = set(shows), about_p, accept
        self.exception, self.parse = exception, parse

    def __repr__(self):
        return self.id


FACET_QS = "facet.field=%s&facet.limit=-1" % json.dumps(FACET_FIELDS).replace(" ", "")

PATHS = [
    # search and facets
    Path("package-search-facets", "package_search: every dataset the caller may see, counts of every facet",
         "/api/3/action/package_search?q=*:*&rows=1000&include_private=true&" + FACET_QS,
         {"member", "sysadmin", "public"}),
    Path("package-search-marker", "package_search for the marker in any field",
         "/api/3/action/package_search?q={q}&include_private=true",
         {"member", "sysadmin"}),
    Path("package-search-fl-res-url", "package_search with fl=id,name,res_url,res_name",
         "/api/3/action/package_search?q=*:*&include_private=true&fl=id,name,res_url,res_name",
         {"member", "sysadmin", "public"}),
    Path("search-page", "/dataset/: results and facet counts", "/dataset/",
         {"member", "sysadmin", "public"}),
    Path("search-page-marker", "/dataset/?q=marker", "/dataset/?q={q}",
         {"member", "sysadmin"}),
    Path("search-page-country", "/dataset/?countries=TUV (P's country)", "/dataset/?countries=TUV",
         {"member", "sysadmin", "public"}),
    Path("package-list", "package_list", "/api/3/action/package_list", {"public"}),
    Path("current-package-list", "current_package_list_with_resources",
         "/api/3/action/current_package_list_with_resources", {"sysadmin", "public"}),
    Path("package-autocomplete", "package_autocomplete",
         "/api/3/action/package_autocomplete?q={mk}", {"public"}),
    Path("dataset-autocomplete-util", "/api/2/util/dataset/autocomplete",
         "/api/2/util/dataset/autocomplete?incomplete={mk}", {"public"}),
    Path("tag-list", "tag_list", "/api/3/action/tag_list", {"public"}),
    Path("tag-autocomplete", "tag_autocomplete and /api/2/util/tag/autocomplete",
         "/api/2/util/tag/autocomplete?incomplete={q}", {"public"}),
    Path("tag-show", "tag_show of P's tag with its datasets",
         "/api/3/action/tag_show?id={tag}&include_datasets=true", {"public"}),
    Path("format-autocomplete", "/api/2/util/resource/format_autocomplete",
         "/api/2/util/resource/format_autocomplete?incomplete={q}", {"public"}),
    Path("organization-show", "organization_show of A with its datasets and package_count",
         "/api/3/action/organization_show?id=org-a&include_datasets=true",
         {"member", "sysadmin", "public"}),
    Path("organization-list", "organization_list with package counts",
         "/api/3/action/organization_list?all_fields=true", {"member", "sysadmin", "public"}),
    Path("organization-page", "/organization/org-a: datasets and facets", "/organization/org-a",
         {"member", "sysadmin", "public"}),
    Path("organization-index", "/organization/: dataset counts", "/organization/",
         {"member", "sysadmin", "public"}),
    Path("member-list", "member_list of A's packages",
         "/api/3/action/member_list?id=org-a&object_type=package", {"public"}),
    Path("user-page", "/user/<P's editor>: their datasets", "/user/member-a",
         {"member", "sysadmin"}),
    Path("user-show", "user_show of P's editor with datasets",
         "/api/3/action/user_show?id=member-a&include_datasets=true", {"member", "sysadmin"}),
    # the front door
    Path("home", "/: counts, map, objectives, freshness, recent datasets", "/",
         {"public"}),
    Path("overview-api", "migration_overview", "/api/3/action/migration_overview", {"public"}),
    Path("country-page", "/country/TUV", "/country/TUV", {"public"}),
    Path("country-api", "migration_country_show TUV",
         "/api/3/action/migration_country_show?id=TUV", {"public"}),
    Path("country-index", "/country/: the map", "/country/", {"public"}),
    Path("objective-page", "/objective/17", "/objective/17", {"public"}),
    Path("objective-api", "migration_objective_show 17",
         "/api/3/action/migration_objective_show?id=17", {"public"}),
    Path("coverage-page", "/coverage: the gap matrix", "/coverage", {"public"}),
    Path("coverage-api", "migration_coverage", "/api/3/action/migration_coverage", {"public"}),
    Path("coverage-csv", "/coverage.csv", "/coverage.csv", {"public"}),
    Path("coverage-xlsx", "/coverage.xlsx", "/coverage.xlsx", {"public"}, parse="xlsx"),
    # DCAT
    Path("dcat-catalog-ttl", "/catalog.ttl", "/catalog.ttl", {"public"}),
    Path("dcat-catalog-rdf", "/catalog.rdf", "/catalog.rdf", {"public"}),
    Path("dcat-catalog-jsonld", "/catalog.jsonld", "/catalog.jsonld", {"public"}),
    Path("dcat-catalog-xml", "/catalog.xml", "/catalog.xml", {"public"}),
    Path("dcat-catalog-paged", "/catalog.ttl?page=1 (Hydra paging)", "/catalog.ttl?page=1",
         {"public"}),
    Path("dcat-catalog-query", "/catalog.ttl?q=marker", "/catalog.ttl?q={q}", {"public"}),
    Path("dcat-catalog-modified-since", "/catalog.ttl?modified_since=2000-01-01",
         "/catalog.ttl?modified_since=2000-01-01", {"public"}),
    Path("dcat-catalog-negotiated", "/ with Accept: text/turtle", "/", {"public"},
         accept="text/turtle"),
    Path("dcat-dataset-ttl", "/dataset/<P>.ttl", "/dataset/{p}.ttl",
         {"member", "sysadmin", "public"}, about_p=True, exception=DCAT_403),
    Path("dcat-dataset-rdf", "/dataset/<P>.rdf", "/dataset/{p}.rdf",
         {"member", "sysadmin", "public"}, about_p=True, exception=DCAT_403),
    Path("dcat-dataset-jsonld", "/dataset/<P>.jsonld", "/dataset/{p}.jsonld",
         {"member", "sysadmin", "public"}, about_p=True, exception=DCAT_403),
    Path("dcat-dataset-xml", "/dataset/<P>.xml", "/dataset/{p}.xml",
         {"member", "sysadmin", "public"}, about_p=True, exception=DCAT_403),
    Path("dcat-dataset-negotiated", "/dataset/<P> with Accept: text/turtle", "/dataset/{p}",
         {"member", "sysadmin", "public"}, about_p=True, accept="text/turtle",
         exception=DCAT_403),
    # feeds
    Path("feed-dataset", "/feeds/dataset.atom", "/feeds/dataset.atom", {"public"}),
    Path("feed-organization", "/feeds/organization/org-a.atom", "/feeds/organization/org-a.atom",
         {"public"}),
    Path("feed-tag", "/feeds/tag/<P's tag>.atom", "/feeds/tag/{tag}.atom", {"public"}),
    Path("feed-custom", "/feeds/custom.atom?q=marker", "/feeds/custom.atom?q={q}",
         {"public"}),
    # activity
    Path("activity-dataset-page", "/dataset/activity/<P>", "/dataset/activity/{p}",
         {"member", "sysadmin", "public"}, about_p=True,
         exception="CKAN's activity pages: 403 for an existing private dataset, 404 for a "
                   "missing one"),
    Path("activity-dataset-api", "package_activity_list of P",
         "/api/3/action/package_activity_list?id={p}", {"member", "sysadmin", "public"},
         about_p=True, exception=CKAN_403),
    Path("activity-org-page", "/organization/activity/org-a", "/organization/activity/org-a",
         {"member", "sysadmin", "public"}),
    Path("activity-org-api", "organization_activity_list of A",
         "/api/3/action/organization_activity_list?id=org-a", {"public"}),
    Path("activity-user-page", "/user/activity/<P's editor>", "/user/activity/member-a",
         {"member", "sysadmin", "public"}),
    Path("activity-user-api", "user_activity_list of P's editor",
         "/api/3/action/user_activity_list?id=member-a", {"member", "sysadmin", "public"}),
    Path("activity-dashboard-count", "dashboard_new_activities_count (the header's badge)",
         "/api/3/action/dashboard_new_activities_count", {"sysadmin"}),
    Path("activity-dashboard-page", "/dashboard/ (follows org A and P's editor)", "/dashboard/",
         {"member", "sysadmin"}),
    Path("activity-dashboard-api", "dashboard_activity_list",
         "/api/3/action/dashboard_activity_list", {"member", "sysadmin"}),
    Path("activity-recent-api", "recently_changed_packages_activity_list",
         "/api/3/action/recently_changed_packages_activity_list", {"public"}),
    Path("activity-show-api", "activity_show of P's creation",
         "/api/3/action/activity_show?id={activity}", {"member", "sysadmin", "public"},
         about_p=True, exception=CKAN_403),
    Path("activity-changes-page", "/dataset/changes/<P's creation activity>",
         "/dataset/changes/{activity}", {"public"}, about_p=True,
         exception="CKAN's activity pages: 403 for an existing private dataset, 404 for a "
                   "missing one"),
    # the dataset and its resources
    Path("package-show", "package_show of P", "/api/3/action/package_show?id={p}",
         {"member", "sysadmin", "public"}, about_p=True, exception=CKAN_403),
    Path("dataset-page", "/dataset/<P>", "/dataset/{p}", {"member", "sysadmin", "public"},
         about_p=True),
    Path("dataset-page-by-id", "/dataset/<P's id>", "/dataset/{pid}",
         {"member", "sysadmin", "public"}, about_p=True),
    Path("dataset-edit", "/dataset/edit/<P>/1 (the form's first page)", "/dataset/edit/{p}/1",
         {"member", "sysadmin"},
         about_p=True, exception="CKAN's edit form: 403 for an existing dataset the caller "
                                 "may not edit, 404 for a missing one"),
    Path("dataset-resources", "/dataset/resources/<P>", "/dataset/resources/{p}",
         {"member", "sysadmin"}, about_p=True,
         exception="CKAN's resource list is an edit page: 403 for an existing dataset the "
                   "caller may not edit, 404 for a missing one"),
    Path("resource-show", "resource_show of P's resource",
         "/api/3/action/resource_show?id={r}", {"member", "sysadmin", "public"},
         about_p=True, exception=CKAN_403),
    Path("resource-view-list", "resource_view_list of P's resource",
         "/api/3/action/resource_view_list?id={r}", {"member", "sysadmin"}, about_p=True,
         exception=CKAN_403),
    Path("resource-page", "/dataset/<P>/resource/<r>", "/dataset/{p}/resource/{r}",
         {"member", "sysadmin", "public"}, about_p=True),
    Path("resource-download-url", "/dataset/<P>/resource/<r>/download (a link)",
         "/dataset/{p}/resource/{r}/download", {"member", "sysadmin", "public"}, about_p=True,
         exception=DOWNLOAD_403),
    Path("resource-download-upload", "/dataset/<P>/resource/<u>/download (an upload)",
         "/dataset/{p}/resource/{u}/download/data.csv", {"member", "sysadmin", "public"},
         about_p=True, exception=DOWNLOAD_403),
    Path("datastore-search", "datastore_search of P's table",
         "/api/3/action/datastore_search?resource_id={r}", {"member", "sysadmin", "public"},
         about_p=True, exception=CKAN_403),
    Path("datastore-search-sql", "datastore_search_sql on P's table",
         '/api/3/action/datastore_search_sql?sql=SELECT * FROM "{r}"',
         {"member", "sysadmin", "public"}, about_p=True,
         exception="CKAN's DataStore: 403 for an existing table the caller may not read, "
                   "409 (no such table) for a missing one"),
    Path("datastore-info", "datastore_info of P's table",
         "/api/3/action/datastore_info?id={r}", {"member", "sysadmin", "public"},
         about_p=True, exception=CKAN_403),
    Path("datastore-dump-csv", "/datastore/dump/<r>", "/datastore/dump/{r}",
         {"member", "sysadmin", "public"}, about_p=True),
    Path("datastore-dump-xlsx", "/datastore/dump/<r>?format=xlsx",
         "/datastore/dump/{r}?format=xlsx", {"member", "sysadmin", "public"}, about_p=True,
         parse="xlsx"),
    Path("datastore-dictionary", "/dataset/<P>/dictionary/<r>", "/dataset/{p}/dictionary/{r}",
         {"member", "sysadmin"}, about_p=True,
         exception="CKAN's data dictionary form: 403 for an existing dataset the caller may "
                   "not edit, 404 for a missing one"),
    # our exports and pages
    Path("export-csv", "/dataset/export.csv", "/dataset/export.csv", {"public"}),
    Path("export-xlsx", "/dataset/export.xlsx", "/dataset/export.xlsx", {"public"},
         parse="xlsx"),
    Path("export-csv-marker", "/dataset/export.csv?q=marker", "/dataset/export.csv?q={q}",
         {"public"}),
    Path("twins-other-sources", "'Other sources for this' on B's dataset page",
         "/dataset/b-public", {"member", "sysadmin", "public"}),
    Path("compare-page", "/compare?ids=<B's dataset>,<P>", "/compare?ids=b-public,{p}",
         {"member", "sysadmin", "public"}, about_p=True),
    Path("compare-api", "migration_compare of P", "/api/3/action/migration_compare?ids={p}",
         {"member", "sysadmin", "public"}, about_p=True),
    Path("sitemap", "/sitemap.xml: the site has no sitemap (404 before and after)",
         "/sitemap.xml", set()),
    Path("skos-index", "/vocabulary", "/vocabulary", set()),
    Path("skos-glossary", "/vocabulary/glossary.ttl", "/vocabulary/glossary.ttl", set()),
    Path("skos-migration", "/vocabulary/migration.ttl", "/vocabulary/migration.ttl", set()),
    Path("error-page-corrections", "/dataset/<P>/corrections (thread)",
         "/dataset/{p}/corrections", {"member", "sysadmin", "public"}, about_p=True),
    Path("corrections-page", "/corrections: every report", "/corrections",
         {"member", "sysadmin", "public"}),
    Path("corrections-api", "correction_list", "/api/3/action/correction_list",
         {"member", "sysadmin", "public"}),
    Path("correction-show-api", "correction_show of P's report",
         "/api/3/action/correction_show?id={correction}", {"member", "sysadmin", "public"},
         about_p=True),
    Path("handbook-index", "/handbook: every producer", "/handbook",
         {"member", "sysadmin", "public"}),
    Path("handbook-index-json", "/handbook.json", "/handbook.json",
         {"member", "sysadmin", "public"}),
    Path("handbook-org", "/handbook/org-a", "/handbook/org-a", {"member", "sysadmin", "public"}),
    Path("handbook-org-json", "/handbook/org-a.json", "/handbook/org-a.json",
         {"member", "sysadmin", "public"}),
    Path("handbook-api", "migration_handbook of A", "/api/3/action/migration_handbook?id=org-a",
         {"member", "sysadmin", "public"}),
    Path("glossary-page", "/glossary: counts per definition", "/glossary", {"public"}),
    Path("glossary-json", "/glossary.json", "/glossary.json", {"public"}),
    Path("glossary-term", "/glossary/stateless-person", "/glossary/stateless-person",
         {"public"}),
    Path("broken-links-page", "/report/broken-links (sysadmins, organisation admins)",
         "/report/broken-links", {"sysadmin"}),
    Path("broken-links-csv", "/report/broken-links.csv", "/report/broken-links.csv",
         {"sysadmin"}),
    Path("broken-links-api", "migration_broken_links", "/api/3/action/migration_broken_links",
         {"member", "sysadmin", "public"}),
    Path("harvest-dashboard", "/harvest/dashboard (A's harvest source: P is harvested)",
         "/harvest/dashboard", {"public"}, control_as="sysadmin"),
    Path("harvest-dashboard-json", "/harvest/dashboard?format=json",
         "/harvest/dashboard?format=json", {"public"}, control_as="sysadmin"),
]


# A restricted dataset (access_rights RESTRICTED, public otherwise: ckanext/migration/access):
# its description is public, its files are not. ``refused``: the three personas get no
# data at all (403/404); ``shows``: who sees the marker of its files there; ``public``: a
# marker of a public dataset's file that the same answer shows to anyone (the path does
# show files, so their absence means something).
R_MARK = "qzrestr"
PUBLIC_FILE = "migr_asyappctzm?format=SDMX-CSV"  # tests/factories.py's resource URL


class RPath:
    def __init__(self, pid, description, url, shows=(), refused=False, public=None,
                 parse="auto"):
        self.id, self.description, self.url = pid, description, url
        self.shows, self.refused, self.public = set(shows), refused, public
        self.parse, self.accept, self.about_p = parse, None, False


ENTITLED_SHOWN = {"member", "sysadmin"}
RESTRICTED_PATHS = [
    RPath("restricted-package-search", "package_search: the dataset, its resources",
          "/api/3/action/package_search?q=*:*&include_private=true", public=PUBLIC_FILE),
    RPath("restricted-package-search-fl-res-url", "package_search with fl=name,res_url",
          "/api/3/action/package_search?q=*:*&fl=name,res_url", public=PUBLIC_FILE),
    RPath("restricted-package-show", "package_show", "/api/3/action/package_show?id={rname}",
          ENTITLED_SHOWN),
    RPath("restricted-dataset-page", "/dataset/<R>", "/dataset/{rname}", ENTITLED_SHOWN),
    RPath("restricted-resource-page", "/dataset/<R>/resource/<link>",
          "/dataset/{rname}/resource/{rr}", ENTITLED_SHOWN),
    RPath("restricted-resource-show", "resource_show of the link",
          "/api/3/action/resource_show?id={rr}", ENTITLED_SHOWN, refused=True),
    RPath("restricted-download-link", "/dataset/<R>/resource/<link>/download",
          "/dataset/{rname}/resource/{rr}/download", ENTITLED_SHOWN, refused=True),
    RPath("restricted-download-upload", "/dataset/<R>/resource/<upload>/download",
          "/dataset/{rname}/resource/{ru}/download/rfile.csv", ENTITLED_SHOWN,
          refused=True),
    RPath("restricted-datastore-search", "datastore_search of the link's table",
          "/api/3/action/datastore_search?resource_id={rr}", ENTITLED_SHOWN, refused=True),
    RPath("restricted-datastore-search-sql", "datastore_search_sql on the table",
          '/api/3/action/datastore_search_sql?sql=SELECT * FROM "{rr}"', ENTITLED_SHOWN,
          refused=True),
    RPath("restricted-datastore-dump-csv", "/datastore/dump/<link>", "/datastore/dump/{rr}",
          ENTITLED_SHOWN, refused=True),
    RPath("restricted-datastore-dump-xlsx", "/datastore/dump/<link>?format=xlsx",
          "/datastore/dump/{rr}?format=xlsx", ENTITLED_SHOWN, refused=True, parse="xlsx"),
    RPath("restricted-dcat-dataset-ttl", "/dataset/<R>.ttl", "/dataset/{rname}.ttl",
          ENTITLED_SHOWN),
    RPath("restricted-dcat-catalog-ttl", "/catalog.ttl", "/catalog.ttl", public=PUBLIC_FILE),
    RPath("restricted-activity-org-api", "organization_activity_list of A (stored copies)",
          "/api/3/action/organization_activity_list?id=org-a", public=PUBLIC_FILE),
    RPath("restricted-export-csv", "/dataset/export.csv (resource formats only)",
          "/dataset/export.csv", public="CSV"),
]


class Persona:
    def __init__(self, name, user=None, token=None):
        self.name, self.user, self.token = name, user, token

    def headers(self):
        return {"Authorization": self.token} if self.token else {}


class World:
    def __init__(self):
        self.app = None
        self.personas = {}
        self.names = {}        # which dataset: "p", "control", "missing" -> format values
        self.baseline = {}     # (path, persona) -> normalised answer before P
        self.missing = {}      # (path, persona) -> normalised answer for missing names
        self.control = {}      # path -> normalised anonymous answer with the control
        self.control_base = {}  # path -> the same before the control
        self.after = {}        # (path, persona) -> normalised answer with P
        self.restricted = {}   # (restricted path, persona) -> normalised answer

    def fetch(self, path, persona, which):
        values = self.names[which]
        url = path.url.format(**values)
        headers = dict(self.personas[persona].headers())
        if path.accept:
            headers["Accept"] = path.accept
        resp = self.app.get(url, headers=headers, follow_redirects=False)
        return normalise(resp, path, values)


VOLATILE = [
    # the header's "N new items" badge: dashboard_new_activities_count is its own path
    (re.compile(r'<li class="notifications.*?</li>', re.S), "<notifications/>"),
    (re.compile(r'_:N[0-9a-f]{32}'), "_:b"),
    (re.compile(r'<updated>[^<]*</updated>'), "<updated/>"),
    (re.compile(r'"generated": ?"[^"]*"'), '"generated"'),
    (re.compile(r'name="_csrf_token" value="[^"]*"'), 'name="_csrf_token"'),
    (re.compile(r'<meta name="_csrf_token" content="[^"]*"'), '<meta name="_csrf_token"'),
    (re.compile(r'\b(\d+|an?) (second|minute|hour)s? ago\b|\bJust now\b'), "<ago>"),
    (re.compile(r'title="[A-Z][a-z]+ \d+, \d{4}, \d\d:\d\d \(UTC\)"'), 'title="<when>"'),
]


def normalise(resp, path, values):
    """(status, headers that matter, body as text) with the caller's own identifiers and
    what changes by itself replaced."""
    data = resp.get_data()
    if path.parse == "xlsx" and resp.status_code == 200:
        from openpyxl import load_workbook
        book = load_workbook(io.BytesIO(data), read_only=True)
        body = "\n".join("%s: %r" % (ws.title, [c for c in row])
                         for ws in book.worksheets for row in ws.iter_rows(values_only=True))
    elif resp.status_code == 200 and resp.content_type.split(";")[0] in RDF_TYPES:
        body = _canonical(data, RDF_TYPES[resp.content_type.split(";")[0]])
    else:
        body = JSON_LD.sub(lambda m: m.group(1) + _canonical(m.group(2), "json-ld") + m.group(3),
                           data.decode("utf-8", "replace"))
    for pattern, repl in VOLATILE:
        body = pattern.sub(repl, body)
    location = resp.headers.get("Location", "")
    # the identifiers the caller sent (echoed back: no leak)
    for key, value in sorted(values.items(), key=lambda kv: -len(kv[1])):
        if value and "{%s}" % key in path.url:
            body = body.replace(value, "<%s>" % key)
            location = location.replace(value, "<%s>" % key)
    return resp.status_code, location, body


RDF_TYPES = {"text/turtle": "turtle", "application/rdf+xml": "xml",
             "application/ld+json": "json-ld", "application/n-triples": "nt"}


JSON_LD = re.compile(r'(<script type="application/ld\+json">)(.*?)(</script>)', re.S)


def _canonical(data, fmt):
    """An RDF answer as its sorted triples, blank nodes unnamed: serialisations order
    triples and name blank nodes anew on every request (rdflib's canonical labelling is
    not stable on graphs with identical blank-node structures)."""
    from rdflib import BNode, Graph

    def term(t):
        return "_:b" if isinstance(t, BNode) else t.n3()
    graph = Graph().parse(data=data, format=fmt)
    return "\n".join(sorted(" ".join(term(t) for t in triple) for triple in graph))


def leaks(answer, world):
    """The marker or P's identifiers in an answer (with the caller's own identifiers
    already replaced)."""
    status, location, body = answer
    text = (location + body).lower()
    found = [MARK] if MARK in text else []
    return found + [v for k, v in world.names["p"].items()
                    if k in ("pid", "r", "u", "correction", "activity") and v in text]


def _token(user):
    return factories.APIToken(user=user["name"])["token"]


def _create(context, **fields):
    return helpers.call_action("package_create", context=dict(context), **dataset(**fields))


def _marked(mark, word, name, org, **extra):
    """A dataset whose every text carries ``mark`` (and the search word ``word``), with
    P's facet values."""
    return dict(
        name=name, owner_org=org, title="Title %stitle" % mark,
        notes="Notes %snotes about stateless persons, %s" % (mark, word),
        tag_string="%stag,%stag" % (mark, word), identifier="%s-identifier" % mark,
        creator=[{"name": "%sproducer" % mark}], source_platform="%splatform" % mark,
        caveats="Caveat %scaveat" % mark,
        temporal_coverage=[{"start": "2010-01-01", "end": "2024-12-31"}],
        resources=[{"url": "https://data.example.org/%sresurl.csv" % mark,
                    "name": "%sresname" % mark, "format": word.upper(),
                    "raw_data": "true", "link_status": "broken", "link_http_status": 404,
                    "link_broken_since": "2026-01-01T00:00:00",
                    "link_checked_at": "2026-01-02T00:00:00", "link_error": "",
                    "link_last_ok": ""}],
        **DISTINCT, **extra)


def _harvest_source(admin, org):
    """A harvest source of organisation A with a finished job."""
    from ckanext.harvest.model import HarvestJob
    source = helpers.call_action(
        "harvest_source_create", context=dict(admin), name="source-a", title="Source A",
        url="https://source.example/catalog.rdf", source_type="dcat_rdf", owner_org=org)
    job = HarvestJob(source_id=source["id"], status="Finished")
    job.save()
    return job.id


def _harvested(pkg_id, job_id):
    from ckanext.harvest.model import HarvestJob, HarvestObject
    job = model.Session.get(HarvestJob, job_id)
    from ckan.lib.search import rebuild
    import datetime
    HarvestObject(job=job, source=job.source, package_id=pkg_id, current=True,
                  guid=pkg_id, state="COMPLETE",
                  import_finished=datetime.datetime.utcnow()).save()
    model.Session.commit()
    rebuild(pkg_id)


def _publish(mark, word, name, org, user, private, harvest):
    """A marked dataset (harvested by A's source) with a DataStore table, an uploaded file
    and a correction; the names its paths are made of."""
    context = {"user": user}
    pkg = _create(context, **_marked(mark, word, name, org, private=private))
    _harvested(pkg["id"], harvest)
    upload = helpers.call_action("resource_create", context=dict(context), **{
        "upload": _upload("year,people\n2020,%supload\n" % mark), "package_id": pkg["id"],
        "name": "%supload" % mark, "format": "CSV"})
    _datastore(pkg["resources"][0]["id"], mark, user)
    correction = helpers.call_action(
        "correction_create", context=dict(context), package_id=pkg["id"],
        kind="wrong_figure", description="The %scorrection figure is wrong" % mark)
    model.Session.commit()
    return {"p": pkg["name"], "pid": pkg["id"], "r": pkg["resources"][0]["id"],
            "u": upload["id"], "tag": mark + "tag", "q": word, "mk": mark,
            "correction": correction["id"], "activity": _creation(pkg["id"])}


def _upload(text, filename="data.csv"):
    from ckan.tests.pytest_ckan.fixtures import FakeFileStorage
    return FakeFileStorage(io.BytesIO(text.encode("utf-8")), filename)


@pytest.fixture(scope="module")
def world(reset_db, reset_index, migrate_db_for):
    plugins.load_all()
    reset_db()
    reset_index()
    for plugin in ("activity", "harvest", "migration"):
        migrate_db_for(plugin)
    w = World()
    try:
        _build(w)
        yield w
    finally:
        model.Session.remove()
        plugins.unload_all()


def _build(w):
    from ckanext.datastore.tests.helpers import rebuild_all_dbs
    from ckanext.datastore.backend.postgres import get_write_engine
    from sqlalchemy import orm
    rebuild_all_dbs(orm.scoped_session(orm.sessionmaker(bind=get_write_engine())))
    # first: making the app sets up the file storages anew (uploads made before are lost)
    w.app = helpers._get_test_app()

    sysadmin = factories.Sysadmin(name="the-sysadmin")
    member = factories.User(name="member-a")
    outsider = factories.User(name="non-member")
    editor_b = factories.User(name="editor-b")
    org_a = factories.Organization(name="org-a", title="Organisation A", users=[
        {"name": member["name"], "capacity": "editor"}])
    org_b = factories.Organization(name="org-b", title="Organisation B", users=[
        {"name": editor_b["name"], "capacity": "editor"}])
    w.personas = {"anonymous": Persona("anonymous"),
                  "non-member": Persona("non-member", outsider, _token(outsider)),
                  "other-org-editor": Persona("other-org-editor", editor_b, _token(editor_b)),
                  "member": Persona("member", member, _token(member)),
                  "sysadmin": Persona("sysadmin", sysadmin, _token(sysadmin))}
    admin = {"user": sysadmin["name"]}
    _create(admin, name="a-public", owner_org=org_a["id"], title="A public dataset")
    # B's dataset shares a country, a population and a topic with P and overlaps in time:
    # P is one of its "other sources" for those who may see P
    _create(admin, name="b-public", owner_org=org_b["id"], title="B public dataset",
            countries=["SEN"], population_covered=["asylum_seekers"],
            topics=["forced_displacement"], creator=[{"name": "Producer B"}])
    for persona in ("non-member", "other-org-editor", "member", "sysadmin"):
        user = w.personas[persona].user["name"]
        helpers.call_action("follow_group", context={"user": user}, id=org_a["id"])
        if user != member["name"]:
            helpers.call_action("follow_user", context={"user": user}, id=member["id"])

    harvest = _harvest_source(admin, org_a["id"])
    w.names["r"] = _restricted(admin, org_a["id"])
    missing = {"mk": MARK, "p": "qz-no-such-dataset", "pid": str(uuid.uuid4()), "r": str(uuid.uuid4()),
               "u": str(uuid.uuid4()), "tag": "qz-no-such-tag", "q": "kwsecret",
               "correction": str(uuid.uuid4()), "activity": str(uuid.uuid4())}
    w.names["missing"] = missing
    model.Session.commit()

    # 1. the control: a public dataset of P's kind, seen anonymously, then deleted
    for path in PATHS:
        if "public" in path.shows:
            w.control_base[path.id] = w.fetch(path, path.control_as, "missing")
    w.names["control"] = _publish(CONTROL_MARK, "kwcontrol", "qzctrl-public", org_a["id"],
                                  member["name"], private=False, harvest=harvest)
    for path in PATHS:
        if "public" in path.shows:
            w.control[path.id] = w.fetch(path, path.control_as, "control")
    helpers.call_action("package_delete", context=dict(admin), id=w.names["control"]["pid"])
    model.Session.commit()

    # 2. the baseline: every path, every persona, names that do not exist; the dashboards'
    # "new items" count from here on
    for persona in PERSONAS[1:]:
        helpers.call_action("dashboard_mark_activities_old",
                            context={"user": w.personas[persona].user["name"]})
    model.Session.commit()
    for path in PATHS:
        for persona in _askers(path):
            w.baseline[path.id, persona] = w.fetch(path, persona, "missing")

    # 3. P, made by its organisation's editor
    w.names["p"] = _publish(MARK, "kwsecret", "qzleak-private", org_a["id"], member["name"],
                            private=True, harvest=harvest)
    for path in PATHS:
        for persona in _askers(path):
            w.after[path.id, persona] = w.fetch(path, persona, "p")
    for path in RESTRICTED_PATHS:
        for persona in PERSONAS:
            w.restricted[path.id, persona] = w.fetch(path, persona, "r")


def _askers(path):
    """The three personas, and those entitled ones that see P there."""
    return NEGATIVE + tuple(who for who in ENTITLED if who in path.shows)


def _restricted(admin, org):
    """R: restricted, a link and an upload whose names and contents carry R_MARK, the
    link's table in the DataStore."""
    pkg = _create(admin, name="restricted-r", owner_org=org, title="Restricted dataset",
                  access_rights="restricted",
                  resources=[{"url": "https://data.example.org/%surl.csv" % R_MARK,
                              "name": "Link", "format": "CSV"}])
    upload = helpers.call_action("resource_create", context=dict(admin), **{
        "upload": _upload("year,people\n2020,%supload\n" % R_MARK, "rfile.csv"),
        "package_id": pkg["id"], "name": "Upload", "format": "CSV"})
    _datastore(pkg["resources"][0]["id"], R_MARK, admin["user"])
    return {"rname": pkg["name"], "rr": pkg["resources"][0]["id"], "ru": upload["id"]}


def _datastore(resource_id, mark, user):
    helpers.call_action("datastore_create", context={"user": user},
                        resource_id=resource_id, force=True,
                        fields=[{"id": "year", "type": "int"}, {"id": "note", "type": "text"}],
                        records=[{"year": 2020, "note": "%sdatastore" % mark}])


def _creation(package_id):
    from ckanext.activity.model import Activity
    return model.Session.query(Activity.id).filter_by(
        object_id=package_id, activity_type="new package").one()[0]


def _diff(expected, got):
    import difflib
    lines = difflib.unified_diff(expected[2].splitlines(), got[2].splitlines(),
                                 "expected", "got", lineterm="", n=1)
    return "status %s/%s location %r/%r\n%s" % (expected[0], got[0], expected[1], got[1],
                                                "\n".join(list(lines)[:40]))


@pytest.mark.parametrize("persona", NEGATIVE)
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.id)
def test_private_dataset_not_leaked(world, path, persona):
    got = world.after[path.id, persona]
    assert leaks(got, world) == [], _diff(world.baseline[path.id, persona], got)
    expected = world.baseline[path.id, persona]
    if path.exception and got[0] != expected[0]:
        # CKAN's own answer: its status differs, the body says nothing about P
        assert got[0] == 403 and expected[0] in (404, 409), _diff(expected, got)
        return
    assert got == expected, _diff(expected, got)


ENTITLED_CASES = [(path, persona) for path in PATHS for persona in ENTITLED
                  if persona in path.shows]


@pytest.mark.parametrize("path,persona", ENTITLED_CASES,
                         ids=["%s-%s" % (p.id, who) for p, who in ENTITLED_CASES])
def test_private_dataset_visible_to_entitled(world, path, persona):
    """The check above fails for those who may see P: it would catch a leak here."""
    got = world.after[path.id, persona]
    assert got != world.baseline[path.id, persona]


PUBLIC_CASES = [path for path in PATHS if "public" in path.shows]


@pytest.mark.parametrize("path", PUBLIC_CASES, ids=lambda p: p.id)
def test_path_shows_a_public_dataset_of_that_kind(world, path):
    """With a public dataset of P's kind in place the anonymous answer changes: an
    unchanged answer for P is no accident of the path showing nothing."""
    assert world.control[path.id] != world.control_base[path.id]


@pytest.mark.parametrize("persona", NEGATIVE)
@pytest.mark.parametrize("path", RESTRICTED_PATHS, ids=lambda p: p.id)
def test_restricted_files_not_leaked(world, path, persona):
    """A restricted dataset's files (link, upload, DataStore rows) reach none of the three
    personas; refused paths answer 403 or 404 and nothing else."""
    status, location, body = world.restricted[path.id, persona]
    assert R_MARK not in (location + body).lower(), (status, location, body[:2000])
    if path.refused:
        assert status in (403, 404), (status, body[:500])
    if path.public:
        assert path.public in body


RESTRICTED_ENTITLED = [(path, who) for path in RESTRICTED_PATHS for who in ENTITLED
                       if who in path.shows]


@pytest.mark.parametrize("path,persona", RESTRICTED_ENTITLED,
                         ids=["%s-%s" % (p.id, who) for p, who in RESTRICTED_ENTITLED])
def test_restricted_files_reach_the_organisation(world, path, persona):
    """The same check fails for the organisation's member and a sysadmin."""
    status, location, body = world.restricted[path.id, persona]
    assert status in (200, 302) and R_MARK in (location + body).lower(), (status, location)


README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
SECTION = "## Restricted and private data: what leaks nowhere"


def _readme_rows():
    text = open(README, encoding="utf-8").read()
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {re.match(r"\| `([^`]+)`", row).group(1): row for row in rows}


def test_readme_table_lists_every_path_and_only_those():
    """The README's table cannot drift from the paths tested here."""
    rows = _readme_rows()
    tested = {p.id: "test_private_dataset_not_leaked" for p in PATHS}
    tested.update({p.id: "test_restricted_files_not_leaked" for p in RESTRICTED_PATHS})
    assert set(rows) == set(tested), (set(rows) ^ set(tested))
    for pid, test in tested.items():
        assert "`%s[%s-*]`" % (test, pid) in rows[pid], rows[pid]
        assert "tested, no leak" in rows[pid]


def test_every_path_can_fail_or_reads_no_dataset():
    """Each path has a check that fails somewhere (an entitled persona, a public dataset of
    P's kind), except those reading no dataset at all."""
    no_dataset = {"sitemap", "skos-index", "skos-glossary", "skos-migration"}
    assert {p.id for p in PATHS if not p.shows} == no_dataset
    assert [p.id for p in RESTRICTED_PATHS if not (p.shows or p.public)] == []
