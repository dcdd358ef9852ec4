"""The rules of one article's language and source, prepared to judge its blocks together."""
from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from .gate import Gate, fold
from .match import BoundedPattern, PatternError, compile_pattern, skeletons
from .selectors import SelectorSet
from .shape import NO_LIMIT, first_chars, may_start, required_words, shape

if TYPE_CHECKING:
    from .load import Rule


class ArticleRules:
    """The rules that apply to one language and source, prepared so that the blocks of an article
    are judged together: one scan of the literal gate (see gate.py) over all of them, whatever
    the number of rules, plus one combined regex per block for the few patterns the gate cannot
    judge. Only the rules a block may match run their own pattern, and only when the block is
    short enough for the rule's `max_words`."""

    def __init__(self, rules: list[Rule]):
        self.text_rules = [r for r in rules if r.kind != "selector"]
        selectors = [r for r in rules if r.kind == "selector"]
        self.selectors = SelectorSet(selectors) if selectors else None
        # Rules are named by their index in text_rules (file order) from here on.
        shapes = [shape(r.pattern) for r in self.text_rules]
        self.anchored = [anchored for anchored, _ in shapes]
        self.max_words = [min(r.max_words or NO_LIMIT, most) for r, (_, most) in zip(self.text_rules, shapes)]
        self.required = [required_words(r.pattern) for r in self.text_rules]
        self._steps: dict[tuple, _Step] = {}

    def matching(self, text: str, anchored_only: bool = False, words: int | None = None) -> list[tuple[Rule, object]]:
        """Every text rule that matches this block, in file order (site packs first).
        With anchored_only, only the rules anchored at the start of the block (a cheap check).
        `words` is the block's word count, when the caller has it."""
        return self.matching_all([text], [anchored_only], None if words is None else [words])[0]

    def matching_all(self, texts: list[str], anchored_only: list[bool] | None = None,
                     words: list[int] | None = None, positions: tuple[str, ...] | None = None,
                     kinds: tuple[str, ...] | None = None) -> list[list[tuple[Rule, object]]]:
        """`matching` for many blocks at once (much cheaper than one by one). With `positions` or
        `kinds`, only the rules of those positions or kinds are tried."""
        if words is None:
            words = [len(text.split()) for text in texts]
        texts = skeletons(texts)  # letters that imitate Latin ones are matched as such
        anchored_only = anchored_only or [False] * len(texts)
        by_step: dict[int, list[int]] = {}
        for index, count in enumerate(words):
            by_step.setdefault(bisect_left(_LENGTH_STEPS, count), []).append(index)
        results: list[list] = [[] for _ in texts]
        for step_number, indexes in by_step.items():
            step = self._step(step_number, positions, kinds)
            scanned = [index for index in indexes if not anchored_only[index]]
            gated = dict(zip(scanned, step.gate.rules_in_all([fold(texts[index]) for index in scanned])))
            for index in indexes:
                text, count = texts[index], words[index]
                if anchored_only[index]:
                    # A look at the start costs far less than the gate's scan of a long block.
                    candidates = step.all_anchored.candidates(text)
                else:
                    candidates = gated[index]
                    candidates.extend(step.ungated_anchored.candidates(text))
                    if step.floating_pattern is not None and step.floating_pattern.may_match(text):
                        candidates.extend(step.ungated_floating)
                for n in sorted(candidates):
                    rule = self.text_rules[n]
                    match = rule.matches_skeleton(text, count)
                    if match:
                        results[index].append((rule, match))
        return results

    def _step(self, number: int, positions: tuple[str, ...] | None = None,
              kinds: tuple[str, ...] | None = None) -> "_Step":
        key = (number, positions, kinds)
        if key not in self._steps:
            floor = _LENGTH_STEPS[number - 1] + 1 if number else 0
            admitted = [n for n, rule in enumerate(self.text_rules) if self.max_words[n] >= floor
                        and (positions is None or rule.position in positions) and (kinds is None or rule.kind in kinds)]
            self._steps[key] = _Step(self, admitted)
        return self._steps[key]


# Blocks are judged in groups by length: the rules a group meets are those whose max_words admit
# some of its blocks. Long paragraphs, where most of the characters are, meet only a few rules.
_LENGTH_STEPS = (5, 10, 15, 25, 40, 60, 90, 150, 250, 10**9)


class _Step:
    """For one group of block lengths: the literal gate over the rules that have required words,
    a combined regex each for the anchored and floating rules that have none, and one for all the
    anchored rules (for blocks that only those are tried on)."""

    def __init__(self, rules: ArticleRules, admitted: list[int]):
        self.gate = Gate({n: rules.required[n] for n in admitted if rules.required[n]})
        ungated = [n for n in admitted if not rules.required[n]]
        self.ungated_anchored = _StartChecks(rules, [n for n in ungated if rules.anchored[n]])
        self.ungated_floating = [n for n in ungated if not rules.anchored[n]]
        self.floating_pattern = _combine([rules.text_rules[n] for n in self.ungated_floating])
        # For blocks only the anchored rules are tried on, gated or not.
        self.all_anchored = _StartChecks(rules, [n for n in admitted if rules.anchored[n]])


class _StartChecks:
    """The pre-check at the start of a block for some anchored rules: one combined regex, not tried
    on a block whose first character none of the rules' matches can start with (shape.first_chars;
    a regex call costs microseconds however short the block). (Split in two, the rules with known
    first characters and the others, it cost more: most short blocks then took two calls.)"""

    def __init__(self, rules: ArticleRules, members: list[int]):
        self.members = members
        self.pattern = _combine([rules.text_rules[n] for n in members])
        firsts = [first_chars(rules.text_rules[n].pattern) for n in members]
        self.firsts = None if None in firsts else frozenset().union(*firsts)

    def candidates(self, text: str) -> list[int]:
        """The rules that may match at the block's start (a timeout says "maybe")."""
        if self.pattern is not None and may_start(self.firsts, text) and self.pattern.may_match_at_start(text):
            return list(self.members)
        return []


def _combine(rules: list) -> BoundedPattern | None:
    """One pre-check for several rules: it may say "maybe" (a timeout), never "no" wrongly."""
    if not rules:
        return None
    parts = [f"(?{'-' if r.case_sensitive else ''}i:{r.pattern})" for r in rules]
    try:
        return compile_pattern("|".join(parts), case_sensitive=True)
    except PatternError:  # patterns that cannot share one regex (named groups, back-references)
        return compile_pattern("", case_sensitive=True)
