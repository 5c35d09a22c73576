"""Validators of the migration dataset schema: specific, field-level messages (in the
visitor's language: tk._, README "Languages")."""
from __future__ import annotations

import datetime as dt
import json
import re

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import StopOnError, missing
from ckanext.scheming.validation import scheming_validator

from ckanext.migration import countries, vocab

_THOUSANDS = re.compile(r"^\d{1,3}(?:[ ,]\d{3})+$")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _empty(value) -> bool:
    return value is missing or value is None or value == "" or value == []


def migration_non_negative_integer(value):
    """A whole number of 0 or more (thousands separators accepted: ``1,000``)."""
    if _empty(value):
        return value
    if isinstance(value, bool):
        raise tk.Invalid(tk._("must be a whole number of 0 or more"))
    if isinstance(value, str):
        text = value.strip()
        if _THOUSANDS.match(text):
            text = re.sub(r"[ ,]", "", text)
        if not text.isdigit():
            raise tk.Invalid(tk._("must be a whole number of 0 or more, got %r") % value)
        return int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < 0:
        raise tk.Invalid(tk._("must be a whole number of 0 or more, got %r") % (value,))
    return value


def _unknown_message(name: str, value) -> str:
    if name == "countries":
        return tk._("%r is not an ISO 3166-1 alpha-3 code") % (value,)
    if name == "gcm_objectives":
        return tk._("%s is not an objective (1-23)") % (value,)
    if name == "regions":
        return tk._("%r is not a UN M49 region code") % (value,)
    codes = vocab.get_vocabulary(name).codes()
    return tk._("%r is not one of: %s") % (value, ", ".join(codes))


def _normalise(vocabulary, value, value_attr: str):
    """The stored form of one value (code, or URI with value_attr=uri), or None."""
    text = str(value).strip()
    if vocabulary.name == "countries":
        text = countries.to_iso3(text, lenient=False) or text
    term = vocabulary.get(text) or vocabulary.get(text.upper()) or vocabulary.by_uri(text)
    if term is None and vocabulary.name == "regions" and text.isdigit():
        term = vocabulary.get(text.zfill(3))
    if term is None and vocabulary.name == "gcm_objectives":
        digits = re.sub(r"^(?:objective\s*)", "", text, flags=re.I)
        term = vocabulary.get(digits.lstrip("0") or digits)
    if term is None:
        return None
    return term.uri if value_attr == "uri" else term.code


def _parse_list(value) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                raise tk.Invalid(tk._("is not a valid JSON list: %r") % value)
            if isinstance(parsed, list):
                return parsed
        return [part for part in re.split(r"\s*,\s*", text) if part]
    return [value]


@scheming_validator
def migration_vocabulary_multiple(field, schema):
    """Zero or more terms of ``field['vocabulary']``, stored as a JSON list of codes."""
    vocabulary = vocab.get_vocabulary(field["vocabulary"])
    value_attr = field.get("value_attr", "code")

    def validator(key, data, errors, context):
        if errors[key]:
            return
        value = data[key]
        if _empty(value):
            data[key] = json.dumps([])
            return
        try:
            values = _parse_list(value)
        except tk.Invalid as e:
            errors[key].append(e.error)
            return
        out = []
        for item in values:
            stored = _normalise(vocabulary, item, value_attr)
            if stored is None:
                errors[key].append(_unknown_message(vocabulary.name, item))
            elif stored not in out:
                out.append(stored)
        if not errors[key]:
            data[key] = json.dumps(out)

    return validator


@scheming_validator
def migration_vocabulary_single(field, schema):
    """One term of ``field['vocabulary']`` (or nothing)."""
    vocabulary = vocab.get_vocabulary(field["vocabulary"])
    value_attr = field.get("value_attr", "code")

    def validator(value):
        if _empty(value):
            return missing
        stored = _normalise(vocabulary, value, value_attr)
        if stored is None:
            raise tk.Invalid(_unknown_message(vocabulary.name, value))
        return stored

    return validator


