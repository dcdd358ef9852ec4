"""Rule packs: TOML data files, loaded, checked and compiled once.

A pack file holds a `[pack]` table (optional `sites`, `languages` as the default of its rules,
`never_publish`) and a list of `[[rules]]`. Each rule has an `id` (`<category>.<slug>`, its
identity), a `category`, a `kind`, a `pattern` (a string, or a list of alternatives), `languages`, a
one-line `why` and `examples.remove` / `examples.keep`. See README "Rule packs".
"""
from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from cssselect import SelectorError
from lxml.cssselect import CSSSelector

from ..model import CATEGORIES
from ..source import same_site
from .article import ArticleRules
from .match import BoundedPattern, PatternError, compile_pattern, skeleton
from .selectors import MAX_SELECTOR_STEPS, selector_steps

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
        if self.sites and not (source and any(same_site(source, site) for site in self.sites)):
            return False
        return language is None or "*" in self.languages or language in self.languages

    def matches_block(self, text: str, words: int | None = None):
        """The first match in the block's skeleton (see match.py), or None."""
        return self.matches_skeleton(skeleton(text), words)

    def matches_skeleton(self, text: str, words: int | None = None):
        if self.max_words is not None and ((words if words is not None else len(text.split())) > self.max_words
                                           or len(text) > self.max_words * MAX_WORD_CHARS):
            return None
        return self.regex.search(text)


# A rule for short blocks is about short blocks: one "word" of 100 KB is not one word. Bounding the
# characters too keeps a pattern such as `a.*b` from meeting a huge block that has few spaces.
MAX_WORD_CHARS = 60


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
        self._shared: dict[tuple[int, ...], ArticleRules] = {}  # by the rules that apply

    def for_article(self, language: str | None, source: str | None) -> "ArticleRules":
        # Keyed by the site rules that apply, not by the source: thousands of sources share one set.
        sites = tuple(n for n in self._site_rules if self.rules[n].applies_to(language, source))
        key = (language, sites)
        found = self._cache.get(key)
        if found is None:
            # Languages without rules of their own (French, Japanese, ...) share one prepared set (its
            # gates and combined patterns), not a copy each.
            members = tuple(n for n, rule in enumerate(self.rules) if rule.applies_to(language, source))
            found = self._shared.get(members)
            if found is None:
                found = self._shared[members] = ArticleRules([self.rules[n] for n in members])
            self._cache[key] = found
        return found



def load_rules(extra: str | Path | list | tuple | RuleSet | None = None) -> RuleSet:
    """The built-in packs plus, when given, a user's rule directory (or several, or single files)."""
    if isinstance(extra, RuleSet):
        return extra
    if extra is None:
        return _builtin()
    paths = [extra] if isinstance(extra, (str, Path)) else list(extra)
    files = list(_pack_files(BUILTIN_DIR))
    for path in paths:
        if not str(path).strip():  # Path("") is the current folder: a project's pyproject.toml would load as rules
            raise RuleError('the rules directory is "" (empty): give a folder of .toml rule files, or leave it out')
        path = Path(path)
        if not path.exists():
            raise RuleError(f"{path}: no such rule file or directory")
        found = _pack_files(path) if path.is_dir() else (path,)
        if not found:
            raise RuleError(f"{path}: no rule files in this folder (looked for *.toml and sites/*.toml)")
        files.extend(found)
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
        if "pack" not in data and "rules" not in data:  # pyproject.toml, a config file: not rules
            raise RuleError(f"{path}: not a rule file (it has neither a [pack] table nor [[rules]])")
        pack = data.get("pack", {})
        sites = tuple(pack.get("sites", ()))
        pack_languages = pack.get("languages", ["*"])  # the default of the pack's rules
        never_publish.extend(pack.get("never_publish", ()))
        for index, raw_rule in enumerate(data.get("rules", [])):
            rule = _parse_rule(raw_rule, path, index, sites, pack_languages)
            if rule.id in seen:
                raise RuleError(f"{path}: rule '{rule.id}': duplicate id (already defined in {seen[rule.id]})")
            seen[rule.id] = str(path)
            rules.append(rule)
    return RuleSet(rules, never_publish, digest.hexdigest()[:12])


