"""The review report: each article with its removals shown in place, as one self-contained HTML file,
and the same review in Markdown, shortened to the removals and what surrounds them (`render_markdown`).

`layout(result)` puts an article's removals back between the blocks that were kept; the HTML report,
the Markdown review and `cleaners explain` all draw from it. No JavaScript and no external assets:
the file can be mailed, archived or opened from a Prefect artifact link as it is.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Iterable

from ..model import CATEGORIES, CleanResult, Metadata, Removal
from ..source import registered_domain
from ..text.blocks import looks_like_heading

# Page elements can be whole sidebars: show this much of each, the rest is summarised.
MAX_ELEMENT_CHARS = 800
MAX_SOURCES_SHOWN = 12
WARNINGS = {
    "truncated": "the article ends mid-sentence",
    "over_pruned": "less than 40 % of the words were left",
    "empty": "nothing was left",
    "rule_timeout": "a rule's pattern ran out of time on this article and matched nothing (see timed_out)",
    "held_back": "a rule would have taken the bulk of the article and was not applied (see held_back)",
}


@dataclass
class Piece:
    """A run of text inside a block: kept (removal is None) or removed by a rule."""

    text: str
    removal: Removal | None = None


@dataclass
class Line:
    """One block of the article in reading order; `removal` is set when the whole block went."""

    kind: str
    pieces: list[Piece]
    removal: Removal | None = None


@dataclass
class Layout:
    pruned: list[Removal]  # page elements pruned before extraction (HTML only)
    lines: list[Line] = field(default_factory=list)


def layout(result: CleanResult) -> Layout:
    """The article's blocks in their original order, removed blocks and sentences in place.

    Kept blocks are `result.text`'s paragraphs at `result.kept_positions` (when given; else they
    fill the indices no removed block takes), removed blocks at `Removal.position`. A removed
    sentence is shown after the rest of its paragraph, since its place inside the paragraph is not
    recorded, unless the result carries the judged blocks themselves (`result.blocks`).
    """
    pruned = [r for r in result.removals if r.scope == "element" or r.position < 0]
    whole = {r.position: r for r in result.removals if r.scope == "block" and r.position >= 0}
    cut: dict[int, list[Removal]] = {}
    for r in result.removals:
        if r.scope == "sentence" and r.position >= 0:
            cut.setdefault(r.position, []).append(r)
    blocks = getattr(result, "blocks", None)
    if blocks:
        return Layout(pruned, [_exact_line(i, b.text, b.kind, whole, cut) for i, b in enumerate(blocks)])

    kept = result.text.split("\n\n") if result.text.strip() else []
    positions = list(getattr(result, "kept_positions", None) or [])
    if len(positions) != len(kept):  # not recorded (older results, rows from the store): fill the gaps
        positions, index = [], 0
        for _ in kept:
            while index in whole:
                index += 1
            positions.append(index)
            index += 1
    kept_at = dict(zip(positions, kept))
    lines = []
    for index in sorted({*kept_at, *whole, *cut}):
        if index in whole:
            lines.append(Line("paragraph", [Piece(whole[index].text, whole[index])], whole[index]))
            continue
        sentences = [Piece(r.text, r) for r in cut.get(index, [])]
        if index not in kept_at:  # cut sentences of a block that left nothing: still show them
            lines.append(Line("paragraph", sentences))
            continue
        text = kept_at[index]
        kind = "item" if text.startswith("- ") else "heading" if looks_like_heading(text) else "paragraph"
        lines.append(Line(kind, [Piece(text[2:] if kind == "item" else text)] + sentences))
    return Layout(pruned, lines)


def _exact_line(index: int, text: str, kind: str, whole: dict, cut: dict) -> Line:
    if index in whole:
        return Line(kind, [Piece(text, whole[index])], whole[index])
    spans, lost = [], []
    for removal in cut.get(index, []):
        # The same sentence can occur twice in a block: take the first copy not already placed.
        start = text.find(removal.text)
        while start >= 0 and any(s < start + len(removal.text) and start < e for s, e, _ in spans):
            start = text.find(removal.text, start + 1)
        if start >= 0 and removal.text:
            spans.append((start, start + len(removal.text), removal))
        else:
            lost.append(Piece(removal.text, removal))
    pieces, at = [], 0
    for start, end, removal in sorted(spans, key=lambda s: s[0]):
        if text[at:start].strip():
            pieces.append(Piece(text[at:start].strip()))
        pieces.append(Piece(removal.text, removal))
        at = end
    if text[at:].strip():
        pieces.append(Piece(text[at:].strip()))
    return Line(kind, pieces + lost)


def hover(removal: Removal) -> str:
    """What a reader sees on hovering a removed span: category, rule id and the rule's reason."""
    where = {"sentence": "sentence", "element": "page element"}.get(removal.scope, "block")
    return f"{removal.category} · {removal.rule_id} ({where})" + (f" — {removal.why}" if removal.why else "")


