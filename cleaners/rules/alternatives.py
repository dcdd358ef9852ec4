"""Which alternatives of a rule's pattern do its `examples.remove` actually exercise?

A rule pattern is a regex (block, sentence and section rules) or a CSS selector list (selector
rules). Its *alternatives* are the choices it offers: every `|`-separated branch of every
alternation in a regex, at any nesting level, or every top-level comma-separated selector.

An alternative is *exercised* when deleting it makes at least one of the rule's `examples.remove`
no longer removed. The ones that are not could be deleted with every example still passing: either
the rule needs more examples or the pattern needs fewer branches.

    alternatives(pattern)           -> [Alternative]  regex branches, in pattern order
    selector_alternatives(pattern)  -> [Alternative]  top-level selectors of a selector list
    without(pattern, alternative)   -> str            the pattern with that alternative deleted
    unexercised(rule, fires)        -> [Alternative]  the ones no examples.remove needs
    guarding(rule, fires)           -> [Alternative]  the ones some examples.keep needs

`fires(rule, text) -> bool` is passed in: it is how the caller's library tries one example, so
this module knows nothing of that library. A rule is anything with `kind`, `pattern`,
`examples_remove` and `examples_keep` that `dataclasses.replace` can copy with a new pattern.

The regex scanner reads the syntax of the `regex` module's version 0 (what rule packs use). It
refuses, with UnsupportedPattern, what it would otherwise have to guess about: verbose mode (where
whitespace and `#` change meaning), version 1 (nested sets), and conditionals (whose `|` separates
a yes and a no branch, not alternatives).
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

LABEL_CHARS = 40


class UnsupportedPattern(ValueError):
    """A pattern the scanner does not read: it names the construct and its position."""


@dataclass(frozen=True)
class Alternative:
    start: int  # the branch's span in the pattern: pattern[start:end] == text
    end: int
    text: str
    cut_start: int  # what `without` deletes: the branch and one adjacent separator
    cut_end: int
    depth: int = 0  # how many groups it sits in (0: top level)
    negated: bool = False  # inside a negative lookaround: deleting it can only make the rule fire more

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end

    @property
    def label(self) -> str:
        """The text for a person: shortened, and visible when empty."""
        if not self.text:
            return "(empty branch)"
        return self.text if len(self.text) <= LABEL_CHARS else self.text[:LABEL_CHARS - 1] + "…"


def without(pattern: str, alternative: Alternative) -> str:
    """The pattern with the alternative and one adjacent separator (`|` or `,`) deleted."""
    if pattern[alternative.start:alternative.end] != alternative.text:
        raise ValueError(f"alternative {alternative.label!r} is not at {alternative.span} of this pattern")
    return pattern[:alternative.cut_start] + pattern[alternative.cut_end:]


# --- regex alternatives ---------------------------------------------------------------------------

@dataclass
class _Group:
    """An open group (or the whole pattern) while scanning: where its first branch begins and where
    its `|` are."""

    start: int
    negated: bool
    bars: list[int] = dataclasses.field(default_factory=list)


def alternatives(pattern: str) -> list[Alternative]:
    """Every branch of every alternation in the regex, in pattern order (an outer branch before the
    branches inside it). A pattern without `|` has none. One pass over the pattern."""
    stack = [_Group(0, negated=False)]
    found: list[Alternative] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i = _after_escape(pattern, i)
        elif char == "[":
            i = _after_class(pattern, i)
        elif char == "(":
            i = _open_group(pattern, i, stack)
        elif char == ")":
            if len(stack) == 1:
                raise UnsupportedPattern(f"unbalanced ')' at {i}")
            found += _branches(pattern, stack.pop(), i, depth=len(stack))
            i += 1
        else:
            if char == "|":
                stack[-1].bars.append(i)
            i += 1
    if len(stack) != 1:
        raise UnsupportedPattern(f"group opened at {stack[-1].start - 1} is never closed")
    found += _branches(pattern, stack[0], len(pattern), depth=0)
    return sorted(found, key=lambda alt: (alt.start, -alt.end))


def _branches(pattern: str, group: _Group, end: int, depth: int) -> list[Alternative]:
    """The branches of a group that has just closed at `end` (none when it has no `|`)."""
    if not group.bars:
        return []
    starts = [group.start] + [bar + 1 for bar in group.bars]
    ends = group.bars + [end]
    result = []
    for number, (start, stop) in enumerate(zip(starts, ends)):
        last = number == len(starts) - 1
        # a branch takes the `|` after it, the last one the `|` before it
        cut = (start - 1, stop) if last else (start, stop + 1)
        result.append(Alternative(start, stop, pattern[start:stop], *cut, depth=depth, negated=group.negated))
    return result


def _after_escape(pattern: str, i: int) -> int:
    """Where the escape at i (a backslash) ends. `\\p{..}`, `\\P{..}` and `\\N{..}` run to the brace."""
    if i + 1 >= len(pattern):
        raise UnsupportedPattern("the pattern ends with a lone backslash")
    if pattern[i + 1] in "pPN" and pattern.startswith("{", i + 2):
        close = pattern.find("}", i + 3)
        if close < 0:
            raise UnsupportedPattern(f"unterminated \\{pattern[i + 1]}{{ at {i}")
        return close + 1
    return i + 2


_POSIX_CLASS = re.compile(r"\[:\^?[A-Za-z_]+:\]")


def _after_class(pattern: str, i: int) -> int:
    """Where the character class opened at i ends. A `]` first (after an optional `^`) is literal,
    backslashes escape, `[:name:]` is a POSIX class; any other `[` inside is literal."""
    j = i + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):
        j += 1
    while j < len(pattern):
        char = pattern[j]
        if char == "\\":
            j = _after_escape(pattern, j)
        elif char == "]":
            return j + 1
        elif char == "[" and (posix := _POSIX_CLASS.match(pattern, j)):
            j = posix.end()
        else:
            j += 1
    raise UnsupportedPattern(f"character class opened at {i} is never closed")


# `(?` followed by flags: the ones turned on, the ones turned off, then `:` (scoped) or `)` (global)
_FLAGS = re.compile(r"([A-Za-z0-9]*)(?:-([A-Za-z]*))?([:)])")
# `(?` followed by a group reference or a recursion that holds no pattern: (?P=n) (?P>n) (?&n) (?R) (?1) (?-1)
_REFERENCE = re.compile(r"(?:P[=>]|&)[^)]*\)|R\)|[+-]?\d+\)")


def _open_group(pattern: str, i: int, stack: list[_Group]) -> int:
    """Read the group opened at i: push it (when it holds a pattern) and return where its first
    branch begins, or, for a comment, inline flags or a reference, return where it ends."""
    head = pattern[i + 1:i + 3]
    if head[:1] == "*":  # a backtracking verb such as (*SKIP)
        return _after_paren(pattern, i)
    if head[:1] != "?":  # a plain capturing group
        return _push(stack, i + 1, negative=False)
    j = i + 2
    kind = pattern[j:j + 1]
    if kind in (":", ">", "|", "="):  # non-capturing, atomic, branch reset, lookahead
        return _push(stack, j + 1, negative=False)
    if kind == "!":
        return _push(stack, j + 1, negative=True)
    if pattern.startswith(("<=", "<!"), j):  # lookbehinds
        return _push(stack, j + 2, negative=pattern[j + 1] == "!")
    if pattern.startswith(("<", "P<"), j):  # named group
        close = pattern.find(">", j)
        if close < 0:
            raise UnsupportedPattern(f"unterminated group name at {i}")
        return _push(stack, close + 1, negative=False)
    if kind == "#":
        return _after_paren(pattern, i)
    if kind == "(":
        raise UnsupportedPattern(f"conditional group at {i}: its '|' separates yes and no, not alternatives")
    if _REFERENCE.match(pattern, j):
        return _after_paren(pattern, i)
    flags = _FLAGS.match(pattern, j)
    if flags is None:
        raise UnsupportedPattern(f"unknown group syntax {pattern[i:i + 4]!r} at {i}")
    if "x" in flags[1]:
        raise UnsupportedPattern(f"verbose mode (?x) at {i}: whitespace and '#' would change meaning")
    if "V1" in flags[1]:
        raise UnsupportedPattern(f"regex version 1 (?V1) at {i}: its sets nest")
    if flags[3] == ")":  # global flags: no group
        return flags.end()
    return _push(stack, flags.end(), negative=False)


def _push(stack: list[_Group], start: int, negative: bool) -> int:
    # a negative lookaround inside a negative lookaround asks for a match again
    stack.append(_Group(start, negated=stack[-1].negated != negative))
    return start


def _after_paren(pattern: str, i: int) -> int:
    close = pattern.find(")", i)
    if close < 0:
        raise UnsupportedPattern(f"group opened at {i} is never closed")
    return close + 1


# --- selector alternatives ------------------------------------------------------------------------

def selector_alternatives(pattern: str) -> list[Alternative]:
    """The top-level selectors of a CSS selector list, in order; none when it has one selector.
    Commas inside quotes, brackets or parentheses (`:is(a, b)`, `[title="a,b"]`) do not split."""
    commas = _top_level_commas(pattern)
    if not commas:
        return []
    starts = [0] + [comma + 1 for comma in commas]
    ends = commas + [len(pattern)]
    result = []
    for number, (start, stop) in enumerate(zip(starts, ends)):
        last = number == len(starts) - 1
        cut = (start - 1, stop) if last else (start, stop + 1)
        text = pattern[start:stop]
        # the span is the selector itself; the cut also takes the spaces around it
        begin = start + len(text) - len(text.lstrip())
        result.append(Alternative(begin, begin + len(text.strip()), text.strip(), *cut))
    return result


def _top_level_commas(pattern: str) -> list[int]:
    commas, depth, quote = [], 0, None
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":  # CSS escape, in or out of quotes
            i += 2
            continue
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            commas.append(i)
        i += 1
    if quote or depth:
        raise UnsupportedPattern("selector list has an unclosed quote, bracket or parenthesis")
    return commas


# --- which alternatives the examples exercise -----------------------------------------------------

Fires = Callable[[object, str], bool]


def alternatives_of(rule) -> list[Alternative]:
    """The rule's alternatives, read by its kind."""
    return selector_alternatives(rule.pattern) if rule.kind == "selector" else alternatives(rule.pattern)


