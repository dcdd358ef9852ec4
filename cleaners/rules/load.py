"""Rule packs: TOML data files, loaded, checked and compiled once.

A pack file holds a `[pack]` table (optional `sites`, `never_publish`) and a list of `[[rules]]`.
Each rule has an `id` (`<category>.<slug>`, its identity), a `category`, a `kind`, a `pattern`,
`languages`, a one-line `why` and `examples.remove` / `examples.keep`. See README "Rule packs".
"""
from __future__ import annotations

import hashlib
import os
import re
import tomllib
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from lxml.cssselect import CSSSelector
from cssselect import SelectorError

from .gate import Gate, fold, required_words
from .match import BoundedPattern, PatternError, compile_pattern, skeleton, skeletons
from ..model import CATEGORIES
from .selectors import MAX_SELECTOR_STEPS, SelectorSet, selector_steps

BUILTIN_DIR = Path(__file__).parent / "packs"
KINDS = ("block", "sentence", "section", "selector")
POSITIONS = ("anywhere", "top", "tail")
EXTRACTS = (None, "published", "author", "tags", "sources")
_ID = re.compile(r"^[a-z_]+\.[a-z0-9][a-z0-9-]*$")
_FIELDS = {"id", "category", "kind", "pattern", "languages", "why", "examples", "max_words", "position",
           "extract", "case_sensitive", "max_blocks", "item_max_words"}


class RuleError(ValueError):
    """A rule file or rule that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    kind: str
    pattern: str
    languages: tuple[str, ...]
    why: str
    examples_remove: tuple[str, ...]
    examples_keep: tuple[str, ...]
    origin: str  # the file it came from
    sites: tuple[str, ...] = ()  # empty: applies to every source
    max_words: int | None = None
    position: str = "anywhere"
    extract: str | None = None
    case_sensitive: bool = False
    max_blocks: int = 20  # for sections: how many blocks after the heading may go with it
    item_max_words: int | None = None  # for sections: a longer block under the heading ends the section

    @cached_property
    def regex(self) -> BoundedPattern:
        return compile_pattern(self.pattern, self.case_sensitive, owner=self.id)

    @cached_property
    def selector(self) -> CSSSelector:
        return CSSSelector(self.pattern)

    def applies_to(self, language: str | None, source: str | None) -> bool:
        if self.sites and not (source and any(_same_site(source, site) for site in self.sites)):
            return False
        return language is None or "*" in self.languages or language in self.languages

    def matches_block(self, text: str, words: int | None = None):
        """The first match in the block's skeleton (see matching.py), or None."""
        return self.matches_skeleton(skeleton(text), words)

    def matches_skeleton(self, text: str, words: int | None = None):
        if self.max_words is not None and ((words if words is not None else len(text.split())) > self.max_words
                                           or len(text) > self.max_words * MAX_WORD_CHARS):
            return None
        return self.regex.search(text)


# A rule for short blocks is about short blocks: one "word" of 100 KB is not one word. Bounding the
# characters too keeps a pattern such as `a.*b` from meeting a huge block that has few spaces.
MAX_WORD_CHARS = 60


def _same_site(source: str, site: str) -> bool:
    return source == site or source.endswith("." + site)


@dataclass
class RuleSet:
    """Every loaded rule, plus what the cleaner derives from them once."""

    rules: list[Rule]
    never_publish: list[str] = field(default_factory=list)
    version: str = ""

    def __post_init__(self):
        self.by_id = {rule.id: rule for rule in self.rules}
        self._site_rules = [n for n, rule in enumerate(self.rules) if rule.sites]
        self._cache: dict = {}

    def for_article(self, language: str | None, source: str | None) -> "ArticleRules":
        # Keyed by the site rules that apply, not by the source: thousands of sources share one set.
        sites = tuple(n for n in self._site_rules if self.rules[n].applies_to(language, source))
        key = (language, sites)
        if key not in self._cache:
            self._cache[key] = ArticleRules([r for r in self.rules if r.applies_to(language, source)])
        return self._cache[key]


