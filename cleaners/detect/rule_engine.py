"""The rule packs on the article's blocks: rules that hold anywhere (and at the tail) first; then,
above the first paragraph of prose that is left, the rules for the article's top (datelines,
bylines, labels)."""
from __future__ import annotations

from .. import guards
from ..rules.match import skeleton
from .base import Detector, Entry
from .verdicts import is_substantial

# News sites often put the byline or dateline under the lead paragraph rather than above it.
MAX_LEAD_WORDS = 80
MAX_UNDER_LEAD_WORDS = 8


class RuleEngine(Detector):
    id = "rules.blocks"
    category = "rules"
    why = "The rule packs' block, sentence and section rules."

    def catalogue(self, ruleset=None) -> dict[str, Entry]:
        if ruleset is None:
            return {}
        return {rule.id: Entry(rule.category, rule.why, rule.extract, rule) for rule in ruleset.rules}

    def detect(self, blocks, verdicts, context) -> None:
        guards.check_time("rules")
        rules = context.rules
        texts, words = [block.text for block in blocks], [block.words for block in blocks]
        hits = rules.matching_all(texts, words=words, positions=("anywhere", "tail"))
        half = len(blocks) / 2
        _apply(blocks, dict(enumerate(hits)), verdicts, lambda rule, index: rule.position == "anywhere" or index >= half)
        top = _top_indexes(blocks, verdicts)
        top_hits = rules.matching_all([texts[i] for i in top], words=[words[i] for i in top], positions=("top",))
        _apply(blocks, dict(zip(top, top_hits)), verdicts, lambda rule, index: True)


def _apply(blocks, hits: dict[int, list], verdicts, wanted) -> None:
    """Apply the rules found for each block index, in file order, until one takes the whole block."""
    for index, found in hits.items():
        if verdicts.is_removed(index):
            continue
        text = blocks[index].text
        for rule, _ in found:
            if not wanted(rule, index):
                continue
            if rule.kind == "sentence":
                spans = [m.span() for m in rule.regex.finditer(skeleton(text))]
                verdicts.remove_sentences(index, spans, rule.category, rule.id, rule.why)
                if verdicts.is_removed(index):
                    break
                continue
            verdicts.remove_block(index, rule.category, rule.id, rule.why)
            if rule.kind == "section":
                _remove_section(blocks, index, rule, verdicts)
            break


def _remove_section(blocks, start: int, rule, verdicts) -> None:
    """A section heading takes the blocks under it, up to the next heading (or a block too long to
    be the section's content, when the rule sets item_max_words)."""
    for index in range(start + 1, min(len(blocks), start + 1 + rule.max_blocks)):
        if blocks[index].kind == "heading" or (rule.item_max_words and blocks[index].words > rule.item_max_words):
            return
        verdicts.remove_block(index, rule.category, rule.id, rule.why)


def _top_indexes(blocks, verdicts) -> list[int]:
    """The article's top, and the short line right under a lead paragraph at its end."""
    end = top_end(blocks, verdicts)
    indexes = list(range(end))
    under = end + 1
    if under < len(blocks) and blocks[end].words <= MAX_LEAD_WORDS and blocks[under].words <= MAX_UNDER_LEAD_WORDS:
        indexes.append(under)
    return indexes


def top_end(blocks, verdicts) -> int:
    """Index of the first kept block of article prose; everything before it is the article's top."""
    for index, block in enumerate(blocks):
        if is_substantial(block) and not verdicts.is_removed(index):
            return index
    return min(3, len(blocks))
