"""HTML pages: parse once, prune junk elements by selector rules, extract with trafilatura."""
from __future__ import annotations

import re
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.xpaths import OVERALL_DISCARD_XPATH, REMOVE_COMMENTS_XPATH, TEASER_DISCARD_XPATH
from trafilatura.utils import decode_file, is_dubious_html, repair_faulty_html

from . import limits
from .detect import HEURISTICS
from .errors import CleaningError
from .language import choose_language
from .model import Block, Metadata, Removal
from .normalize import normalize_inline, normalize_text
from .page_meta import page_metadata
from .rules import RuleSet
from .source import registered_domain
from .streamed import place_streamed_segments

# Never prune an element that holds this share of the page's paragraph text: it is the article.
MAX_PRUNE_SHARE = 0.4
_INVISIBLE_TAGS = ("script", "style", "noscript", "template")


@dataclass
class Page:
    blocks: list[Block]
    title: str | None
    language: str | None
    metadata: Metadata
    pruned: list[Removal] = field(default_factory=list)


def extract_page(html: str | bytes, *, url: str | None, ruleset: RuleSet, source: str | None,
                 language: str | None) -> Page:
    if not (html.strip() if isinstance(html, str) else html.strip()):
        raise CleaningError("empty_input", "empty input: no HTML to clean")
    tree = parse_page(html)
    if tree is None:
        raise CleaningError("not_html", "the input could not be parsed as HTML")
    limits.check_tree(tree)
    place_streamed_segments(tree)
    # <template> content is never shown (and trafilatura would extract it): it is not page text
    etree.strip_elements(tree, "template", with_tail=False)
    _flatten_deep_lists(tree)
    # The page's lang attribute is a hint (often a CMS default): what its paragraphs say comes first.
    hint = language or _page_language(tree)
    page_language = choose_language(hint, _paragraph_sample(tree))
    article_rules = ruleset.for_article(page_language, source)
    pruned = _prune(tree, article_rules.selectors) + _prune_link_lists(tree, source) + _prune_by_text(tree, article_rules)
    title, metadata = page_metadata(tree)  # before extraction: trafilatura changes the tree
    repeated = _repeated_paragraphs(tree)
    document = _extract_article(tree, url)
    if document is None or document.body is None:
        raise CleaningError("no_article", "no article text found in the page")
    blocks = _blocks_from_body(document.body)
    limits.check_blocks(blocks)
    pruned += _repeats_left_out(repeated, blocks)
    blocks, repeats = _drop_title_lines(blocks, title)
    pruned += repeats
    if not blocks:
        raise CleaningError("no_article", "no article text found in the page")
    language = choose_language(page_language, " ".join(b.text for b in blocks[:40]))
    return Page(blocks, title, language, metadata, pruned)


# The extractor's cost grows with the nesting of lists times their items (90 nested lists of a
# 460 KB page took it 9 s). No real list nests this deep: below it, the items of an item are run
# into it, every word kept, each item's text after a space.
MAX_LIST_NESTING = 12
_DEEP_ITEMS = etree.XPath(f"//li[count(ancestor::li) = {MAX_LIST_NESTING}]")


def _flatten_deep_lists(tree) -> None:
    for item in _DEEP_ITEMS(tree):
        for inner in item.iter("li", "ul", "ol"):
            if inner is not item:
                inner.tail = " " + (inner.tail or "")
                inner.text = " " + (inner.text or "")
        etree.strip_tags(item, "li", "ul", "ol")


_PARAGRAPH_SAMPLE = etree.XPath("(//p)[position() <= 40]")


def _paragraph_sample(tree, enough: int = 4000) -> str:
    """The text of the page's first paragraphs, as much as the language guess reads."""
    parts, size = [], 0
    for paragraph in _PARAGRAPH_SAMPLE(tree):
        parts.append(" ".join(paragraph.itertext()))
        size += len(parts[-1])
        if size >= enough:
            break
    return " ".join(parts)


