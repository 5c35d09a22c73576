"""Text analysis in four languages: accents folded, Arabic normalised and light-stemmed.

The unit tests check the Arabic filters word by word (Lucene's own examples); the
service tests index real documents through the shipped schema.xml and query them the way
CKAN does (dismax over ``text``, fielded lucene queries, wildcards, fuzzy terms).
"""
import pytest

from ckanext.migration.searchservice import arabic
from ckanext.migration.searchservice.documents import analyzers_of, prepare_text

from .conftest import make_doc


# -- the chains read from schema.xml -------------------------------------------------
def test_text_chain_folds_before_stemming(solr_schema):
    chain = solr_schema.fields["text"].type.index_analyzer.filters
    assert chain == ("lowercase", "ascii_fold", "arabic_normalize", "arabic_stem",
                     "stopwords", "stem")
    assert solr_schema.fields["text"].type.query_analyzer.filters == chain
    # unstemmed text (author, resource names): folded and normalised only
    assert solr_schema.fields["res_name"].type.index_analyzer.filters == \
        ("lowercase", "ascii_fold", "arabic_normalize")


def _tokens(schema, text, field="text"):
    an = schema.fields[field].type.index_analyzer
    return analyzers_of(schema)[an.key].analyze(prepare_text(an, text))


@pytest.mark.parametrize("a,b", [
    ("Sénégal", "Senegal"), ("SÉNÉGAL", "senegal"), ("migración", "migracion"),
    ("Côte d'Ivoire", "cote d'ivoire"), ("Türkiye", "turkiye"),
    ("Réfugiés", "refugies"), ("Niñez", "ninez"),
])
def test_accents_fold_to_the_same_terms(solr_schema, a, b):
    assert _tokens(solr_schema, a) == _tokens(solr_schema, b)
    assert _tokens(solr_schema, a, "res_name") == _tokens(solr_schema, b, "res_name")


def test_english_analysis_is_unchanged(solr_schema):
    assert _tokens(solr_schema, "Remittances of the migrants") == ["remitt", "migrant"]


# -- Arabic filters ------------------------------------------------------------------
@pytest.mark.parametrize("word,expected", [
    ("\u0623\u0641\u0631\u064a\u0642\u064a\u0627", "\u0627\u0641\u0631\u064a\u0642\u064a\u0627"),  # alef hamza above
    ("\u0625\u0641\u0631\u064a\u0642\u064a\u0627", "\u0627\u0641\u0631\u064a\u0642\u064a\u0627"),  # alef hamza below
    ("\u0622\u0633\u064a\u0627", "\u0627\u0633\u064a\u0627"),  # alef madda
    ("\u0627\u0644\u0647\u062c\u0631\u0629", "\u0627\u0644\u0647\u062c\u0631\u0647"),  # teh marbuta -> heh
    ("\u0645\u0635\u0637\u0641\u0649", "\u0645\u0635\u0637\u0641\u064a"),  # alef maksura -> yeh
    ("\u0627\u0644\u0633\u0651\u0650\u0646\u063a\u0627\u0644", "\u0627\u0644\u0633\u0646\u063a\u0627\u0644"),  # shadda, kasra
    ("\u0647\u0640\u0640\u062c\u0631\u0629", "\u0647\u062c\u0631\u0647"),  # tatweel
    ("Senegal 2024", "Senegal 2024"),  # other scripts untouched
])
def test_arabic_normalisation(word, expected):
    assert arabic.normalise(word) == expected


@pytest.mark.parametrize("word,expected", [
    # prefixes (Lucene's TestArabicStemFilter): al-, wal-, bal-, kal-, fal-, lil-, wa-
    ("\u0627\u0644\u062d\u0633\u0646", "\u062d\u0633\u0646"),
    ("\u0648\u0627\u0644\u062d\u0633\u0646", "\u062d\u0633\u0646"),
    ("\u0628\u0627\u0644\u062d\u0633\u0646", "\u062d\u0633\u0646"),
    ("\u0643\u0627\u0644\u062d\u0633\u0646", "\u062d\u0633\u0646"),
    ("\u0641\u0627\u0644\u062d\u0633\u0646", "\u062d\u0633\u0646"),
    ("\u0644\u0644\u0627\u062e\u0631", "\u0627\u062e\u0631"),
    ("\u0648\u062d\u0633\u0646", "\u062d\u0633\u0646"),
    # suffixes: -ha, -an, -at, -un, -in, -yh, -h, -y
    ("\u062d\u0633\u0646\u0647\u0627", "\u062d\u0633\u0646"),
    ("\u062d\u0633\u0627\u0646", "\u062d\u0633"),
    ("\u062d\u0633\u0627\u062a", "\u062d\u0633"),
    ("\u062d\u0633\u0648\u0646", "\u062d\u0633"),
    ("\u062d\u0633\u064a\u0646", "\u062d\u0633"),
    ("\u062d\u0633\u064a\u0647", "\u062d\u0633"),
    ("\u062d\u0633\u0647", "\u062d\u0633"),
    ("\u062d\u0633\u064a", "\u062d\u0633"),
    # too short to stem
    ("\u0627\u0644\u062d", "\u0627\u0644\u062d"),
    ("\u0648\u062d\u0633", "\u0648\u062d\u0633"),
    ("\u062d\u0647", "\u062d\u0647"),
])
def test_arabic_light_stemmer(word, expected):
    assert arabic.stem_word(word) == expected


