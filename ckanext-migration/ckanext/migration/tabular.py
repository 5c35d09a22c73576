"""Tabular resources on their way into the DataStore (ckanext-xloader does the loading).

* ``column_labels``: readable DataStore column labels for SDMX-CSV (from the file's own label
  columns, else from the concept names in ``harvest_registry/sdmx_concepts.yaml``), written
  into the data dictionary (``info.label``) that the datatables preview shows.
* A pre-flight check before every load: the file is fetched (harvesting's guarded HTTP for
  outside addresses), and one that is not a table, not UTF-8, badly quoted or too big is
  refused with a message saying what and where (line number), recorded as the xloader task's
  error. xloader never starts, so the previous good load stays in the DataStore.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import json
import logging
import os
import tempfile
import threading
import time
from functools import lru_cache

import requests
import yaml

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.migration.harvesting import http

log = logging.getLogger(__name__)

TEXT_FORMATS = {"csv", "tsv", "sdmx-csv", "text/csv", "text/tab-separated-values"}
XLSX_FORMATS = {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# SDMX-CSV columns that describe the message rather than the data
SDMX_STRUCTURAL = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION",
                   "LAST UPDATE"}
CONCEPTS_FILE = os.path.join(os.path.dirname(__file__), "harvest_registry", "sdmx_concepts.yaml")
CLEARED_KEY = "migration:xloader:cleared:%s"


class LoadRefused(Exception):
    """The file cannot be loaded; the message says what is wrong, where, and what to do."""


# --------------------------------------------------------------------------------------
# readable headers

@lru_cache(maxsize=1)
def sdmx_concepts() -> dict:
    with open(CONCEPTS_FILE, encoding="utf-8") as f:
        return {str(k): v for k, v in (yaml.safe_load(f) or {}).get("concepts", {}).items()}


def is_sdmx_csv(headers: list[str]) -> bool:
    return bool(headers) and headers[0].strip().upper() in ("DATAFLOW", "STRUCTURE")


def column_labels(headers: list[str]) -> dict:
    """{column: label} for the columns of an SDMX-CSV file ({} for any other table).

    SDMX-CSV 2.0 written with labels=both (a STRUCTURE_NAME column) follows each component's
    code column with a column headed by its name; otherwise the names come from the
    concepts file.
    """
    if not is_sdmx_csv(headers):
        return {}
    labels = {}
    upper = [h.strip().upper() for h in headers]
    if "STRUCTURE_NAME" in upper:
        components = [h for h in headers if h.strip().upper() not in SDMX_STRUCTURAL]
        for code, name in zip(components[0::2], components[1::2]):
            labels[code] = name.strip()
    concepts = sdmx_concepts()
    for header in headers:
        if header not in labels and header.strip().upper() not in SDMX_STRUCTURAL:
            known = concepts.get(header.strip()) or concepts.get(header.strip().lower())
            if known:
                labels[header] = known
    return labels


def label_fields(fields: list[dict]) -> None:
    """Give the DataStore fields about to be written their SDMX labels (in place); a label
    someone set in the data dictionary is kept."""
    labels = column_labels([f["id"] for f in fields])
    for field in fields:
        label = labels.get(field["id"])
        if not label:
            continue
        info = field.setdefault("info", {}) or {}
        field["info"] = info
        if not info.get("label"):
            info["label"] = label
            info.setdefault("notes", "SDMX component %s" % field["id"])


# --------------------------------------------------------------------------------------
# pre-flight check

def _fmt(resource: dict) -> str:
    return (resource.get("format") or "").strip().lower()


def _max_bytes() -> int:
    return int(tk.config.get("ckanext.xloader.max_content_length") or 1_000_000_000)


def _download(resource: dict, out) -> int:
    url = resource.get("url") or ""
    if resource.get("url_type") == "upload":
        # our own site's file: xloader fetches it the same way (its token, its address)
        from ckanext.xloader.utils import get_xloader_user_apitoken, modify_input_url
        response = requests.get(modify_input_url(url), stream=True, timeout=60, headers={
            tk.config.get("apitoken_header_name", "Authorization"): get_xloader_user_apitoken()})
        with response:
            return http.copy_body(response, url, out, _max_bytes())
    return http.fetch_to_file(url, out, _max_bytes())


def _sniff_not_a_table(head: bytes) -> str | None:
    start = head.lstrip()[:200].lower()
    if start.startswith(b"%pdf"):
        return "it is a PDF document"
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start[:100]:
        return "it is an HTML page (the link may point to a web page, not to the data file)"
    if start.startswith(b"pk\x03\x04"):
        return "it is a ZIP archive (or a spreadsheet saved with another format name)"
    if b"\x00" in head[:4096]:
        return "it is a binary file"
    return None


def check_text_table(path: str, delimiter: str | None = None) -> int:
    """Rows of a CSV/TSV file that xloader can load, or LoadRefused saying what and where."""
    with open(path, "rb") as f:
        head = f.read(8192)
    why = _sniff_not_a_table(head)
    if why:
        raise LoadRefused("Not a table: %s." % why)
    # decoded line by line (memory flat) so that a bad byte is reported with its line
    def lines():
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        with open(path, "rb") as f:
            for number, raw in enumerate(f, start=1):
                try:
                    yield decoder.decode(raw)
                except UnicodeDecodeError as e:
                    raise LoadRefused(
                        "Not UTF-8: byte 0x%02x on line %d, column %d cannot be read as "
                        "UTF-8. Save the file with UTF-8 encoding and upload it again."
                        % (raw[e.start], number, e.start + 1))

    first = head.decode("utf-8-sig", errors="replace").splitlines()[0] if head.strip() else ""
    if not first.strip():
        raise LoadRefused("Not a table: the file is empty or its first line (the header) is "
                          "blank.")
    if delimiter is None:
        delimiter = max((",", ";", "\t", "|"), key=first.count)
        if first.count(delimiter) == 0:
            delimiter = ","
    reader = csv.reader(lines(), delimiter=delimiter, strict=True)
    header, width, rows = None, 0, 0
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise LoadRefused("Broken quoting in the row that starts on line %d: %s. Check "
                              "that every quoted field is closed and that quotes inside a "
                              "field are doubled." % (start, e))
        if header is None:
            header, width = row, len(row)
            if not any(h.strip() for h in header):
                raise LoadRefused("Not a table: the header line has no column names.")
            continue
        if not row or not any(cell.strip() for cell in row):
            continue
        rows += 1
        # xloader drops surplus blank cells; anything else is a misplaced quote or delimiter
        if len(row) < width or any(cell.strip() for cell in row[width:]):
            where = "line %d" % start if reader.line_num == start else \
                "lines %d-%d" % (start, reader.line_num)
            raise LoadRefused(
                "Row %d (%s) has %d fields where the header has %d: a quote or delimiter is "
                "probably misplaced there." % (rows, where, len(row), width))
    return rows


def check_xlsx(path: str) -> int:
    import openpyxl
    with open(path, "rb") as f:
        why = _sniff_not_a_table(f.read(8192))
    if why and not why.startswith("it is a ZIP"):
        raise LoadRefused("Not a table: %s." % why)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise LoadRefused("Not a readable XLSX workbook: %s." % e)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if not header or not any(cell not in (None, "") for cell in header):
            raise LoadRefused("Not a table: the first sheet (%s) has no header row."
                              % sheet.title)
        return sum(1 for row in rows if any(cell not in (None, "") for cell in row))
    finally:
        workbook.close()


def check_file(resource: dict, path: str) -> int:
    fmt = _fmt(resource)
    if fmt in XLSX_FORMATS:
        return check_xlsx(path)
    if fmt in TEXT_FORMATS:
        return check_text_table(path, "\t" if "tab" in fmt or fmt == "tsv" else None)
    return -1  # other formats: xloader's own checks


def record_refusal(resource_id: str, message: str) -> None:
    """The refusal as the xloader task's error, where xloader_status and the pages read it."""
    context = {"ignore_auth": True, "user": _site_user()}
    tk.get_action("task_status_update")(context, {
        "entity_id": resource_id, "entity_type": "resource", "task_type": "xloader",
        "key": "xloader", "state": "error", "value": json.dumps({"job_id": None}),
        "error": json.dumps({"message": message}),
        "last_updated": datetime.datetime.utcnow().isoformat()})


