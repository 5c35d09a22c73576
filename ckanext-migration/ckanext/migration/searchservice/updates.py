"""Parse Solr ``/update`` bodies (XML and JSON) into a list of commands."""
from __future__ import annotations

import json

from lxml import etree

from .documents import loads
from .errors import BadRequest

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                          remove_comments=True, load_dtd=False)


def _truthy(value, default=True) -> bool:
    if value is None:
        return default
    return str(value).strip().lower() == "true"


def parse_xml(body: bytes) -> list:
    """[(command, payload)] from a Solr XML update message."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as e:
        raise BadRequest("Invalid XML in update request: %s" % e)
    nodes = list(root) if root.tag == "update" else [root]
    commands = []
    for node in nodes:
        if not isinstance(node.tag, str):
            continue
        if node.tag == "add":
            docs = []
            for doc_node in node.iter("doc"):
                doc = {}
                for f in doc_node.findall("field"):
                    name = f.get("name")
                    if name is None:
                        raise BadRequest("<field> without a name attribute")
                    if _truthy(f.get("null"), False):
                        continue
                    value = f.text or ""
                    if name in doc:
                        prev = doc[name]
                        doc[name] = (prev if isinstance(prev, list) else [prev]) + [value]
                    else:
                        doc[name] = value
                docs.append(doc)
            commands.append(("add", {"docs": docs,
                                     "overwrite": _truthy(node.get("overwrite"))}))
        elif node.tag == "delete":
            ids = [(n.text or "").strip() for n in node.findall("id")]
            queries = [(n.text or "").strip() for n in node.findall("query")]
            commands.append(("delete", {"ids": ids, "queries": queries}))
        elif node.tag in ("commit", "optimize"):
            commands.append(("commit", {}))
        elif node.tag == "rollback":
            commands.append(("rollback", {}))
        else:
            raise BadRequest("Unexpected update command <%s>" % node.tag)
    return commands


class _Pairs(list):
    """A JSON object kept as its (key, value) pairs: Solr allows repeated keys."""


def parse_json(body: bytes) -> list:
    """[(command, payload)] from a Solr JSON update message (array of docs or commands)."""
    text = body or b"null"
    try:
        if text.lstrip()[:1] in (b"[", "["):
            # an array of documents (what CKAN sends): repeated keys in a document keep
            # the last value either way, and the plain decoder is several times faster
            docs = loads(text)
            if not all(isinstance(d, dict) for d in docs):
                raise BadRequest("A JSON update array must hold documents (objects)")
            return [("add", {"docs": docs, "overwrite": True})]
        data = json.loads(text, object_pairs_hook=_Pairs)
    except ValueError as e:
        raise BadRequest("Invalid JSON in update request: %s" % e)

    def as_dict(value):
        if isinstance(value, _Pairs):
            return {k: as_dict(v) for k, v in value}
        if isinstance(value, list):
            return [as_dict(v) for v in value]
        return value

    if isinstance(data, list) and not isinstance(data, _Pairs):
        docs = [as_dict(d) for d in data]
        if not all(isinstance(d, dict) for d in docs):
            raise BadRequest("A JSON update array must hold documents (objects)")
        return [("add", {"docs": docs, "overwrite": True})]
    if not isinstance(data, _Pairs):
        raise BadRequest("A JSON update must be an array of documents or an object of commands")
    commands = []
    for key, value in data:
        value = as_dict(value)
        if key == "add":
            if not isinstance(value, dict) or not isinstance(value.get("doc"), dict):
                raise BadRequest("'add' needs an object with a 'doc' object")
            commands.append(("add", {"docs": [value["doc"]],
                                     "overwrite": _truthy(value.get("overwrite"))}))
        elif key == "delete":
            ids, queries = [], []
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, dict):
                    if "id" in item:
                        ids.append(str(item["id"]))
                    if "query" in item:
                        queries.append(item["query"])
                else:
                    ids.append(str(item))
            commands.append(("delete", {"ids": ids, "queries": queries}))
        elif key in ("commit", "optimize"):
            commands.append(("commit", {}))
        elif key == "rollback":
            commands.append(("rollback", {}))
        else:
            raise BadRequest("Unknown JSON update command '%s'" % key)
    return commands
