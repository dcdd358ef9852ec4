"""A whole page to the article's blocks: parse, run the page detectors (pruning), extract, run the
detectors on the extracted blocks. Everything that leaves is in `Page.pruned`."""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .. import detect, guards
from ..detect.left_out import FURNITURE_TAGS
from ..detect.repeated_paragraph import survey
from ..errors import CleaningError
from ..metadata.page import page_metadata
from ..model import PROSE_WORDS, Block, Metadata, Removal
from ..rules import RuleSet
from ..text.language import choose_language
from ..text.normalize import mend_split_nbsp
from .extract import extract_article
from .parse import flatten_deep_lists, page_language, paragraph_sample, parse_page
from .prune import PageVerdicts
from .streamed import place_streamed_segments
from .to_blocks import blocks_from_body


@dataclass
class Page:
    tree: object
    language: str | None
    title: str | None = None
    metadata: Metadata = field(default_factory=Metadata)
    repeated: dict[str, tuple[int, int]] = field(default_factory=dict)  # see detect/repeated_paragraph.py
    blocks: list[Block] = field(default_factory=list)
    pruned: list[Removal] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)  # page rules not applied: they would take the article
    # The page element each word of the extracted blocks was found in (detect/left_out.py), or None.
    word_sources: list = field(default_factory=list)


def extract_page(html: str | bytes, *, url: str | None, ruleset: RuleSet, source: str | None,
                 language: str | None) -> Page:
    if not html.strip():
        raise CleaningError("empty_input", "empty input: no HTML to clean")
    tree = _prepared(html)
    # The page's lang attribute is a hint (often a CMS default): what its paragraphs say comes first.
    hint = language or page_language(tree)
    page = Page(tree, choose_language(hint, paragraph_sample(tree)))
    context = detect.Context(ruleset.for_article(page.language, source), source, page)
    verdicts = PageVerdicts(tree)
    detect.run("page", [], verdicts, context)
    page.held_back = sorted(verdicts.held_back)
    pruned = {removal.rule_id for removal in verdicts.removals}
    page.blocks = _extracted(page, url, verdicts, context)
    if not page.blocks and pruned:
        # Nothing left after the page detectors: never worse than the extractor. The page is read
        # again and extracted as it is; the page detectors' rules are held back.
        page.held_back = sorted(verdicts.held_back | pruned)
        page.tree = _prepared(html)
        verdicts = PageVerdicts(page.tree)
        page.blocks = _extracted(page, url, verdicts, context)
    if not page.blocks:
        raise CleaningError("no_article", "no article text found in the page")
    if _only_furniture(page.blocks, page.word_sources):
        raise CleaningError("no_article", "the page holds only navigation, header and footer text: no article")
    page.pruned = verdicts.removals
    page.language = choose_language(page.language, " ".join(b.text for b in page.blocks[:40]))
    return page


# Where a page keeps its furniture: the extractor's fallback may return a menu as the "article".
# Only a few words without a sentence among them are judged so: pages do wrap whole articles in a
# <header> or an <aside> (unclosed, or misnamed), and those must stay.
_FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo"})
FURNITURE_SHARE = 0.9
MAX_FURNITURE_WORDS = 40


def _only_furniture(blocks: list[Block], word_sources: list) -> bool:
    """Is the extracted text a few words, no sentence, and (nearly) all of them, where they could be
    found on the page, inside its navigation, header, footer or sidebars (outside <article>, <main>)?"""
    if sum(block.words for block in blocks) > MAX_FURNITURE_WORDS or any(block.words >= PROSE_WORDS for block in blocks):
        return False
    found = [owner for owner in word_sources if owner is not None]
    memo: dict = {}
    return bool(found) and sum(_in_furniture(owner, memo) for owner in found) >= FURNITURE_SHARE * len(found)


def _in_furniture(element, memo: dict) -> bool:
    if element not in memo:
        memo[element] = False
        for node in (element, *element.iterancestors()):
            if node.tag in ("article", "main"):
                break
            if node.tag in FURNITURE_TAGS or node.get("role") in _FURNITURE_ROLES:
                memo[element] = True
                break
    return memo[element]


def _prepared(html: str | bytes):
    """The parsed page, checked, with what no reader sees or what breaks the extractor taken care of."""
    tree = parse_page(mend_split_nbsp(html) if isinstance(html, str) else html)
    if tree is None:
        raise CleaningError("not_html", "the input could not be parsed as HTML")
    guards.check_tree(tree)
    place_streamed_segments(tree)
    # <template> content is never shown (and trafilatura would extract it): it is not page text
    etree.strip_elements(tree, "template", with_tail=False)
    flatten_deep_lists(tree)
    return tree


def _extracted(page: Page, url: str | None, verdicts: PageVerdicts, context) -> list[Block]:
    """The page's facts read before extraction (trafilatura changes the tree), the extracted
    blocks, and what the detectors of the extracted stage leave of them."""
    page.title, page.metadata = page_metadata(page.tree)
    page.repeated = survey(page.tree)
    document = extract_article(page.tree, url)
    if document is None or document.body is None:
        return []
    blocks = blocks_from_body(document.body)
    guards.check_blocks(blocks)
    detect.run("extracted", blocks, verdicts, context)
    return [block for index, block in enumerate(blocks) if index not in verdicts.left_out]