# A title's last part after a separator, as in "Headline | Site", "Headline - Site" or "Headline – Site".
_TITLE_SUFFIX = re.compile(r"^(?P<title>.*\S)\s+(?:[|\u2013\u2014\u00b7\u2022»]|-{1,2})\s+(?P<site>[^|\u2013\u2014\u00b7\u2022»]+)$")
_SUFFIX_WORDS = 6
# Letters spelled out the way domain names write them, so that "Süddeutsche" is sueddeutsche.de.
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"})


def display_title(result: CleanResult) -> str | None:
    """The title as a reader should see it: without a trailing site name ("Headline | DER SPIEGEL") when
    the suffix names the article's site, as its source or URL gives it. A suffix that does not name the
    site is part of the title ("Krieg in Nahost - Was wir wissen") and stays."""
    title = result.title
    match = _TITLE_SUFFIX.match(title or "")
    if not match or len(match.group("site").split()) > _SUFFIX_WORDS:
        return title
    names = _site_names(result.source, result.url)
    site = _letters(match.group("site"))
    words = {_letters(word) for word in match.group("site").split()}
    if any(site == name or name in words or (len(name) >= 4 and name in site) for name in names):
        return match.group("title")
    return title


def _site_names(source: str | None, url: str | None) -> set[str]:
    """The site's names as its domain writes them: 'spiegel' and 'spiegelde' for spiegel.de, 'alice' for
    alice.blogspot.com (a registered domain's first label is the site's own name)."""
    names = set()
    for domain in {source, registered_domain(url) if url else None}:
        if domain and "." in domain:
            names.update(name for name in (_letters(domain.split(".")[0]), _letters(domain)) if len(name) >= 2)
    return names


