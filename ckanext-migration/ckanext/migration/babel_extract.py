"""Babel extractor for the scheming schema: field labels and choice labels.

scheming shows a plain-string label through gettext (``h.scheming_language_text``), so
the labels of schemas/migration_dataset.yaml are interface strings like the templates'.
babel.cfg maps the schema to ``extract_scheming_labels`` (README "Languages").
Help texts and placeholders, which only editors see in the form, are not extracted.
"""
from __future__ import annotations

import yaml

KEYS = ("label",)


def _strings(fields):
    for field in fields or []:
        for key in KEYS:
            if isinstance(field.get(key), str):
                yield field[key]
        for choice in field.get("choices") or []:
            if isinstance(choice, dict) and isinstance(choice.get("label"), str):
                yield choice["label"]
        yield from _strings(field.get("repeating_subfields"))


def extract_scheming_labels(fileobj, keywords, comment_tags, options):
    """Babel extraction method: (lineno, funcname, message, comments) per label."""
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    schema = yaml.safe_load(text) or {}
    lines = text.splitlines()
    seen = set()
    for key in ("dataset_fields", "resource_fields"):
        for message in _strings(schema.get(key)):
            if message in seen:
                continue
            seen.add(message)
            lineno = next((i + 1 for i, line in enumerate(lines)
                           if line.rstrip().endswith(message) and "label" in line), 0)
            yield lineno, "_", message, []
