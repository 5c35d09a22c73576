"""Arabic normalisation and light stemming, as Solr's ArabicNormalizationFilter and
ArabicStemFilter do them (Lucene's ``ArabicNormalizer`` and ``ArabicStemmer``, after
Larkey, Ballesteros and Connell, "Light Stemming for Arabic Information Retrieval").

tantivy has no such filters, so the service applies them to the text before tantivy's
analysis chain, word by word (a word: a run of Arabic letters). That is the same as
Solr's token filters because the filters before them in the chain (lower-casing, ASCII
folding) leave Arabic letters alone and those after them (stop words, the English
stemmer) do not touch Arabic words.
"""
from __future__ import annotations

import re

ALEF = "\u0627"
HEH = "\u0647"
YEH = "\u064a"

# alef with madda / hamza above / hamza below -> bare alef; alef maksura -> yeh;
# teh marbuta -> heh
_NORMALISE = str.maketrans({
    "\u0622": ALEF, "\u0623": ALEF, "\u0625": ALEF,
    "\u0649": YEH,
    "\u0629": HEH,
})
# tatweel and the vowel marks (Lucene removes tatweel, fathatan..sukun); we remove the
# other Arabic combining marks too (superscript alef, Quranic marks), else tantivy's
# tokenizer, which splits on anything not alphanumeric, would cut words at them
_MARKS = re.compile("[\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8"
                    "\u06ea-\u06ed]")
# a word of Arabic letters (marks already removed)
_WORD = re.compile("[\u0620-\u063f\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee"
                   "\u06ef\u06fa-\u06fc\u06ff]+")
_ANY_ARABIC = re.compile("[\u0600-\u06ff]")

# in Lucene's order: the first matching prefix is removed, then every matching suffix
PREFIXES = ("\u0627\u0644",          # al-
            "\u0648\u0627\u0644",    # wal-
            "\u0628\u0627\u0644",    # bal-
            "\u0643\u0627\u0644",    # kal-
            "\u0641\u0627\u0644",    # fal-
            "\u0644\u0644",          # lil-
            "\u0648")                # wa-
SUFFIXES = ("\u0647\u0627",          # -ha
            "\u0627\u0646",          # -an
            "\u0627\u062a",          # -at
            "\u0648\u0646",          # -un
            "\u064a\u0646",          # -in
            "\u064a\u0647",          # -yh
            "\u064a\u0629",          # -ya (teh marbuta: gone after normalisation)
            "\u0647",                # -h
            "\u0629",                # -a (teh marbuta)
            "\u064a")                # -y


def normalise(text: str) -> str:
    """Alef forms unified, teh marbuta as heh, alef maksura as yeh, no vowel marks or
    tatweel (``ArabicNormalizationFilter``)."""
    if not _ANY_ARABIC.search(text):
        return text
    return _MARKS.sub("", text).translate(_NORMALISE)


def stem_word(word: str) -> str:
    """Lucene's ``ArabicStemmer``: one prefix, then the suffixes, each only when enough of
    the word is left (3 letters after wa-, 2 otherwise)."""
    for prefix in PREFIXES:
        if len(prefix) == 1 and len(word) < 4:
            continue
        if len(word) < len(prefix) + 2:
            continue
        if word.startswith(prefix):
            word = word[len(prefix):]
            break
    for suffix in SUFFIXES:
        if len(word) >= len(suffix) + 2 and word.endswith(suffix):
            word = word[:-len(suffix)]
    return word


def stem(text: str) -> str:
    """Every Arabic word of ``text`` stemmed; other text unchanged."""
    if not _ANY_ARABIC.search(text):
        return text
    return _WORD.sub(lambda m: stem_word(m.group(0)), text)


def prepare(text: str, filters: tuple) -> str:
    """``text`` through the Arabic filters of an analysis chain, in its order."""
    # most text: nothing to do (isascii is a C loop, the regex scan is not)
    if text.isascii() or not _ANY_ARABIC.search(text):
        return text
    for name in filters:
        if name == "arabic_normalize":
            text = _MARKS.sub("", text).translate(_NORMALISE)
        elif name == "arabic_stem":
            text = _WORD.sub(lambda m: stem_word(m.group(0)), text)
    return text
