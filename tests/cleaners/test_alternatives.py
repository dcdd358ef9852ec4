"""Which alternatives of a pattern its examples need: the regex scanner, `without`, selector
splitting, and `unexercised` / `guarding` on made-up rules (the built-in rules are checked in
test_rules.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pytest
import regex
from lxml.cssselect import CSSSelector

from cleaners.rules.alternatives import (
    UnsupportedPattern,
    alternatives,
    alternatives_of,
    guarding,
    selector_alternatives,
    unexercised,
    variant,
    without,
)


def texts(found):
    return [alt.text for alt in found]


# --- the regex scanner ----------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, expected", [
    ("a|b", ["a", "b"]),
    ("abc", []),
    ("a|b|c", ["a", "b", "c"]),
    # escapes: an escaped bar is a character, an escaped backslash is not an escape of the bar
    (r"a\|b", []),
    (r"a\\|b", [r"a\\", "b"]),
    (r"\(a|b\)", [r"\(a", r"b\)"]),
    (r"\N{VERTICAL LINE}|x", [r"\N{VERTICAL LINE}", "x"]),
    (r"\p{Lu}+|\d", [r"\p{Lu}+", r"\d"]),
    # character classes: a bar inside is a character; `]` first (after `^`) is a character
    ("[|]", []),
    ("[a|b]|c", ["[a|b]", "c"]),
    ("[]|]", []),
    ("[^]|]x|y", ["[^]|]x", "y"]),
    (r"[\]|]", []),
    (r"[a\]|b]", []),
    ("[(|)]", []),
    ("[[:alpha:]|]+|-", ["[[:alpha:]|]+", "-"]),
    ("[[]|]", ["[[]", "]"]),  # a `[` inside a class is a character: the class ends at the first `]`
    # comments hold no branches
    ("(?#a|b)c", []),
    ("x(?#)|y", ["x(?#)", "y"]),
    # groups of every kind, nested
    ("(a|b)|c", ["(a|b)", "a", "b", "c"]),
    ("^(?:a|b)$", ["a", "b"]),
    ("((a|b)c|d(e|f))", ["(a|b)c", "a", "b", "d(e|f)", "e", "f"]),
    ("(?i:foo|bar)baz", ["foo", "bar"]),
    ("(?-i:A|B)c", ["A", "B"]),
    ("(?i)foo|bar", ["(?i)foo", "bar"]),
    ("(?P<n>a|b)(?P=n)", ["a", "b"]),
    ("(?<n>a|b)", ["a", "b"]),
    ("(?>ab|a)c", ["ab", "a"]),
    ("(?|(a)|(b))", ["(a)", "(b)"]),
    # lookarounds
    ("(?=a|b)", ["a", "b"]),
    ("(?<=x|yz)w", ["x", "yz"]),
    ("(?<!x|yz)w", ["x", "yz"]),
    ("a(?!b|c)", ["b", "c"]),
    # empty branches
    ("(a|)", ["a", ""]),
    ("(|a)", ["", "a"]),
    ("a||b", ["a", "", "b"]),
    # quantifiers and references are no groups
    ("a{1,2}|(b)+?|\\1", ["a{1,2}", "(b)+?", "\\1"]),
    ("(a|b(?1))", ["a", "b(?1)"]),
])
def test_scanner_finds_the_branches(pattern, expected):
    found = alternatives(pattern)
    assert texts(found) == expected
    for alt in found:
        assert pattern[alt.start:alt.end] == alt.text
        assert alt.span == (alt.start, alt.end)


# Random patterns built from pieces whose branches are known, to compare the scanner with.
ATOMS = ["a", "b", r"\|", r"\\", r"\(", r"\)", r"\[", "[|]", "[]|]", "[^]|)]", r"[\]|(]", "[[:digit:]|]", ".",
         r"\d", r"\p{L}", "(?#x|y)", "$", "^", r"\b", "x{1,2}", "[(]"]
OPENERS = [("(", False), ("(?:", False), ("(?i:", False), ("(?-i:", False), ("(?P<g{n}>", False), ("(?>", False),
           ("(?=", False), ("(?!", True), ("(?<=", False), ("(?<!", True)]


def random_pattern(rng, depth=0, negated=False):
    """(pattern, [(text, depth, negated)] of every branch, in pattern order)."""
    count = rng.choice([1, 1, 2, 3])
    pattern, branches = "", []
    for number in range(count):
        text, inner = "", []
        for _ in range(rng.randint(0, 3)):
            if depth < 3 and rng.random() < 0.3:
                opener, negative = rng.choice(OPENERS)
                opener = opener.replace("{n}", str(rng.randrange(10**6)))
                body, nested = random_pattern(rng, depth + 1, negated != negative)
                start = len(pattern) + len(text) + len(opener) + (1 if number else 0)
                inner += [(start + offset, b_text, b_depth, b_negated) for offset, b_text, b_depth, b_negated in nested]
                text += opener + body + ")"
            else:
                text += rng.choice(ATOMS)
        if number:
            pattern += "|"
        if count > 1:
            branches.append((len(pattern), text, depth, negated))
        branches += inner
        pattern += text
    return pattern, branches


def test_scanner_agrees_with_random_patterns_of_known_shape():
    import random
    rng = random.Random(20240611)
    for _ in range(2000):
        pattern, expected = random_pattern(rng)
        try:
            regex.compile(pattern)
        except regex.error:  # e.g. a lookbehind the engine will not take: not a pattern a rule could have
            continue
        found = [(alt.start, alt.text, alt.depth, alt.negated) for alt in alternatives(pattern)]
        assert found == sorted(expected, key=lambda item: (item[0], -len(item[1]))), pattern
        for alt in alternatives(pattern):
            regex.compile(without(pattern, alt))


def test_depth_and_negation():
    found = {(alt.text, alt.start): alt for alt in alternatives("x|(?!a|(?!b|c)d)")}
    assert found["x", 0].depth == 0 and not found["x", 0].negated
    assert found["a", 5].depth == 1 and found["a", 5].negated
    assert found["b", 10].depth == 2 and not found["b", 10].negated  # two negations: a match asked for
    assert not found["c", 12].negated


@pytest.mark.parametrize("pattern, reason", [
    ("(?x)a | b", "verbose"),
    ("(?x: a | b )", "verbose"),
    ("(?ix)a|b", "verbose"),
    ("(?V1)[[a]b]|c", "version 1"),
    ("(?(1)a|b)", "conditional"),
    ("(a|b", "never closed"),
    ("a)|b", "unbalanced"),
    ("[a|b", "never closed"),
    ("a|b\\", "lone backslash"),
    ("(?'n'a|b)", "unknown group"),
])
def test_scanner_refuses_what_it_would_guess(pattern, reason):
    with pytest.raises(UnsupportedPattern, match=reason):
        alternatives(pattern)


def test_turning_verbose_off_is_fine():
    assert texts(alternatives("(?-x:a|b)")) == ["a", "b"]


def test_labels_are_short_and_visible():
    long_branch = "x" * 100
    labels = [alt.label for alt in alternatives(f"({long_branch}|)")]
    assert labels[0].endswith("…") and len(labels[0]) == 40
    assert labels[1] == "(empty branch)"


# --- without --------------------------------------------------------------------------------------

TRICKY = ["a|b|c", "^(?:a|b)$", "((a|b)c|d(e|f))", r"[]|]x|y\|z|w", "(?<=x|yz)w|(?<!p|q)r", "(a|)|(|b)",
          "(?i:foo|bar)|(?-i:Baz|Qux)", r"(?P<n>a|b)\d|(?#c|d)e", r"^[\w.-]+(\s+(is|was))?\s*$|[[:alpha:]|]+"]


@pytest.mark.parametrize("pattern", TRICKY)
def test_without_compiles_and_differs(pattern):
    regex.compile(pattern)
    for alt in alternatives(pattern):
        shorter = without(pattern, alt)
        regex.compile(shorter)
        assert shorter != pattern
        assert len(shorter) == len(pattern) - len(alt.text) - 1  # the branch and one bar


@pytest.mark.parametrize("pattern, deleted, expected", [
    ("a|b|c", "a", "b|c"),
    ("a|b|c", "b", "a|c"),
    ("a|b|c", "c", "a|b"),
    ("^(?:a|b)$", "a", "^(?:b)$"),
    ("^(?:a|b)$", "b", "^(?:a)$"),
    ("x(a|)y", "", "x(a)y"),
    ("(a|b)|c", "(a|b)", "c"),
])
def test_without_takes_one_adjacent_bar(pattern, deleted, expected):
    alt = next(alt for alt in alternatives(pattern) if alt.text == deleted)
    assert without(pattern, alt) == expected


def test_without_rejects_an_alternative_of_another_pattern():
    alt = alternatives("a|b")[0]
    with pytest.raises(ValueError):
        without("xy|z", alt)


# --- selectors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, expected", [
    ("a, b", ["a", "b"]),
    ("div.x", []),
    ("a,b,c", ["a", "b", "c"]),
    ("  a ,\n b  ", ["a", "b"]),
    (":is(a, b), c", [":is(a, b)", "c"]),
    ("p:not(.x, .y) > a, li", ["p:not(.x, .y) > a", "li"]),
    ('[title="x,y"], p', ['[title="x,y"]', "p"]),
    ("[title='x,y'] , div > p", ["[title='x,y']", "div > p"]),
    (r'[data-x="a\"b,c"], d', [r'[data-x="a\"b,c"]', "d"]),
    (r"a\,b, c", [r"a\,b", "c"]),
])
def test_selector_splitting(pattern, expected):
    found = selector_alternatives(pattern)
    assert texts(found) == expected
    for alt in found:
        assert pattern[alt.start:alt.end] == alt.text


@pytest.mark.parametrize("pattern", ['[id^="a"], b.c, :is(d, e)', "a, b", 'x[title="1,2"], y , z'])
def test_selector_without_compiles_and_differs(pattern):
    for alt in selector_alternatives(pattern):
        shorter = without(pattern, alt)
        CSSSelector(shorter)
        assert shorter != pattern and alt.text not in [piece.strip() for piece in shorter.split(",")]


def test_selector_without_examples():
    found = selector_alternatives("a, b, c")
    assert [without("a, b, c", alt) for alt in found] == [" b, c", "a, c", "a, b"]


@pytest.mark.parametrize("pattern", ['[title="a, b', ":is(a, b", "a]"])
def test_selector_refuses_unbalanced(pattern):
    with pytest.raises(UnsupportedPattern):
        selector_alternatives(pattern)


# --- unexercised, on made-up rules ----------------------------------------------------------------

@dataclass(frozen=True)
class FakeRule:
    """Shaped like cleaners' Rule: frozen, with a pattern compiled once per object."""

    kind: str
    pattern: str
    examples_remove: tuple = ()
    examples_keep: tuple = ()
    id: str = "test.rule"
    compiled: list = field(default_factory=list, compare=False)  # records every compile

    @cached_property
    def regex(self):
        self.compiled.append(self.pattern)
        return regex.compile(self.pattern, regex.IGNORECASE)


