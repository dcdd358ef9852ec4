"""Detectors that run over an article's blocks: rule packs first, then structure heuristics.

The heuristics catch what no single pattern can: a run of labels and dates above the article, a
name line followed by a short biography, and short leftovers (headings, slogans) that sit among
junk at the end of the article.
"""
from __future__ import annotations

import re

from . import limits
from .dates import find_date
from .matching import skeleton
from .model import CATEGORIES, Block
from .rules import ArticleRules, Rule
from .verdicts import Verdicts, is_substantial

# Structure heuristics are rules too: each has an id in the catalogue and a reason.
HEURISTICS: dict[str, tuple[str, str]] = {
    "metadata.top-labels": ("metadata", "Short labels next to a dateline above the article are its category and tag line."),
    "author_bio.name-then-bio": ("author_bio", "A lone name line followed by a short text about that person is an author box."),
    "related.link-list": ("related", "A list whose every item is one link to another article (or a linked headline over a short subline) is a related-articles box."),
    "metadata.title-repeat": ("metadata", "The headline repeated above the article (with the site's name, or under its kicker line) is the title, kept as such."),
    "template.repeated-paragraph": ("template", "The same paragraph twice in a row on the page: the extractor keeps one copy, the repeat is a page glitch."),
    **{
        f"{category}.junk-cluster": (category, "A short line next to removed junk at the end of the article belongs to that junk.")
        for category in CATEGORIES
    },
}

_TAG_LIKE = re.compile(r"^[\w][\w&/+.'’ -]{0,40}$")
_NAME = re.compile(r"^(?P<first>[A-ZÄÖÜ][a-zäöüß'’-]+)(?: (?:von|van|de|der|da|di|le|la) ?)?(?: [A-ZÄÖÜ][\w'’-]+){1,2}$")
_BIO_VERB = re.compile(
    r"^\s*(?:ist|war|arbeitet|schreibt|berichtet|studierte|hat|is|was|has|writes|covers|works|joined|studied)\b", re.I
)
# A product or topic under its own heading reads the same ("Apache Spark" / "Apache Spark is a
# unified engine ..."): a biography names the person's writing, editing or reporting.
_BIO_ROLE = re.compile(
    r"\b(?:reporter|journalist|writer|editor|correspondent|columnist|contributor|author|blogger|podcaster|"
    r"co-?host|redakteur|journalistin|autorin|korrespondent|kolumnist|volontär|moderator|"
    r"writes|writing|covers|covering|schreib|berichte)", re.I
)


def apply_rules(blocks: list[Block], rules: ArticleRules, verdicts: Verdicts) -> None:
    """Rules that hold anywhere (and at the tail) first; then, above the first paragraph of prose
    that is left, the rules for the article's top (datelines, bylines, labels)."""
    limits.check_time("rules")
    texts, words = [block.text for block in blocks], [block.words for block in blocks]
    hits = rules.matching_all(texts, words=words, positions=("anywhere", "tail"))
    half = len(blocks) / 2
    _apply(blocks, dict(enumerate(hits)), verdicts, lambda rule, index: rule.position == "anywhere" or index >= half)
    top = _top_indexes(blocks, verdicts)
    top_hits = rules.matching_all([texts[i] for i in top], words=[words[i] for i in top], positions=("top",))
    _apply(blocks, dict(zip(top, top_hits)), verdicts, lambda rule, index: True)


def _apply(blocks: list[Block], hits: dict[int, list], verdicts: Verdicts, wanted) -> None:
    """Apply the rules found for each block index, in file order, until one takes the whole block."""
    for index, found in hits.items():
        if verdicts.is_removed(index):
            continue
        text = blocks[index].text
        for rule, match in found:
            if not wanted(rule, index):
                continue
            if rule.kind == "sentence":
                spans = [m.span() for m in rule.regex.finditer(skeleton(text))]
                verdicts.remove_sentences(index, spans, rule.category, rule.id, rule.why)
                if verdicts.is_removed(index):
                    break
                continue
            verdicts.remove_block(index, rule.category, rule.id, rule.why)
            if rule.kind == "section":
                _remove_section(blocks, index, rule, verdicts)
            break


