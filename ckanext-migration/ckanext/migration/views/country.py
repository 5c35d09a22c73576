"""Country pages: /country/ (the map of datasets per country) and /country/<ISO3>."""
from ckanext.migration.views.pages import entity_blueprint

country = entity_blueprint("country", "migration_country_show", "iso3")
