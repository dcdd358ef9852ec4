"""The one contract every detector implements.

A detector finds one kind of junk. It has an id, a category and a one-line why (the removal's
record), optionally the metadata its removals carry (`extract`), and a `stage`:

- "page":      the parsed page before extraction. `blocks` is empty; `verdicts` is the page's
               PageVerdicts, through which elements are pruned (and held back when one would take
               the article).
- "extracted": the blocks as the extractor gave them, before they are judged (a headline repeated
               above the article, a paragraph the page repeats). `verdicts` is the PageVerdicts.
- "article":   the article's blocks; `verdicts` is the article's Verdicts.

Each is called as `detect(blocks, verdicts, context)`, in the order of the registry
(detect/__init__.py), which also builds the catalogue of every id a removal may carry. The three
detectors that apply the rule packs (selectors and text rules on the page, rules on the blocks) name
each removal by the pack rule that made it; the rule engine lists those rules in the catalogue once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, NamedTuple

if TYPE_CHECKING:
    from ..html.page import Page
    from ..rules import ArticleRules

STAGES = ("page", "extracted", "article")


class Entry(NamedTuple):
    """What the catalogue says about one rule id."""

    category: str
    why: str
    extract: str | None = None  # the metadata a removal with this id carries: published, author, tags, sources
    rule: object = None  # the pack rule behind the id (its pattern may name the value: `(?P<value>...)`)


@dataclass
class Context:
    """What a detector may need beside the blocks and verdicts."""

    rules: ArticleRules           # the rules for this article's language and source
    source: str | None = None     # the site (registered domain)
    page: Page | None = None      # the parsed page, in HTML mode
    language: str | None = None   # the article's language (at the article stage)
    from_page: bool = False       # the article came from a page (clean_html), not from text


class Detector:
    id: ClassVar[str]
    category: ClassVar[str]
    why: ClassVar[str]
    extract: ClassVar[str | None] = None
    stage: ClassVar[str] = "article"

    def detect(self, blocks, verdicts, context: Context) -> None:
        raise NotImplementedError

    def catalogue(self, ruleset=None) -> dict[str, Entry]:
        """The ids this detector's removals carry (one, unless it names them per rule or category)."""
        return {self.id: Entry(self.category, self.why, self.extract)}
