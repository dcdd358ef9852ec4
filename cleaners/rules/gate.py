"""A cheap gate in front of the text rules' patterns.

Most blocks match no rule, and a combined case-insensitive regex of many patterns still tries every
alternative at every character. So each pattern is reduced to the literal words its matches must
contain ("newsletter", "abonnier", ...), one Aho-Corasick automaton finds all of them in the folded
text of an article's blocks in one pass, and only the rules whose words occur run their real pattern.
The gate may let a rule through that then does not match; it never holds back one that would.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate

import ahocorasick_rs

# Characters that re.IGNORECASE matches to an ASCII letter but that str.lower() does not turn into
# it (the dotted capital I even becomes two characters). Folding maps them first.
_TO_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_NOT_ASCII_LETTER = re.compile("[" + "".join(map(chr, _TO_ASCII)) + "]")


def fold(text: str) -> str:
    """Lower-cased text in which every character re.IGNORECASE treats as an ASCII letter is that letter."""
    if not text.isascii() and _NOT_ASCII_LETTER.search(text):
        text = text.translate(_TO_ASCII)
    return text.lower()


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
    """Which of the gated rules each text may match. One Aho-Corasick scan finds every occurrence
    of the words of each rule's most telling sets; only for a rule found that way are its other
    sets looked up in the text."""

    def __init__(self, required_by_rule: dict):
        self.required_by_rule = required_by_rule
        self.words = sorted({word for ways in required_by_rule.values() for sets in ways for word in sets[0]})
        self._automaton = self._build()
        # For each scanned word, the rules it may let through and the other sets each still needs
        # (a set of one word as that word: a plain substring test).
        self._ways_by_word: dict[str, list] = {}
        for rule, ways in required_by_rule.items():
            for sets in ways:
                others = tuple(next(iter(other)) if len(other) == 1 else other for other in sets[1:])
                for word in sets[0]:
                    self._ways_by_word.setdefault(word, []).append((rule, others))

    def _build(self):
        # A DFA scans about twice as fast as the other automata here; the rule words are few.
        # It is read-only once built, so threads share it without a lock.
        if not self.words:
            return None
        return ahocorasick_rs.AhoCorasick(self.words, implementation=ahocorasick_rs.Implementation.DFA)

    def __getstate__(self) -> dict:  # pickled (sent to another process) without the automaton
        return {key: value for key, value in self.__dict__.items() if key != "_automaton"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._automaton = self._build()

    def rules_in_all(self, folded_texts: list[str]) -> list[list]:
        """For each folded text, the gated rules one of whose requirements it meets."""
        results: list[list] = [[] for _ in folded_texts]
        if self._automaton is None or not folded_texts:
            return results
        # One scan over all texts; a gated word never holds a line break, so none spans two texts.
        joined = "\n".join(folded_texts)
        ends = list(accumulate(len(text) + 1 for text in folded_texts))
        found: dict[int, set[str]] = {}
        words = self.words
        for number, _, end in self._automaton.find_matches_as_indexes(joined, overlapping=True):
            found.setdefault(bisect_right(ends, end - 1), set()).add(words[number])
        for index, words in found.items():
            results[index] = self._rules_met(folded_texts[index], words)
        return results

    def _rules_met(self, text: str, words: set[str]) -> list:
        """The rules whose other sets the text meets too, given the scanned words found in it.
        (Written out as loops: this runs for every word found, and generators cost more here.)"""
        rules = set()
        for word in words:
            for rule, others in self._ways_by_word[word]:
                if rule in rules:
                    continue
                for other in others:
                    if other.__class__ is str:
                        if other not in text:
                            break
                    elif not any(w in text for w in other):
                        break
                else:
                    rules.add(rule)
        return list(rules)