# The extractor keeps one copy of a substantial block repeated right after itself (its own
# overlapping candidates make such repeats). When the page itself repeats a paragraph, the copy
# it leaves out is recorded here, so no word leaves without a record.
REPEAT_ID = "template.repeated-paragraph"
_MIN_REPEAT_CHARS = 50  # the extractor's own threshold (shorter repeats stay)
# Paragraphs only, compared as libxml2 strings first (a name test and a string compare keep this
# to a fraction of a millisecond on a large page).
_BLOCK_ELEMENTS = etree.XPath(f"//p[string-length() > {_MIN_REPEAT_CHARS}]")
_REPEATED = etree.XPath(f"//p[. = preceding-sibling::*[1][self::p]][string-length() > {_MIN_REPEAT_CHARS}]")


def _repeated_paragraphs(tree) -> dict[str, tuple[int, int]]:
    """For each paragraph the page repeats right after itself: (its copies on the page, how many
    of them follow a copy)."""
    repeats = Counter(_element_text(element) for element in _REPEATED(tree))
    if not repeats:
        return {}
    copies = Counter(text for text in map(_element_text, _BLOCK_ELEMENTS(tree)) if text in repeats)
    return {text: (copies[text], extra) for text, extra in repeats.items()}


def _element_text(element) -> str:
    return normalize_inline(" ".join(element.itertext()))


def _repeats_left_out(repeated: dict[str, tuple[int, int]], blocks: list[Block]) -> list[Removal]:
    """A removal for each repeat the result left out (it holds fewer copies than the page)."""
    if not repeated:
        return []
    held = Counter(block.text for block in blocks if block.text in repeated)
    why = HEURISTICS[REPEAT_ID][1]
    removals = []
    for text, (copies, extra) in repeated.items():
        if held[text]:  # (a paragraph the extractor left out altogether is page furniture, not a repeat)
            missing = min(extra, copies - held[text])
            removals.extend(Removal("template", REPEAT_ID, text, "element", -1, why) for _ in range(missing))
    return removals


# The headline is the result's title; at the top of the text it would be there twice. Pages repeat
# it with the site's name after a bar or dash ("Headline | Site", as the <title> has), or with the
# kicker run into it ("Kicker Headline" where the title says "Kicker: Headline"), or under a kicker
# line of its own. Lines are compared by their letters and digits only: spacing and punctuation differ.
TITLE_REPEAT_ID = "metadata.title-repeat"
_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—]{1,40}$")
_WORDS = re.compile(r"\w+")
MAX_TITLE_LINES = 3
MAX_KICKER_WORDS = 4
MAX_KICKER_CHARS = 40
MIN_KICKED_TITLE = 20  # a title this short could end an ordinary line


def _drop_title_lines(blocks: list[Block], title: str | None) -> tuple[list[Block], list[Removal]]:
    if not title:
        return blocks, []
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
    why = HEURISTICS[TITLE_REPEAT_ID][1]
    return blocks[end:], [Removal("metadata", TITLE_REPEAT_ID, b.text, "element", -1, why) for b in blocks[:end]]


def _is_kicker(prefix: str) -> bool:
    """A few words in a Latin script: not a dateline ("... 24日电 题："), not a sentence."""
    return len(prefix) <= MAX_KICKER_CHARS and all(ch.isalpha() and ord(ch) < 0x250 for ch in prefix)


def _words_key(text: str) -> str:
    """The text's letters and digits only: spaces and punctuation differ between the copies."""
    return "".join(_WORDS.findall(text.casefold()))


