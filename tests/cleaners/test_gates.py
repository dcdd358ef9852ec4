"""The cheap checks in front of the expensive ones must never hold back a real match.

- the literal gate (cleaners/rules/gate.py) in front of the text rules: for every rule and text, when
  the rule's own regex matches, ArticleRules.matching reports it;
- the first-character check in front of the anchored rules (shape.first_chars): a block whose first
  character it rules out is never one the rule's regex matches at its start;
- fold(): every character re.IGNORECASE matches to an ASCII letter folds to that letter;
- the byte-level gates of normalize_text: whenever the exact character regexes see mojibake or odd
  characters, the bytes do too;
- the one-pass selector matcher finds exactly what lxml's own CSS selectors find.
"""
from __future__ import annotations

import re
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from cleaners.rules import load_rules
from cleaners.rules.gate import Gate, fold, trie_pattern
from cleaners.rules.shape import NO_LIMIT, first_chars, may_start, required_words, shape
from cleaners.text import normalize

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
RULESET = load_rules()
TEXT_RULES = [r for r in RULESET.rules if r.kind != "selector"]
ALL_RULES = RULESET.for_article(None, "example.org")  # every generic rule, any language


def _texts_from_examples() -> list[str]:
    examples = [e for r in TEXT_RULES for e in (*r.examples_remove, *r.examples_keep)]
    # glued together, cut up and shouted: the gate must still find what the regexes find
    return examples + [e.upper() for e in examples] + [" ".join(examples[i:i + 3]) for i in range(0, len(examples), 3)]


@pytest.mark.parametrize("text", _texts_from_examples()[::7] + ["SİGN UP for our newsletter", "ſubscribe now"])
def test_gate_never_holds_back_a_matching_rule(text):
    reported = {rule.id for rule, _ in ALL_RULES.matching(text)}
    words = len(text.split())
    for rule in ALL_RULES.text_rules:
        if rule.matches_block(text, words):
            assert rule.id in reported, f"{rule.id} matches {text!r} but the gate held it back"


@pytest.mark.parametrize("text", _texts_from_examples()[3::7])
def test_anchored_only_finds_every_anchored_rule_that_matches(text):
    # Blocks tried on anchored rules only skip the gate: the combined pattern must not miss one.
    every = [rule.id for rule, _ in ALL_RULES.matching(text)]
    anchored = {rule.id for n, rule in enumerate(ALL_RULES.text_rules) if ALL_RULES.anchored[n]}
    assert [rule.id for rule, _ in ALL_RULES.matching(text, anchored_only=True)] == [r for r in every if r in anchored]


_ALPHABET = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzäöüß ÄÖÜİıſK.:-!?\n") + [
    "newsletter", "abonnieren", "Foto", "Quelle", "sign up", "cookies", "Anzeige", "jetzt", "hier", "folgen",
    "Sie", "uns", "auf", "read more", "advertisement", "affiliate", "Provision", "Teilen", "ad", "www.",
])


@SETTINGS
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_gate_never_holds_back_a_matching_rule_on_generated_text(text):
    reported = {rule.id for rule, _ in ALL_RULES.matching(text)}
    words = len(text.split())
    assert all(rule.id in reported for rule in ALL_RULES.text_rules if rule.matches_block(text, words))


ANCHORED_RULES = [rule for n, rule in enumerate(ALL_RULES.text_rules) if ALL_RULES.anchored[n]]
# Characters that match an ASCII letter without regard to case, or look like one, or are neither.
_FIRST_CHARACTERS = [chr(code) for code in range(32, 127)] + list("KſİıßẞÄäÖ©«»„“–—•·…€ﬁ０１Ａ")


@pytest.mark.parametrize("rule", ANCHORED_RULES, ids=lambda rule: rule.id)
def test_first_characters_never_rule_out_a_match(rule):
    firsts = first_chars(rule.pattern)
    texts = [*rule.examples_remove, *rule.examples_keep]
    texts += [t.upper() for t in texts] + [t.lower() for t in texts] + [t.swapcase() for t in texts]
    # every example with its first character changed: what the check rules out must not match
    texts += [char + t[1:] for t in texts[:8] for char in _FIRST_CHARACTERS if t]
    for text in texts:
        if rule.regex._compiled.match(text):
            assert may_start(firsts, text), f"{rule.id}: {text!r} matches, but its first character was ruled out"


