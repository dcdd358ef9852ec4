"""Running rules on their own examples: what `cleaners rules test|check` and the tests report."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .load import BUILTIN_DIR


@dataclass
class ExampleFailure:
    """A rule that does not do what its examples say, or is missing something every rule needs."""

    rule_id: str
    origin: str
    problem: str
    example: str | None = None

    def __str__(self) -> str:
        head = f"{self.origin}: rule '{self.rule_id}': {self.problem}"
        return head if self.example is None else f"{head}: {self.example!r}"


def fires(rule, text: str) -> bool:
    """Does the rule take this example? Selector rules match the example parsed as an HTML fragment,
    text rules the example's one block (normalised like an article's text)."""
    if rule.kind == "selector":
        from lxml import html as lxml_html

        from .selectors import SelectorSet

        root = lxml_html.fragment_fromstring(text, create_parent="div")
        return bool(SelectorSet([rule]).matches(root))
    from ..text.blocks import split_blocks
    from ..text.normalize import normalize_text

    blocks = split_blocks(normalize_text(text))
    if len(blocks) != 1:
        raise ValueError(f"an example must be one block, this is {len(blocks)}")
    return bool(rule.matches_block(blocks[0].text))


def example_failures(rules) -> list[ExampleFailure]:
    """Every way the given rules fail their own examples or the catalogue's requirements."""
    failures = []
    for rule in rules:
        origin = short_path(rule.origin)
        if not rule.examples_remove:
            failures.append(ExampleFailure(rule.id, origin, "has no examples.remove"))
        if not rule.examples_keep:
            failures.append(ExampleFailure(rule.id, origin, "has no examples.keep"))
        if len(rule.why.splitlines()) != 1:
            failures.append(ExampleFailure(rule.id, origin, "'why' must be one line"))
        for should_fire, examples in ((True, rule.examples_remove), (False, rule.examples_keep)):
            for text in examples:
                try:
                    fired = fires(rule, text)
                except Exception as exc:  # a broken example is the rule file's fault, not ours
                    failures.append(ExampleFailure(rule.id, origin, f"example cannot be tried ({exc})", text))
                    continue
                if fired != should_fire:
                    problem = "does not remove its examples.remove" if should_fire else "removes its examples.keep"
                    failures.append(ExampleFailure(rule.id, origin, problem, text))
    return failures


def short_path(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        try:
            return "cleaners/rules/packs/" + str(Path(path).resolve().relative_to(BUILTIN_DIR.resolve()))
        except ValueError:
            return path


def untested_alternatives(rules) -> list[ExampleFailure]:
    """Every alternative of a rule's pattern (a branch of a regex alternation, at any depth, or a
    selector of a selector list) that no example needs: deleting it leaves every examples.remove
    still removed. A branch of a negative lookaround can only hold removals back, so an
    examples.keep must need it instead."""
    from .alternatives import UnsupportedPattern, guarding, unexercised

    failures = []
    for rule in rules:
        try:
            loose = [alt for alt in unexercised(rule, fires) if not alt.negated]
            guards = {alt.span for alt in guarding(rule, fires)}
            loose += [alt for alt in _negated(rule) if alt.span not in guards]
        except UnsupportedPattern as exc:
            failures.append(ExampleFailure(rule.id, short_path(rule.origin), f"alternatives cannot be read ({exc})"))
            continue
        for alt in sorted(loose, key=lambda alt: alt.start):
            need = "examples.keep" if alt.negated else "examples.remove"
            failures.append(ExampleFailure(rule.id, short_path(rule.origin),
                                           f"no {need} needs the alternative {alt.label!r}", None))
    return failures


def _negated(rule):
    from .alternatives import alternatives_of

    return [alt for alt in alternatives_of(rule) if alt.negated]
