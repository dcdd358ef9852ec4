"""Runs of short lines that are not sentences: what text already extracted from a page carries around
the article (headline lists of other articles, box headings, labels and buttons). Text mode only:
on a page the link detectors see these lists for what they are, and there the same shapes are
mostly the article's own lists (measured on the bench pages).

Two shapes, each judged by the run, never by one line:
- the tail: after the article's last paragraph of prose, three or more short lines without a
  sentence's closing mark, and nothing else, to the end; unless a line there (or the paragraph)
  ends with a colon: then the lines are the list it introduces;
- a teaser list: two or more list items in a row, each a teaser line of the article's language
  (`teaser_lines` in cleaners/rules/words/*.toml: in German a kicker and a headline, "Warnung: DRK-
  Präsidentin schlägt Alarm"), none closed like a sentence.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..model import PROSE_WORDS
from ..text.blocks import ends_with
from ..text.words import languages, words
from .base import Detector, Entry
from .verdicts import closed_like_a_sentence, is_substantial

MIN_TAIL_LINES = 3
MIN_TEASERS = 2
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
MIN_HEADLINE_WORDS = 4

IDS = {
    "tail": ("related.short-line-tail",
             "Three or more short lines that are not sentences after the article's last paragraph: headline "
             "lists, box headings and labels around the article, not its text."),
    "teasers": ("related.teaser-list",
                "List items that are each a kicker and a headline, none a sentence: a list of other articles."),
}


def _short_line(block) -> bool:
    return block.words < PROSE_WORDS and block.kind != "quote" and not closed_like_a_sentence(block)


@lru_cache(maxsize=8)
def _teaser_line(language: str | None) -> re.Pattern | None:
    """The language's teaser lines, whole-line; its `headline` group must hold four words of letters."""
    found = words("teaser_lines", language) if language in languages() else ()
    return re.compile("^(?:" + "|".join(found) + ")$") if found else None


def _teaser(block, line: re.Pattern) -> bool:
    found = block.kind == "item" and _short_line(block) and line.match(block.text)
    return bool(found) and len(_LETTER_WORD.findall(found["headline"] or "")) >= MIN_HEADLINE_WORDS


class ShortLines(Detector):
    id = IDS["tail"][0]
    category = "related"
    why = IDS["tail"][1]

    def catalogue(self, ruleset=None) -> dict[str, Entry]:
        return {rule_id: Entry(self.category, why) for rule_id, why in IDS.values()}

    def detect(self, blocks, verdicts, context) -> None:
        if context.from_page:
            return
        kept = verdicts.kept()
        prose = [i for i in kept if is_substantial(blocks[i])]
        if not prose:
            return
        tail = [i for i in kept if i > prose[-1]]
        if (len(tail) >= MIN_TAIL_LINES and all(_short_line(blocks[i]) for i in tail)
                and not any(ends_with(blocks[i].text, (":",)) for i in (prose[-1], *tail[:-1]))):
            for index in tail:
                verdicts.remove_block(index, self.category, *IDS["tail"])
        line = _teaser_line(context.language)
        if line is not None:
            self._teaser_lists(blocks, verdicts, line)

    def _teaser_lists(self, blocks, verdicts, line: re.Pattern) -> None:
        teasers = [i for i in verdicts.kept() if _teaser(blocks[i], line)]
        run: list[int] = []
        for index in [*teasers, None]:  # None closes the last run
            if run and index is not None and index == run[-1] + 1:
                run.append(index)
                continue
            if len(run) >= MIN_TEASERS:
                for item in run:
                    verdicts.remove_block(item, self.category, *IDS["teasers"])
            run = [index]
