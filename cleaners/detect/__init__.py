"""Detectors: everything that decides what leaves an article, behind one contract (base.py).

The registry below is the order they run in, stage by stage; the catalogue of rule ids that a
removal may carry is built from it (and from the rule packs, which the rule detectors apply).
"""
from __future__ import annotations

from .author_box import NameThenBio
from .base import STAGES, Context, Detector, Entry
from .comment_section import CommentSection
from .junk_cluster import JunkCluster
from .left_out import LeftOut
from .link_list import LinkList
from .link_paragraph import LinkParagraph
from .page_rules import PageTextRules, SelectorRules
from .repeated_paragraph import RepeatedParagraph
from .rule_engine import RuleEngine
from .short_lines import ShortLines
from .title_repeat import TitleRepeat
from .top_labels import TopLabels
from .verdicts import Verdicts

REGISTRY: tuple[Detector, ...] = (
    # the parsed page, before extraction
    SelectorRules(), LinkList(), PageTextRules(),
    # the extracted blocks, before they are judged
    RepeatedParagraph(), TitleRepeat(), LeftOut(), LinkParagraph(),
    # the article's blocks
    RuleEngine(), TopLabels(), NameThenBio(), CommentSection(), ShortLines(), JunkCluster(),
)
assert all(detector.stage in STAGES for detector in REGISTRY)


def run(stage: str, blocks, verdicts, context: Context) -> None:
    """Every registered detector of the stage, in order."""
    for detector in REGISTRY:
        if detector.stage == stage:
            detector.detect(blocks, verdicts, context)


def catalogue(ruleset=None) -> dict[str, Entry]:
    """Every rule id a removal may carry: id -> (category, why, extract)."""
    entries: dict[str, Entry] = {}
    for detector in REGISTRY:
        entries.update(detector.catalogue(ruleset))
    return entries


__all__ = ["REGISTRY", "Context", "Detector", "Entry", "Verdicts", "catalogue", "run"]