# trafilatura's full cascade checks every page against readability and jusText, which costs about
# a third of its time and changes the result on about one page in twenty: mostly those where its
# own extraction came out short, covers a small part of the page (or, dumped as a last resort, all
# of it), has no paragraphs or still holds page furniture. So the fast cascade runs first and the
# full one only when the fast result shows one of those signs.
# (trafilatura works on its own copy of the tree, so the second run starts from the same page.)
FALLBACK_MIN_CHARS = 1000     # shorter than this: maybe only a teaser was found
FALLBACK_PAGE_SHARE = 0.3     # under this share of the page's text: maybe the wrong part was found
FALLBACK_WHOLE_PAGE = 0.9     # one block with this share: the page's whole text, dumped as a last resort
# Counted by libxml2 (no Python strings for the page's thousands of text nodes).
_CHARS = etree.XPath("string-length(normalize-space(.))")
_PAGE_CHARS = etree.XPath("string-length(normalize-space(/html/body))")
_NOT_SHOWN = etree.XPath("/html/body//script | /html/body//style | /html/body//noscript")
_HAS_PARAGRAPH_TEXT = etree.XPath("boolean(.//p[normalize-space()])")
# Page furniture the extractor normally drops; in its output it means the extraction went astray.
_HAS_FURNITURE = etree.XPath("boolean(.//aside | .//nav | .//footer | .//form | .//button | .//iframe | .//svg | .//noscript)")


def _extract(tree, url: str | None):
    document = trafilatura.bare_extraction(tree, url=url, include_comments=False, fast=True)
    if document is None or document.body is None or _doubtful(document.body, tree):
        document = trafilatura.bare_extraction(tree, url=url, include_comments=False)
    return document


def _doubtful(body, tree) -> bool:
    chars = _CHARS(body)
    if chars < FALLBACK_MIN_CHARS or not _HAS_PARAGRAPH_TEXT(body) or _HAS_FURNITURE(body):
        return True
    page_chars = _PAGE_CHARS(tree) - sum(_CHARS(element) for element in _NOT_SHOWN(tree))
    if len(body) == 1 and chars > FALLBACK_WHOLE_PAGE * page_chars:
        return True
    return chars < FALLBACK_PAGE_SHARE * page_chars


# trafilatura's parser options, but lxml.html's element classes looked up in C: lxml.html asks a
# Python function for the class of every element object it makes (to give form fields their own
# classes, which nothing here uses), and the extractor and the rules make thousands per page.
_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                               remove_comments=True, remove_pis=True)
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))


def parse_page(html: str | bytes):
    """The page's tree (None when it is not HTML), decoded and repaired as trafilatura would."""
    text = _drop_invalid_references(decode_file(html))
    beginning = text[:50].lower()
    text = repair_faulty_html(text, beginning)
    tree = _parse(text)
    if (tree is None or len(tree) < 1) and isinstance(text, str):
        tree = _parse(text.encode("utf-8", "surrogatepass"))
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


# A reference to a character XML cannot hold (a control character, a surrogate, U+FFFE): libxml2
# stops reading the page there and the article is lost. Such a character is never shown and the
# text normaliser would remove it anyway, so the reference goes before parsing. (Candidates: the
# control characters, and the ranges of surrogates, non-characters and numbers past Unicode; each
# is then checked exactly. Common references such as &#39; or &#8217; are not candidates.)
_CHAR_REFERENCE = re.compile(r"&#(?:0*([0-8]|1[124-9]|2\d|3[01]|5[5-7]\d{3}|655\d\d|\d{7,})"
                             r"|[xX]0*([0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]"
                             r"|[0-9a-fA-F]{7,}))(?![0-9a-fA-F]);?")


def _drop_invalid_references(text: str) -> str:
    if "&#" not in text or _CHAR_REFERENCE.search(text) is None:
        return text
    return _CHAR_REFERENCE.sub(_valid_reference, text)


def _valid_reference(match: re.Match) -> str:
    decimal, hexadecimal = match.groups()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code < 0xD800 or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
    return match.group() if allowed or code == 0 else ""  # NUL: libxml2 reads it as U+FFFD already


def _parse(text: str | bytes):
    try:
        return lxml.html.fromstring(text, parser=_PARSER)
    except ValueError:  # a string that declares its encoding: lxml wants the bytes
        return _parse(text.encode("utf-8", "surrogatepass")) if isinstance(text, str) else None
    except etree.LxmlError:  # nothing parseable
        return None


def _page_language(tree) -> str | None:
    lang = (tree.get("lang") or "").strip().lower()[:2]
    return lang if lang.isalpha() and len(lang) == 2 else None


