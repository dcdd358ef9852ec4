"""The terminal's view of a result: the article with its removals struck through in place,
each labelled [category rule-id] (`cleaners explain`), and the list of removals (`clean --explain`)."""
from __future__ import annotations

import textwrap
from collections import Counter

from .report import WARNINGS, layout

# ANSI colours per category (basic 16 colours, so every terminal shows them).
_ANSI = {"ad": "31", "promo": "33", "newsletter": "35", "disclaimer": "93", "related": "34", "author_bio": "36",
         "metadata": "90", "widget": "95", "references": "32", "template": "94", "furniture": "37"}



def render_explain(name: str | None, result, *, colour: bool = False, width: int = 0, furniture: bool = False) -> str:
    """The article as text: kept blocks as they are, removed text struck (with colour) or between
    [- and -] (without), each followed by its [category rule-id] label. Page furniture the extractor
    left out is one summary line, unless `furniture`."""
    style = _Styler(colour)

    def fill(text: str) -> str:
        return textwrap.fill(text, width, break_on_hyphens=False) if width else text

    out = []
    if name:
        out.append(style.bold(f"==> {name} <=="))
    out.append(style.bold(fill(result.title or "(no title)")))
    meta = result.metadata
    facts = [f"published {meta.published or '-'}", f"author {meta.author or '-'}",
             f"tags {', '.join(meta.tags) or '-'}", f"sources {len(meta.sources)}", f"language {result.language or '-'}"]
    out.append(style.dim(fill(" · ".join(facts))))
    counts = Counter(removal.category for removal in result.removals)
    summary = ", ".join(f"{c} {n}" for c, n in counts.most_common()) or "nothing"
    warnings = ", ".join(f"{w} ({WARNINGS.get(w, w)})" for w in result.warnings) or "none"
    out.append(style.dim(fill(f"{len(result.removals)} removal(s): {summary} · warnings: {warnings}")))
    if result.held_back:
        out.append(style.dim(fill(f"held back (would have taken the bulk of the article): {', '.join(result.held_back)}")))
    shape = layout(result)
    pruned = [r for r in shape.pruned if furniture or r.category != "furniture"]
    folded = [r for r in shape.pruned if r not in pruned]
    if folded:
        words = sum(len(r.text.split()) for r in folded)
        regions = Counter(r.rule_id.split(".", 1)[1] for r in folded)
        out.append(style.dim(fill(f"page furniture the extractor left out: {words} words in {len(folded)} record(s) ("
                                  + ", ".join(f"{region} {n}" for region, n in regions.most_common())
                                  + "); --furniture shows them")))
    if pruned:
        out.append("")
        out.append(style.bold(f"Removed from the page before extraction ({len(pruned)}):"))
        for removal in pruned:
            text = removal.text if len(removal.text) <= 300 else removal.text[:300].rstrip() + " …"
            out.append(_wrap([(text, removal)], style, width, indent="  "))
    for line in shape.lines:
        out.append("")
        runs = [(f"- {p.text}" if line.kind == "item" and i == 0 and p.removal is None else p.text, p.removal)
                for i, p in enumerate(line.pieces)]
        out.append(_wrap(runs, style, width, bold=line.kind == "heading" and line.removal is None))
    return "\n".join(out)


class _Styler:
    def __init__(self, on: bool):
        self.on = on

    def _sgr(self, codes: str, text: str) -> str:
        return f"\x1b[{codes}m{text}\x1b[0m" if self.on and text else text

    def bold(self, text: str) -> str:
        return self._sgr("1", text)

    def dim(self, text: str) -> str:
        return self._sgr("2", text)

    def removed(self, text: str, category: str) -> str:
        return self._sgr(f"2;9;{_ANSI.get(category, '31')}", text)

    def label(self, removal) -> str:
        return self._sgr(f"1;{_ANSI.get(removal.category, '31')}", f"[{removal.category} {removal.rule_id}]")


def _wrap(runs: list[tuple[str, object]], style: _Styler, width: int, indent: str = "", bold: bool = False) -> str:
    """Runs of (text, removal or None) as wrapped lines; styles are applied after wrapping so escape
    codes never count towards the width."""
    tokens: list[tuple[str, object]] = []  # (word, its removal, None when kept, or ("label", removal))
    for text, removal in runs:
        words = text.split()
        if removal is not None and words and not style.on:  # without colour, [- -] marks what went
            words[0] = "[-" + words[0]
            words[-1] = words[-1] + "-]"
        tokens.extend((word, removal) for word in words)
        if removal is not None:
            tokens.append((f"[{removal.category} {removal.rule_id}]", ("label", removal)))
    lines, current, length = [], [], len(indent)
    for word, tag in tokens:
        if width and current and length + 1 + len(word) > width:
            lines.append(current)
            current, length = [], len(indent)
        current.append((word, tag))
        length += len(word) + (1 if len(current) > 1 else 0)
    if current:
        lines.append(current)
    return "\n".join(indent + _styled(line, style, bold) for line in lines)


def _styled(words: list[tuple[str, object]], style: _Styler, bold: bool) -> str:
    """A line of words: consecutive words of one removal share one styled run."""
    parts, group, tag = [], [], None

    def flush():
        if not group:
            return
        text = " ".join(group)
        if tag is None:
            parts.append(style.bold(text) if bold else text)
        elif isinstance(tag, tuple):
            parts.append(style.label(tag[1]))
        else:
            parts.append(style.removed(text, tag.category))

    for word, this in words:
        if this is not tag or isinstance(this, tuple):
            flush()
            group, tag = [], this
        group.append(word)
    flush()
    return " ".join(parts)


def removals_list(result) -> str:
    lines = ["", f"--- {len(result.removals)} removal(s); warnings: {', '.join(result.warnings) or 'none'}"]
    if result.held_back:
        lines.append(f"--- held back: {', '.join(result.held_back)}")
    for removal in result.removals:
        where = "sentence" if removal.scope == "sentence" else ("page element" if removal.scope == "element" else "block")
        lines.append(f"[{removal.category}] {removal.rule_id} ({where})")
        lines.extend(textwrap.wrap(removal.text, 100, initial_indent="    ", subsequent_indent="    ") or ["    (empty)"])
    meta = result.metadata
    lines.append(f"--- metadata: published={meta.published} author={meta.author} tags={meta.tags} sources={len(meta.sources)}")
    return "\n".join(lines)
