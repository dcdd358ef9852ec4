"""A small stop-word language guess: enough to choose German or English rule packs."""
from __future__ import annotations

import re

from .words import languages, words

SUPPORTED = languages()
STOPWORDS = {language: frozenset(words("stopwords", language)) for language in SUPPORTED}
_WORD = re.compile(r"[a-zäöüß]+")


def detect_language(text: str, sample: int = 4000) -> str | None:
    """'de', 'en' or None when the text is too short or neither clearly wins."""
    words = _WORD.findall(text[:sample].lower())
    if len(words) < 5:
        return None
    scores = {lang: sum(map(stop.__contains__, words)) for lang, stop in STOPWORDS.items()}
    best = max(scores, key=scores.get)
    if scores[best] < 2 or scores[best] < 1.5 * min(scores.values()):
        return None
    return best


def choose_language(hint: str | None, text: str) -> str | None:
    """The language the text clearly shows; the hint (a page's lang attribute, an inbox field,
    a caller's guess: often a CMS default) when the text does not say. A hint of a language the
    guess does not know (French, say) stands: the stop words cannot tell it from these."""
    if hint and hint not in SUPPORTED:
        return hint
    return detect_language(text) or hint