@SETTINGS
@given(st.sampled_from(ANCHORED_RULES), st.sampled_from(_FIRST_CHARACTERS), st.lists(_ALPHABET, max_size=12).map("".join))
def test_first_characters_never_rule_out_a_match_on_generated_text(rule, first, rest):
    text = first + rest
    if rule.regex._compiled.match(text):
        assert may_start(first_chars(rule.pattern), text)


@pytest.mark.parametrize("pattern, text, firsts", [
    (r"^\d{4}-\d{2}", "2024-05", set("0123456789")),
    (r"^(?:a|b)?c", "c", {"a", "b", "c"}),
    (r"^(copyright|©|\(c\))", "© 2024", {"c", "("}),    # "©" matches only itself: always tried
    (r"(?i)^k", "\u212a", {"k"}),                        # the Kelvin sign matches k without case
    (r"^[A-ZÄÖÜ]\w+ ist", "Ärztin ist", set("abcdefghijklmnopqrstuvwxyz")),
    (r"^(x)?$", "", None),                               # can match nothing: anything may start it
    (r"^\S.{0,60}via", "x via", None),                 # any character
    (r"^[[:alpha:]]", "b", None),                       # POSIX class: the regex module's own syntax
    (r"^\p{L}", "b", None),
    (r"^(?=a)a", "a", None),                             # lookarounds are not read
])
def test_first_characters_of_patterns(pattern, text, firsts):
    assert first_chars(pattern) == (None if firsts is None else frozenset(firsts))
    assert may_start(first_chars(pattern), text)


def test_fold_agrees_with_ignorecase_for_every_character():
    letters = re.compile("[a-z0-9]", re.IGNORECASE)
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if letters.fullmatch(char):
            assert fold(char) == char.lower() if char.isascii() else fold(char) in "abcdefghijklmnopqrstuvwxyz", repr(char)
            assert re.fullmatch(fold(char), char, re.IGNORECASE), repr(char)


@pytest.mark.parametrize("pattern, text", [
    (r"\bnewsletter\b", "Our NEWSLETTER"),
    (r"^(foto|bild)\s*:", "Bild: dpa"),
    (r"(jetzt|hier)\s+(abonnieren|bestellen)", "hier bestellen"),
    (r"abo(nnent)?", "Abo"),
    (r"\d+\s+kommentare", "12 Kommentare"),
])
def test_required_words_are_in_every_match(pattern, text):
    ways = required_words(pattern)
    assert re.search(pattern, text, re.IGNORECASE)
    if ways is not None:
        folded = fold(text)
        assert any(all(any(w in folded for w in words) for words in way) for way in ways)


def test_alternatives_of_single_words_stay_one_requirement():
    # Many alternations in a row must not collapse the pattern into "any of its words": each way
    # keeps all the words it needs, so a text with only one of them is not a candidate.
    pattern = (r"(if you buy (this|our|a) (post|link|article|page))|may (get|earn|receive) a (share|portion|cut)"
               r" of the (sale|revenue)|we may (earn|receive) a (commission|fee)")
    ways = required_words(pattern)
    assert ways is not None and len(ways) == 3
    assert all(len(way) >= 2 for way in ways)
    assert any({"earn", "get", "receive"} in way for way in ways)
    assert not any(all(any(w in "you will learn a lot" for w in words) for words in way) for way in ways)


@pytest.mark.parametrize("pattern, most", [
    (r"^(x|×)$", 1),                       # one character: one word
    (r"^(advertisement|ad)$", 7),         # 13 characters: at most 7 words
    (r"^(share|share on)\s*$", None),     # \s* has no upper bound
    (r"^advertisement", None),             # not anchored at the end
    (r"(ad|anzeige)$", None),              # not anchored at the start
])
def test_patterns_spanning_the_block_bound_its_words(pattern, most):

    assert shape(pattern)[1] == (most or NO_LIMIT)
    if most:
        assert not re.search(pattern, " ".join(["x"] * (most + 1)), re.IGNORECASE)


