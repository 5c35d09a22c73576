"""CKAN plugin wiring for ckanext-migration. Logic lives in the modules it points to."""
import ckan.plugins as p
import ckan.plugins.toolkit as tk


@tk.blanket.config_declarations
class MigrationPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)

    def update_config(self, config_):
        tk.add_template_directory(config_, "templates")
        tk.add_public_directory(config_, "public")