def search_fires(rule, text):
    if rule.kind == "selector":
        from lxml import html
        return bool(CSSSelector(rule.pattern)(html.fragment_fromstring(text, create_parent="div")))
    return rule.regex.search(text) is not None


def test_unexercised_are_the_branches_no_example_needs():
    rule = FakeRule("block", "^(cat|dog|bird)s?$", examples_remove=("Cats", "dog"))
    assert texts(unexercised(rule, search_fires)) == ["bird"]


def test_branches_sharing_one_example_are_each_unexercised():
    # deletion measures need: an example both branches remove needs neither of them alone
    rule = FakeRule("block", "cat|dog", examples_remove=("cat and dog",))
    assert texts(unexercised(rule, search_fires)) == ["cat", "dog"]


def test_examples_the_rule_misses_do_not_count():
    rule = FakeRule("block", "cat|dog", examples_remove=("fish", "cat"))
    assert texts(unexercised(rule, search_fires)) == ["dog"]
    missing_all = FakeRule("block", "cat|dog", examples_remove=("fish",))
    assert texts(unexercised(missing_all, search_fires)) == ["cat", "dog"]


def test_a_deletion_that_breaks_the_pattern_counts_as_exercised():
    rule = FakeRule("block", r"(a)|(b)\2", examples_remove=("bb",))
    assert texts(alternatives(rule.pattern)) == ["(a)", r"(b)\2"]
    with pytest.raises(regex.error):
        regex.compile(without(rule.pattern, alternatives(rule.pattern)[0]))  # group 2 is gone
    assert unexercised(rule, search_fires) == []