def _site_user() -> str:
    return tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


def _redis():
    from ckan.lib.redis import connect_to_redis
    return connect_to_redis()


def can_upload(resource_id: str) -> bool:
    """IXloader.can_upload: a resource goes to xloader only after its pre-flight check."""
    if _redis().delete(CLEARED_KEY % resource_id):
        return True
    queue_preflight(resource_id)
    return False


PREFLIGHT_TIMEOUT = 3600
_held = threading.local()


def _title(resource_id: str) -> str:
    return "pre-flight check of resource %s" % resource_id


def queue_preflight(resource_id: str) -> None:
    tk.enqueue_job(preflight, [resource_id], title=_title(resource_id),
                   rq_kwargs={"timeout": PREFLIGHT_TIMEOUT})


@contextlib.contextmanager
def preflights_held():
    """Within this block (this thread), the pre-flight checks :func:`queue_new_dataset`
    would queue are collected in the list it yields instead: a harvest batch queues them
    with :func:`queue_preflights` once its transaction has committed (a job queued before
    would look for a resource not yet saved), and drops them when it rolls back."""
    held: list = []
    _held.ids = held
    try:
        yield held
    finally:
        _held.ids = None


def queue_preflights(resource_ids) -> int:
    """The pre-flight checks of ``resource_ids`` in one Redis round trip (as
    :func:`queue_preflight` queues each: same function, title and timeout); how many."""
    if not resource_ids:
        return 0
    from ckan.lib.jobs import get_queue
    from redis.exceptions import RedisError
    from rq import Queue
    try:
        queue = get_queue()
        jobs = [Queue.prepare_data(preflight, [resource_id], timeout=PREFLIGHT_TIMEOUT,
                                   meta={"title": _title(resource_id)})
                for resource_id in resource_ids]
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many(jobs, pipeline=pipe)
            pipe.execute()
    except RedisError as e:
        # the datasets are saved: a job queue that is down (Redis restarting) must not
        # undo them or stop the harvest consumer writing them
        log.warning("pre-flight checks of %d resources not queued (%s); "
                    "`ckan xloader submit` loads them later", len(resource_ids), e)
        return 0
    return len(resource_ids)