def _bounds(value):
    """(earliest, latest) dates a date, year-month or year value may mean."""
    if isinstance(value, dt.datetime):
        return value.date(), value.date()
    if isinstance(value, dt.date):
        return value, value
    m = _PARTIAL_DATE.match(str(value).strip())
    if not m:
        return None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if day:
            d = dt.date(year, int(month), int(day))
            return d, d
        if month:
            first = dt.date(year, int(month), 1)
            nxt = dt.date(year + (month == "12"), int(month) % 12 + 1, 1)
            return first, nxt - dt.timedelta(days=1)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError:
        return None


def migration_end_not_before_start(key, data, errors, context):
    """In a collection period, the end may not be before the start."""
    end = data.get(key)
    start = data.get(key[:-1] + ("start",))
    if _empty(end) or _empty(start):
        return
    end_b, start_b = _bounds(end), _bounds(start)
    if end_b and start_b and end_b[1] < start_b[0]:
        errors[key].append(tk._("collection end (%s) is before start (%s)") % (end, start))


# --- metadata in several languages (ckanext/migration/multilingual.py) ----------------------

def _translations_input(key, data, errors):
    """The raw ``*_translated`` input: a dict, its JSON text, or the form's ``<field>-<lang>``
    inputs; None when nothing was given, False after an error."""
    value = data.get(key, missing)
    name = key[-1]
    if _empty(value):
        extras = data.get(key[:-1] + ("__extras",)) or {}
        prefix = name + "-"
        given = {k[len(prefix):]: extras.pop(k) for k in list(extras) if k.startswith(prefix)}
        return given or None
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            errors[key].append(tk._("%(field)s: not a JSON object of texts per language")
                               % {"field": name})
            return False
    if not isinstance(value, dict):
        errors[key].append(tk._("%(field)s: expecting an object of texts per language, "
                                "e.g. {\"fr\": \"...\"}") % {"field": name})
        return False
    return value


def migration_translated_text(key, data, errors, context):
    """A field given per language (ckanext-fluent's convention): ``{"en": ..., "fr": ...}``
    for the languages of ``multilingual.LANGUAGES``, stored as JSON text. The original text
    stays in the field itself (``title`` for ``title_translated``); when it is in none of the
    translations it is added as the site's default language's."""
    from ckanext.migration import multilingual
    if errors[key]:
        return
    value = _translations_input(key, data, errors)
    if value is False:
        return
    name = key[-1]
    out = {}
    for lang, text in (value or {}).items():
        if lang not in multilingual.LANGUAGES:
            errors[key].append(tk._("%(field)s: language %(lang)r is not one of %(langs)s") % {
                "field": name, "lang": lang, "langs": ", ".join(multilingual.LANGUAGES)})
        elif text is None or text == "":
            continue
        elif not isinstance(text, str):
            errors[key].append(tk._("%(field)s: the %(lang)r value is not text: %(value)r") % {
                "field": name, "lang": lang, "value": text})
        elif text.strip():
            out[lang] = text
    if errors[key]:
        return
    if not out:
        data.pop(key, None)
        raise StopOnError
    original_key = key[:-1] + (name[:-len("_translated")],)
    original = data.get(original_key)
    if isinstance(original, str) and original.strip() and \
            original.strip() not in {t.strip() for t in out.values()}:
        default = multilingual.DEFAULT_LANG
        if default in out:
            errors[key].append(tk._(
                "%(field)s: the %(lang)r text differs from %(original)s, which holds the "
                "original-language text: give the same text, or the original in its "
                "language") % {"field": name, "lang": default, "original": original_key[-1]})
            return
        out[default] = original
    data[key] = json.dumps(out, ensure_ascii=False, sort_keys=True)


def migration_translated_output(value):
    """The stored JSON text of a ``*_translated`` field as a dict."""
    from ckanext.migration import multilingual
    return multilingual.as_translations(value)


def get_validators() -> dict:
    return {f.__name__: f for f in (
        migration_non_negative_integer, migration_vocabulary_multiple,
        migration_vocabulary_single, migration_end_not_before_start,
        migration_translated_text, migration_translated_output)}
