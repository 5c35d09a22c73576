"""access_rights: the EU access-right authority table, stored as its URI."""
import pytest

from ckan.tests import factories, helpers

from ckanext.migration import vocab

from ..factories import dataset
from .conftest import NON_PUBLIC, PUBLIC, RESTRICTED

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")


def _create(**changes):
    context = {"user": factories.Sysadmin()["name"]}
    return helpers.call_action("package_create", context=context, **dataset(**changes))


def test_vocabulary_is_the_eu_authority_table():
    v = vocab.get_vocabulary("access_rights")
    assert [t.uri for t in v] == [PUBLIC, RESTRICTED, NON_PUBLIC]
    assert vocab.label("access_rights", "RESTRICTED", lang="fr") == "Restreint"
    assert vocab.label("access_rights", "NON_PUBLIC", lang="es") == "No público"


@pytest.mark.parametrize("given,stored", [("restricted", RESTRICTED), ("NON_PUBLIC", NON_PUBLIC),
                                          (PUBLIC, PUBLIC), (RESTRICTED, RESTRICTED)])
def test_code_or_uri_stored_as_uri(given, stored):
    pkg = _create(access_rights=given)
    assert pkg["access_rights"] == stored


def test_missing_is_public_and_others_refused_with_the_allowed_values():
    pkg = _create(name="no-rights")
    assert not pkg.get("access_rights")
    with pytest.raises(helpers.logic.ValidationError) as e:
        _create(name="bad", access_rights="secret")
    (msg,) = e.value.error_dict["access_rights"]
    assert "'secret' is not one of: PUBLIC, RESTRICTED, NON_PUBLIC" == msg
