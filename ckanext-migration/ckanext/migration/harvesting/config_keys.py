"""The harvest sources' configuration keys (harvest_registry/config_keys.yaml): what
each means and the JSON type it takes, checked on save naming the key."""
from __future__ import annotations

import functools
import json
import os

import yaml

from ckanext.migration.harvesting.mapping import REGISTRY_DIR

KEYS_FILE = os.path.join(REGISTRY_DIR, "config_keys.yaml")
_TYPES = {
    "string": (lambda v: isinstance(v, str), "a string"),
    "integer": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "number": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
               or isinstance(v, str), "a number"),
    "object": (lambda v: isinstance(v, dict), "an object"),
    "list_of_strings": (lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
                        "a list of strings"),
    "list_of_integers": (lambda v: isinstance(v, list) and all(
        isinstance(i, int) and not isinstance(i, bool) for i in v), "a list of integers"),
    "list_of_objects": (lambda v: isinstance(v, list) and all(isinstance(i, dict) for i in v),
                        "a list of objects"),
}


@functools.lru_cache(maxsize=1)
def _load() -> dict:
    with open(KEYS_FILE) as f:
        data = yaml.safe_load(f)
    for key, spec in data["keys"].items():
        if spec.get("type") not in _TYPES or not spec.get("description"):
            raise ValueError("%s: key %r needs a known type and a description"
                             % (KEYS_FILE, key))
    return data


def spec(key: str) -> dict:
    """{type, description} of a configuration key ({} when undocumented)."""
    return _load()["keys"].get(key) or {}


def defaults_keys() -> list:
    return list(_load()["defaults"])


def stock_keys(harvester_name: str) -> list:
    return list((_load().get("stock") or {}).get(harvester_name) or [])


def type_label(key: str) -> str:
    kind = spec(key).get("type")
    return _TYPES[kind][1] if kind else ""


def check(parsed: dict) -> None:
    """ValueError naming the first key whose value has the wrong type, or a ``defaults``
    entry the mapping does not read."""
    for key, value in parsed.items():
        kind = spec(key).get("type")
        if kind and not _TYPES[kind][0](value):
            raise ValueError("'%s' must be %s, not %s" % (key, _TYPES[kind][1],
                                                          json.dumps(value)))
    unknown = sorted(set(parsed.get("defaults") or {}) - set(defaults_keys()))
    if unknown:
        raise ValueError("'defaults' has unknown keys %s; allowed: %s"
                         % (", ".join(unknown), ", ".join(defaults_keys())))