def _prune(tree, selectors) -> list[Removal]:
    """Drop every element a selector rule matches, logging its visible text."""
    if selectors is None:
        return []
    matches = selectors.matches(tree)
    if not matches:
        return []
    total = _paragraph_chars(tree) or 1
    removals: list[Removal] = []
    for rule, element in matches:
        if element.getparent() is None or element.tag in ("html", "body") or not _attached(element, tree):
            continue
        if _paragraph_chars(element) >= MAX_PRUNE_SHARE * total:
            continue
        text = _visible_text(element)
        if text:
            removals.append(Removal(rule.category, rule.id, text, "element", -1, rule.why))
        element.drop_tree()
    return removals


# The extractor drops page parts by their names before it looks at their text: class or id
# tokens such as "comment", "footer", "slide", "embed", "teaser", or a hidden style. Some sites
# name the wrapper of the article itself that way (a "comment on selection" feature, a "footer"
# layout block, a listicle's "slides", a site builder's "embed" around a table), and the whole
# article went with it. So: parts the extractor would drop by name that together hold most of the
# page's paragraph text are suspects. Only whole groups count (all parts with the same tag and
# class), and a part holding comments never does. When the extraction misses most of the suspects'
# paragraphs, their names are taken off (kept in data-cleaners-name, for whoever inspects the tree)
# and the page is extracted again; the longer result wins. (Taking names off up front instead
# changed the extractor's choice on pages it got right: the same names also mark content wrappers.)
_DROPPED_BY_NAME = (*OVERALL_DISCARD_XPATH, *REMOVE_COMMENTS_XPATH, *TEASER_DISCARD_XPATH)
_NAME_ATTRIBUTES = ("id", "class", "style", "aria-hidden", "role")
_HOLDS_COMMENT = etree.XPath(
    "boolean(.//*[contains(translate(@class, 'COMENT', 'coment'), 'comment')"
    " or contains(translate(@id, 'COMENT', 'coment'), 'comment')])")
MISSING_SHARE = 0.5   # the extraction lacks over half the suspects' paragraph text: retry
# On every bench page where parts dropped by name held the article, the extraction had under 40 %
# of the page's paragraph text; well-extracted pages mostly have over 80 %.
SUSPECT_BELOW_SHARE = 0.5  # look for suspects only when the extraction has under half the paragraph text
# Still under 30 % after that: the extractor's recall-oriented mode is asked too, the longer wins.
# (On the bench it found the missing text on a quarter of such pages and lost nothing on the rest.)
RECALL_BELOW_SHARE = 0.3
# List items missing from the result that add up to over half its length: the recall mode (its
# fast cascade) is asked too, and kept only when it is clearly longer (1.3 times). On the bench
# pages the check fires on about one page in fifteen; where recall was that much longer, it was
# better on 16 of 17 pages. (At 30 % it fired on one page in ten, for a little more text.)
LIST_MISSING_SHARE = 0.5
MIN_LIST_ITEM_CHARS = 30  # shorter items are menus, tags and buttons
RECALL_LONGER_BY = 1.3
# Items holding a picture are slides and cards (their captions are not article lists).
_LIST_ITEMS = etree.XPath("//li[not(ancestor::nav or ancestor::header or ancestor::footer or ancestor::li)]"
                          "[not(.//img or .//picture or .//figure)]")
_PARAGRAPHS = etree.XPath("descendant-or-self::p")
_BODY_TEXT = etree.XPath("normalize-space(.)", smart_strings=False)


def _extract_article(tree, url: str | None):
    """The extraction, with two guards against losing most of the article: parts the extractor
    dropped by name, and its recall-oriented mode when the result still lacks most paragraphs."""
    document = _extract(tree, url)
    paragraph_chars = _paragraph_chars(tree)
    # Most pages skip this: finding the suspects costs a quarter of a page's cleaning.
    if _share_of(document, paragraph_chars) < SUSPECT_BELOW_SHARE:
        suspects = _misnamed_article_parts(tree, paragraph_chars)
        if suspects and _mostly_missing(suspects, document):
            for element in suspects:
                names = [f"{name}={element.get(name)}" for name in _NAME_ATTRIBUTES if element.get(name) is not None]
                element.set("data-cleaners-name", " ".join(names))
                for name in _NAME_ATTRIBUTES:
                    element.attrib.pop(name, None)
            document = _longer(document, _extract(tree, url))
        if _share_of(document, paragraph_chars) < RECALL_BELOW_SHARE:
            return _longer(document, _recall(tree, url))
    if _list_text_missing(tree, document):
        document = _longer(document, _recall(tree, url, fast=True), by=RECALL_LONGER_BY)
    return document


