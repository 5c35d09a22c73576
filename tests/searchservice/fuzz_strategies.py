"""Hypothesis strategies for search parameters (issue 14 item 6), shared by the fuzz tests
of the search service (tests/searchservice/test_fuzz.py) and of CKAN's package_search
(tests/logic/test_search_fuzz.py).

The queries are built from the pieces luqum and the service's request parser care about:
words (English, French with accents, Arabic with vowel marks and tatweel), field:value on
real, dynamic and unknown fields, phrases with slop, ranges on numbers, dates (date math)
and strings, wildcards, fuzzy terms, boosts, regexes, operators, groups, local params and
escapes, plus raw text with control characters and very long strings.
"""
from hypothesis import strategies as st

WORDS = ["migrants", "refugees", "asylum", "Sénégal", "migración", "réfugiés", "remittances",
         "مهاجرون", "السِّنغال", "بالسنغال", "اللاجئين", "ـــ", "the", "and", "AND", "OR", "NOT",
         "TO", "a", "x", "Migr", "café", "ñ", "日本", "😀", "0", "2020", "-1", "1e3"]
FIELDS = ["title", "notes", "text", "name", "tags", "countries", "regions", "gcm_objectives",
          "topics", "res_format", "organization", "capacity", "state", "site_id",
          "sample_size", "transparency_score", "freshness_rank", "metadata_modified",
          "metadata_created", "title_string", "extras_source", "vocab_topics", "index_id",
          "permission_labels", "private", "nosuchfield", "*", "_version_", "score",
          "data_dict", "validated_data_dict", "migration_labels", "عنوان", "a-b", "x.y"]
SORT_FIELDS = ["score", "title_string", "name", "metadata_modified", "metadata_created",
               "sample_size", "transparency_score", "freshness_rank", "modified", "title",
               "tags", "countries", "nosuchfield", "extras_source", "views_recent",
               "view_recent", "data_dict", "*", "", "1"]
FACET_FIELDS = ["countries", "regions", "gcm_objectives", "topics", "res_format", "tags",
                "organization", "license_id", "freshness", "language", "sample_size",
                "transparency_score", "metadata_modified", "title", "notes", "text",
                "data_dict", "extras_source", "capacity", "nosuchfield", "", " ",
                "{!key=k}countries", "countries,gcm_objectives"]
NUMBERS = ["0", "1", "-1", "10", "2147483648", "9223372036854775807", "9223372036854775808",
           "-9223372036854775809", "99999999999999999999999", "1.5", "1e3", "nan", "inf",
           "-inf", "", " ", "abc", "٣", "0x10", "+5", "--1", "1_000", "\x00", "9" * 400]
DATES = ["NOW", "NOW/DAY", "NOW-1YEAR/DAY", "NOW+1DAY", "NOW-99999999YEARS",
         "NOW+99999999999YEARS", "NOW/FOO", "NOW-1FOO", "2020-01-01T00:00:00Z",
         "2020-13-45T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
         "99999-01-01T00:00:00Z", "2020-01-01", "2020", "*"]
CONTROL = "".join(chr(c) for c in list(range(0, 32)) + [127, 0x85, 0x200B, 0x200F,
                                                         0x202E, 0xFEFF, 0xFFFE])
# printable + Arabic + combining marks + controls; no lone surrogates (not encodable)
ALPHABET = st.characters(codec="utf-8") | st.sampled_from(
    list(CONTROL) + list("\\\"'()[]{}:*?~^!+-&|/ ") + list("ءآأإابةتثجحخدذرسشصضطظعغفقكلمنهوىيًٌٍَُِّْ"))


def _escape_some(s):
    return s.replace(":", "\\:") if ":" in s else s


word = st.sampled_from(WORDS) | st.text(ALPHABET, min_size=1, max_size=12)
field = st.sampled_from(FIELDS)
bound = st.sampled_from(NUMBERS + DATES) | word


@st.composite
def ranges(draw):
    low, high = draw(bound), draw(bound)
    opening, closing = draw(st.sampled_from("[{")), draw(st.sampled_from("]}"))
    sep = draw(st.sampled_from([" TO ", " to ", " ", " TO", "TO"]))
    return "%s%s%s%s%s" % (opening, low, sep, high, closing)


