"""Flask blueprints, one module per page family; templates in ``templates/migration/``."""
from ckanext.migration.views import export, vocabulary


def get_blueprints():
    return [export.export, vocabulary.vocabulary]