def variant(rule, alternative: Alternative):
    """The rule with that alternative deleted and nothing else changed (a fresh object, so nothing
    compiled from the old pattern is reused)."""
    return dataclasses.replace(rule, pattern=without(rule.pattern, alternative))


def unexercised(rule, fires: Fires) -> list[Alternative]:
    """The alternatives whose deletion leaves every example the rule removes still removed.

    Only the examples.remove that the rule itself removes are tried (one it misses cannot tell
    anything); when it removes none, every alternative is unexercised. A deletion after which the
    pattern does not compile, or `fires` fails, counts as exercised: that branch cannot go alone."""
    removed = [text for text in rule.examples_remove if _tried(fires, rule, text) is True]
    return [alt for alt in alternatives_of(rule) if all(_tried(fires, variant(rule, alt), text) for text in removed)]


def guarding(rule, fires: Fires) -> list[Alternative]:
    """The alternatives whose deletion makes the rule remove one of its examples.keep: what
    examples.keep exercise (mostly branches of negative lookarounds, which examples.remove cannot)."""
    kept = [text for text in rule.examples_keep if _tried(fires, rule, text) is False]
    return [alt for alt in alternatives_of(rule) if any(_tried(fires, variant(rule, alt), text) for text in kept)]


def _tried(fires: Fires, rule, text: str) -> bool | None:
    """Does the rule remove the example? None when it cannot be tried (a broken example or pattern)."""
    try:
        return bool(fires(rule, text))
    except Exception:  # noqa: BLE001 -- the caller's runner may raise anything for a broken example or pattern
        return None