def test_rules_can_be_tried_by_position_and_kind():
    texts = ["Von Anna Beispiel", "Sign up for our newsletter"]
    everything = [{rule.id for rule, _ in hits} for hits in ALL_RULES.matching_all(texts)]
    top = [{rule.id for rule, _ in hits} for hits in ALL_RULES.matching_all(texts, positions=("top",))]
    blocks = [{rule.id for rule, _ in hits} for hits in ALL_RULES.matching_all(texts, kinds=("block",))]
    assert top[0] and all(RULESET.by_id[rule_id].position == "top" for found in top for rule_id in found)
    assert all(found <= every for found, every in zip(top, everything))
    assert blocks == [{r for r in every if RULESET.by_id[r].kind == "block"} for every in everything]


def test_gate_finds_overlapping_and_nested_words():
    gate = Gate({"a": (({"letter"},),), "b": (({"newsletter"},),), "c": (({"terms"},),)})
    assert [sorted(found) for found in gate.rules_in_all(["our newsletterms", "nothing here", "terms"])] == [
        ["a", "b", "c"], [], ["c"]]


def test_trie_pattern_matches_the_longest_word():
    pattern = trie_pattern(["news", "newsletter", "new"])
    assert pattern.search("a newsletter").group() == "newsletter"
    assert pattern.search("renewal").group() == "new"


_MOJIBAKE_ALPHABET = st.sampled_from(
    list(normalize.SPECIAL_CHARACTERS)
    + list("abc äöü €—“”\n") + ["\ud800", "Ã©", "â€™"]
)


@SETTINGS
@given(st.lists(_MOJIBAKE_ALPHABET, max_size=30).map("".join))
def test_byte_gates_see_everything_the_character_regexes_see(text):
    unusual = normalize.unusual_bytes(text)
    if normalize.MOJIBAKE_SIGN.search(text):
        assert normalize.MOJIBAKE_SIGN_BYTES.search(unusual)
    if normalize.ODD_CHARACTER.search(text):
        assert normalize.ODD_CHARACTER.search(unusual.decode("utf-8", "surrogatepass"))


PAGE = """<html><body>
<div class="header"><p>Site</p></div>
<div class="ad">A</div><div class="x  ads\ty">B</div><div class="shadow">C</div>
<div id="div-gpt-ad-123">D</div><div data-ad-slot="">E</div><ins class="adsbygoogle">F</ins>
<section class="newsletter-box"><p>G</p></section><div id="cookie-law">H</div>
<div class="related">I</div><div class="related-stuff">J</div><div class="Related">K</div>
<aside class="author-box"><p>L</p></aside><p class="share">M</p>
</body></html>"""


def test_selector_matcher_agrees_with_lxml_css():
    tree = lxml_html.document_fromstring(PAGE)
    selectors = ALL_RULES.selectors
    ours = [(rule.id, element) for rule, element in selectors.matches(tree)]
    expected = []
    for element in tree.iter():
        for rule in selectors.rules:
            if element in rule.selector(tree):
                expected.append((rule.id, element))
                break
    assert ours == expected
    assert len(ours) >= 10


def test_gate_is_shared_safely_between_threads_and_processes():
    import pickle
    import threading

    texts = _texts_from_examples()
    expected = [[rule.id for rule, _ in hits] for hits in ALL_RULES.matching_all(texts)]
    results = []

    def work():
        for _ in range(5):
            results.append([[rule.id for rule, _ in hits] for hits in ALL_RULES.matching_all(texts)])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20 and all(found == expected for found in results)
    copy = pickle.loads(pickle.dumps(ALL_RULES._step(0).gate))
    assert copy.rules_in_all(["sign up for our newsletter"]) == ALL_RULES._step(0).gate.rules_in_all(["sign up for our newsletter"])