class ArticleRules:
    """The rules that apply to one language and source, prepared so that the blocks of an article
    are judged together: one scan of the literal gate (see literals.py) over all of them, whatever
    the number of rules, plus one combined regex per block for the few patterns the gate cannot
    judge. Only the rules a block may match run their own pattern, and only when the block is
    short enough for the rule's `max_words`."""

    def __init__(self, rules: list[Rule]):
        self.text_rules = [r for r in rules if r.kind != "selector"]
        selectors = [r for r in rules if r.kind == "selector"]
        self.selectors = SelectorSet(selectors) if selectors else None
        # Rules are named by their index in text_rules (file order) from here on.
        shapes = [_shape(r.pattern) for r in self.text_rules]
        self.anchored = [anchored for anchored, _ in shapes]
        self.max_words = [min(r.max_words or NO_LIMIT, most) for r, (_, most) in zip(self.text_rules, shapes)]
        self.required = [required_words(r.pattern) for r in self.text_rules]
        self._steps: dict[tuple, _Step] = {}

    def matching(self, text: str, anchored_only: bool = False, words: int | None = None) -> list[tuple[Rule, object]]:
        """Every text rule that matches this block, in file order (site packs first).
        With anchored_only, only the rules anchored at the start of the block (a cheap check).
        `words` is the block's word count, when the caller has it."""
        return self.matching_all([text], [anchored_only], None if words is None else [words])[0]

    def matching_all(self, texts: list[str], anchored_only: list[bool] | None = None,
                     words: list[int] | None = None, positions: tuple[str, ...] | None = None,
                     kinds: tuple[str, ...] | None = None) -> list[list[tuple[Rule, object]]]:
        """`matching` for many blocks at once (much cheaper than one by one). With `positions` or
        `kinds`, only the rules of those positions or kinds are tried."""
        if words is None:
            words = [len(text.split()) for text in texts]
        texts = skeletons(texts)  # letters that imitate Latin ones are matched as such
        anchored_only = anchored_only or [False] * len(texts)
        by_step: dict[int, list[int]] = {}
        for index, count in enumerate(words):
            by_step.setdefault(bisect_left(_LENGTH_STEPS, count), []).append(index)
        results: list[list] = [[] for _ in texts]
        for step_number, indexes in by_step.items():
            step = self._step(step_number, positions, kinds)
            scanned = [index for index in indexes if not anchored_only[index]]
            gated = dict(zip(scanned, step.gate.rules_in_all([fold(texts[index]) for index in scanned])))
            for index in indexes:
                text, count = texts[index], words[index]
                if anchored_only[index]:
                    # One combined match at the start costs far less than the gate's scan of a long block.
                    anchored = step.all_anchored_pattern
                    candidates = step.all_anchored if anchored is not None and anchored.may_match_at_start(text) else []
                else:
                    candidates = gated[index]
                    if step.anchored_pattern is not None and step.anchored_pattern.may_match_at_start(text):
                        candidates.extend(step.ungated_anchored)
                    if step.floating_pattern is not None and step.floating_pattern.may_match(text):
                        candidates.extend(step.ungated_floating)
                for n in sorted(candidates):
                    rule = self.text_rules[n]
                    match = rule.matches_skeleton(text, count)
                    if match:
                        results[index].append((rule, match))
        return results

    def _step(self, number: int, positions: tuple[str, ...] | None = None,
              kinds: tuple[str, ...] | None = None) -> "_Step":
        key = (number, positions, kinds)
        if key not in self._steps:
            floor = _LENGTH_STEPS[number - 1] + 1 if number else 0
            admitted = [n for n, rule in enumerate(self.text_rules) if self.max_words[n] >= floor
                        and (positions is None or rule.position in positions) and (kinds is None or rule.kind in kinds)]
            self._steps[key] = _Step(self, admitted)
        return self._steps[key]


# Blocks are judged in groups by length: the rules a group meets are those whose max_words admit
# some of its blocks. Long paragraphs, where most of the characters are, meet only a few rules.
_LENGTH_STEPS = (5, 10, 15, 25, 40, 60, 90, 150, 250, 10**9)


