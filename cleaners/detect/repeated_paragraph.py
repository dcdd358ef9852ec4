"""A paragraph the page repeats right after itself.

The extractor keeps one copy of a substantial block repeated right after itself (its own
overlapping candidates make such repeats). When the page itself repeats a paragraph, the copy it
leaves out is recorded here, so no word leaves without a record. The page is surveyed before
extraction (`survey`, kept on the Page), and compared with the extracted blocks after it.
"""
from __future__ import annotations

from collections import Counter

from lxml import etree

from ..text.normalize import normalize_inline
from .base import Detector

_MIN_REPEAT_CHARS = 50  # the extractor's own threshold (shorter repeats stay)
# Paragraphs only, compared as libxml2 strings first (a name test and a string compare keep this
# to a fraction of a millisecond on a large page).
_BLOCK_ELEMENTS = etree.XPath(f"//p[string-length() > {_MIN_REPEAT_CHARS}]")
_REPEATED = etree.XPath(f"//p[. = preceding-sibling::*[1][self::p]][string-length() > {_MIN_REPEAT_CHARS}]")


def survey(tree) -> dict[str, tuple[int, int]]:
    """For each paragraph the page repeats right after itself: (its copies on the page, how many
    of them follow a copy)."""
    repeats = Counter(_element_text(element) for element in _REPEATED(tree))
    if not repeats:
        return {}
    copies = Counter(text for text in map(_element_text, _BLOCK_ELEMENTS(tree)) if text in repeats)
    return {text: (copies[text], extra) for text, extra in repeats.items()}


def _element_text(element) -> str:
    return normalize_inline(" ".join(element.itertext()))


class RepeatedParagraph(Detector):
    id = "template.repeated-paragraph"
    category = "template"
    why = "The same paragraph twice in a row on the page: the extractor keeps one copy, the repeat is a page glitch."
    stage = "extracted"

    def detect(self, blocks, verdicts, context) -> None:
        """A record for each repeat the result left out (it holds fewer copies than the page)."""
        repeated = context.page.repeated
        if not repeated:
            return
        held = Counter(block.text for block in blocks if block.text in repeated)
        for text, (copies, extra) in repeated.items():
            if held[text]:  # (a paragraph the extractor left out altogether is page furniture, not a repeat)
                for _ in range(min(extra, copies - held[text])):
                    verdicts.record(self.category, self.id, self.why, text)
