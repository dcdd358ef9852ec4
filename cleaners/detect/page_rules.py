"""The rule packs on the parsed page, before extraction: selector rules prune page furniture by its
markup; block rules judge the page's own short text blocks, so that junk the extractor would drop
silently is recorded (and sources and tags in it are kept as metadata)."""
from __future__ import annotations

from lxml import etree

from .. import guards
from ..text.normalize import normalize_inline
from .base import Detector, Entry


class _PackRules(Detector):
    """A detector whose removals are named by the pack rules that made them, not by the detector."""

    category = "rules"  # the detector's own; each removal carries its rule's category
    stage = "page"

    def catalogue(self, ruleset=None) -> dict[str, Entry]:
        return {}  # the rule engine (rule_engine.py) lists every pack rule once


class SelectorRules(_PackRules):
    id = "rules.selectors"
    why = "Selector rules drop page elements by their markup."

    def detect(self, blocks, verdicts, context) -> None:
        selectors = context.rules.selectors
        if selectors is None:
            return
        for rule, element in selectors.matches(verdicts.tree):
            if element.getparent() is None or element.tag in ("html", "body") or not verdicts.attached(element):
                continue
            # A class name is a weak sign: one rule's elements together may not hold the article.
            verdicts.prune(element, rule.category, rule.id, rule.why, together=True)


# Block-level elements judged here. Page furniture (navigation, the site's header and footer) is
# left to the extractor: it never keeps it, and judging its many short blocks here would cost more
# than the rest of the cleaning.
_TEXT_BLOCKS = etree.XPath(
    "(//p | //h1 | //h2 | //h3 | //h4 | //h5 | //h6 | //li | //figcaption | //blockquote | //dt | //dd"
    " | //div[not(*)] | //section[not(*)] | //aside[not(*)] | //button)[normalize-space()]"
    "[not(ancestor::nav or ancestor::footer or ancestor::header[not(ancestor::article or ancestor::main)])]"
)
# Floating rules (a phrase anywhere in a block) are tried on the page's short blocks only: calls to
# action and labels are short, and every long paragraph meets all rules after extraction anyway.
MAX_DOM_FLOATING_WORDS = 15
_BATCH = 500  # judged in batches, so the time budget is checked


class PageTextRules(_PackRules):
    id = "rules.page-text"
    why = "Block rules that hold anywhere in an article, applied to the page's own text blocks."

    def detect(self, blocks, verdicts, context) -> None:
        elements = _TEXT_BLOCKS(verdicts.tree)
        for start in range(0, len(elements), _BATCH):
            guards.check_time("judging page blocks")
            batch = [(element, element.text_content().split()) for element in elements[start:start + _BATCH]]
            texts = [" ".join(words) for _, words in batch]
            counts = [len(words) for _, words in batch]
            hits = context.rules.matching_all(texts, [count > MAX_DOM_FLOATING_WORDS for count in counts], counts,
                                              positions=("anywhere",), kinds=("block",))
            for (element, _), text, found in zip(batch, texts, hits):
                if found and verdicts.attached(element):
                    rule = found[0][0]  # the first in file order names the removal
                    verdicts.prune(element, rule.category, rule.id, rule.why, text=normalize_inline(text), together=True)
