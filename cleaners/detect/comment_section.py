"""Readers' comments under the article, in the text as well as on the page: a comment section starts
at a comment prompt (a "Kommentare" / "Comments" heading, a counter, the comment form's login note)
after the article's prose, and runs to the end when what follows reads like comments: names with
times ("vor 3 Stunden", "2 hours ago"), reply and report buttons, more comment prompts. A prompt
with nothing but short lines after it goes too. The prompts and marks are word lists per language
(cleaners/rules/words/*.toml)."""
from __future__ import annotations

import re
from functools import lru_cache

from ..model import PROSE_WORDS
from ..text.words import words
from .base import Detector
from .verdicts import is_substantial

MIN_PROSE_BEFORE = 2  # substantial blocks of article text above the prompt: a section, not a genre label


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, re.Pattern]:
    """Every language's prompts and marks: a German prompt does not turn up in an English text."""
    start = r"^(?:" + "|".join(words("comment_starts")) + r")\s*[.:!…]*$"
    # a second prompt further down is a mark too (a form note below the comments)
    return re.compile(start, re.I), re.compile("|".join((start, *words("comment_marks"))), re.I)


class CommentSection(Detector):
    id = "furniture.comment-section"
    category = "furniture"
    why = ("Readers' comments below the article (their prompt, names, times and replies): page furniture, "
           "not article text.")

    def detect(self, blocks, verdicts, context) -> None:
        start_line, mark_line = _patterns()
        prose = 0
        for start, block in enumerate(blocks):
            if prose >= MIN_PROSE_BEFORE and block.words <= PROSE_WORDS and start_line.match(block.text.strip()):
                rest = range(start + 1, len(blocks))
                short = [i for i in rest if blocks[i].words < PROSE_WORDS]
                marked = any(mark_line.search(blocks[i].text.strip()) for i in short)
                if marked or len(short) == len(rest):
                    for index in range(start, len(blocks)):
                        verdicts.remove_block(index, self.category, self.id, self.why)
                    return
            if is_substantial(block) and not verdicts.is_removed(start):
                prose += 1