def _letters(text: str) -> str:
    """Lower-case letters and digits only, accents spelled out or dropped: 'ZEIT ONLINE' -> 'zeitonline'."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_SPELLED))
    return "".join(c for c in text if c.isalnum() and c.isascii())


# --- HTML -----------------------------------------------------------------------------------------

# One colour per category; the struck text keeps a tint of it so the category shows at a glance.
COLOURS = {
    "ad": ("#c62828", "#fdecea"),
    "promo": ("#e65100", "#fff3e0"),
    "newsletter": ("#6a1b9a", "#f3e5f5"),
    "disclaimer": ("#8d6e00", "#fff8d6"),
    "related": ("#1565c0", "#e3f2fd"),
    "author_bio": ("#00796b", "#e0f2f1"),
    "metadata": ("#546e7a", "#eceff1"),
    "widget": ("#ad1457", "#fce4ec"),
    "references": ("#2e7d32", "#e8f5e9"),
    "template": ("#4e342e", "#efebe9"),
    "furniture": ("#616161", "#f5f5f5"),
}

_CSS = """
:root { color-scheme: light; }
body { font: 16px/1.55 Georgia, "DejaVu Serif", serif; color: #1d1d1f; background: #fafafa; margin: 0; }
main, header.top { max-width: 52rem; margin: 0 auto; padding: 1rem 1.5rem; }
header.top { border-bottom: 1px solid #ddd; }
h1, h2, h3, .legend, .meta, .sum, .toc, .pruned h3, .badge, .warn, .failed { font-family: system-ui, "DejaVu Sans", sans-serif; }
h1 { font-size: 1.5rem; margin: .5rem 0; }
.note { color: #555; margin: .2rem 0 .8rem; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem; margin: .6rem 0; padding: 0; list-style: none; }
.legend li { border-radius: 1rem; padding: .1rem .7rem; font-size: .85rem; border: 1px solid var(--c); color: var(--c); background: var(--bg); }
.legend li.none { opacity: .45; }
.toc { font-size: .9rem; columns: 2; column-gap: 3rem; margin: .5rem 0; }
.toc li { break-inside: avoid; }
.toc .name, .toc .site { font-size: .8rem; }
.toc .site { color: #666; }
article.doc { background: #fff; border: 1px solid #e0e0e0; border-radius: 8px; padding: 1rem 1.5rem; margin: 1.2rem 0; }
article.doc > h2 { font-size: 1.35rem; margin: .2rem 0 .3rem; }
.name { color: #666; font-size: .85rem; font-family: ui-monospace, monospace; word-break: break-all; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; font-size: .88rem; margin: .6rem 0; }
.meta dt { color: #666; }
.meta dd { margin: 0; }
.meta ul { margin: 0; padding-left: 1.1rem; }
.sum { font-size: .85rem; color: #444; margin: .4rem 0 .8rem; }
.warn { display: inline-block; background: #fff4e5; color: #8a4b00; border: 1px solid #f0b46a; border-radius: 4px; padding: 0 .4rem; margin-right: .3rem; font-size: .82rem; }
.failed { background: #fdecea; border: 1px solid #e6a1a1; border-radius: 6px; padding: .5rem 1rem; }
.body p, .body li, .body blockquote { margin: .55rem 0; }
.body h3 { font-size: 1.1rem; margin: 1rem 0 .3rem; }
.body .item::before { content: "• "; color: #888; }
.body blockquote { border-left: 3px solid #ccc; padding-left: .8rem; color: #333; }
del.rm { text-decoration: line-through; text-decoration-color: var(--c); text-decoration-thickness: 2px;
         background: var(--bg); color: #555; border-radius: 3px; padding: 0 .15rem; cursor: help; }
del.rm.sentence { margin-left: .25rem; }
div.removed { border-left: 4px solid var(--c); padding-left: .6rem; margin: .55rem 0; }
.badge { display: inline-block; font-size: .72rem; text-transform: uppercase; letter-spacing: .03em; color: #fff;
         background: var(--c); border-radius: 3px; padding: 0 .35rem; margin-right: .4rem; vertical-align: .1em; }
.pruned { background: #f6f6f6; border-radius: 6px; padding: .4rem 1rem; margin: .6rem 0 1rem; font-size: .92rem; }
.pruned h3, .furniture summary { font-size: .95rem; margin: .3rem 0; color: #444; }
.pruned ul { list-style: none; padding: 0; margin: 0; }
.pruned li { margin: .35rem 0; }
.more { color: #777; font-style: italic; }
@media print { body { background: #fff; } article.doc { border: none; page-break-after: always; } }
"""


def render_report(items: Iterable[tuple[str, CleanResult]], *, title: str = "Review report",
                  note: str | None = None, failures: Iterable[tuple[str, str]] = ()) -> str:
    """One self-contained HTML page for (name, result) pairs; `failures` are (name, message) pairs
    of inputs that could not be cleaned."""
    items, failures = list(items), list(failures)
    counts = Counter(r.category for _, result in items for r in result.removals)
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{escape(title)}</title>", f"<style>{_CSS}{_category_css()}</style></head><body>",
           '<header class="top">', f"<h1>{escape(title)}</h1>"]
    total = sum(counts.values())
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out.append(f'<p class="note">{len(items)} article(s), {total} removal(s)'
               f'{f", {len(failures)} input(s) failed" if failures else ""} · generated {stamp}'
               f'{" · " + escape(note) if note else ""}</p>')
    out.append('<ul class="legend" aria-label="removals by category">')
    for category in sorted(CATEGORIES, key=lambda c: (-counts[c], CATEGORIES.index(c))):
        out.append(f'<li class="cat-{category}{"" if counts[category] else " none"}" data-category="{category}">'
                   f"{category} {counts[category]}</li>")
    out.append("</ul>")
    if len(items) > 1:
        titles = Counter(display_title(result) or name for name, result in items)
        out.append('<ol class="toc">')
        for n, (name, result) in enumerate(items, 1):
            title = display_title(result) or name
            # Two articles of one title are told apart by their id (the source alone may be the same).
            told = f' <span class="name">{escape(name)}</span>' if titles[title] > 1 and title != name else ""
            site = f' <span class="site">{escape(result.source)}</span>' if result.source else ""
            out.append(f'<li><a href="#a{n}">{escape(title)}</a>{told}{site} ({len(result.removals)})</li>')
        out.append("</ol>")
    out.append("</header><main>")
    if failures:
        out.append('<section class="failed"><h2>Could not be cleaned</h2><ul>')
        out.extend(f"<li><code>{escape(name)}</code>: {escape(message)}</li>" for name, message in failures)
        out.append("</ul></section>")
    for n, (name, result) in enumerate(items, 1):
        out.append(_article(n, name, result))
    out.append("</main></body></html>")
    return "\n".join(out)


def write_report(path: str | Path, items: Iterable[tuple[str, CleanResult]], **options) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(items, **options), encoding="utf-8")
    return path


def _category_css() -> str:
    return "".join(f".cat-{c} {{ --c: {fg}; --bg: {bg}; }}\n" for c, (fg, bg) in COLOURS.items())


def _article(n: int, name: str, result: CleanResult) -> str:
    shape = layout(result)
    out = [f'<article class="doc" id="a{n}">', f"<h2>{escape(display_title(result) or '(no title)')}</h2>",
           f'<div class="name">{escape(name)}{_link(result.url)}</div>', _metadata(result)]
    if result.warnings:
        out.append("<div>" + "".join(f'<span class="warn" title="{escape(WARNINGS.get(w, w))}">{escape(w)}</span>'
                                      for w in result.warnings) + "</div>")
    if result.held_back:
        out.append(f'<div class="name">held back: {escape(", ".join(result.held_back))}</div>')
    by_category = Counter(r.category for r in result.removals)
    kept_words = len(result.text.split())
    summary = ", ".join(f"{c} {k}" for c, k in by_category.most_common()) or "nothing removed"
    out.append(f'<p class="sum">{len(result.removals)} removal(s): {escape(summary)} · '
               f"{kept_words} words kept, {result.removed_words} removed</p>")
    pruned = [r for r in shape.pruned if r.category != "furniture"]
    furniture = [r for r in shape.pruned if r.category == "furniture"]
    if pruned:
        out.append(f'<section class="pruned"><h3>Removed from the page before extraction ({len(pruned)})</h3><ul>')
        out.extend(f"<li>{_badge(r)}{_struck(r, _shorten(r.text))}</li>" for r in pruned)
        out.append("</ul></section>")
    if furniture:  # folded: what the extractor left out of the page (navigation, footer, comments, ...)
        words = sum(len(r.text.split()) for r in furniture)
        out.append(f'<details class="pruned furniture"><summary>Page furniture the extractor left out: {words} words in '
                   f'{len(furniture)} record(s)</summary><ul>')
        out.extend(f"<li>{_badge(r)}{_struck(r, _shorten(r.text))}</li>" for r in furniture)
        out.append("</ul></details>")
    out.append('<div class="body">')
    out.extend(_line(line) for line in shape.lines)
    out.append("</div></article>")
    return "\n".join(out)


def _metadata(result: CleanResult) -> str:
    meta = result.metadata
    rows = [("published", escape(meta.published or "—")), ("author", escape(meta.author or "—")),
            ("tags", escape(", ".join(meta.tags)) or "—")]
    if meta.sources:
        shown = "".join(f"<li>{escape(s)}</li>" for s in meta.sources[:MAX_SOURCES_SHOWN])
        more = len(meta.sources) - MAX_SOURCES_SHOWN
        rows.append(("sources", f"<ul>{shown}{f'<li class=more>and {more} more</li>' if more > 0 else ''}</ul>"))
    else:
        rows.append(("sources", "—"))
    rows.append(("language", escape(result.language or "—")))
    if result.source:
        rows.append(("source", escape(result.source)))
    if result.url:
        url = escape(result.url)
        rows.append(("url", f'<a href="{url}">{url}</a>' if result.url.startswith(("http://", "https://")) else url))
    if result.title and display_title(result) != result.title:
        rows.append(("page title", escape(result.title)))
    cells = "".join(f'<dt>{key}</dt><dd class="meta-{key}">{value}</dd>' for key, value in rows)
    return f'<dl class="meta">{cells}</dl>'


def _line(line: Line) -> str:
    if line.removal is not None:
        return (f'<div class="removed cat-{escape(line.removal.category)}">'
                f"{_badge(line.removal)}{_struck(line.removal, line.pieces[0].text)}</div>")
    inner = " ".join(escape(p.text) if p.removal is None else _struck(p.removal, p.text)
                     for p in line.pieces)
    if line.kind == "heading":
        return f"<h3>{inner}</h3>"
    if line.kind == "quote":
        return f"<blockquote>{inner}</blockquote>"
    return f'<p class="item">{inner}</p>' if line.kind == "item" else f"<p>{inner}</p>"


def _struck(removal: Removal, text: str) -> str:
    classes = f"rm cat-{removal.category} {removal.scope}"
    return (f'<del class="{escape(classes)}" data-rule="{escape(removal.rule_id)}" '
            f'title="{escape(hover(removal))}">{escape(text)}</del>')


def _link(url: str | None) -> str:
    """ · and the article's address, linked when it is a web address."""
    if not url:
        return ""
    shown = escape(url)
    return f' · <a href="{shown}">{shown}</a>' if url.startswith(("http://", "https://")) else f" · {shown}"


def _badge(removal: Removal) -> str:
    return f'<span class="badge cat-{escape(removal.category)}">{escape(removal.category)}</span>'


def _shorten(text: str) -> str:
    if len(text) <= MAX_ELEMENT_CHARS:
        return text
    return f"{text[:MAX_ELEMENT_CHARS].rstrip()} … ({len(text) - MAX_ELEMENT_CHARS} more characters)"


# --- Markdown -------------------------------------------------------------------------------------

MD_CONTEXT_CHARS = 280  # a kept paragraph next to a removal: this much of it
MD_REMOVED_CHARS = 400  # a removed span: this much of it (page elements can be whole sidebars)
MD_LINES = 40  # lines with a removal shown per article; the HTML report has every one
# Characters that Markdown (CommonMark, GFM) reads as markup anywhere in a line; backslash-escaped.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")


def render_markdown(items: Iterable[tuple[str, CleanResult]], *, heading: str = "###") -> str:
    """The review in Markdown, for places that show Markdown but no HTML file (a Prefect artifact):
    for each (name, result) its title, name and address, what was removed by category, and its
    removals struck through in place (~~like this~~) with the category and rule id beside each,
    between the kept paragraphs next to them; other kept paragraphs are summed up in one line.
    Page furniture the extractor left out is one summary line, as in `cleaners explain`."""
    out = []
    for name, result in items:
        out += ["", f"{heading} {_md(display_title(result) or '(no title)')}", ""]
        where = " · ".join(part for part in (f"`{_code(name)}`", _md(result.source or ""), _md_url(result.url)) if part)
        by_category = Counter(r.category for r in result.removals)
        summary = ", ".join(f"{c} {k}" for c, k in by_category.most_common()) or "nothing removed"
        out += [where, "", f"{len(result.removals)} removal(s): {summary}"
                + (f" · warnings: {', '.join(result.warnings)}" if result.warnings else ""), ""]
        out += _md_article(result)
    return "\n".join(out).strip() + "\n"


def _md_article(result: CleanResult) -> list[str]:
    shape = layout(result)
    out = []
    furniture = [r for r in shape.pruned if r.category == "furniture"]
    if furniture:
        words = sum(len(r.text.split()) for r in furniture)
        out += [f"_Page furniture the extractor left out: {words} words in {len(furniture)} record(s)._", ""]
    pruned = [r for r in shape.pruned if r.category != "furniture"]
    if pruned:
        out += [f"Removed from the page before extraction ({len(pruned)}):", ""]
        out += [f"- {_md_struck(r, r.text)}" for r in pruned[:MD_LINES]]
        if len(pruned) > MD_LINES:
            out.append(f"- _and {len(pruned) - MD_LINES} more_")
        out.append("")
    marked = [i for i, line in enumerate(shape.lines) if any(p.removal for p in line.pieces)]
    shown = sorted({j for i in marked[:MD_LINES] for j in (i - 1, i, i + 1) if 0 <= j < len(shape.lines)})
    previous = -1
    for index in shown:
        if index > previous + 1:
            out += [f"_[{index - previous - 1} paragraph(s) kept]_", ""]
        out += [_md_line(shape.lines[index], index in marked), ""]
        previous = index
    rest = len(shape.lines) - previous - 1
    if len(marked) > MD_LINES:
        out += [f"_[{len(marked) - MD_LINES} more paragraph(s) with removals, and the rest of the article: "
                "see the HTML report]_", ""]
    elif rest > 0:
        out += [f"_[{rest} paragraph(s) kept]_", ""]
    return out


def _md_line(line: Line, marked: bool) -> str:
    if line.removal is not None:
        return _md_struck(line.removal, line.pieces[0].text)
    parts = [_md_struck(p.removal, p.text) if p.removal else _md(_shorten_to(p.text, MD_CONTEXT_CHARS) if not marked else p.text)
             for p in line.pieces]
    text = " ".join(part for part in parts if part)
    if line.kind == "heading":
        return f"**{text}**"
    if line.kind == "quote":
        return f"> {text}"
    return f"• {text}" if line.kind == "item" else text


def _md_struck(removal: Removal, text: str) -> str:
    text = _md(_shorten_to(" ".join(text.split()), MD_REMOVED_CHARS))
    return f"~~{text}~~ _[{removal.category} · `{_code(removal.rule_id)}`]_" if text else ""


def _md(text: str) -> str:
    """Text shown as it is: one line, markup characters escaped (no HTML, links or emphasis from it)."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _MD_LINE_START.sub(r"\1\\\2", text)


def _code(text: str) -> str:
    return text.replace("`", "'")


def _md_url(url: str | None) -> str:
    if not url:
        return ""
    if url.startswith(("http://", "https://")) and not re.search(r"[\s<>()\[\]]", url):
        return f"<{url}>"
    return _md(url)


def _shorten_to(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


# --- from the pipeline's store --------------------------------------------------------------------

def results_from_rows(article_rows: Iterable[dict], removal_rows: Iterable[dict],
                      catalogue: dict[str, tuple[str, str]] | None = None) -> list[tuple[str, CleanResult]]:
    """(id, CleanResult) pairs from rows of the store's `articles` and `removals` tables, so the
    report can be drawn for published articles without cleaning them again. `catalogue` (rule id ->
    (category, why), see `rule_catalogue`) supplies the reasons, which the store does not keep."""
    catalogue = catalogue or {}
    by_article: dict[str, list[dict]] = {}
    for row in removal_rows:
        by_article.setdefault(row["article_id"], []).append(row)
    items = []
    for row in article_rows:
        removals = [Removal(r["category"], r["rule_id"], r["text"], r["scope"], r["position"],
                            catalogue.get(r["rule_id"], ("", ""))[1])
                    for r in sorted(by_article.get(row["id"], []), key=lambda r: r.get("idx", 0))]
        metadata = Metadata(published=row.get("published"), author=row.get("author"),
                            tags=_json_list(row.get("tags")), sources=_json_list(row.get("sources")))
        items.append((row["id"], CleanResult(text=row["text"], title=row.get("title"), language=row.get("language"),
                                             metadata=metadata, removals=removals,
                                             warnings=_json_list(row.get("warnings")),
                                             source=row.get("source"), url=row.get("url"))))
    return items


def _json_list(value) -> list:
    if isinstance(value, list):
        return value
    try:
        loaded = json.loads(value or "[]")
    except (TypeError, ValueError):
        return []
    return loaded if isinstance(loaded, list) else []
