"""Moved to tests/profiles/; kept only for test_dcat_roundtrip's import (no tests here)."""
from .profiles.utils import VARIANTS, migration_fields

__all__ = ["VARIANTS", "migration_fields"]