class _Step:
    """For one group of block lengths: the literal gate over the rules that have required words,
    a combined regex each for the anchored and floating rules that have none, and one for all the
    anchored rules (for blocks that only those are tried on)."""

    def __init__(self, rules: ArticleRules, admitted: list[int]):
        self.gate = Gate({n: rules.required[n] for n in admitted if rules.required[n]})
        ungated = [n for n in admitted if not rules.required[n]]
        self.ungated_anchored = [n for n in ungated if rules.anchored[n]]
        self.ungated_floating = [n for n in ungated if not rules.anchored[n]]
        self.anchored_pattern = _combine([rules.text_rules[n] for n in self.ungated_anchored])
        self.floating_pattern = _combine([rules.text_rules[n] for n in self.ungated_floating])
        # For blocks only the anchored rules are tried on, gated or not.
        self.all_anchored = [n for n in admitted if rules.anchored[n]]
        self.all_anchored_pattern = _combine([rules.text_rules[n] for n in self.all_anchored])


def _combine(rules: list[Rule]) -> BoundedPattern | None:
    """One pre-check for several rules: it may say "maybe" (a timeout), never "no" wrongly."""
    if not rules:
        return None
    parts = [f"(?{'-' if r.case_sensitive else ''}i:{r.pattern})" for r in rules]
    try:
        return compile_pattern("|".join(parts), case_sensitive=True)
    except PatternError:  # patterns that cannot share one regex (named groups, back-references)
        return compile_pattern("", case_sensitive=True)


NO_LIMIT = 10**9


@lru_cache(maxsize=4096)  # patterns are parsed once, however many languages and sites share them
def _shape(pattern: str) -> tuple[bool, int]:
    """(every way the pattern can match starts with ^, so `match` at 0 finds it; the most words a
    block it matches can have). The second is bounded when the pattern spans the whole block
    (^...$) and its matches are at most W characters long: n words take at least 2n - 1 characters,
    so longer blocks need not be tried."""
    try:
        parsed = re._parser.parse(pattern)
    except re.error:
        return False, NO_LIMIT
    items = list(parsed)
    anchored, most = _anchored_at(items, 0, "AT_BEGINNING"), NO_LIMIT
    if anchored and _anchored_at(items, -1, "AT_END"):
        width = parsed.getwidth()[1]
        if width < re._constants.MAXREPEAT:
            most = (width + 1) // 2
    return anchored, most


def _anchored_at(items, end: int, at: str) -> bool:
    """Every way through the parsed items starts (end 0) or stops (end -1) with the anchor `at`."""
    if not items:
        return False
    op, value = items[end]
    name = str(op)
    if name == "AT":
        return str(value) == at
    if name == "SUBPATTERN":
        return _anchored_at(list(value[-1]), end, at)
    if name == "BRANCH":
        return all(_anchored_at(list(branch), end, at) for branch in value[1])
    return False


def load_rules(extra: str | Path | list | tuple | RuleSet | None = None) -> RuleSet:
    """The built-in packs plus, when given, a user's rule directory (or several, or single files)."""
    if isinstance(extra, RuleSet):
        return extra
    if extra is None:
        return _builtin()
    paths = [extra] if isinstance(extra, (str, Path)) else list(extra)
    files = list(_pack_files(BUILTIN_DIR))
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise RuleError(f"{path}: no such rule file or directory")
        files.extend(_pack_files(path) if path.is_dir() else [path])
    return _load_files(_stamped(files))


def _builtin() -> RuleSet:
    return _load_files(_stamped(_pack_files(BUILTIN_DIR)))


def _stamped(files: list[Path]) -> tuple:
    """Files with their size and mtime, so an edited rule file is loaded again, not served from cache.
    (os.stat on strings: this runs for every article, and pathlib's stat costs several times more.)"""
    stamped = []
    for path in files:
        stat = os.stat(str(path))
        stamped.append((path, stat.st_mtime_ns, stat.st_size))
    return tuple(stamped)


def _pack_files(directory: Path) -> tuple[Path, ...]:
    # Listing a directory costs more than cleaning a short text: list again only when it changed.
    try:
        sites_mtime = os.stat(os.path.join(directory, "sites")).st_mtime_ns
    except OSError:
        sites_mtime = 0
    return _listing(directory, os.stat(str(directory)).st_mtime_ns, sites_mtime)


@lru_cache(maxsize=64)
def _listing(directory: Path, _mtime: int, _sites_mtime: int) -> tuple[Path, ...]:
    # Site packs first, so that a site's own rule names the removal when it and a generic rule agree.
    return tuple(sorted(directory.glob("sites/*.toml")) + sorted(directory.glob("*.toml")))


