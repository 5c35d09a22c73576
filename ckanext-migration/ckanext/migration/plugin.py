"""CKAN plugin wiring for ckanext-migration. Logic lives in the modules it points to."""
import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.migration import cli


@tk.blanket.config_declarations
class MigrationPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IClick)

    def update_config(self, config_):
        tk.add_template_directory(config_, "templates")
        tk.add_public_directory(config_, "public")

    # IClick

    def get_commands(self):
        return [cli.migration]
