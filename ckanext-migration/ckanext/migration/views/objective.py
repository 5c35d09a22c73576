"""GCM objective pages: /objective/ (the 23 objectives) and /objective/<n>."""
from ckanext.migration.views.pages import entity_blueprint

objective = entity_blueprint("objective", "migration_objective_show", "code")
