"""A cheap test that rules out ftfy's mojibake test (`ftfy.badness.is_bad`) on most lines of prose.

`is_bad` searches a line with one large alternation of character classes: about 150 microseconds a
line of real non-ASCII text, most of the publishing checks' time per article. Yet each alternative
needs particular non-ASCII characters to be present (a currency sign after an accented letter, a
C1 control, "Ã" before a space, ...), and most lines of prose hold the characters of no
alternative (a French line with « », ’ and accents does, and is tested in full). So the alternation is read once, from ftfy's own compiled pattern (so it follows
ftfy's version), into the sets of non-ASCII characters each alternative needs: a line that holds
a character of every set of none of them cannot match, and `is_bad` is called only for the others.
"""
from __future__ import annotations

import re
import unicodedata

from ftfy import badness

try:  # the regex parser of Python's own re module (3.11 and later; private, so guarded)
    from re import _constants as sre
    from re import _parser as sre_parse
except ImportError:  # no shortcut: every line goes to ftfy's test
    sre = sre_parse = None

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII = frozenset(map(chr, range(128)))


def _chars(op, value) -> frozenset[str] | None:
    """The characters one item of a pattern can match, when it is a fixed set and needed (None if not)."""
    if op is sre.LITERAL:
        return frozenset(chr(value))
    if op is sre.IN:
        chars = set()
        for kind, item in value:
            if kind is sre.LITERAL:
                chars.add(chr(item))
            elif kind is sre.RANGE:
                chars.update(map(chr, range(item[0], item[1] + 1)))
            else:  # a negated class, or \w, \s, \d: not a set we can list
                return None
        return frozenset(chars)
    if op is sre.SUBPATTERN:
        return _any_of(_needed(value[-1]))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and value[0] >= 1:
        return _any_of(_needed(value[2]))
    if op is sre.BRANCH:  # needed: one character of what each alternative needs
        chosen = [_any_of(_needed(alternative)) for alternative in value[1]]
        return None if None in chosen else frozenset().union(*chosen)
    return None  # an anchor, ".", an optional item: needs no character


def _needed(sequence) -> list[frozenset[str]]:
    """Sets of non-ASCII characters a match of `sequence` holds one of each, rarest in prose first."""
    sets = [chars for op, value in sequence if (chars := _chars(op, value)) is not None and chars.isdisjoint(_ASCII)]
    return sorted(sets, key=lambda chars: (sum(unicodedata.category(c).startswith("L") for c in chars), len(chars)))


def _any_of(sets: list[frozenset[str]]) -> frozenset[str] | None:
    return sets[0] if sets else None


def _alternatives(pattern: re.Pattern) -> list[list[frozenset[str]]] | None:
    """What each top-level alternative needs; None when one of them needs no listed character."""
    if sre_parse is None or pattern.flags & re.IGNORECASE:  # ignoring case, classes match more than they list
        return None
    parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    alternatives = parsed[0][1][1] if len(parsed) == 1 and parsed[0][0] is sre.BRANCH else [parsed]
    needs = [_needed(alternative) for alternative in alternatives]
    return None if not all(needs) else needs


_NEEDS = _alternatives(badness.BADNESS_RE)
# Each alternative's rarest set, by character: which alternatives a line may still match.
_BY_FIRST: dict[str, list[list[frozenset[str]]]] = {}
for _need in _NEEDS or ():
    for _char in _need[0]:
        _BY_FIRST.setdefault(_char, []).append(_need)


def may_be_mojibake(line: str) -> bool:
    """False only when `ftfy.badness.is_bad(line)` is certainly false."""
    if _NEEDS is None:  # a future ftfy whose pattern we cannot read: no shortcut
        return True
    chars = set(_NON_ASCII.findall(line))
    return any(all(not chars.isdisjoint(needed) for needed in need[1:])
               for char in chars.intersection(_BY_FIRST) for need in _BY_FIRST[char])


def is_bad(line: str) -> bool:
    """`ftfy.badness.is_bad`, skipped where it cannot be true."""
    return may_be_mojibake(line) and badness.is_bad(line)