def _recall(tree, url: str | None, fast: bool = False):
    return trafilatura.bare_extraction(tree, url=url, include_comments=False, favor_recall=True, fast=fast)


def _list_text_missing(tree, document) -> bool:
    """The page's list items (outside navigation, header and footer, without pictures) that the
    result lacks add up to over LIST_MISSING_SHARE of its length: the extractor may have left out
    a list that is part of the article (its recall mode also reads lists in its recovery pass)."""
    if document is None or document.body is None:
        return False
    extracted = _BODY_TEXT(document.body)
    missing = 0
    for item in _LIST_ITEMS(tree):
        text = " ".join(item.text_content().split())
        if len(text) >= MIN_LIST_ITEM_CHARS and text not in extracted:
            missing += len(text)
    return missing > LIST_MISSING_SHARE * len(extracted)


def _share_of(document, paragraph_chars: int) -> float:
    if document is None or document.body is None:
        return 0.0
    return _CHARS(document.body) / (paragraph_chars or 1)


def _longer(document, retry, by: float = 1.0):
    """The retry when it holds more text than the document (`by` times as much, when given)."""
    if retry is None or retry.body is None:
        return document
    if document is None or document.body is None or _CHARS(retry.body) > by * _CHARS(document.body):
        return retry
    return document


def _misnamed_article_parts(tree, paragraph_chars: int | None = None) -> list:
    found = dict.fromkeys(element for expression in _DROPPED_BY_NAME for element in expression(tree))
    if not found:
        return []
    groups: dict[tuple, list] = {}
    for element in found:
        if not any(ancestor in found for ancestor in element.iterancestors()):
            groups.setdefault((element.tag, element.get("class")), []).append(element)
    total = (_paragraph_chars(tree) if paragraph_chars is None else paragraph_chars) or 1
    return [element for elements in groups.values()
            if sum(map(_paragraph_chars, elements)) > MAX_PRUNE_SHARE * total
            and not any(_HOLDS_COMMENT(element) for element in elements)
            for element in elements]


def _mostly_missing(parts, document) -> bool:
    extracted = _BODY_TEXT(document.body) if document is not None and document.body is not None else ""
    paragraphs = [" ".join(p.text_content().split()) for part in parts for p in _PARAGRAPHS(part)]
    total = sum(map(len, paragraphs)) or 1
    missing = sum(len(text) for text in paragraphs if text not in extracted)
    return missing > MISSING_SHARE * total


# The text of the paragraphs in (or at) an element, as plain strings: no element objects are made.
_PARAGRAPH_TEXT = etree.XPath("descendant-or-self::p//text()", smart_strings=False)


def _paragraph_chars(element) -> int:
    return sum(map(len, _PARAGRAPH_TEXT(element)))


# Block-level elements whose own text the text rules judge before extraction, so that junk the
# extractor would drop silently is logged (and sources and tags in it are kept as metadata).
# Page furniture (navigation, the site's header and footer) is left to the extractor: it never keeps
# it, and judging its many short blocks here would cost more than the rest of the cleaning.
_TEXT_BLOCKS = etree.XPath(
    "(//p | //h1 | //h2 | //h3 | //h4 | //h5 | //h6 | //li | //figcaption | //blockquote | //dt | //dd"
    " | //div[not(*)] | //section[not(*)] | //aside[not(*)] | //button)[normalize-space()]"
    "[not(ancestor::nav or ancestor::footer or ancestor::header[not(ancestor::article or ancestor::main)])]"
)
# Floating rules (a phrase anywhere in a block) are tried on the page's short blocks only: calls to
# action and labels are short, and every long paragraph meets all rules after extraction anyway.
MAX_DOM_FLOATING_WORDS = 15