def _remove_section(blocks: list[Block], start: int, rule: Rule, verdicts: Verdicts) -> None:
    """A section heading takes the blocks under it, up to the next heading (or a block too long to
    be the section's content, when the rule sets item_max_words)."""
    for index in range(start + 1, min(len(blocks), start + 1 + rule.max_blocks)):
        if blocks[index].kind == "heading" or (rule.item_max_words and blocks[index].words > rule.item_max_words):
            return
        verdicts.remove_block(index, rule.category, rule.id, rule.why)


# News sites often put the byline or dateline under the lead paragraph rather than above it.
MAX_LEAD_WORDS = 80
MAX_UNDER_LEAD_WORDS = 8


def _top_indexes(blocks: list[Block], verdicts: Verdicts) -> list[int]:
    """The article's top, and the short line right under a lead paragraph at its end."""
    end = _top_end(blocks, verdicts)
    indexes = list(range(end))
    under = end + 1
    if under < len(blocks) and blocks[end].words <= MAX_LEAD_WORDS and blocks[under].words <= MAX_UNDER_LEAD_WORDS:
        indexes.append(under)
    return indexes


def _top_end(blocks: list[Block], verdicts: Verdicts) -> int:
    """Index of the first kept block of article prose; everything before it is the article's top."""
    for index, block in enumerate(blocks):
        if is_substantial(block) and not verdicts.is_removed(index):
            return index
    return min(3, len(blocks))


def top_labels(blocks: list[Block], verdicts: Verdicts) -> None:
    """Tag-like lines beside a removed dateline or label at the top are metadata too."""
    top_end = _top_end(blocks, verdicts)
    changed = True
    while changed:
        changed = False
        for index in range(top_end):
            if verdicts.is_removed(index) or not _is_tag_like(blocks[index]):
                continue
            neighbours = [i for i in (index - 1, index + 1) if 0 <= i < len(blocks)]
            if any(verdicts.removed.get(i) and verdicts.removed[i].category == "metadata" for i in neighbours):
                verdicts.remove_block(index, "metadata", "metadata.top-labels", HEURISTICS["metadata.top-labels"][1])
                changed = True


def _is_tag_like(block: Block) -> bool:
    return block.words <= 3 and bool(_TAG_LIKE.match(block.text))


def name_then_bio(blocks: list[Block], verdicts: Verdicts) -> str | None:
    """Find `Name Surname` followed by a biography starting with that name; return the name."""
    why = HEURISTICS["author_bio.name-then-bio"][1]
    for index in range(len(blocks) // 2, len(blocks) - 1):
        name, bio = blocks[index].text, blocks[index + 1].text
        match = _NAME.match(name)
        if not match or verdicts.is_removed(index) or blocks[index + 1].words > 120:
            continue
        for lead in (name, match["first"]):
            if bio.startswith(lead) and _BIO_VERB.match(bio[len(lead):]) and _BIO_ROLE.search(bio):
                verdicts.remove_block(index, "author_bio", "author_bio.name-then-bio", why)
                verdicts.remove_block(index + 1, "author_bio", "author_bio.name-then-bio", why)
                return name
    return None


def junk_cluster(blocks: list[Block], verdicts: Verdicts) -> None:
    """After the last paragraph of prose, a short line right next to removed junk goes with that
    junk (a newsletter box's slogan, a call to action's heading), and so does a block of up to 60
    words between two removed blocks of one category; list items never do."""
    def wrapped(index: int) -> bool:
        # Not for widgets: placeholders of embeds sit between the paragraphs they interrupt.
        before, after = verdicts.removed.get(index - 1), verdicts.removed.get(index + 1)
        return bool(before and after and before.category == after.category != "widget" and blocks[index].words <= 60)

    kept_prose = [i for i in verdicts.kept() if blocks[i].words >= 12 and not wrapped(i)]
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
            if blocks[index].words < 12:
                neighbour = after or before
            elif wrapped(index):
                neighbour = after  # a longer block wrapped in junk of one kind is part of that junk
            else:
                continue
            if neighbour is None or neighbour.position not in tail:
                continue
            category = neighbour.category
            rule_id = f"{category}.junk-cluster"
            verdicts.remove_block(index, category, rule_id, HEURISTICS[rule_id][1])
            changed = True


def is_dateline(text: str) -> bool:
    return len(text.split()) <= 6 and find_date(text) is not None
