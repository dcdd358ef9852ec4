"""A paragraph that is one link: on the page, every word of the block sits inside one <a href>.
A paragraph that only points elsewhere ("Read more: <headline>", a teaser's title) is not article
text; a paragraph linked to share the page itself (a quote offered "to tweet") is. (List items are
left to the link-list detector, which knows where their links lead; a link that shows its own
address is a citation.)"""
from __future__ import annotations

import re

from .base import Detector
from .left_out import words

_URL = re.compile(r"(?:https?://|www\.)\S+$")  # a link that shows its address is cited, not a teaser
# A link that shares the page itself ("Click to tweet" on a quote of the article) is no teaser.
_SHARES = re.compile(r"//(?:www\.)?(?:twitter\.com|x\.com)/(?:intent|share)|facebook\.com/shar|linkedin\.com/share"
                     r"|clicktotweet\.com|//ctt\.(?:ec|ac)/", re.I)
MIN_WORDS = 2  # a lone linked word is left alone (a name, a term)
MAX_WORDS = 25


class LinkParagraph(Detector):
    id = "related.link-paragraph"
    category = "related"
    why = "A paragraph whose every word is one link on the page points to another page: a teaser, not article text."
    stage = "extracted"

    def detect(self, blocks, verdicts, context) -> None:
        sources = context.page.word_sources
        if not sources:
            return
        links: dict = {}
        start = 0
        for index, block in enumerate(blocks):
            count = len(words(block.text))
            owners = sources[start:start + count]
            start += count
            if (index in verdicts.left_out or block.kind != "paragraph" or not MIN_WORDS <= count <= MAX_WORDS
                    or _URL.match(block.text) or not owners or any(owner is None for owner in owners)):
                continue
            link = {_link(owner, links) for owner in owners}
            if len(link) == 1 and None not in link:
                verdicts.leave_out(blocks, index, self.category, self.id, self.why)


def _link(element, memo: dict):
    """The <a href> the element sits in (or is), or None."""
    if element not in memo:
        found = element if element.tag == "a" else next(element.iterancestors("a"), None)
        href = found.get("href") if found is not None else None
        memo[element] = found if href and not _SHARES.search(href) else None
    return memo[element]
