"""Flask blueprints, one module per page family; templates in ``templates/migration/``."""
from ckanext.migration.views import country, coverage, export, links, objective, vocabulary
from ckanext.migration.views import harvest_dashboard
from ckanext.migration.views import corrections
from ckanext.migration.views import access
from ckanext.migration.views import compare
from ckanext.migration.views import glossary
from ckanext.migration.views import handbook
from ckanext.migration.views import harvest_source_form


def get_blueprints():
    blueprints = [corrections.corrections, access.access_bp]
    return blueprints + [country.country, objective.objective, coverage.coverage, export.export,
            vocabulary.vocabulary, links.links, compare.compare,
            glossary.glossary,
            harvest_dashboard.harvest_dashboard,
            handbook.handbook,
            harvest_source_form.harvest_source_form]