@lru_cache(maxsize=32)
def _load_files(stamped_files: tuple) -> RuleSet:
    files = [path for path, _, _ in stamped_files]
    rules: list[Rule] = []
    never_publish: list[str] = []
    seen: dict[str, str] = {}
    digest = hashlib.sha256()
    for path in files:
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw)
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RuleError(f"{path}: not a valid TOML file: {exc}") from None
        except RecursionError:  # [[[[...]]]]: deeper than the parser's stack
            raise RuleError(f"{path}: not a valid TOML file: values nested too deeply to read") from None
        pack = data.get("pack", {})
        sites = tuple(pack.get("sites", ()))
        never_publish.extend(pack.get("never_publish", ()))
        for index, raw_rule in enumerate(data.get("rules", [])):
            rule = _parse_rule(raw_rule, path, index, sites)
            if rule.id in seen:
                raise RuleError(f"{path}: rule '{rule.id}': duplicate id (already defined in {seen[rule.id]})")
            seen[rule.id] = str(path)
            rules.append(rule)
    return RuleSet(rules, never_publish, digest.hexdigest()[:12])


def _parse_rule(raw: dict, path: Path, index: int, sites: tuple[str, ...]) -> Rule:
    name = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"

    def fail(message: str):
        raise RuleError(f"{path}: rule '{name}': {message}")

    if not isinstance(raw, dict):
        fail("must be a table")
    unknown = set(raw) - _FIELDS
    if unknown:
        fail(f"unknown field(s) {sorted(unknown)}")
    for key in ("id", "category", "kind", "pattern", "why"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            fail(f"'{key}' must be a non-empty string")
    if not _ID.match(raw["id"]):
        fail("id must look like '<category>.<slug>' (lower case, digits and dashes)")
    if raw["category"] not in CATEGORIES:
        fail(f"category '{raw['category']}' is not one of {', '.join(CATEGORIES)}")
    if raw["id"].split(".")[0] != raw["category"]:
        fail(f"id must start with its category '{raw['category']}.'")
    if raw["kind"] not in KINDS:
        fail(f"kind '{raw['kind']}' is not one of {', '.join(KINDS)}")
    languages = raw.get("languages", ["*"])
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        fail("'languages' must be a list of language codes (or [\"*\"])")
    examples = raw.get("examples", {})
    if not isinstance(examples, dict):
        fail("'examples' must be a table with 'remove' and 'keep' lists")
    remove, keep = examples.get("remove", []), examples.get("keep", [])
    if not all(isinstance(x, list) and all(isinstance(s, str) for s in x) for x in (remove, keep)):
        fail("examples.remove and examples.keep must be lists of strings")
    position = raw.get("position", "anywhere")
    if position not in POSITIONS:
        fail(f"position '{position}' is not one of {', '.join(POSITIONS)}")
    if raw.get("extract") not in EXTRACTS:
        fail(f"extract must be one of {EXTRACTS[1:]}")
    for key in ("max_words", "max_blocks", "item_max_words"):
        if key in raw and (not isinstance(raw[key], int) or raw[key] < 1):
            fail(f"'{key}' must be a positive whole number")
    rule = Rule(
        id=raw["id"], category=raw["category"], kind=raw["kind"], pattern=raw["pattern"],
        languages=tuple(languages), why=raw["why"].strip(), examples_remove=tuple(remove),
        examples_keep=tuple(keep), origin=str(path), sites=sites, max_words=raw.get("max_words"),
        position=position, extract=raw.get("extract"), case_sensitive=bool(raw.get("case_sensitive", False)),
        max_blocks=raw.get("max_blocks", 20), item_max_words=raw.get("item_max_words"),
    )
    try:
        rule.selector if rule.kind == "selector" else rule.regex
    except (PatternError, SelectorError) as exc:
        fail(f"pattern does not compile: {exc}")
    if rule.kind == "selector" and sum(selector_steps(rule.pattern)) > MAX_SELECTOR_STEPS:
        fail(f"selector has more than {MAX_SELECTOR_STEPS} descendant or sibling steps ('a b', 'a ~ b'): "
             "each one multiplies its cost on a large page")
    return rule