def test_variants_are_fresh_rules():
    rule = FakeRule("block", "cat|dog", examples_remove=("cat",))
    assert rule.regex.pattern == "cat|dog"
    for alt in alternatives(rule.pattern):
        copy = variant(rule, alt)
        assert copy.regex.pattern == without(rule.pattern, alt)
    assert rule.regex.pattern == "cat|dog"


def test_unexercised_stops_at_the_first_failing_example():
    calls = []

    def counting(rule, text):
        calls.append((rule.pattern, text))
        return search_fires(rule, text)

    rule = FakeRule("block", "cat|dog", examples_remove=("cat", "cat again", "dog"))
    unexercised(rule, counting)
    variant_calls = [call for call in calls if call[0] == "dog"]  # "cat" deleted: the first example fails
    assert variant_calls == [("dog", "cat")]


def test_guarding_finds_what_examples_keep_need():
    rule = FakeRule("block", "foo(?!bar|baz)", examples_remove=("foo",), examples_keep=("foobaz",))
    assert [(alt.text, alt.negated) for alt in unexercised(rule, search_fires)] == [("bar", True), ("baz", True)]
    assert texts(guarding(rule, search_fires)) == ["baz"]


def test_selector_rules():
    rule = FakeRule("selector", '[class~="ad"], ins.adsbygoogle, [id^="gpt"]',
                    examples_remove=('<div class="x ad">1</div>', '<div id="gpt-1">2</div>'))
    assert texts(alternatives_of(rule)) == ['[class~="ad"]', "ins.adsbygoogle", '[id^="gpt"]']
    assert texts(unexercised(rule, search_fires)) == ["ins.adsbygoogle"]