@st.composite
def leaves(draw):
    kind = draw(st.integers(0, 10))
    w = draw(word)
    if kind == 0:
        return '"%s %s"' % (w, draw(word)) + draw(st.sampled_from(["", "~2", "~1.5", "~x",
                                                                   "~99999999999999999999"]))
    if kind == 1:
        return draw(ranges())
    if kind == 2:
        return w + draw(st.sampled_from(["*", "?", "*x*", "?*", "**", "\\*"]))
    if kind == 3:
        return w + draw(st.sampled_from(["~", "~1", "~2", "~0.5", "~99999999999999999999",
                                         "~-1", "~x"]))
    if kind == 4:
        return w + draw(st.sampled_from(["^2", "^0", "^-1", "^1e400", "^x", "^"]))
    if kind == 5:
        return "/%s/" % draw(st.sampled_from(["[", "(", "a{1000000}", ".*", "a|b", "\\",
                                              "migr.*", "[a-", "(?i)x", "*"]))
    if kind == 6:
        return "%s:%s" % (draw(field), draw(st.sampled_from(NUMBERS + DATES + WORDS)))
    if kind == 7:
        return "{!%s}%s" % (draw(st.sampled_from([
            "dismax qf=title^x", "dismax qf='title text'", "dismax qf=nosuch", "edismax",
            "lucene q.op=AND", "bool must=migrants", "bool must=[", "term f=sample_size",
            "term f=countries", "term", "field f=nosuch", "nosuchparser", "key=k",
            "dismax mm=2<x", "dismax tie=nan", "type=dismax v=migrants", "", "!", "{"])), w)
    if kind == 8:
        return "\\" + w
    return w


def _combine(children):
    return st.tuples(st.sampled_from([" ", " AND ", " OR ", " && ", " || ", " NOT ", "  ",
                                      " +", " -", " !"]), st.lists(children, min_size=1,
                                                                  max_size=4)).map(
        lambda t: t[0].join(t[1]))


lucene = st.recursive(
    st.one_of(leaves(), st.tuples(field, leaves()).map(lambda t: "%s:%s" % t)),
    lambda children: st.one_of(
        _combine(children),
        children.map(lambda c: "(%s)" % c),
        st.tuples(field, children).map(lambda t: "%s:(%s)" % t),
        st.tuples(st.sampled_from(["+", "-", "NOT ", "!"]), children).map("".join),
        children.map(lambda c: "(%s)^2" % c),
    ),
    max_leaves=8)

# unbalanced or deeply nested syntax, and long inputs
nasty = st.one_of(
    st.integers(1, 1200).map(lambda n: "(" * n + "a" + ")" * n),
    st.integers(1, 1200).map(lambda n: "(" * n),
    st.integers(1, 500).map(lambda n: " OR ".join(["migrants"] * n)),
    st.integers(1, 100).map(lambda n: "title:" + "?" * n + "*"),
    st.integers(1, 30).map(lambda n: "title:" + "*a" * n + "*"),
    st.tuples(st.sampled_from(WORDS), st.integers(1, 5000)).map(lambda t: t[0] * t[1]),
    st.sampled_from(["", " ", ":", "::", "*:*", "*", "\\", "\"", "\"\"", "(", ")", "[", "]",
                     "{", "}", "{!", "{!}", "AND", "OR", "NOT", "a AND", "NOT NOT",
                     "-", "+", "!", "title:", ":a", "[a TO", "{a TO b]", "title:{* TO *}",
                     "*:[a TO b]", "a^", "~", "/", "//", "&&", "||", "+-a", "\x00",
                     "a\x00b", "title:\x00", "\u202e\u0645", "\ufeffmigrants"]),
)

# shorter nesting and repetitions, for GET URLs and CKAN
nasty_short = st.one_of(
    st.integers(1, 200).map(lambda n: "(" * n + "a" + ")" * n),
    st.integers(1, 100).map(lambda n: " OR ".join(["migrants"] * n)),
    st.integers(1, 20).map(lambda n: "title:" + "*a" * n + "*"),
    st.tuples(st.sampled_from(WORDS), st.integers(1, 250)).map(lambda t: t[0] * t[1]),
)
query = st.one_of(lucene, lucene, lucene, nasty, st.text(ALPHABET, max_size=200))
short_query = st.one_of(lucene, lucene, nasty_short, st.text(ALPHABET, max_size=200))

sort_item = st.tuples(st.sampled_from(SORT_FIELDS),
                      st.sampled_from(["asc", "desc", "ASC", "Desc", "", "up", " asc ",
                                       "desc desc", "asc,"])).map(
    lambda t: ("%s %s" % t).strip())
sort = st.one_of(st.lists(sort_item, min_size=1, max_size=3).map(", ".join),
                 st.text(ALPHABET, max_size=30))
number = st.one_of(st.sampled_from(NUMBERS), st.integers(-10 ** 25, 10 ** 25).map(str),
                   st.integers(-5, 50).map(str))
facet_field = st.one_of(st.sampled_from(FACET_FIELDS), st.text(ALPHABET, max_size=15))
