"""Rule patterns, matched in bounded time, on text where junk cannot hide.

Rules are data that users write, and any regex can backtrack badly on some block. So every rule
pattern runs on the `regex` engine with a per-call timeout (CLEANERS_MATCH_SECONDS, and never more
than what is left of the article's time budget). A call that times out counts as no match and is
reported: the rule's id goes into the result's `timed_out` list and its warnings get
`rule_timeout`. No pattern can hold a run, whatever it is.

Patterns see a block's *skeleton*: letters that only look Latin (Cyrillic "А", Greek "Ο",
full-width and mathematical letters), taken from Unicode's confusables data, are folded to the
Latin letter they imitate, one character for one, so that "Аnzeige" meets the rule for "Anzeige"
and match positions are positions in the block's own text. The published text keeps its letters.
"""
from __future__ import annotations

import json
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources

import regex

from .. import guards, settings


class _Article:
    """What the pattern calls of one article share: the per-call limit, and the rules timed out."""

    def __init__(self, per_call: float | None):
        self.per_call = per_call if per_call and per_call > 0 else None
        self.timed_out: list[str] = []


_ARTICLE: ContextVar[_Article | None] = ContextVar("cleaners_article_matching", default=None)


@contextmanager
def timeouts_recorded(per_call: float | None = None):
    """Inside, pattern calls use this per-call limit (default: the configured one, read once) and
    the ids of the rules whose pattern timed out are collected in the list yielded."""
    article = _Article(settings.current().match_seconds if per_call is None else per_call)
    token = _ARTICLE.set(article)
    try:
        yield article.timed_out
    finally:
        _ARTICLE.reset(token)


def report_timeout(rule_id: str) -> None:
    """Record that a rule ran out of time (or would have) on this article: it matched nothing."""
    article = _ARTICLE.get()
    if article is not None and rule_id not in article.timed_out:
        article.timed_out.append(rule_id)


def _timeout() -> float | None:
    """Seconds one call may take: the per-call limit, capped by the article's remaining budget."""
    article = _ARTICLE.get()
    if article is None:  # a call outside clean_text / clean_html
        seconds = settings.current().match_seconds
        per_call = seconds if seconds and seconds > 0 else None
    else:
        per_call = article.per_call
    left = guards.time_left()
    if left is None:
        return per_call
    if left <= 0:
        guards.check_time("matching")
    return left if per_call is None or left < per_call else per_call


class BoundedPattern:
    """A compiled rule pattern whose every call ends in bounded time (None / no match on timeout)."""

    def __init__(self, pattern: str, case_sensitive: bool = False, owner: str = ""):
        self.pattern = pattern
        self.owner = owner  # the rule id a timeout is reported under ("" for a combined pre-check)
        self._compiled = regex.compile(pattern, 0 if case_sensitive else regex.IGNORECASE)

    @property
    def groupindex(self) -> dict:
        return self._compiled.groupindex

    def search(self, text: str, pos: int = 0):
        return self._call(self._compiled.search, text, pos)

    def finditer(self, text: str) -> list:
        """Every match (all of them, or none when the search ran out of time)."""
        try:
            return list(self._compiled.finditer(text, timeout=_timeout()))
        except TimeoutError:
            self._timed_out()
            return []

    def may_match(self, text: str) -> bool:
        """For a combined pre-check: False only when no match is possible (a timeout says maybe)."""
        try:
            return self._compiled.search(text, timeout=_timeout()) is not None
        except TimeoutError:
            return True

    def may_match_at_start(self, text: str) -> bool:
        try:
            return self._compiled.match(text, timeout=_timeout()) is not None
        except TimeoutError:
            return True

    def _call(self, method, text: str, pos: int):
        try:
            return method(text, pos, timeout=_timeout())
        except TimeoutError:
            self._timed_out()
            return None

    def _timed_out(self) -> None:
        if self.owner:
            report_timeout(self.owner)


def compile_pattern(pattern: str, case_sensitive: bool = False, owner: str = "") -> BoundedPattern:
    """Raises regex.error (a subclass of nothing in `re`) when the pattern does not compile."""
    return BoundedPattern(pattern, case_sensitive, owner)


PatternError = regex.error


# --- confusable letters --------------------------------------------------------------------------

def skeleton(text: str) -> str:
    """The text with every letter that imitates a Latin one folded to it (same length)."""
    return text.translate(_confusables()) if _has_lookalikes(text) else text


def skeletons(texts: list[str]) -> list[str]:
    """`skeleton` of each text; one look over all of them first, as most articles have no lookalike."""
    return [skeleton(text) for text in texts] if _has_lookalikes("".join(texts)) else texts


def _has_lookalikes(text: str) -> bool:
    if text.isascii():
        return False
    table = _confusables()
    # Looked for among the distinct non-ASCII characters only (a C-speed byte deletion first).
    rest = text.encode("utf-8", "surrogatepass").translate(None, _ASCII).decode("utf-8", "surrogatepass")
    return any(ord(char) in table for char in set(rest))


_ASCII = bytes(range(0x80))


@lru_cache(maxsize=1)
def _confusables() -> dict[int, str]:
    """The translation table, built once per process: every compatibility form of a Latin letter
    or digit (full-width, mathematical, circled: NFKC says which), then the lookalikes of Unicode's
    confusables data (the confusable_homoglyphs package's copy of confusables.txt) that are not
    already such a form."""
    table: dict[int, str] = {}
    for code in range(0x80, 0x20000):
        compatible = unicodedata.normalize("NFKC", chr(code))
        if len(compatible) == 1 and compatible.isascii() and compatible.isalnum():
            table[code] = compatible
    data = json.loads((resources.files("confusable_homoglyphs") / "confusables.json").read_text("utf-8"))
    for latin, lookalikes in data.items():
        if len(latin) == 1 and latin.isascii() and latin.isalnum():
            for entry in lookalikes:
                char = entry["c"]
                if len(char) == 1 and not char.isascii():
                    table.setdefault(ord(char), latin)
    return table
