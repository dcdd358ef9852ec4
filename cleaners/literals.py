"""A cheap gate in front of the floating rule patterns.

Most blocks match no rule, and a combined case-insensitive regex of many patterns still tries every
alternative at every character. So each pattern is reduced to the literal words any match must
contain ("newsletter", "abonnier", ...), all of them are put in one case-sensitive trie regex that
scans the folded text once, and only the rules whose words occur run their real pattern.
The gate may let a rule through that then does not match; it never holds back one that would.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

MIN_LENGTH = 3  # shorter words occur in nearly every block: a rule with only those is always tried
MAX_WORDS_PER_RULE = 64

# Characters that re.IGNORECASE matches to an ASCII letter but that str.lower() does not turn into
# it (the dotted capital I even becomes two characters). Folding maps them first.
_TO_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


_NOT_ASCII_LETTER = re.compile("[\u0130\u0131\u017f\u212a]")


def fold(text: str) -> str:
    """Lower-cased text in which every character re.IGNORECASE treats as an ASCII letter is that letter."""
    if not text.isascii() and _NOT_ASCII_LETTER.search(text):
        text = text.translate(_TO_ASCII)
    return text.lower()


MAX_ALTERNATIVES = 32  # beyond this, an alternation counts as one set of words (any of them)

Requirement = tuple[frozenset[str], ...]  # every set must have a word in the text


def required_words(pattern: str) -> tuple[Requirement, ...] | None:
    """The ways a match of the pattern (case-insensitive or not) can satisfy the gate: a match always
    contains, for one of the returned requirements, a folded ASCII string of each of its sets.
    None when some way of matching requires no word worth gating on."""
    try:
        parsed = re._parser.parse(pattern)
    except re.error:
        return None
    ways = []
    for conjunction in _alternatives(list(parsed)):
        sets = {frozenset(w) for w in conjunction if min(map(len, w)) >= MIN_LENGTH and len(w) <= MAX_WORDS_PER_RULE}
        if not sets:
            return None
        ways.append(tuple(sorted(sets, key=_telling, reverse=True)))
    return tuple(ways) or None


def _telling(words) -> tuple[int, int]:
    """How much a set narrows the search: long words, and few of them."""
    return (min(map(len, words)), -len(words))


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
        if name == "SUBPATTERN":
            inner = _alternatives(list(value[-1]))
        elif name == "ATOMIC_GROUP":
            inner = _alternatives(list(value))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and value[0] >= 1:
            inner = _alternatives(list(value[2]))
        elif name == "BRANCH":
            inner = [way for branch in value[1] for way in _alternatives(list(branch))]
        else:
            continue
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


def trie_pattern(words: Iterable[str]) -> re.Pattern | None:
    """One regex for the words, shaped as a trie so that a scan costs a character test per position
    and a match is always the longest word starting there."""
    root: dict = {}
    for word in set(words):
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(_trie_regex(root)) if root else None


def _trie_regex(node: dict) -> str:
    branches = [re.escape(char) + _trie_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a word ends here: the longer ones are tried first
        return body + "?" if len(branches) == 1 and len(branches[0]) == 1 else "(?:" + body + ")?"
    return body


class Gate:
    """Which of the gated rules a text may match. One scan finds the words of each rule's most
    telling sets; only for a rule found that way are its other sets looked up in the text."""

    def __init__(self, required_by_rule: dict):
        self.required_by_rule = required_by_rule
        self.words = frozenset(word for ways in required_by_rule.values() for sets in ways for word in sets[0])
        self.pattern = trie_pattern(self.words)
        self._inside: dict[str, frozenset[str]] = {}  # filled as words are found
        self._rules_by_word: dict[str, set] = {}
        for rule, ways in required_by_rule.items():
            for sets in ways:
                for word in sets[0]:
                    self._rules_by_word.setdefault(word, set()).add(rule)

    def rules_in(self, folded: str) -> list:
        """The gated rules one of whose requirements the folded text meets."""
        if self.pattern is None:
            return []
        found: set[str] = set()
        search, pos = self.pattern.search, 0
        while (match := search(folded, pos)) is not None:
            found.update(self._words_inside(match.group()))
            pos = match.start() + 1  # overlapping words: resume one character on, not after the match
        if not found:
            return []
        rules = set()
        for word in found:
            rules |= self._rules_by_word.get(word, set())
        return [rule for rule in rules if any(self._meets(sets, found, folded) for sets in self.required_by_rule[rule])]

    @staticmethod
    def _meets(sets: Requirement, found: set[str], folded: str) -> bool:
        return not sets[0].isdisjoint(found) and all(any(w in folded for w in words) for words in sets[1:])

    def _words_inside(self, word: str) -> frozenset[str]:
        # A word found also means every gated word inside it was found ("newsletter" holds "letter").
        inside = self._inside.get(word)
        if inside is None:
            inside = self._inside[word] = frozenset(w for w in self.words if w in word)
        return inside
