"""What the detectors decided about an article's blocks: the one place removals are recorded."""
from __future__ import annotations

from ..model import PROSE_WORDS, Block, Removal
from ..text.blocks import ends_with
from ..text.sentences import sentence_spans

_TERMINAL = tuple(".!?…\"”“»'’)")


def closed_like_a_sentence(block: Block) -> bool:
    """The block ends with a sentence's mark (or a closing quote or bracket, which mostly follows one)."""
    return ends_with(block.text, _TERMINAL)


def is_substantial(block: Block) -> bool:
    """A block that reads like article prose: long enough and closed like a sentence."""
    return block.words >= PROSE_WORDS and closed_like_a_sentence(block)


def _single_spaced(text: str) -> bool:
    """" ".join(text.split()) would give the text back: its only white space is single spaces
    between words (every other white-space character is unprintable)."""
    return text.isprintable() and "  " not in text and not text.startswith(" ") and not text.endswith(" ")


class Verdicts:
    """Removals per block index. Every detector goes through `remove_block` / `remove_sentences`,
    so nothing leaves an article without a category, a rule id and the removed text."""

    def __init__(self, blocks: list[Block], held_back: frozenset[str] = frozenset()):
        self.blocks = blocks
        self.held_back = held_back  # rules that may not remove anything from this article
        self.removed: dict[int, Removal] = {}
        self.cut_sentences: dict[int, list[tuple[int, int, Removal]]] = {}

    def is_removed(self, index: int) -> bool:
        return index in self.removed

    def kept(self) -> list[int]:
        return [i for i in range(len(self.blocks)) if i not in self.removed]

    def remove_block(self, index: int, category: str, rule_id: str, why: str) -> None:
        if index in self.removed or rule_id in self.held_back:
            return
        self.cut_sentences.pop(index, None)
        self.removed[index] = Removal(category, rule_id, self.blocks[index].text, "block", index, why)

    def remove_sentences(self, index: int, spans: list[tuple[int, int]], category: str, rule_id: str, why: str) -> None:
        """Cut the sentences that overlap the given character spans; the whole block if none is left."""
        if rule_id in self.held_back:
            return
        text = self.blocks[index].text
        sentences = sentence_spans(text)
        cut = self.cut_sentences.setdefault(index, [])
        taken = {(start, end) for start, end, _ in cut}
        for start, end in sentences:
            if (start, end) in taken or not any(s < end and e > start for s, e in spans):
                continue
            cut.append((start, end, Removal(category, rule_id, text[start:end], "sentence", index, why)))
        if len(cut) == len(sentences):
            self.remove_block(index, category, rule_id, why)

    def kept_text(self, index: int) -> str:
        """A kept block's text with its cut sentences taken out, single-spaced (the block's own text,
        the same object, when nothing was cut and it already is)."""
        text = self.blocks[index].text
        cuts = self.cut_sentences.get(index)
        if not cuts and _single_spaced(text):
            return text
        for start, end, _ in sorted(cuts or [], reverse=True):
            text = text[:start] + text[end:]
        return " ".join(text.split())

    def removals(self) -> list[Removal]:
        """All removals in reading order."""
        found = list(self.removed.values())
        for cuts in self.cut_sentences.values():
            found.extend(r for _, _, r in cuts)
        return sorted(found, key=lambda r: (r.position, r.scope == "sentence"))

    def greedy_rules(self, share: float, least_words: int) -> set[str]:
        """The rules whose removals take more than `share` of the article's words (and at least
        `least_words`): no single rule may take the bulk of an article."""
        total = sum(block.words for block in self.blocks) or 1
        taken: dict[str, int] = {}
        for removal in self.removals():
            taken[removal.rule_id] = taken.get(removal.rule_id, 0) + len(removal.text.split())
        return {rule_id for rule_id, words in taken.items() if words > share * total and words >= least_words}