def _parse_rule(raw: dict, path: Path, index: int, sites: tuple[str, ...], pack_languages: list) -> Rule:
    name = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
    problem = "must be a table" if not isinstance(raw, dict) else next(_field_problems(raw, pack_languages), None)
    if problem is None:
        examples = raw.get("examples", {})
        rule = Rule(
            id=raw["id"], category=raw["category"], kind=raw["kind"], pattern=_joined_pattern(raw["pattern"], raw["kind"]),
            languages=tuple(raw.get("languages", pack_languages)), why=raw["why"].strip(),
            examples_remove=tuple(examples.get("remove", [])), examples_keep=tuple(examples.get("keep", [])),
            origin=str(path), sites=sites, max_words=raw.get("max_words"), position=raw.get("position", "anywhere"),
            extract=raw.get("extract"), case_sensitive=bool(raw.get("case_sensitive", False)),
            max_blocks=raw.get("max_blocks", 20), item_max_words=raw.get("item_max_words"),
        )
        problem = _compile_problem(rule)
    if problem is not None:
        raise RuleError(f"{path}: rule '{name}': {problem}")
    return rule


def _field_problems(raw: dict, pack_languages: list):
    """What is wrong with the rule's fields, first things first."""
    unknown = set(raw) - _FIELDS
    if unknown:
        yield f"unknown field(s) {sorted(unknown)}"
    for key in ("id", "category", "kind", "why"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            yield f"'{key}' must be a non-empty string"
    pattern = raw.get("pattern")
    if isinstance(pattern, list):
        if not pattern or not all(isinstance(part, str) and part.strip() for part in pattern):
            yield "'pattern' as a list must hold non-empty strings"
    elif not isinstance(pattern, str) or not pattern.strip():
        yield "'pattern' must be a non-empty string or a list of them"
    if not _ID.match(raw["id"]):
        yield "id must look like '<category>.<slug>' (lower case, digits and dashes)"
    if raw["category"] not in CATEGORIES:
        yield f"category '{raw['category']}' is not one of {', '.join(CATEGORIES)}"
    if raw["id"].split(".")[0] != raw["category"]:
        yield f"id must start with its category '{raw['category']}.'"
    if raw["kind"] not in KINDS:
        yield f"kind '{raw['kind']}' is not one of {', '.join(KINDS)}"
    languages = raw.get("languages", pack_languages)
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        yield "'languages' must be a list of language codes (or [\"*\"])"
    yield from _option_problems(raw)


def _option_problems(raw: dict):
    examples = raw.get("examples", {})
    if not isinstance(examples, dict):
        yield "'examples' must be a table with 'remove' and 'keep' lists"
    lists = (examples.get("remove", []), examples.get("keep", []))
    if not all(isinstance(x, list) and all(isinstance(s, str) for s in x) for x in lists):
        yield "examples.remove and examples.keep must be lists of strings"
    if raw.get("position", "anywhere") not in POSITIONS:
        yield f"position '{raw['position']}' is not one of {', '.join(POSITIONS)}"
    if raw.get("extract") not in EXTRACTS:
        yield f"extract must be one of {EXTRACTS[1:]}"
    for key in ("max_words", "max_blocks", "item_max_words"):
        if key in raw and (not isinstance(raw[key], int) or raw[key] < 1):
            yield f"'{key}' must be a positive whole number"


def _compile_problem(rule: Rule) -> str | None:
    try:
        _ = rule.selector if rule.kind == "selector" else rule.regex
    except (PatternError, SelectorError) as exc:
        return f"pattern does not compile: {exc}"
    if rule.kind == "selector" and sum(selector_steps(rule.pattern)) > MAX_SELECTOR_STEPS:
        return (f"selector has more than {MAX_SELECTOR_STEPS} descendant or sibling steps ('a b', 'a ~ b'): "
                "each one multiplies its cost on a large page")
    return None


def _joined_pattern(pattern: str | list[str], kind: str) -> str:
    """A pattern is a string, or a list of alternatives (one phrase a line) that reads as them
    joined by "|" (a selector list by ", ")."""
    if isinstance(pattern, list):
        return (", " if kind == "selector" else "|").join(pattern)
    return pattern
