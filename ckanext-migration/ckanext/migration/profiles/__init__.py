"""The migration DCAT-AP profile, split as ckanext-dcat splits its own.

``base`` holds namespaces, constants and shared helpers; ``serialize`` writes the migration
fields, ``parse`` reads them back, ``conformance`` fixes what euro_dcat_ap_3 writes for the
DCAT-AP 3 shapes; ``migration_dcat_ap`` composes the profile (entry point
``ckanext.migration.profiles:MigrationDCATAPProfile``).
"""
from .base import DATA_COLLECTION, DQV, MIG, OA, QB, SAMPLE_SIZE, SDMX_ATTR, STAT
from .migration_dcat_ap import MigrationDCATAPProfile

__all__ = ["MigrationDCATAPProfile", "DATA_COLLECTION", "DQV", "MIG", "OA", "QB",
           "SAMPLE_SIZE", "SDMX_ATTR", "STAT"]
