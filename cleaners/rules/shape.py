"""What a pattern's parse tree says, read once per pattern: the literal words every match must
contain (for the gate, gate.py), whether every match starts at the start of the block, and the most
words a block it matches can have."""
from __future__ import annotations

import re
from functools import lru_cache

from ..text.words import words

MIN_LENGTH = 3  # shorter words occur in nearly every block: a rule with only those is always tried
MAX_WORDS_PER_RULE = 64


@lru_cache(maxsize=4096)  # parsed once, however many languages and sites share the pattern
def _parsed(pattern: str):
    try:
        return re._parser.parse(pattern)
    except re.error:
        return None


MAX_ALTERNATIVES = 32  # beyond this, an alternation counts as one set of words (any of them)

Requirement = tuple[frozenset[str], ...]  # every set must have a word in the text


@lru_cache(maxsize=4096)  # parsed once, however many languages and sites share the pattern
def required_words(pattern: str) -> tuple[Requirement, ...] | None:
    """The ways a match of the pattern (case-insensitive or not) can satisfy the gate: a match always
    contains, for one of the returned requirements, a folded ASCII string of each of its sets.
    None when some way of matching requires no word worth gating on."""
    parsed = _parsed(pattern)
    if parsed is None:
        return None
    ways = []
    for conjunction in _alternatives(list(parsed)):
        sets = {frozenset(w) for w in conjunction if min(map(len, w)) >= MIN_LENGTH and len(w) <= MAX_WORDS_PER_RULE}
        if not sets:
            return None
        ways.append(tuple(sorted(sets, key=_telling, reverse=True)))
    return tuple(ways) or None


# Words found in nearly every text narrow nothing down: a set holding one is a poor gate.
_COMMON = frozenset(words("stopwords")) | frozenset(words("common"))


def _telling(words) -> tuple[bool, int, int]:
    """How much a set narrows the search: no everyday words, long words, and few of them."""
    return (words.isdisjoint(_COMMON), min(map(len, words)), -len(words))


def _alternatives(items: list) -> list[list[set[str]]]:
    """One parsed sequence as alternatives, each a list of word sets its matches all contain:
    each run of plain letters, and what each group, repeat or alternation inside requires."""
    ways: list[list[set[str]]] = [[]]
    run: list[str] = []

    def end_run():
        if run:
            word = "".join(run)
            for way in ways:
                way.append({word})
            run.clear()

    for op, value in items:
        name = str(op)
        if name == "LITERAL" and chr(value).isascii() and (chr(value).isalnum() or chr(value) == " "):
            run.append(chr(value).lower())
            continue
        end_run()
        inner = _inner_ways(name, value)
        if inner is None:
            continue
        if len(inner) > 1 and all(len(way) == 1 for way in inner):
            # (get|earn|receive): one set, any of the words, instead of a way each, so that the
            # alternatives around it do not multiply past MAX_ALTERNATIVES and lose their words.
            inner = [[set().union(*(way[0] for way in inner))]]
        if len(inner) == 1:
            for way in ways:
                way.extend(inner[0])
        elif len(inner) * len(ways) <= MAX_ALTERNATIVES:
            ways = [way + other for way in ways for other in inner]
        elif all(inner):  # too many combinations: any word of any alternative's most telling set
            union = set().union(*(max(way, key=_telling) for way in inner))
            for way in ways:
                way.append(union)
    end_run()
    return ways



NO_LIMIT = 10**9


@lru_cache(maxsize=4096)  # patterns are parsed once, however many languages and sites share them
def shape(pattern: str) -> tuple[bool, int]:
    """(every way the pattern can match starts with ^, so `match` at 0 finds it; the most words a
    block it matches can have). The second is bounded when the pattern spans the whole block
    (^...$) and its matches are at most W characters long: n words take at least 2n - 1 characters,
    so longer blocks need not be tried."""
    parsed = _parsed(pattern)
    if parsed is None:
        return False, NO_LIMIT
    items = list(parsed)
    anchored, most = _anchored_at(items, 0, "AT_BEGINNING"), NO_LIMIT
    if anchored and _anchored_at(items, -1, "AT_END"):
        width = parsed.getwidth()[1]
        if width < re._constants.MAXREPEAT:
            most = (width + 1) // 2
    return anchored, most


def _anchored_at(items, end: int, at: str) -> bool:
    """Every way through the parsed items starts (end 0) or stops (end -1) with the anchor `at`."""
    if not items:
        return False
    op, value = items[end]
    name = str(op)
    if name == "AT":
        return str(value) == at
    if name == "SUBPATTERN":
        return _anchored_at(list(value[-1]), end, at)
    if name == "BRANCH":
        return all(_anchored_at(list(branch), end, at) for branch in value[1])
    return False