def queue_new_dataset(pkg_dict: dict) -> int:
    """Queue the tabular resources of a dataset just created (a harvest, the API): xloader
    itself only reacts to resource_create and to a changed URL. Returns how many (held
    ones included, see :func:`preflights_held`)."""
    import ckan.plugins as p
    if not p.plugin_loaded("xloader"):
        return 0
    from ckanext.xloader.utils import XLoaderFormats
    ids = [resource["id"] for resource in pkg_dict.get("resources") or []
           if resource.get("id") and resource.get("url_type") not in ("datastore", "xloader")
           and XLoaderFormats.is_it_an_xloader_format(resource.get("format") or "")]
    held = getattr(_held, "ids", None)
    if held is not None:
        held.extend(ids)
        return len(ids)
    return queue_preflights(ids)


def preflight(resource_id: str) -> None:
    """Background job: check the file, then hand it to xloader, or record why not."""
    context = {"ignore_auth": True, "user": _site_user()}
    # queued by package_create before its commit: give the commit a moment
    for attempt in range(30):
        try:
            resource = tk.get_action("resource_show")(dict(context), {"id": resource_id})
            break
        except tk.ObjectNotFound:
            if attempt == 29:
                log.warning("resource %s not found: nothing to load", resource_id)
                return
            time.sleep(1)
            model.Session.remove()
    # openpyxl goes by the file name's extension
    suffix = ".xlsx" if _fmt(resource) in XLSX_FORMATS else ".data"
    with tempfile.NamedTemporaryFile(prefix="migration-preflight-", suffix=suffix) as tmp:
        try:
            size = _download(resource, tmp)
            tmp.flush()
            rows = check_file(resource, tmp.name)
        except http.FetchError as e:
            message = "Could not fetch the file: %s" % e
            if "byte limit" in str(e):
                message += (". Files over %d MB are not loaded into the DataStore "
                            "(ckanext.xloader.max_content_length); the original stays "
                            "downloadable." % (_max_bytes() // 1_000_000))
            log.warning("resource %s refused: %s", resource_id, message)
            record_refusal(resource_id, message)
            return
        except LoadRefused as e:
            log.warning("resource %s refused: %s", resource_id, e)
            record_refusal(resource_id, str(e))
            return
    log.info("resource %s passed its pre-flight check (%d bytes, %d rows)",
             resource_id, size, rows)
    _redis().setex(CLEARED_KEY % resource_id, 3600, "1")
    tk.get_action("xloader_submit")(context, {"resource_id": resource_id,
                                              "ignore_hash": True})


def load_status(resource: dict) -> dict | None:
    """What the resource page says about the resource's DataStore load (None: nothing)."""
    if _fmt(resource) not in TEXT_FORMATS | XLSX_FORMATS | {"xls"}:
        return None
    try:
        status = tk.get_action("xloader_status")({"ignore_auth": True},
                                                 {"resource_id": resource["id"]})
    except (tk.ObjectNotFound, KeyError):
        return None
    error = status.get("error") or {}
    message = error.get("message") if isinstance(error, dict) else str(error)
    return {"status": status.get("status"), "message": message,
            "last_updated": status.get("last_updated"),
            "kept_previous": bool(resource.get("datastore_active"))}

