"""Interface strings in en, fr, es and ar: complete catalogs, compiled catalogs that match
them, and pages that show them (README "Languages")."""
import gettext
import io
import os
import shutil
import subprocess

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers

from .factories import dataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "ckanext-migration", "ckanext", "migration")
I18N = os.path.join(PACKAGE, "i18n")
LANGUAGES = ("fr", "es", "ar")
DOMAIN = "ckanext-migration"


def _po(lang):
    return os.path.join(I18N, lang, "LC_MESSAGES", DOMAIN + ".po")


def _catalog(lang):
    with open(_po(lang), "rb") as f:
        return read_po(f, locale=lang)


@pytest.fixture(scope="module")
def extracted():
    """The msgids of our templates and Python code, extracted now with Babel (babel.cfg)."""
    with open(os.path.join(ROOT, "babel.cfg")) as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "N_": None, "gettext": None, "ungettext": (1, 2),
                "ngettext": (1, 2)}
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            PACKAGE, method_map, options_map, keywords=keywords):
        ids.add(message if isinstance(message, str) else tuple(message))
    assert len(ids) > 250 and "Download raw data" in ids
    return ids


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_interface_string_is_translated(lang, extracted):
    catalog = _catalog(lang)
    untranslated = []
    for msgid in sorted(extracted, key=str):
        key = msgid if isinstance(msgid, str) else msgid[0]
        message = catalog.get(key)
        strings = [] if message is None else (
            [message.string] if isinstance(message.string, str) else list(message.string))
        if message is None or message.fuzzy or not strings or not all(s.strip() for s in strings):
            untranslated.append(key)
        elif not isinstance(msgid, str) and (not isinstance(message.id, tuple)
                                             or message.id[1] != msgid[1]):
            untranslated.append(key)  # a plural whose plural form changed
    assert not untranslated, "%d strings without a %s translation (README 'Languages'): %s" % (
        len(untranslated), lang, untranslated[:20])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_valid_for_gettext(lang):
    catalog = _catalog(lang)
    assert [(m.id, errors) for m, errors in catalog.check()] == []
    if shutil.which("msgfmt"):  # placeholders, plural forms and format flags checked too
        result = subprocess.run(["msgfmt", "--check", "-o", os.devnull, _po(lang)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalog_matches_the_po(lang):
    """The committed .mo is the .po compiled (python setup.py compile_catalog)."""
    buffer = io.BytesIO()
    write_mo(buffer, _catalog(lang))
    buffer.seek(0)
    fresh = gettext.GNUTranslations(buffer)
    with open(_po(lang)[:-3] + ".mo", "rb") as f:
        committed = gettext.GNUTranslations(f)
    assert committed._catalog == fresh._catalog, \
        "%s .mo is stale: run python setup.py compile_catalog" % lang


# -- pages -------------------------------------------------------------------------------

pages = pytest.mark.usefixtures("with_plugins", "migration_db")


def _create(**changes):
    user = factories.Sysadmin()
    org = factories.Organization()
    return helpers.call_action("package_create", context={"user": user["name"]},
                               **dataset(owner_org=org["id"], **changes))


def _get(app, url, status=200):
    response = app.get(url, status=status)
    return BeautifulSoup(response.body, "html.parser")


def _text(node):
    return " ".join(node.get_text(" ", strip=True).split())


FRONT_DOOR = {
    "fr": ("Jeux de données par pays", "Lacunes de couverture", "Objectifs du Pacte mondial"),
    "es": ("Conjuntos de datos por país", "Brechas de cobertura", "Objetivos del Pacto Mundial"),
    "ar": ("مجموعات البيانات حسب البلد", "فجوات التغطية", "أهداف الاتفاق العالمي"),
}


@pages
@pytest.mark.parametrize("lang", LANGUAGES)
def test_front_door_and_footer_in_the_language(app, lang):
    page = _get(app, "/%s/" % lang)
    heading, footer_link, footer_objectives = FRONT_DOOR[lang]
    assert page.html.get("lang") == lang
    assert heading in [_text(h) for h in page.select("h2")]
    footer = _text(page.select_one("footer"))
    assert footer_link in footer and footer_objectives in footer
    assert ("rtl" if lang == "ar" else None) == page.html.get("dir")



@pages
def test_english_pages_unchanged(app):
    page = _get(app, "/")
    assert page.html.get("dir") is None
    assert "Datasets per country" in [_text(h) for h in page.select("h2")]
    assert "Coverage gaps" in _text(page.select_one("footer"))


SEARCH = {
    "fr": ("Pays", "Objectifs du Pacte mondial", "Fraîcheur", "Télécharger ces résultats"),
    "es": ("Países", "Objetivos del Pacto Mundial", "Actualidad", "Descargar estos resultados"),
    "ar": ("البلدان", "أهداف الاتفاق العالمي", "حداثة البيانات", "تنزيل هذه النتائج"),
}


@pages
@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_page_facet_titles_and_sort_orders(app, lang):
    _create()
    page = _get(app, "/%s/dataset/" % lang)
    titles = [_text(h) for h in page.select("#search-facets h2, #search-facets h3")]
    countries, objectives, freshness, export = SEARCH[lang]
    for title in (countries, objectives, freshness):
        assert any(t.startswith(title) for t in titles), (title, titles)
    assert export in _text(page.select_one("section.migration-export"))
    sort_labels = [_text(o) for o in page.select("select#field-order-by option")]
    assert helpers_translated(lang, "Transparency score (highest first)") in sort_labels


def helpers_translated(lang, msgid):
    return _catalog(lang).get(msgid).string


DATASET = {
    "fr": ("Télécharger les données brutes", "Score de transparence", "Provenance"),
    "es": ("Descargar los datos brutos", "Puntuación de transparencia", "Procedencia"),
    "ar": ("تنزيل البيانات الخام", "درجة الشفافية", "المصدر"),
}


@pages
@pytest.mark.parametrize("lang", LANGUAGES)
def test_dataset_page_in_the_language(app, lang):
    pkg = _create(resources=[{"url": "https://example.org/data.csv", "name": "Applicants",
                              "format": "CSV", "raw_data": "true"}])
    page = _get(app, "/%s/dataset/%s" % (lang, pkg["name"]))
    raw, score, provenance = DATASET[lang]
    assert _text(page.select_one("section.migration-raw-data h2")) == raw
    assert score in _text(page.select_one("section.migration-quality"))
    assert provenance in _text(page.select_one("section.migration-provenance"))


@pages
def test_validation_error_in_the_language(app):
    """A validator's message is an interface string too (logic/validators.py)."""
    import flask_babel
    from ckan.plugins import toolkit as tk
    # as CKAN's I18nMiddleware leaves a request to /fr/...
    with app.flask_app.test_request_context("/dataset/new", environ_base={"CKAN_LANG": "fr"}):
        flask_babel.refresh()
        with pytest.raises(tk.ValidationError) as error:
            _create(sample_size="many")
    message = " ".join(str(m) for m in error.value.error_dict["sample_size"])
    assert "doit être un nombre entier supérieur ou égal à 0" in message


@pages
def test_unsupported_language_in_the_url(app):
    """CKAN only routes the offered locales: /xx/dataset/ is not a language prefix."""
    response = app.get("/xx/dataset/", status=404)
    assert response.status_code == 404
    page = _get(app, "/dataset/")
    assert page.html.get("lang") == "en"
