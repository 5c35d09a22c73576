"""The package installs anywhere: a wheel built with `pip wheel .`, installed without -e
into a fresh virtualenv, carries everything the package reads at run time."""
import glob
import os
import subprocess
import sys
import zipfile

import pytest

from ckanext.migration.harvesting import registry

from .conftest import REPO_ROOT

PACKAGE = "ckanext/migration/"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    REPO_ROOT], check=True, cwd=str(out))
    (path,) = glob.glob(str(out / "ckanext_migration-*.whl"))
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """A fresh virtualenv with the wheel (and its dependencies) installed, not editable."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                    wheel], check=True, cwd=str(venv))
    return venv


def test_wheel_carries_the_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {os.path.basename(n) for n in names
               if n.startswith(PACKAGE + "harvest_registry/sources/") and n.endswith(".yaml")}
    assert sources == {e["file"] for e in registry.load()}
    assert len(sources) >= 13
    for path in ("harvest_registry/rules.yaml", "schemas/migration_dataset.yaml",
                 "schemas/presets.yaml", "config_declaration.yaml", "demo/datasets.json",
                 "demo/rawdata/migr_asyappctza_sdmxcsv2_labels.csv.gz",
                 "demo/rawdata/unhcr_population_EU_plus_UK.csv", "demo/rawdata/SOURCES.md",
                 "demo/recordings/SOURCES.md",
                 # the plugin's own tables (ckan db upgrade -p migration)
                 "migration/migration/alembic.ini", "migration/migration/env.py",
                 "migration/migration/versions/5c0a7e1d2b31_corrections.py",
                 "vocabularies/glossary.yaml",
                 "templates/migration/handbook/print.html",
                 "public/migration/handbook-print.css",
                 "vocabularies/gcm_objectives.yaml",
                 "templates/scheming/package/read.html",
                 # interface strings, compiled (README "Languages")
                 "i18n/fr/LC_MESSAGES/ckanext-migration.mo",
                 "i18n/es/LC_MESSAGES/ckanext-migration.mo",
                 "i18n/ar/LC_MESSAGES/ckanext-migration.mo"):
        assert PACKAGE + path in names, path
    # no symlink or file out of the package is needed any more
    assert not [n for n in names if n.startswith(("harvesters/", "schemas/", "tests/"))]


@pytest.mark.usefixtures("with_plugins", "migration_db")
def test_wheel_install_loads_every_plugin_and_lists_all_sources(installed, request, tmp_path):
    ini = os.path.abspath(request.config.getoption("--ckan-ini"))
    python = str(installed / "bin" / "python")
    where = subprocess.run(
        [python, "-c", "import ckanext.migration as m, importlib.metadata as md; "
         "print(m.__path__[0]); "
         "[e.load() for e in md.entry_points(group='ckan.plugins') "
         "if e.value.startswith('ckanext.migration')]"],
        check=True, capture_output=True, text=True, cwd=str(tmp_path)).stdout.strip()
    assert where.startswith(str(installed)) and "site-packages" in where

    result = subprocess.run([str(installed / "bin" / "ckan"), "-c", ini,
                             "migration", "sources", "sync", "--dry-run"],
                            capture_output=True, text=True, cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines()
              if line.split()[1:2] == ["created"]}
    assert listed == {e["name"] for e in registry.load()}
    assert "sources sync (dry run): %d created, 0 updated, 0 unchanged, 0 errors" \
        % len(listed) in result.stdout

    check = subprocess.run([str(installed / "bin" / "ckan"), "-c", ini,
                            "migration", "schema-build", "--check"],
                           capture_output=True, text=True, cwd=str(tmp_path))
    assert check.returncode == 0 and "up to date" in check.stdout, check.stdout + check.stderr
