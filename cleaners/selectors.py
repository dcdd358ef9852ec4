"""Match the selector rules against a page in one pass over its elements.

lxml's CSS support turns each selector into XPath that builds strings for every element; with a
dozen rules that cost more than trafilatura's whole extraction. Simple selectors (a tag, classes, an
id, attribute tests, joined by commas) are matched here instead: each element's class, id and data
attributes are tested with one combined regex per attribute, and only the rare element that passes
is checked rule by rule. Selectors with combinators or pseudo-classes fall back to lxml's XPath.
"""
from __future__ import annotations

import re

import cssselect
from cssselect import parser as css

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

    def __init__(self, tag: str | None, tests: list[tuple[str, re.Pattern]]):
        self.tag = tag
        self.tests = tests

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
    tag = None
    while True:
        if isinstance(tree, css.Element):
            tag = None if tree.element in (None, "*") else tree.element.lower()
            break
        if isinstance(tree, css.Class):
            tests.append(("class", _OPERATORS["~="](tree.class_name)))
        elif isinstance(tree, css.Hash):
            tests.append(("id", _OPERATORS["="](tree.id)))
        elif isinstance(tree, css.Attrib) and tree.namespace is None and tree.operator in _OPERATORS:
            value = tree.value.value if tree.value is not None else ""
            tests.append((tree.attrib.lower(), _OPERATORS[tree.operator](value)))
        else:
            return None  # combinators, pseudo-classes, negation: leave to XPath
        tree = tree.selector
    return _Compound(tag, [(name, re.compile(pattern)) for name, pattern in tests])


class SelectorSet:
    """The selector rules of one article, matched together."""

    def __init__(self, rules):
        self.rules = rules
        self.compiled: list[tuple[object, list[_Compound]]] = []
        self.fallback = []  # rules with a selector this matcher does not handle
        by_attribute: dict[str, list[str]] = {}
        self.tags: set[str] = set()
        for rule in rules:
            compounds = [_compile_compound(s.parsed_tree) for s in cssselect.parse(rule.pattern)]
            if any(c is None for c in compounds):
                self.fallback.append(rule)
                continue
            self.compiled.append((rule, compounds))
            for compound in compounds:
                if compound.tests:
                    name, pattern = compound.tests[0]
                    by_attribute.setdefault(name, []).append(pattern.pattern)
                else:
                    self.tags.add(compound.tag)
        self.quick = {name: re.compile("|".join(f"(?:{p})" for p in patterns)) for name, patterns in by_attribute.items()}

    def matches(self, tree) -> list[tuple[object, object]]:
        """(rule, element) for every element some rule matches, in document order, first rule wins."""
        found = []
        quick = list(self.quick.items())
        for element in tree.iter():
            tag = element.tag
            if not isinstance(tag, str):
                continue  # comments and processing instructions
            if tag not in self.tags:
                get = element.get
                for name, pattern in quick:
                    value = get(name)
                    if value is not None and pattern.search(value):
                        break
                else:
                    continue
            for rule, compounds in self.compiled:
                if any(c.matches(element) for c in compounds):
                    found.append((rule, element))
                    break
        for rule in self.fallback:
            found.extend((rule, element) for element in rule.selector(tree))
        return found
