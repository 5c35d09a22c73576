"""Flask blueprints, one module per page family; templates in ``templates/migration/``."""
from ckanext.migration.views import vocabulary


def get_blueprints():
    return [vocabulary.vocabulary]
