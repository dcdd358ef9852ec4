"""Short leftovers among junk at the article's end: a newsletter box's slogan, a call to action's
heading. After the last paragraph of prose, a short line right next to removed junk goes with that
junk, and so does a block of up to 60 words between two removed blocks of one category; list items
and quotes never do. The removal takes the category of the junk it joins."""
from __future__ import annotations

from ..model import CATEGORIES, PROSE_WORDS
from .base import Detector, Entry

MAX_WRAPPED_WORDS = 60


class JunkCluster(Detector):
    id = "{category}.junk-cluster"
    category = "{category}"
    why = "A short line next to removed junk at the end of the article belongs to that junk."

    def catalogue(self, ruleset=None) -> dict[str, Entry]:
        return {self.id.format(category=category): Entry(category, self.why) for category in CATEGORIES}

    def detect(self, blocks, verdicts, context) -> None:
        def wrapped(index: int) -> bool:
            # Not for widgets: placeholders of embeds sit between the paragraphs they interrupt.
            before, after = verdicts.removed.get(index - 1), verdicts.removed.get(index + 1)
            return bool(before and after and before.category == after.category != "widget"
                        and blocks[index].words <= MAX_WRAPPED_WORDS)

        kept_prose = [i for i in verdicts.kept() if blocks[i].words >= PROSE_WORDS and not wrapped(i)]
        if not kept_prose:  # no prose left to tell article from tail: leave the rest alone
            return
        tail = range(kept_prose[-1] + 1, len(blocks))
        changed = True
        while changed:
            changed = False
            for index in tail:
                if verdicts.is_removed(index) or blocks[index].kind in ("item", "quote"):
                    continue
                before, after = verdicts.removed.get(index - 1), verdicts.removed.get(index + 1)
                if blocks[index].words < PROSE_WORDS:
                    neighbour = after or before
                elif wrapped(index):
                    neighbour = after  # a longer block wrapped in junk of one kind is part of that junk
                else:
                    continue
                if neighbour is None or neighbour.position not in tail:
                    continue
                category = neighbour.category
                verdicts.remove_block(index, category, self.id.format(category=category), self.why)
                changed = True
