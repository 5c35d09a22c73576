"""ckanext-migration: the open metadata catalogue of the migration Knowledge Platform."""
from setuptools import find_namespace_packages, setup

SRC = "ckanext-migration"

setup(
    name="ckanext-migration",
    version="0.1.0",
    description="CKAN extension and embedded Solr-compatible search service for the "
                "migration Knowledge Platform catalogue",
    license="AGPL-3.0",
    python_requires=">=3.11",
    package_dir={"": SRC},
    packages=find_namespace_packages(SRC, include=["ckanext.*"]),
    include_package_data=True,
    # everything the package reads at run time lives inside it: a wheel (pip install .,
    # the Dockerfile) must work like the editable install
    package_data={"ckanext.migration": ["config_declaration.yaml", "demo/*.json",
                                        "demo/rawdata/*", "demo/recordings/*",
                                        "schemas/*.yaml", "vocabularies/*.yaml",
                                        "harvest_registry/*.yaml",
                                        "harvest_registry/sources/*.yaml",
                                        "templates/**/*", "public/**/*", "assets/*",
                                        "geometry/*",
                                        "migration/migration/alembic.ini",
                                        "migration/migration/script.py.mako",
                                        # interface strings, compiled and committed
                                        # (README "Languages")
                                        "i18n/*/LC_MESSAGES/*.mo"]},
    install_requires=[
        # CKAN pinned with its own pinned requirements (the "requirements" extra)
        "ckan[requirements]==2.12.0",
        "ckanext-scheming==3.1.0",
        "ckanext-harvest==1.6.3",
        "ckanext-dcat==2.4.4",
        "requests>=2.32",
        # 2.6: a compressed answer is decoded a read at a time, so a gzip bomb is cut at
        # the harvesters' size limit (harvesting/http.py) without being decoded whole
        "urllib3>=2.6",
        "pika>=1.3",  # ckanext-harvest imports it even with the Redis backend
        # embedded search service
        "tantivy==0.27.0",
        "luqum==1.0.0",
        "waitress>=3.0",
        "lxml>=5",
        "python-dateutil>=2.8",
        "orjson>=3.9",  # stored sources and update bodies decoded several times faster
        # controlled vocabularies
        "pycountry>=24.6",
        "country_converter>=1.2",
        "pandas<3",  # country_converter 1.3 misreads its table under pandas 3
        # harvesting
        "sdmx1>=2.20",
        "defusedxml>=0.7",  # hostile XML refused before sdmx1 parses it
        # search results export (XLSX)
        "openpyxl>=3.1",
        # tabular data into CKAN's DataStore. 2.5.2: the newest release whose requirements
        # fit CKAN 2.12's pins (2.6.0 asks for urllib3>=2.8, idna>=3.20, certifi>=2026.7.22);
        # its loader needs tabulator and Unidecode, which its wheel does not declare
        "ckanext-xloader==2.5.2",
        "tabulator==1.53.5",
        "Unidecode>=1.3",
        # producers' data handbooks as PDF (needs Pango: scripts/setup.sh)
        "weasyprint==70.0",
        # `ckan migration demo-harvests` replays recorded answers (demo/harvests.py)
        "responses>=0.25",
    ],
    extras_require={
        "test": ["ckan[dev]==2.12.0", "responses>=0.25", "pyshacl>=0.26", "beautifulsoup4>=4.12",
                 "pypdf>=5",
                 # property-based fuzzing of search (tests/searchservice/test_fuzz.py)
                 "hypothesis>=6.100",
                 # the load benchmark (benchmarks/locustfile.py, scripts/bench-locust.sh)
                 "locust>=2.30",
                 # browser tests: drives Debian's /usr/bin/chromium (scripts/setup.sh)
                 "playwright>=1.45"],
    },
    entry_points={
        "ckan.plugins": [
            "migration = ckanext.migration.plugin:MigrationPlugin",
            "migration_eurostat = ckanext.migration.harvesting.eurostat:EurostatHarvester",
            "migration_ckan = ckanext.migration.harvesting.ckan:CKANPortalHarvester",
            "migration_worldbank = ckanext.migration.harvesting.worldbank:WorldBankHarvester",
            "migration_unhcr = ckanext.migration.harvesting.unhcr:UNHCRHarvester",
            "migration_iom_dtm = ckanext.migration.harvesting.iom:DTMHarvester",
            "migration_missing_migrants = ckanext.migration.harvesting.iom:MissingMigrantsHarvester",
            "migration_sdmx = ckanext.migration.harvesting.sdmx:SDMXHarvester",
            "migration_idmc = ckanext.migration.harvesting.idmc:IDMCHarvester",
            "migration_undesa = ckanext.migration.harvesting.undesa:UNDESAMigrantStockHarvester",
            "migration_chart_view = ckanext.migration.resource_views.plugin:ChartView",
            "migration_map_view = ckanext.migration.resource_views.plugin:MapView",
        ],
        "console_scripts": [
            "migration-search = ckanext.migration.searchservice.cli:main",
        ],
        "ckan.rdf.profiles": [
            "migration_dcat_ap = ckanext.migration.profiles:MigrationDCATAPProfile",
            "migration_schemaorg = ckanext.migration.schemaorg:MigrationSchemaOrgProfile",
        ],
    },
)