def _prune_by_text(tree, article_rules) -> list[Removal]:
    """Apply the block rules that hold anywhere in an article to the page's own text blocks."""
    removals: list[Removal] = []
    elements = _TEXT_BLOCKS(tree)
    for start in range(0, len(elements), _BATCH):  # judged in batches, so the time budget is checked
        limits.check_time("judging page blocks")
        batch = [(element, element.text_content().split()) for element in elements[start:start + _BATCH]]
        texts = [" ".join(words) for _, words in batch]
        counts = [len(words) for _, words in batch]
        hits = article_rules.matching_all(texts, [count > MAX_DOM_FLOATING_WORDS for count in counts], counts,
                                          positions=("anywhere",), kinds=("block",))
        for (element, _), text, found in zip(batch, texts, hits):
            if found and _attached(element, tree):
                rule = found[0][0]  # the first in file order names the removal
                removals.append(Removal(rule.category, rule.id, normalize_inline(text), "element", -1, rule.why))
                element.drop_tree()
    return removals


_BATCH = 500


_LISTS = etree.XPath("//ul[not(ancestor::nav or ancestor::header or ancestor::footer)] | //ol[not(ancestor::nav or ancestor::header or ancestor::footer)]")


def _prune_link_lists(tree, source: str | None = None) -> list[Removal]:
    """Drop lists of headline links (teaser boxes placed inside or under the article). A list
    whose links mostly lead to other sites is kept: that is a changelog, a reading list or a
    product list the article gives, where a teaser box links to the site's own articles."""
    removals: list[Removal] = []
    for element in _LISTS(tree):
        items = [child for child in element if child.tag == "li"]
        if len(items) < 2 or not _attached(element, tree):
            continue
        texts = [" ".join(item.text_content().split()) for item in items]
        if any(not (_is_headline_link(item, text) or _is_teaser_card(item, text)) for item, text in zip(items, texts)):
            continue
        if sum(len(t.split()) for t in texts) / len(texts) < 4:  # menus and tag lists, not headlines
            continue
        if source and _mostly_elsewhere(items, source):
            continue
        removals.append(Removal("related", "related.link-list", normalize_inline(" | ".join(texts)), "element", -1, HEURISTICS["related.link-list"][1]))
        element.drop_tree()
    return removals


def _is_headline_link(item, text: str) -> bool:
    links = item.findall(".//a")
    if not text or not links or text.endswith((".", "!", "?")) and len(text.split()) > 25:
        return False
    href = links[0].get("href") or ""
    if href.startswith("#"):  # a table of contents points into the page itself
        return False
    linked = sum(len(a.text_content().split()) for a in links)
    unlinked = len(text.split()) - linked
    return linked >= 2 and unlinked <= 4  # a kicker ("Kaffee:") before the linked headline is fine


def _mostly_elsewhere(items, source: str) -> bool:
    """More than half of the items link (first link) to a site other than the page's own."""
    elsewhere = 0
    for item in items:
        host = urlsplit(item.find(".//a").get("href") or "").netloc
        elsewhere += bool(host) and registered_domain(f"http://{host}") != source
    return elsewhere > len(items) / 2


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
MAX_TEASER_SUBLINE_WORDS = 40


def _is_teaser_card(item, text: str) -> bool:
    """A teaser card: one linked headline (a heading element) over a short subline or date."""
    headings = [h for h in item.iter(*_HEADINGS) if h.find(".//a[@href]") is not None]
    if len(headings) != 1:
        return False
    heading_words = len(headings[0].text_content().split())
    linked = sum(len(a.text_content().split()) for a in headings[0].iter("a"))
    return linked >= 2 and linked >= 0.8 * heading_words and len(text.split()) - heading_words <= MAX_TEASER_SUBLINE_WORDS


def _attached(element, tree) -> bool:
    """False when an ancestor was already pruned by an earlier rule."""
    root = element
    while root.getparent() is not None:
        root = root.getparent()
    return root is tree


