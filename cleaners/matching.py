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

from . import limits

_TIMED_OUT: ContextVar[list[str] | None] = ContextVar("cleaners_timed_out", default=None)


@contextmanager
def timeouts_recorded():
    """Collect the ids of the rules whose pattern timed out inside (one list per article)."""
    found: list[str] = []
    token = _TIMED_OUT.set(found)
    try:
        yield found
    finally:
        _TIMED_OUT.reset(token)


def report_timeout(rule_id: str) -> None:
    """Record that a rule ran out of time (or would have) on this article: it matched nothing."""
    found = _TIMED_OUT.get()
    if found is not None and rule_id not in found:
        found.append(rule_id)


def _timeout() -> float | None:
    """Seconds one call may take: the per-call limit, capped by the article's remaining budget."""
    per_call = limits.current().match_seconds
    left = limits.time_left()
    if left is not None and left <= 0:
        limits.check_time("matching")
    bounds = [s for s in (per_call if per_call and per_call > 0 else None, left) if s is not None]
    return min(bounds) if bounds else None


class BoundedPattern:
    """A compiled rule pattern whose every call ends in bounded time (None / no match on timeout)."""

    def __init__(self, pattern: str, case_sensitive: bool = False, owner: str = ""):
        self.pattern = pattern
        self.owner = owner  # the rule id a timeout is reported under ("" for a combined pre-check)
        self._compiled = regex.compile(pattern, 0 if case_sensitive else regex.IGNORECASE)

    def search(self, text: str, pos: int = 0):
        return self._call(self._compiled.search, text, pos)

    def match(self, text: str, pos: int = 0):
        return self._call(self._compiled.match, text, pos)

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
    if text.isascii():
        return text
    table = _confusables()
    # Looked for among the distinct non-ASCII characters only (a C-speed byte deletion first).
    rest = text.encode("utf-8", "surrogatepass").translate(None, _ASCII).decode("utf-8", "surrogatepass")
    if not any(ord(char) in table for char in set(rest)):
        return text
    return text.translate(table)


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