def _inner_ways(name: str, value) -> list[list[set[str]]] | None:
    """What a group, a repeat of at least one, or an alternation requires (None: nothing)."""
    if name == "SUBPATTERN":
        return _alternatives(list(value[-1]))
    if name == "ATOMIC_GROUP":
        return _alternatives(list(value))
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and value[0] >= 1:
        return _alternatives(list(value[2]))
    if name == "BRANCH":
        return [way for branch in value[1] for way in _alternatives(list(branch))]
    return None


# --- the characters a match can start with -------------------------------------------------------
# A block whose first character no anchored pattern can start with needs no regex call at all (a
# call costs microseconds however short the block). Only ASCII is judged: a block that starts with
# any other character is always tried, and so are patterns this reading cannot vouch for.
# The regex module's own syntax, which re's parser reads differently or not at all: POSIX classes
# ([[:alpha:]]), Unicode properties and names, graphemes, and the flags for versions, full case
# folding, reverse and word modes.
_REGEX_ONLY_SYNTAX = re.compile(r"\[:\^?\w+:\]|\\[pPNX]|\(\?[a-zA-Z]*[Vfrw]")
_ASCII_CATEGORIES = {
    "CATEGORY_DIGIT": "0123456789",
    "CATEGORY_WORD": "0123456789_abcdefghijklmnopqrstuvwxyz",
    "CATEGORY_SPACE": " \t\n\r\f\v\x1c\x1d\x1e\x1f",  # str.isspace among ASCII, as \s matches them
}


@lru_cache(maxsize=4096)
def first_chars(pattern: str) -> frozenset[str] | None:
    """The lower-cased ASCII characters a match of the pattern can start with (matched with or
    without IGNORECASE); None when any character may start one (or the pattern is not read here).
    A match may also start with any non-ASCII character: callers always try blocks that do."""
    if _REGEX_ONLY_SYNTAX.search(pattern):
        return None
    parsed = _parsed(pattern)
    if parsed is None:
        return None
    found = _sequence_firsts(list(parsed))
    return None if found is None or found[1] else frozenset(found[0])


def _sequence_firsts(items) -> tuple[set[str], bool] | None:
    """(first characters, whether the whole sequence can match nothing) or None (anything)."""
    firsts: set[str] = set()
    for op, value in items:
        found = _item_firsts(str(op), value)
        if found is None:
            return None
        firsts |= found[0]
        if not found[1]:
            return firsts, False
    return firsts, True


def _item_firsts(name: str, value) -> tuple[set[str], bool] | None:
    if name == "AT":  # ^, $, \b: zero width
        return set(), True
    if name == "LITERAL":
        return _literal_firsts(chr(value)), False
    if name == "IN":
        chars: set[str] = set()
        for op, item in value:
            kind = str(op)
            if kind == "LITERAL":
                more = _literal_firsts(chr(item))
            elif kind == "RANGE":
                low, high = item
                more = _literal_range(low, high)
            elif kind == "CATEGORY" and str(item) in _ASCII_CATEGORIES:
                more = set(_ASCII_CATEGORIES[str(item)])
            else:  # a negated set, other categories
                return None
            if more is None:
                return None
            chars |= more
        return chars, False
    if name in ("SUBPATTERN", "ATOMIC_GROUP"):
        return _sequence_firsts(list(value[-1] if name == "SUBPATTERN" else value))
    if name == "BRANCH":
        chars, empty = set(), False
        for branch in value[1]:
            found = _sequence_firsts(list(branch))
            if found is None:
                return None
            chars |= found[0]
            empty = empty or found[1]
        return chars, empty
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        least, _, body = value
        found = _sequence_firsts(list(body))
        return None if found is None else (found[0], found[1] or least == 0)
    return None  # any character, lookarounds, back-references


def _literal_firsts(char: str) -> set[str]:
    """The ASCII characters (lower-cased) a literal may match, with or without regard to case: the
    character itself, or for a non-ASCII letter the ASCII letters among its case forms (the Kelvin
    sign matches k, the long s matches s; "ä" none). A non-ASCII character matches itself, which
    callers always try."""
    forms = char + char.lower() + char.upper() + char.casefold()
    return {form.lower() for form in forms if form.isascii()}


def _literal_range(low: int, high: int) -> set[str] | None:
    if high - low > 1024:  # wide ranges: not worth reading one by one
        return None
    return set().union(*(_literal_firsts(chr(code)) for code in range(low, high + 1)))


def may_start(firsts: frozenset[str] | None, text: str) -> bool:
    """Could a match of a pattern with these first characters start this text?"""
    if firsts is None or not text:
        return True
    char = text[0]
    return not char.isascii() or char.lower() in firsts
