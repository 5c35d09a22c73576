"""Write-only XLSX pieces shared by the search export (export.py) and the DataStore
download (download.py): text cells that never become formulas, bold headers, the workbook
saved to a temporary file and streamed back from it."""
from __future__ import annotations

import json
import tempfile

CHUNK = 64 * 1024


def text_converter(sheet):
    """value -> cell value: text without the characters XLSX cannot hold, and kept as text
    where Excel would read a formula or an error value; other values as JSON text."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

    def convert(value):
        if value is None:
            return None
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("=") or value in ERROR_CODES:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # text, never a formula or an error value
            return cell
        return value
    return convert


def bold(sheet, value):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    cell.data_type = "s"
    return cell


def save(workbook):
    """The workbook in a temporary file at position 0 (memory stays flat); the caller
    closes it, e.g. through ``file_chunks``."""
    out = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        workbook.save(out)
    except Exception:
        out.close()
        raise
    out.seek(0)
    return out


def file_chunks(f):
    """A response body read from ``f``, closed at the end."""
    try:
        while chunk := f.read(CHUNK):
            yield chunk
    finally:
        f.close()
