"""The headline repeated at the top of the extracted text.

The headline is the result's title; at the top of the text it would be there twice. Pages repeat
it with the site's name after a bar or dash ("Headline | Site", as the <title> has), or with the
kicker run into it ("Kicker Headline" where the title says "Kicker: Headline"), or under a kicker
line of its own. Lines are compared by their letters and digits only: spacing and punctuation differ.
"""
from __future__ import annotations

import re

from .base import Detector

_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—]{1,40}$")
_WORDS = re.compile(r"\w+")
MAX_TITLE_LINES = 3
MAX_KICKER_WORDS = 4
MAX_KICKER_CHARS = 40
MIN_KICKED_TITLE = 20  # a title this short could end an ordinary line


class TitleRepeat(Detector):
    id = "metadata.title-repeat"
    category = "metadata"
    why = ("The headline repeated above the article (with the site's name, or under its kicker line) "
           "is the title, kept as such.")
    stage = "extracted"

    def detect(self, blocks, verdicts, context) -> None:
        for index in range(title_lines(blocks, context.page.title)):
            verdicts.leave_out(blocks, index, self.category, self.id, self.why)


def title_lines(blocks, title: str | None) -> int:
    """How many of the first blocks repeat the headline (or are its kicker line)."""
    if not title:
        return 0
    wanted = {_words_key(title), _words_key(_SITE_SUFFIX.sub("", title))}

    def is_title(text: str) -> bool:
        key = _words_key(text)
        # the headline itself, or with a short kicker of letters glued before it ("KommissionVerfahren: ...")
        return any(key == t or len(t) >= MIN_KICKED_TITLE and key.endswith(t) and _is_kicker(key[:-len(t)])
                   for t in wanted) or _words_key(_SITE_SUFFIX.sub("", text)) in wanted

    end = 0
    while end < min(len(blocks), MAX_TITLE_LINES):
        if is_title(blocks[end].text):
            end += 1
        elif blocks[end].words <= MAX_KICKER_WORDS and end + 1 < len(blocks) and is_title(blocks[end + 1].text):
            end += 2
        else:
            break
    return end


def _is_kicker(prefix: str) -> bool:
    """A few words in a Latin script: not a dateline ("... 24日电 题："), not a sentence."""
    return len(prefix) <= MAX_KICKER_CHARS and all(ch.isalpha() and ord(ch) < 0x250 for ch in prefix)


def _words_key(text: str) -> str:
    """The text's letters and digits only: spaces and punctuation differ between the copies."""
    return "".join(_WORDS.findall(text.casefold()))
