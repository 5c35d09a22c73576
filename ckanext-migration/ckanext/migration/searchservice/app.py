"""The HTTP face of the service: Solr's URL layout, parameters and JSON shapes."""
from __future__ import annotations

import json
import logging
import re
import time

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import SERVICE_NAME, __version__
from .answers import AnswerCache
from .errors import BadRequest
from .request import Params, parse_select
from .select import select
from .updates import parse_json, parse_xml

try:
    import orjson
except ImportError:  # optional: only faster
    orjson = None

log = logging.getLogger(__name__)

FORM_LIMIT = 2048 * 1024
_CORE = "<core>"
_CORE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
URLS = Map([
    Rule("/solr/%s/select" % _CORE, endpoint="select"),
    Rule("/solr/%s/query" % _CORE, endpoint="select"),
    Rule("/solr/%s/update" % _CORE, endpoint="update"),
    Rule("/solr/%s/update/json" % _CORE, endpoint="update"),
    Rule("/solr/%s/update/xml" % _CORE, endpoint="update"),
    Rule("/solr/%s/schema" % _CORE, endpoint="schema"),
    Rule("/solr/%s/admin/file" % _CORE, endpoint="file"),
    Rule("/solr/%s/admin/ping" % _CORE, endpoint="ping"),
    Rule("/solr/admin/cores", endpoint="cores"),
    Rule("/solr/admin/info/system", endpoint="system"),
], strict_slashes=False)


def _json(data, status=200) -> Response:
    return Response(dumps_response(data), status=status,
                    content_type="application/json; charset=utf-8")


def dumps_response(data) -> bytes:
    """A response body: orjson (several times faster on pages of stored documents) unless
    a value needs Python's writer (NaN, integers over 64 bits, non-string keys)."""
    if orjson is not None:
        try:
            out = orjson.dumps(data)
        except TypeError:
            pass
        else:
            # orjson writes NaN and infinities as null, Solr (and json) as NaN/Infinity
            if b"null" not in out or _all_finite(data):
                return out
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _all_finite(data) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if type(item) is float:
            if item != item or item in (_INF, -_INF):
                return False
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return True


_INF = float("inf")


def solr_error(message: str, code: int = 400, qtime: int = 0) -> Response:
    body = {"responseHeader": {"status": code, "QTime": qtime},
            "error": {"metadata": ["error-class", "org.apache.solr.common.SolrException",
                                   "root-error-class", "org.apache.solr.common.SolrException"],
                      "msg": message, "code": code}}
    return _json(body, code)


