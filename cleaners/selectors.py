"""Match the selector rules against a page in one pass over its elements.

lxml's CSS support turns each selector into XPath that builds strings for every element; with a
dozen rules that cost more than trafilatura's whole extraction. Simple selectors (a tag, classes, an
id, attribute tests, joined by commas) are matched here instead: one XPath of attribute tests
finds the elements carrying a tested attribute, one combined regex per attribute tells which might
match, and Python checks those few exactly, rule by rule. Selectors
with combinators or pseudo-classes fall back to lxml's own XPath.
"""
from __future__ import annotations

import re

import cssselect
from cssselect import parser as css
from lxml import etree

_OPERATORS = {
    "exists": lambda v: "",
    "=": lambda v: f"^{re.escape(v)}$",
    "~=": lambda v: rf"(?:^|\s){re.escape(v)}(?:\s|$)",
    "^=": lambda v: f"^{re.escape(v)}",
    "$=": lambda v: f"{re.escape(v)}$",
    "*=": lambda v: re.escape(v),
    "|=": lambda v: f"^{re.escape(v)}(?:-|$)",
}


class _Compound:
    """One simple selector: an optional tag and attribute tests, all of which must hold."""

    def __init__(self, tag: str | None, tests: list[tuple[str, re.Pattern]], keys: list[tuple[str, str, str]]):
        self.tag = tag
        self.tests = tests
        self.keys = keys  # (attribute, operator, value) of each test, for the quick check


    def matches(self, element) -> bool:
        if self.tag and element.tag != self.tag:
            return False
        attrib = element.attrib
        for name, pattern in self.tests:
            value = attrib.get(name)
            if value is None or not pattern.search(value):
                return False
        return True


def _compile_compound(tree) -> _Compound | None:
    tests: list[tuple[str, str]] = []
    keys: list[tuple[str, str, str]] = []
    tag = None
    while True:
        if isinstance(tree, css.Element):
            tag = None if tree.element in (None, "*") else tree.element.lower()
            break
        if isinstance(tree, css.Class):
            tests.append(("class", _OPERATORS["~="](tree.class_name)))
            keys.append(("class", "~=", tree.class_name))
        elif isinstance(tree, css.Hash):
            tests.append(("id", _OPERATORS["="](tree.id)))
            keys.append(("id", "=", tree.id))
        elif isinstance(tree, css.Attrib) and tree.namespace is None and tree.operator in _OPERATORS:
            value = tree.value.value if tree.value is not None else ""
            tests.append((tree.attrib.lower(), _OPERATORS[tree.operator](value)))
            keys.append((tree.attrib.lower(), tree.operator, value))
        else:
            return None  # combinators, pseudo-classes, negation: leave to XPath
        tree = tree.selector
    tests.reverse()  # collected innermost first; the first test written is the prefilter's key
    keys.reverse()
    return _Compound(tag, [(name, re.compile(pattern)) for name, pattern in tests], keys)


class SelectorSet:
    """The selector rules of one article, matched together."""

    def __init__(self, rules):
        self.rules = rules
        self.compiled: list[tuple[object, list[_Compound]]] = []
        self.fallback = []  # rules with a selector this matcher does not handle
        for rule in rules:
            compounds = [_compile_compound(s.parsed_tree) for s in cssselect.parse(rule.pattern)]
            if any(c is None for c in compounds):
                self.fallback.append(rule)
                continue
            self.compiled.append((rule, compounds))
        # per tested attribute, what the selectors' first tests look for: a cheap "might match"
        self.tags = {c.tag for _, cs in self.compiled for c in cs if not c.tests}
        self.quick: dict[str, _Quick] = {}
        for _, compounds in self.compiled:
            for compound in compounds:
                if compound.keys:
                    name, operator, value = compound.keys[0]
                    self.quick.setdefault(name, _Quick()).add(operator, value)
        self.candidates = _candidate_xpath(self.compiled)

    def matches(self, tree) -> list[tuple[object, object]]:
        """(rule, element) for every element some rule matches, in document order, first rule wins."""
        found = []
        # lxml's XPath narrows the page to elements with a tested attribute, the combined regexes to
        # those that might match; Python checks the few left exactly.
        quick = list(self.quick.items())
        for element in self.candidates(tree) if self.candidates is not None else ():
            get = element.get
            if element.tag not in self.tags and not any(
                    (value := get(name)) is not None and check.might_match(value) for name, check in quick):
                continue
            for rule, compounds in self.compiled:
                if any(c.matches(element) for c in compounds):
                    found.append((rule, element))
                    break
        for rule in self.fallback:
            found.extend((rule, element) for element in rule.selector(tree))
        return found


class _Quick:
    """Everything the selectors look for in one attribute: whole tokens, whole values, substrings."""

    def __init__(self):
        self.tokens: set[str] = set()
        self.values: set[str] = set()
        self.substrings: list[str] = []
        self.exists = False

    def add(self, operator: str, value: str) -> None:
        if operator == "exists" or not value:
            self.exists = True
        elif operator == "~=":
            self.tokens.add(value)
        elif operator == "=":
            self.values.add(value)
        else:  # ^= $= *= |= all contain the value somewhere
            self.substrings.append(value)

    def might_match(self, value: str) -> bool:
        return (self.exists or value in self.values or not self.tokens.isdisjoint(value.split())
                or any(part in value for part in self.substrings))


def _candidate_xpath(compiled) -> "etree.XPath | None":
    """One XPath for the elements that carry an attribute (or are of a tag) some selector tests."""
    conditions = []
    for _, compounds in compiled:
        for compound in compounds:
            conditions.append(f"@{compound.tests[0][0]}" if compound.tests else f"self::{compound.tag}")
    return etree.XPath("//*[" + " or ".join(dict.fromkeys(conditions)) + "]") if conditions else None


