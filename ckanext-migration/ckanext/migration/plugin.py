"""CKAN plugin wiring for ckanext-migration. Logic lives in the modules it points to."""
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from ckanext.dcat.interfaces import IDCATRDFHarvester
from ckanext.xloader.interfaces import IXloader

from ckanext.migration import access
from ckanext.migration import (cli, facets, helpers, indexing, multilingual, overview, quality,
                               tabular, views)
from ckanext.migration.views import download
from ckanext.migration.harvesting import dcat as dcat_mapping
from ckanext.migration.profiles import fragments as catalog_fragments
from ckanext.migration.logic import action, auth, validators, visibility


@tk.blanket.config_declarations
class MigrationPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.IClick)
    p.implements(p.IBlueprint)
    p.implements(p.IValidators)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(IDCATRDFHarvester, inherit=True)
    p.implements(IXloader, inherit=True)
    p.implements(p.IMiddleware, inherit=True)
    # interface strings: i18n/<lang>/LC_MESSAGES/ckanext-migration.mo (README "Languages")
    p.implements(p.ITranslation, inherit=True)

    # IConfigurer
    def update_config(self, config_):
        tk.add_template_directory(config_, "templates")
        tk.add_public_directory(config_, "public")
        tk.add_resource("assets", "migration")
        # the activity stream stores no link of a restricted dataset
        access.install_activity_scrub()

    # IClick
    def get_commands(self):
        return [cli.migration]

    # IBlueprint: the front door (/country, /objective, /coverage), SKOS (/vocabulary)...
    def get_blueprint(self):
        return views.get_blueprints()

    # IValidators
    def get_validators(self):
        return validators.get_validators()

    # IActions, IAuthFunctions
    def get_actions(self):
        return action.get_actions() | visibility.get_actions()

    def get_auth_functions(self):
        return auth.get_auth_functions() | visibility.get_auth_functions()

    # ITemplateHelpers
    def get_helpers(self):
        return helpers.get_helpers()

    # IFacets
    def dataset_facets(self, facets_dict, package_type):
        return facets.add_facets(facets_dict)

    # IPackageController
    def after_dataset_show(self, context, pkg_dict):
        pkg_dict.update(quality.computed_fields(pkg_dict))
        # the dataset's pages (not the API, not the form) in the visitor's language
        if context.get("for_view"):
            multilingual.localise_for_page(pkg_dict)
        # a restricted dataset's links only for who may read its data
        return access.after_show(context, pkg_dict)

    def after_dataset_create(self, context, pkg_dict):
        tabular.queue_new_dataset(pkg_dict)

    def after_dataset_update(self, context, pkg_dict):
        access.after_update(pkg_dict)

    def before_dataset_search(self, search_params):
        return overview.drop_untracked_sort(search_params)

    def before_dataset_index(self, pkg_dict):
        # a restricted dataset's links never reach the index, nor its catalogue fragment
        return catalog_fragments.before_index(
            access.before_index(indexing.before_index(pkg_dict)))

    def after_dataset_search(self, search_results, search_params):
        facets.relabel(search_results.get("search_facets", {}))
        for result in search_results.get("results", []):
            # whole datasets only: results limited by `fl` lack what the computation reads
            if isinstance(result, dict) and "resources" in result:
                result.update(quality.computed_fields(result))
            multilingual.localise_for_page(result)
        return search_results

    # IDCATRDFHarvester: DCAT-AP harvests go through the shared mapping too
    def before_create(self, harvest_object, dataset_dict, temp_dict):
        dcat_mapping.enrich(dataset_dict, harvest_object)

    def before_update(self, harvest_object, dataset_dict, temp_dict):
        dcat_mapping.enrich(dataset_dict, harvest_object)

    def after_create(self, harvest_object, dataset_dict, temp_dict):
        dcat_mapping.link_twins(dataset_dict, harvest_object)

    def after_update(self, harvest_object, dataset_dict, temp_dict):
        dcat_mapping.link_twins(dataset_dict, harvest_object)

    def update_session(self, session):
        # ckanext-dcat's requests go through the harvesters' guard (harvesting/http.py)
        return dcat_mapping.guarded_session(session)

    def after_download(self, content, harvest_job):
        # hostile RDF/XML, too deep JSON-LD or Turtle refused before rdflib parses it
        return dcat_mapping.refuse_hostile(content, harvest_job.source.url)

    # IMiddleware: /datastore/dump/<id> also writes XLSX (CKAN's datastore has no hook for it)
    def make_middleware(self, app, config):
        download.install(app)
        return app

    # IXloader: a pre-flight check before each load; SDMX-CSV columns get readable labels
    def can_upload(self, resource_id):
        return tabular.can_upload(resource_id)

    def datastore_before_update(self, resource_id, existing_fields, new_headers):
        tabular.label_fields(new_headers)