def test_arabic_words_are_tokenised_on_arabic_punctuation(solr_schema):
    # "migrants، and refugees" with the Arabic comma; vowel marks do not cut words
    assert _tokens(solr_schema, "\u0627\u0644\u0645\u0647\u0627\u062c\u0631\u064a\u0646\u060c "
                                "\u0648\u0627\u0644\u0644\u0627\u062c\u0626\u064a\u0646") == \
        ["\u0645\u0647\u0627\u062c\u0631", "\u0644\u0627\u062c\u0626"]
    assert _tokens(solr_schema, "\u0627\u0644\u0633\u0651\u0650\u0646\u063a\u0627\u0644") == \
        ["\u0633\u0646\u063a\u0627\u0644"]


# -- through the service ---------------------------------------------------------------
SENEGAL_AR = "\u0627\u0644\u0633\u0646\u063a\u0627\u0644"            # السنغال
MIGRATION_AR = "\u0627\u0644\u0647\u062c\u0631\u0629"                 # الهجرة
AFRICA_AR_HAMZA = "\u0623\u0641\u0631\u064a\u0642\u064a\u0627"        # أفريقيا
AFRICA_AR_BELOW = "\u0625\u0641\u0631\u064a\u0642\u064a\u0627"        # إفريقيا


@pytest.fixture
def corpus(solr):
    solr.add([
        make_doc(1, title="Migration au Sénégal", notes="Enquête sur la migración"),
        make_doc(2, title="Migrants in Europe", notes="Stocks of international migrants"),
        make_doc(3, title="\u0627\u0644\u0647\u062c\u0631\u0629 \u0641\u064a " + SENEGAL_AR,
                 notes="\u0627\u0644\u0645\u0647\u0627\u062c\u0631\u0648\u0646 \u0641\u064a "
                       + AFRICA_AR_HAMZA),
        make_doc(4, title="Remittances", res_name=["Données du Sénégal"],
                 author="Agence nationale de la statistique et de la démographie"),
    ])
    return solr


def _dismax(solr, q):
    # CKAN's package_search for a q without a field
    return solr.names(q=q, defType="dismax", qf="name^4 title^4 tags^2 groups^2 text",
                      mm="2<-1 5<80%", sort="name asc")


@pytest.mark.parametrize("q", ["Sénégal", "Senegal", "SENEGAL", "sénégal"])
def test_accented_and_plain_spellings_find_the_same(corpus, q):
    assert _dismax(corpus, q) == ["ds-1", "ds-4"]


def test_folding_in_fielded_wildcard_and_fuzzy_queries(corpus):
    assert corpus.names(q="title:senegal") == ["ds-1"]
    assert corpus.names(q="notes:migracion") == corpus.names(q="notes:migración") == ["ds-1"]
    assert corpus.names(q="title:Sénég*") == ["ds-1"]
    assert corpus.names(q="notes:enquete") == ["ds-1"]
    assert corpus.names(q="res_name:donnees") == ["ds-4"]
    assert corpus.names(q="author:demographie") == ["ds-4"]
    # fuzzy terms are folded (not stemmed): unfolded, "sénég" is 2 edits from "seneg"
    assert corpus.names(q="title:Sénég~1") == ["ds-1"]


@pytest.mark.parametrize("q", [
    SENEGAL_AR,                                                   # with the article
    "\u0633\u0646\u063a\u0627\u0644",                              # without it
    "\u0627\u0644\u0633\u0651\u0650\u0646\u063a\u0627\u0644",      # with vowel marks
    "\u0628\u0627\u0644\u0633\u0646\u063a\u0627\u0644",            # bi- + al-
])
def test_arabic_queries_find_arabic_text(corpus, q):
    assert _dismax(corpus, q) == ["ds-3"]


def test_arabic_normalised_spellings_match(corpus):
    # teh marbuta written as heh, hamza under the alef instead of above
    assert _dismax(corpus, "\u0627\u0644\u0647\u062c\u0631\u0647") == ["ds-3"]
    assert corpus.names(q="notes:" + AFRICA_AR_BELOW) == ["ds-3"]
    # plural and singular: the migrants (-un) / migrant
    assert corpus.names(q="notes:\u0645\u0647\u0627\u062c\u0631") == ["ds-3"]
    assert corpus.names(q='title:"%s"' % (MIGRATION_AR + " \u0641\u064a " + SENEGAL_AR)) \
        == ["ds-3"]


def test_english_search_is_unchanged(corpus):
    assert _dismax(corpus, "migrant") == ["ds-2"]
    assert _dismax(corpus, "migrants Europe") == ["ds-2"]
