"""Match the selector rules against a page in one pass over its elements.

lxml's CSS support turns each selector into XPath that builds strings for every element; with a
dozen rules that cost more than trafilatura's whole extraction. Simple selectors (a tag, classes, an
id, attribute tests, joined by commas) are matched here instead: one XPath lists the values of
the tested attributes as strings, a quick check per attribute tells which values might match, and Python checks those few elements exactly, rule by rule. Selectors with combinators or
pseudo-classes fall back to lxml's own XPath.
"""
from __future__ import annotations

import re
from functools import cached_property

import cssselect
from cssselect import parser as css
from lxml import etree

from ..guards import deeper_than as _deeper_than
from .gate import trie_pattern
from .match import report_timeout

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
        # one XPath per attribute: a union would make libxml2 sort all the values into document order
        self.attribute_values = [(etree.XPath(f"//@{name}"), quick) for name, quick in self.quick.items()]
        tags = ["*" if tag is None else tag for tag in self.tags]
        self.tag_xpath = etree.XPath(" | ".join(f"//{tag}" for tag in sorted(tags))) if tags else None

    def matches(self, tree) -> list[tuple[object, object]]:
        """(rule, element) for every element some rule matches, in document order, first rule wins."""
        # The tested attributes' values come out of lxml as strings, the quick check runs once per
        # distinct value (pages repeat their classes), and only the few elements whose values
        # might match are made Python objects and checked exactly.
        elements = {}
        for values_of, quick in self.attribute_values:
            values = values_of(tree)
            if not quick.exists:
                wanted = {value for value in set(values) if quick.might_match(value)}
                values = [value for value in values if value in wanted] if wanted else ()
            elements.update(dict.fromkeys(value.getparent() for value in values))
        if self.tag_xpath is not None:
            elements.update(dict.fromkeys(self.tag_xpath(tree)))
        found = []
        for element in _in_document_order(elements, tree):
            for rule, compounds in self.compiled:
                if any(c.matches(element) for c in compounds):
                    found.append((rule, element))
                    break
        if self.fallback:
            cost = _page_cost(tree)
            for rule in self.fallback:
                if cost(rule) > MAX_SELECTOR_COST:
                    report_timeout(rule.id)  # too costly on this page: counts as no match, and says so
                    continue
                found.extend((rule, element) for element in rule.selector(tree))
        return [(rule, element) for rule, element in found if few_enough_words(rule, element)]


def few_enough_words(rule, element) -> bool:
    """A selector rule's `max_words` bounds the elements it is for: a sign-up box or an ad slot
    holds a few words, an element with more is something else with a misleading class."""
    return rule.max_words is None or len(element.text_content().split()) <= rule.max_words


def _in_document_order(elements: dict, tree) -> list:
    """The elements in document order. A few are placed by their index path; many by one walk over
    the tree (an index path costs as much as the siblings before it: 49,000 siblings would make
    sorting them quadratic)."""
    if len(elements) <= _FEW:
        return sorted(elements, key=_document_position)
    return [element for element in tree.iter() if element in elements]


_FEW = 16


def _document_position(element) -> tuple[int, ...]:
    position = []
    parent = element.getparent()
    while parent is not None:
        position.append(parent.index(element))
        element, parent = parent, parent.getparent()
    return tuple(reversed(position))


# Selectors with combinators run as libxml2 XPath, which cannot be stopped. Each descendant step
# walks the subtree of every element reached so far (at most elements x depth), each general
# sibling step the siblings after each (at most elements squared). A selector whose bound on the
# page is above this is not run there, and the rule is reported as timed out. (40 descendant
# steps on a 200-deep page took 147 s; one step on the largest bench page is far below the bound.)
MAX_SELECTOR_COST = 20_000_000
# And when loaded: a selector of more steps than this is refused outright.
MAX_SELECTOR_STEPS = 8
_COUNT = etree.XPath("count(//*)")


def selector_steps(pattern: str) -> tuple[int, int]:
    """(descendant steps, general sibling steps) of the costliest selector in a comma list."""
    worst = (0, 0)
    for selector in cssselect.parse(pattern):
        tokens = [token for token in _combinators(selector.parsed_tree)]
        worst = max(worst, (tokens.count(" "), tokens.count("~")))
    return worst


def _combinators(tree):
    while tree is not None:
        if isinstance(tree, css.CombinedSelector):
            yield tree.combinator
            yield from _combinators(tree.selector)
            tree = tree.subselector
        else:
            tree = getattr(tree, "selector", None)


def _page_cost(tree):
    """A function: a fallback rule's cost bound on this page (elements and depth measured once)."""
    elements = int(_COUNT(tree))
    depth = _depth(tree)

    def cost(rule) -> int:
        descendant, sibling = selector_steps(rule.pattern)
        return elements * (1 + descendant * depth) + sibling * elements * elements

    return cost


def _depth(tree) -> int:
    """The page's nesting depth, by bisection over "is some element this deep" (each an XPath)."""
    low, high = 0, 1
    while _deeper_than(high)(tree):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _deeper_than(middle)(tree) else (low, middle)
    return high


class _Quick:
    """Everything the selectors look for in one attribute: whole tokens, whole values, substrings.
    It may let through a value no selector matches, never the other way round."""

    def __init__(self):
        self.tokens: set[str] = set()
        self.values: set[str] = set()
        self.substrings: set[str] = set()
        self.exists = False

    def add(self, operator: str, value: str) -> None:
        if operator == "exists" or not value:
            self.exists = True
        elif operator == "~=":
            self.tokens.add(value)
        elif operator == "=":
            self.values.add(value)
        else:  # ^= $= *= |= all contain the value somewhere
            self.substrings.add(value)

    @cached_property
    def _substring(self) -> re.Pattern | None:
        return trie_pattern(self.substrings)  # a plain alternation would try every part at every character

    def might_match(self, value: str) -> bool:
        return (self.exists or value in self.values or not self.tokens.isdisjoint(value.split())
                or self._substring is not None and self._substring.search(value) is not None)
