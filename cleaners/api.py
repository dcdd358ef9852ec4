"""clean_text and clean_html: the library's two entry points, and the stages in their order.

    text:  check -> normalise -> blocks -> language -> title -> detectors ("article") -> result
    page:  check -> decode -> parse -> detectors ("page") -> extract -> blocks -> detectors
           ("extracted") -> language -> detectors ("article") -> result

Every removal is recorded by the detectors (detect/); metadata comes from the page and from what
was removed; the result's warnings say when cleaning took most of an article.
"""
from __future__ import annotations

import re
from pathlib import Path

from . import boilerplate, detect, guards, settings
from .errors import CleaningError
from .metadata.dates import is_dateline
from .metadata.removals import metadata_from_removals
from .model import Block, CleanResult, Metadata, Removal
from .rules import RuleSet, load_rules
from .rules.match import timeouts_recorded
from .source import registered_domain
from .text.blocks import ends_with, looks_like_heading, render, split_blocks
from .text.decode import decode_page
from .text.language import choose_language
from .text.normalize import normalize_text

RulesArg = str | Path | list | tuple | RuleSet | None

# Guard thresholds: flag an article when cleaning leaves less than this share of its words.
OVER_PRUNED_SHARE = 0.4
# Never worse than the extractor: a rule (or detector) whose removals would take more than this share
# of an article's words, and at least MIN_HELD_WORDS, is held back (named in `held_back`).
MAX_RULE_SHARE = 0.5
MIN_HELD_WORDS = 100
_CLOSED = tuple(".!?…\"”“»'’):")


def clean_text(text: str, *, source: str | None = None, url: str | None = None,
               language: str | None = None, rules: RulesArg = None) -> CleanResult:
    """Clean text already extracted from a page. Raises TypeError/ValueError on unusable input."""
    if isinstance(text, bytes):
        raise TypeError("clean_text takes str; decode bytes first (or use clean_html for pages)")
    if not isinstance(text, str):
        raise TypeError(f"clean_text takes str, not {type(text).__name__}")
    bounds = settings.current()  # the environment is read once per article
    guards.check_text(text, bounds)
    with guards.time_budget(bounds.time_budget), timeouts_recorded(bounds.match_seconds) as timed_out:
        result = _clean_text(text, source=source, url=url, language=language, rules=rules, bounds=bounds)
    return _with_timeouts(result, timed_out)


def _clean_text(text: str, *, source, url, language, rules, bounds: settings.Limits) -> CleanResult:
    blocks = split_blocks(normalize_text(text))
    if not blocks:
        raise CleaningError("empty_input", "empty input: no text to clean")
    guards.check_blocks(blocks, bounds)
    ruleset = load_rules(rules)
    source = source or registered_domain(url)
    language = choose_language(language, " ".join(b.text for b in blocks[:40]))
    article_rules = ruleset.for_article(language, source)
    title = None
    first = blocks[0]
    if (len(blocks) > 1 and first.kind == "heading" and looks_like_title(first.text)
            and not is_dateline(first.text) and not article_rules.matching(first.text)):
        title, blocks = first.text, blocks[1:]
    return _clean_blocks(blocks, ruleset, article_rules, title=title, metadata=Metadata(),
                         language=language, source=source, url=url, removals=[])


def clean_html(html: str | bytes, *, url: str | None = None, source: str | None = None,
               language: str | None = None, rules: RulesArg = None) -> CleanResult:
    """Clean a whole HTML page: prune junk elements, extract the article, then clean its blocks."""
    from .html.page import (
        extract_page,  # lxml and trafilatura are imported on first use
    )

    if not isinstance(html, (str, bytes)):
        raise TypeError(f"clean_html takes str or bytes, not {type(html).__name__}")
    bounds = settings.current()
    if isinstance(html, bytes):
        guards.check_size(html, bounds)  # before the bytes are decoded
        html = decode_page(html)
    guards.check_html(html, bounds)
    ruleset = load_rules(rules)
    source = source or registered_domain(url)
    # Threads may clean pages at once: each parses with its own parser, and so its own libxml2
    # dictionary (html/parse.py; a shared one crashed the flow's threads runner).
    with guards.time_budget(bounds.time_budget), timeouts_recorded(bounds.match_seconds) as timed_out:
        page = extract_page(html, url=url, ruleset=ruleset, source=source, language=language)
        guards.check_time("extraction")
        article_rules = ruleset.for_article(page.language, source)
        result = _clean_blocks(page.blocks, ruleset, article_rules, title=page.title, metadata=page.metadata,
                               language=page.language, source=source, url=url, removals=page.pruned,
                               page_held_back=page.held_back, from_page=True)
    return _with_timeouts(result, timed_out)