def _visible_text(element) -> str:
    copy = deepcopy(element)
    copy.tail = None
    etree.strip_elements(copy, *_INVISIBLE_TAGS, with_tail=False)
    return normalize_inline(" ".join(copy.itertext()))


def _blocks_from_body(body) -> list[Block]:
    """trafilatura's XML body -> blocks: head, p, list/item, quote, table rows, and loose text."""
    raw: list[Block] = []
    if body.text and body.text.strip():
        raw.append(Block(" ".join(body.text.split())))
    for child in body:
        tag = child.tag
        if tag == "head":
            raw.append(Block(_text(child), "heading"))
        elif tag in _NESTED:
            raw.extend(_container_blocks(child))
        else:
            kind = "quote" if tag == "quote" else "paragraph"
            raw.extend(Block(line, kind) for line in _lines(child))
        if child.tail and child.tail.strip():  # text trafilatura left directly in the body
            raw.append(Block(" ".join(child.tail.split())))
    raw = [b for b in raw if b.text]
    return _normalize_blocks(raw)


# Elements after which words must not run together (trafilatura keeps <br> as <lb/>).
_SEPARATING = {"lb", "p", "cell", "row", "item", "head", "list", "quote", "table"}


# Lists and tables inside an item or cell: their text is read where they are, not again with it.
_NESTED = frozenset({"list", "table"})


def _container_blocks(container) -> list[Block]:
    """A list's items or a table's rows, each once with its own text, followed by the blocks of the
    lists and tables nested in it (a list in a cell, a table in an item: none is read twice or lost)."""
    if container.tag == "list":
        parts = [(Block(_text(item, _NESTED), "item"), item) for item in container.iterchildren("item")]
    else:
        rows = [row for row in container.iter("row") if _nearest(row, "table") is container]
        parts = [(Block(" ".join(_text(cell, _NESTED) for cell in row.iterchildren("cell")), "paragraph"), row)
                 for row in rows]
    blocks: list[Block] = []
    for block, element in parts:
        blocks.append(block)
        for inner in _inner_containers(element):
            blocks.extend(_container_blocks(inner))
    return blocks


def _inner_containers(element):
    """The lists and tables inside an element, outermost only."""
    for child in element:
        if child.tag in _NESTED:
            yield child
        else:
            yield from _inner_containers(child)


def _nearest(element, tag: str):
    return next(element.iterancestors(tag), None)


def _text(element, skip: frozenset = frozenset()) -> str:
    """An element's text on one line, with a space wherever a line break or block boundary was
    (without the text of descendants whose tag is in `skip`)."""
    if not skip and not any(child.tag in _SEPARATING for child in element.iter()):
        return " ".join("".join(element.itertext()).split())
    return " ".join(" ".join(_lines(element, skip)).split())


def _lines(element, skip: frozenset = frozenset()) -> list[str]:
    """An element's text, split where the page had line breaks and block boundaries."""
    parts: list[str] = []

    def walk(node):
        if node.tag in _SEPARATING:
            parts.append("\n")
        parts.append(_spaced(node.text))
        for child in node:
            if child.tag not in skip:
                walk(child)
            if child.tag in _SEPARATING:
                parts.append("\n")
            parts.append(_spaced(child.tail))

    walk(element)
    return [line for line in (" ".join(piece.split()) for piece in "".join(parts).split("\n")) if line]


def _spaced(text: str | None) -> str:
    """A text node's newlines are the page source's line wrapping, not line breaks: those are
    elements (<lb/> and block boundaries). The extractor's fallbacks keep the source's wrapping."""
    return text.replace("\n", " ") if text else ""


def _normalize_blocks(blocks: list[Block]) -> list[Block]:
    """Normalise all block texts in one pass (ftfy per block would cost much more)."""
    joined = normalize_text("\n".join(b.text for b in blocks)).split("\n")
    if len(joined) != len(blocks):
        joined = [normalize_inline(b.text) for b in blocks]
    return [Block(text, b.kind) for text, b in zip(joined, blocks) if text]