class SearchApp:
    """A WSGI application serving the cores of a ``CoreRegistry``."""

    def __init__(self, registry):
        self.registry = registry

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.max_content_length = None
        # form bodies (POST /select) up to Solr's default formdataUploadLimitInKB
        request.max_form_memory_size = FORM_LIMIT
        started = time.perf_counter()
        try:
            endpoint, args = URLS.bind_to_environ(environ).match()
            response = getattr(self, "on_" + endpoint)(request, started, **args)
        except BadRequest as e:
            response = solr_error(str(e), 400, _qtime(started))
        except NotFound:
            response = solr_error("Not Found: %s" % request.path, 404)
        except HTTPException as e:  # 405, 413...: Solr's error body, like every error
            if (e.code or 500) < 400:
                response = e.get_response(environ)
            else:
                response = solr_error("%s: %s" % (e.name, e.description), e.code or 500,
                                      _qtime(started))
        except Exception as e:  # the service must answer, and keep running
            log.exception("internal error on %s", request.path)
            response = solr_error("Internal error: %s" % e, 500, _qtime(started))
        return response(environ, start_response)

    def _core(self, name):
        if not _CORE_NAME.match(name):
            raise BadRequest("Invalid core name '%s'" % name)
        try:
            return self.registry.get(name)
        except KeyError:
            raise NotFound()

    @staticmethod
    def _params(request) -> Params:
        pairs = list(request.args.items(multi=True))
        if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
            pairs += list(request.form.items(multi=True))
        return Params(pairs)

    def _header(self, params, started, status=0) -> dict:
        header = {"status": status, "QTime": _qtime(started)}
        if params.get("echoParams", "explicit") != "none":
            header["params"] = params.echo()
        return header

    def on_select(self, request, started, core):
        params = self._params(request)
        wt = params.get("wt", "json")
        if wt not in ("json", "python"):
            raise BadRequest("Unsupported response writer wt=%s (only json)" % wt)
        target = self._core(core)
        generation = target.generation  # before the search takes its reader
        parsed = parse_select(target, params)
        key = AnswerCache.key(generation, params.echo_pairs()) if parsed.rows == 0 else None
        answer = target.answer_cache.get(key) if key is not None else None
        if answer is None:
            answer = select(target, parsed)
            if key is not None:
                target.answer_cache.put(key, answer)
        body = {"responseHeader": {}}
        body.update(answer)
        body["responseHeader"] = self._header(params, started)
        return _json(body)

    def on_update(self, request, started, core):
        target = self._core(core)
        params = self._params(request)
        body = request.get_data()
        if body.strip():
            mimetype = request.mimetype or ""
            if "json" in mimetype or request.path.rstrip("/").endswith("/json"):
                commands = parse_json(body)
            elif body.lstrip()[:1] in (b"[", b"{"):
                commands = parse_json(body)
            else:
                commands = parse_xml(body)
        else:
            commands = []
        # validate every document first, so a bad request writes nothing
        for name, payload in commands:
            if name == "add":
                payload["docs"] = [target.doc_builder.normalise(doc)
                                   for doc in payload["docs"]]
            elif name == "delete":
                for text in payload["queries"]:
                    target.queries.lucene(text, df="text")
        for name, payload in commands:
            if name == "add":
                target.add(payload["docs"], payload["overwrite"], normalised=True)
            elif name == "delete":
                if payload["ids"]:
                    target.delete_ids(payload["ids"])
                for text in payload["queries"]:
                    target.delete_query(text)
            elif name == "commit":
                target.commit()
            elif name == "rollback":
                target.rollback()
        if _true(params.get("commit")) or _true(params.get("softCommit")) or \
                _true(params.get("optimize")):
            target.commit()
        return _json({"responseHeader": {"status": 0, "QTime": _qtime(started)}})

    def on_schema(self, request, started, core):
        target = self._core(core)
        params = self._params(request)
        if params.get("wt") == "schema.xml":
            return Response(target.solr_schema.raw, content_type="application/xml")
        schema = target.solr_schema
        fields = [{"name": fd.name, "type": fd.type.name, "indexed": fd.indexed,
                   "stored": fd.stored, "multiValued": fd.multi}
                  for fd in schema.fields.values()]
        return _json({"responseHeader": self._header(params, started),
                      "schema": {"name": schema.name, "version": schema.version,
                                 "uniqueKey": schema.unique_key, "fields": fields,
                                 "dynamicFields": [{"name": d.name, "type": d.type.name}
                                                   for d in schema.dynamic],
                                 "copyFields": [{"source": s, "dest": d}
                                                for s, d in schema.copy_fields]}})

    def on_file(self, request, started, core):
        target = self._core(core)
        name = request.args.get("file", "")
        if name not in ("schema.xml", "managed-schema", "managed-schema.xml"):
            raise NotFound()
        return Response(target.solr_schema.raw, content_type="application/xml")

    def on_ping(self, request, started, core):
        target = self._core(core)
        params = self._params(request)
        return _json({"responseHeader": self._header(params, started), "status": "OK",
                      "service": SERVICE_NAME, "version": __version__,
                      "numDocs": target.num_docs()})

    def on_cores(self, request, started):
        params = self._params(request)
        action = (params.get("action") or "STATUS").upper()
        if action == "CREATE":
            name = params.get("name") or ""
            if not _CORE_NAME.match(name):
                raise BadRequest("Invalid core name '%s'" % name)
            self.registry.get(name)
            return _json({"responseHeader": self._header(params, started), "core": name})
        if action != "STATUS":
            raise BadRequest("Unsupported CoreAdmin action %s" % action)
        status = {}
        for name in self.registry.names():
            status[name] = {"name": name, "instanceDir": self.registry.data_dir + "/" + name}
        return _json({"responseHeader": self._header(params, started), "status": status})

    def on_system(self, request, started):
        return _json({"responseHeader": {"status": 0, "QTime": _qtime(started)},
                      "lucene": {"solr-spec-version": "9.0.0-%s-%s"
                                 % (SERVICE_NAME, __version__)},
                      "service": SERVICE_NAME, "version": __version__})


def _qtime(started) -> int:
    return int((time.perf_counter() - started) * 1000)


def _true(value) -> bool:
    return str(value).lower() == "true" if value is not None else False