# A headline has a few words, is not shouted (a label or dateline in capitals) and is one phrase,
# not sentences run together (a first paragraph without its full stop).
MIN_TITLE_WORDS = 2
_SENTENCES_INSIDE = re.compile(r"[.!?。！？]\s+\S")


def looks_like_title(text: str) -> bool:
    """Could this first line of a text be its headline (rather than a kicker, a dateline, a byline
    or the first sentence)?"""
    letters = [ch for ch in text if ch.isalpha()]
    shouted = len(letters) >= 4 and sum(ch.isupper() for ch in letters) > 0.8 * len(letters)
    return len(text.split()) >= MIN_TITLE_WORDS and not shouted and not _SENTENCES_INSIDE.search(text)


def _with_timeouts(result: CleanResult, timed_out: list[str]) -> CleanResult:
    """A rule whose pattern ran out of time matched nothing; the result says which ones."""
    if timed_out:
        result.timed_out = list(timed_out)
        result.warnings.append("rule_timeout")
    return result


def rule_catalogue(rules: RulesArg = None) -> dict[str, tuple[str, str]]:
    """Every rule id a removal may carry (rule packs, detectors, template memory): id -> (category, why)."""
    return {rule_id: (entry.category, entry.why) for rule_id, entry in _catalogue(load_rules(rules)).items()}


def _catalogue(ruleset: RuleSet) -> dict[str, detect.Entry]:
    found = ruleset.__dict__.get("_catalogue")  # built once per rule set
    if found is None:
        found = ruleset.__dict__["_catalogue"] = detect.catalogue(ruleset) | boilerplate.catalogue()
    return found


def _clean_blocks(blocks: list[Block], ruleset: RuleSet, article_rules, *, title, metadata: Metadata,
                  language, source, url, removals: list[Removal], page_held_back=(),
                  from_page: bool = False) -> CleanResult:
    context = detect.Context(article_rules, source, language=language, from_page=from_page)
    held: frozenset[str] = frozenset()
    while True:  # a rule that would take the bulk of the article is held back, and the article judged again
        verdicts = detect.Verdicts(blocks, held_back=held)
        detect.run("article", blocks, verdicts, context)
        greedy = verdicts.greedy_rules(MAX_RULE_SHARE, MIN_HELD_WORDS) - held
        if not greedy:
            break
        held |= greedy
    kept_positions, kept = [], []
    for index in verdicts.kept():
        block, text = blocks[index], verdicts.kept_text(index)
        if text:
            kept_positions.append(index)
            kept.append(block if text is block.text else Block(text, block.kind))  # unchanged: words counted
    all_removals = removals + verdicts.removals()
    metadata = metadata_from_removals(all_removals, _catalogue(ruleset), metadata, article_rules)
    held_back = sorted(set(page_held_back) | held)
    warnings = _warnings(blocks, kept) + (["held_back"] if held_back else [])
    return CleanResult(
        text=render(kept), title=title, language=language, metadata=metadata,
        removals=all_removals, warnings=warnings, source=source, url=url,
        kept_positions=kept_positions, blocks=blocks, held_back=held_back,
    )


def _warnings(blocks: list[Block], kept: list[Block]) -> list[str]:
    warnings = []
    words_in = sum(b.words for b in blocks)
    words_out = sum(b.words for b in kept)
    if not kept:
        warnings.append("empty")
    elif words_out < OVER_PRUNED_SHARE * words_in:
        warnings.append("over_pruned")
    if kept and _looks_truncated(kept[-1]):
        warnings.append("truncated")
    return warnings


def _looks_truncated(last: Block) -> bool:
    """The article stops mid-sentence: a long last block without closing punctuation."""
    if ends_with(last.text, _CLOSED) or last.words < 8:
        return False
    return last.kind != "heading" or not looks_like_heading(last.text) or last.words > 20
