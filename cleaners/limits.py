"""What one article may cost, and the checks that hold every input to it.

A newsroom pipeline sees every kind of broken page. These limits keep the time and memory one input
can take bounded; an input over a limit raises `CleaningError` with a short code, so the pipeline
quarantines it with its reason and the run goes on. Every limit has a default that no real article
comes near (measured on 1,232 benchmark pages: at most 2.2 MB, 5,000 elements, depth 56), and an
environment variable that overrides it (read at each call; 0 or a negative value switches the limit off):

| limit                | default     | environment variable             | CleaningError code     |
|----------------------|-------------|----------------------------------|------------------------|
| input size (bytes)   | 10,000,000  | CLEANERS_MAX_INPUT_BYTES         | too_large              |
| HTML elements        | 50,000      | CLEANERS_MAX_ELEMENTS            | too_many_elements      |
| HTML nesting depth   | 200         | CLEANERS_MAX_DEPTH               | too_deep               |
| blocks per article   | 10,000      | CLEANERS_MAX_BLOCKS              | too_many_blocks        |
| time per article (s) | 20          | CLEANERS_TIME_BUDGET_SECONDS     | time_budget            |
| rule trial, per test string (s) | 0.5 | CLEANERS_RULE_CHECK_SECONDS      | (RuleError at load)    |

Text of which more than 5 % is NUL or other control characters (an image, UTF-16 read as an
8-bit encoding) raises `binary_input`; a few stray control characters are only removed.

User rules are checked when loaded: a pattern with nested repeats (`(a+)+`, `(\\w+\\s?)*`), a
repeated alternation or three unbounded repeats in a row is tried in a separate process against
adversarial strings built from the pattern itself; if one of them takes longer than the trial time the
rule is rejected with a message naming it. Nothing in a rule file is ever executed: rules are TOML data.

The checks, and where the library calls them:

- `check_html(html)`   before parsing a page: size, and a cheap count of start tags.
- `check_tree(tree)`   after parsing: exact element count and nesting depth (libxml2 silently drops
                       everything below depth 256, so a deeper page would lose its article).
- `check_text(text)`   before normalising plain text: size, binary data, and a cheap line count
                       (more than 4 lines per allowed block is refused without splitting).
- `check_blocks(blocks)` after splitting or extraction: number of blocks.
- `time_budget()` / `check_time(stage)`: a per-article deadline, checked between stages and in the
                       per-block loops (cooperative: a single regex call cannot be interrupted, which is
                       why catastrophic patterns are rejected at load time).
- `pattern_problem(pattern, case_sensitive)`: None, or why a user rule's pattern must be rejected.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from .errors import CleaningError

try:  # Python 3.11+
    from re import _constants as _sre_constants, _parser as _sre_parser
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parser  # type: ignore[no-redef]

DEFAULTS = {
    "max_input_bytes": 10_000_000,
    "max_elements": 50_000,
    "max_depth": 200,
    "max_blocks": 10_000,
    "time_budget": 20.0,
    "rule_check_seconds": 0.5,
}
ENV = {
    "max_input_bytes": "CLEANERS_MAX_INPUT_BYTES",
    "max_elements": "CLEANERS_MAX_ELEMENTS",
    "max_depth": "CLEANERS_MAX_DEPTH",
    "max_blocks": "CLEANERS_MAX_BLOCKS",
    "time_budget": "CLEANERS_TIME_BUDGET_SECONDS",
    "rule_check_seconds": "CLEANERS_RULE_CHECK_SECONDS",
}
# Text is binary when more than this share of its first characters are NUL or other control characters.
BINARY_SHARE = 0.05
_BINARY_SAMPLE = 65_536
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))


@dataclass(frozen=True)
class Limits:
    max_input_bytes: int = DEFAULTS["max_input_bytes"]
    max_elements: int = DEFAULTS["max_elements"]
    max_depth: int = DEFAULTS["max_depth"]
    max_blocks: int = DEFAULTS["max_blocks"]
    time_budget: float = DEFAULTS["time_budget"]
    rule_check_seconds: float = DEFAULTS["rule_check_seconds"]

    @classmethod
    def from_env(cls, environ=None) -> "Limits":
        """The defaults, overridden by the CLEANERS_* environment variables that are set."""
        environ = os.environ if environ is None else environ
        values = {}
        for name, variable in ENV.items():
            raw = environ.get(variable)
            if raw is None or not raw.strip():
                continue
            kind = type(DEFAULTS[name])
            try:
                values[name] = kind(float(raw.replace("_", ""))) if kind is int else float(raw)
            except ValueError:
                raise ValueError(f"{variable}={raw!r}: not a number") from None
        return cls(**values)


def current() -> Limits:
    """The limits in force now (the environment is read at each call, so it can change between runs)."""
    raw = tuple(os.environ.get(variable) for variable in ENV.values())
    limits = _FROM_ENV.get(raw)
    if limits is None:
        limits = _FROM_ENV[raw] = Limits.from_env()
    return limits


_FROM_ENV: dict[tuple, Limits] = {}  # the same settings give the same (frozen) limits


def _on(limit) -> bool:
    return limit is not None and limit > 0


# --- input size, structure, blocks ----------------------------------------------------------------

def check_html(html: str | bytes, limits: Limits | None = None) -> None:
    """Before parsing: the page is not too large and has not too many start tags (a cheap count)."""
    limits = limits or current()
    _check_size(html, limits, "page")
    if _on(limits.max_elements):
        lt, close = (b"<", b"</") if isinstance(html, bytes) else ("<", "</")
        estimate = html.count(lt) - html.count(close)
        if isinstance(html, bytes) and estimate == 0 and b"<\x00" in html[:4096]:  # UTF-16: count the wide form
            estimate = html.count(b"<\x00") - html.count(b"<\x00/\x00")
        if estimate > limits.max_elements:
            raise CleaningError("too_many_elements", f"page has about {estimate:,} elements, more than the limit of "
                                                     f"{limits.max_elements:,} ({ENV['max_elements']})")


def check_tree(tree, limits: Limits | None = None) -> None:
    """After parsing: exact element count and nesting depth of the lxml tree (counted by libxml2's
    XPath, so no element is made a Python object)."""
    limits = limits or current()
    if tree is None:
        return
    if _on(limits.max_depth) and _deeper_than(limits.max_depth - 1)(tree):
        raise CleaningError("too_deep", f"page elements are nested {limits.max_depth} deep or more, the limit is "
                                        f"{limits.max_depth} ({ENV['max_depth']})")
    if _on(limits.max_elements):
        count = int(_count_elements()(tree))
        if count > limits.max_elements:
            raise CleaningError("too_many_elements", f"page has {count:,} elements, more than the limit of "
                                                     f"{limits.max_elements:,} ({ENV['max_elements']})")


@lru_cache(maxsize=8)
def _deeper_than(depth: int):
    """An XPath that is true when some element sits `depth` levels below the root element."""
    from lxml import etree

    return etree.XPath("boolean(/*" + "/*" * depth + ")")


@lru_cache(maxsize=1)
def _count_elements():
    from lxml import etree

    return etree.XPath("count(//*)")


# Plain text may hold this many lines per allowed block (blank lines between blocks, hard-wrapped
# paragraphs) before it is refused without being split: a cheap bound that needs no splitting.
LINES_PER_BLOCK = 4


def check_text(text: str, limits: Limits | None = None) -> None:
    """Before normalising: the text is not too large, not binary data, and has not far too many lines."""
    limits = limits or current()
    _check_size(text, limits, "text")
    if _on(limits.max_blocks):
        lines = text.count("\n")
        if lines > LINES_PER_BLOCK * limits.max_blocks:
            raise CleaningError("too_many_blocks", f"text has {lines:,} lines, more than {LINES_PER_BLOCK} per block "
                                                   f"for the limit of {limits.max_blocks:,} blocks ({ENV['max_blocks']})")
    sample = text[:_BINARY_SAMPLE]
    # Counted on the UTF-8 bytes with everything but control bytes deleted: a C-speed table
    # operation, where a character-class regex over 64 KB costs more than cleaning the text.
    controls = len(sample.encode("utf-8", "surrogatepass").translate(None, _NOT_CONTROL))
    if controls:
        if controls > BINARY_SHARE * len(sample):
            raise CleaningError("binary_input", f"binary data: {controls:,} of the first {len(sample):,} characters "
                                                "are NUL or control characters (an image, UTF-16 without BOM?)")


def check_blocks(blocks, limits: Limits | None = None) -> None:
    """After splitting text or extracting a page: not too many blocks."""
    limits = limits or current()
    if _on(limits.max_blocks) and len(blocks) > limits.max_blocks:
        raise CleaningError("too_many_blocks", f"{len(blocks):,} blocks, more than the limit of "
                                               f"{limits.max_blocks:,} ({ENV['max_blocks']})")


def _check_size(data: str | bytes, limits: Limits, what: str) -> None:
    if not _on(limits.max_input_bytes):
        return
    size = len(data)
    if isinstance(data, str) and size * 4 > limits.max_input_bytes >= size:
        size = len(data.encode("utf-8", "surrogatepass"))  # only computed when it can matter
    if size > limits.max_input_bytes:
        raise CleaningError("too_large", f"{what} of {size:,} {'bytes' if isinstance(data, bytes) or size != len(data) else 'characters'}"
                                         f" is over the limit of {limits.max_input_bytes:,} bytes ({ENV['max_input_bytes']})")


# --- time budget --------------------------------------------------------------------------------

_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("cleaners_deadline", default=None)


@contextmanager
def time_budget(seconds: float | None = None):
    """Give the code inside a deadline (default: the configured budget). Nested budgets keep the
    earlier deadline. Per thread/task: a ContextVar, so concurrent articles do not share one."""
    seconds = current().time_budget if seconds is None else seconds
    outer = _DEADLINE.get()
    if not _on(seconds):
        token = _DEADLINE.set(outer)
    else:
        deadline = time.monotonic() + seconds
        token = _DEADLINE.set(outer if outer and outer[0] <= deadline else (deadline, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_time(stage: str = "") -> None:
    """Raise CleaningError('time_budget') when the current article is over its deadline."""
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline[0]:
        where = f" (at {stage})" if stage else ""
        raise CleaningError("time_budget", f"cleaning took longer than the budget of {deadline[1]:g} s{where} "
                                           f"({ENV['time_budget']})")


# --- user rules: catastrophic backtracking --------------------------------------------------------

_REPEATS = {"MAX_REPEAT", "MIN_REPEAT"}
_MAXREPEAT = _sre_constants.MAXREPEAT
# How long the adversarial strings are: enough repetitions that exponential backtracking (2^n) cannot
# finish, and enough characters that cubic backtracking cannot either, while linear and quadratic
# patterns are done in milliseconds.
_PUMP_SHORT = 32
_PUMP_CHARS = 600
_SUFFIXES = ("!", ".", "§")  # a character the repeated part does not match, so the match must fail
_BLANK_RUN = re.compile(r"\s+")


def pattern_problem(pattern: str, case_sensitive: bool = False, seconds: float | None = None) -> str | None:
    """None when the rule pattern is safe to run on every block; else why it must be rejected.

    Static analysis finds the shapes that can backtrack catastrophically (a repeat inside a repeat,
    a repeated alternation, three unbounded repeats in a row); a pattern with none is accepted at
    once. One that has some is tried, in a separate Python process, against adversarial strings built
    from the pattern (the text before the repeat, its body pumped, then a character that makes the
    match fail), shaped like the blocks rules see (one line, single spaces); each string gets
    `seconds`. The result is cached per pattern."""
    seconds = current().rule_check_seconds if seconds is None else seconds
    return _pattern_problem(pattern, 0 if case_sensitive else re.IGNORECASE, float(seconds))


@lru_cache(maxsize=1024)
def _pattern_problem(pattern: str, flags: int, seconds: float) -> str | None:
    try:
        parsed = _sre_parser.parse(pattern, flags)
    except re.error as exc:
        return f"pattern does not compile: {exc}"
    hazards = find_hazards(parsed)
    if not hazards:
        return None
    shapes = ", ".join(sorted({h[0] for h in hazards}))
    strings = attack_strings(parsed, hazards)
    if not _on(seconds):
        return None
    outcome = _trial(pattern, flags, strings, seconds)
    if outcome is None:
        return None
    kind, _, detail = outcome.partition(":")
    if kind == "slow":
        example = f" {_preview(detail)} ({len(detail):,} characters)" if detail else ""
        return (f"pattern can backtrack catastrophically ({shapes}): searching the test string{example} took "
                f"more than {seconds:g} s ({ENV['rule_check_seconds']}); rewrite it so that no repeated part "
                "can match the same text in more than one way (e.g. '(a+)+' -> 'a+')")
    return f"pattern has {shapes} and could not be tried safely ({detail}); rewrite it without nested repeats"


def _preview(text: str) -> str:
    return repr(text if len(text) <= 24 else text[:12] + "…" + text[-8:])


def find_hazards(parsed) -> list[tuple[str, object]]:
    """(shape, repeat node) for every place in a parsed pattern that may backtrack catastrophically:
    a repeat whose body holds another repeat (one of the two unbounded), an unbounded repeat of an
    alternation, and the third of three unbounded repeats with nothing but optional parts between."""
    hazards: list[tuple[str, object]] = []

    def walk(items) -> None:
        run = 0
        for op, av in _items(items):
            name = str(op)
            if name in _REPEATS:
                low, high, body = av
                unbounded = high == _MAXREPEAT
                if high > 1 and _contains_repeat(body, unbounded_only=not unbounded):
                    hazards.append(("nested repeats", (op, av)))
                elif unbounded and _has_branch(body):
                    hazards.append(("a repeated alternation", (op, av)))
                if unbounded:
                    run += 1
                    if run >= 3:
                        hazards.append(("three unbounded repeats in a row", (op, av)))
                elif low > 0:
                    run = 0
            elif name in ("AT", "ASSERT", "ASSERT_NOT"):
                pass  # zero-width: does not end a run of repeats
            elif not (name == "SUBPATTERN" and _only_optional(av[-1])):
                run = 0
            for child in _children(op, av):
                walk(child)

    walk(parsed)
    seen, unique = set(), []
    for shape, node in hazards:
        if id(node[1]) not in seen:
            seen.add(id(node[1]))
            unique.append((shape, node))
    return unique


def _items(items):
    return list(items.data) if hasattr(items, "data") else list(items)


def _children(op, av):
    name = str(op)
    if name == "SUBPATTERN":
        return [av[-1]]
    if name == "BRANCH":
        return list(av[1])
    if name in ("ASSERT", "ASSERT_NOT"):
        return [av[1]]
    if name == "ATOMIC_GROUP":
        return [av]
    if name == "GROUPREF_EXISTS":
        return [x for x in av[1:] if x is not None]
    if name in _REPEATS:
        return [av[2]]
    return []  # a possessive repeat never gives back what it matched: no backtracking into it


def _contains_repeat(items, unbounded_only: bool) -> bool:
    for op, av in _items(items):
        name = str(op)
        if name in _REPEATS:
            low, high, body = av
            if high == _MAXREPEAT or (not unbounded_only and high > 1):
                return True
        for child in _children(op, av):
            if _contains_repeat(child, unbounded_only):
                return True
    return False


def _has_branch(items) -> bool:
    for op, av in _items(items):
        name = str(op)
        if name == "BRANCH" and len(av[1]) > 1:
            return True
        if name == "SUBPATTERN" and _has_branch(av[-1]):
            return True
    return False


def _consumes(items) -> bool:
    return any(str(op) not in ("AT", "ASSERT", "ASSERT_NOT") for op, _ in _items(items))


def _only_optional(items) -> bool:
    return all(str(op) in _REPEATS and av[0] == 0 for op, av in _items(items))


# Sample characters tried for a character class, in order.
_CANDIDATES = "aA1 -_.,;:!?/x\n\té"


def attack_strings(parsed, hazards) -> list[str]:
    """Strings that make each hazard backtrack: the text before it, its body pumped, a failing tail."""
    strings: list[str] = []
    for _, node in hazards:
        prefix, pumps = _render_until(parsed, node)
        for pump in pumps:
            for count in (_PUMP_SHORT, max(_PUMP_SHORT, _PUMP_CHARS // len(pump))):
                for suffix in _SUFFIXES:
                    strings.append(prefix + pump * count + suffix)
                    if prefix:
                        strings.append(pump * count + suffix)
    # Rules only ever see blocks: one line, whitespace runs folded into one space (normalize_text,
    # split_blocks, the page's text blocks). A pump of blank space is no attack a block can carry.
    blocks = (_BLANK_RUN.sub(" ", s).strip() for s in strings)
    return [s for s in dict.fromkeys(blocks) if len(s) > len(_SUFFIXES[0])]


def _render_until(parsed, target) -> tuple[str, list[str]]:
    """(a string matching the pattern up to the target repeat, samples of the repeat's body: with
    inner repeats at their minimum and at least once)."""
    out: list[str] = []
    found: list[str] = []

    def render(items, stop: bool) -> bool:
        for op, av in _items(items):
            name = str(op)
            if name in _REPEATS or name == "POSSESSIVE_REPEAT":
                low, high, body = av
                if stop and av is target[1]:
                    for least in (True, False):
                        sample: list[str] = []
                        _sample(body, sample, least)
                        found.append("".join(sample))
                    return True
                if stop and _holds(body, target):
                    if render(body, True):
                        return True
                    continue
                for _ in range(low):
                    render(body, False)
            elif name == "SUBPATTERN":
                if render(av[-1], stop):
                    return True
            elif name == "BRANCH":
                branches = list(av[1])
                chosen = next((b for b in branches if stop and _holds(b, target)), branches[0])
                if render(chosen, stop):
                    return True
            elif name == "ATOMIC_GROUP":
                if render(av, stop):
                    return True
            elif name in ("AT", "ASSERT", "ASSERT_NOT", "GROUPREF", "GROUPREF_EXISTS"):
                continue
            else:
                out.append(_char(op, av))
        return False

    render(parsed, True)
    return "".join(out), [pump for pump in dict.fromkeys(found) if pump]


def _sample(items, out: list[str], least: bool) -> None:
    for op, av in _items(items):
        name = str(op)
        if name in _REPEATS or name == "POSSESSIVE_REPEAT":
            low, high, body = av
            for _ in range(low if least else min(max(low, 1), high)):
                _sample(body, out, least)
        elif name == "SUBPATTERN":
            _sample(av[-1], out, least)
        elif name == "BRANCH":
            _sample(list(av[1])[0], out, least)
        elif name == "ATOMIC_GROUP":
            _sample(av, out, least)
        elif name in ("AT", "ASSERT", "ASSERT_NOT", "GROUPREF", "GROUPREF_EXISTS"):
            continue
        else:
            out.append(_char(op, av))


def _holds(items, target) -> bool:
    for op, av in _items(items):
        if av is target[1]:
            return True
        if any(_holds(child, target) for child in _children(op, av)):
            return True
    return False


def _char(op, av) -> str:
    name = str(op)
    if name == "LITERAL":
        return chr(av)
    if name == "NOT_LITERAL":
        return "a" if av != ord("a") else "b"
    if name == "ANY":
        return "a"
    if name == "IN":
        for candidate in _CANDIDATES:
            if _in_class(av, candidate):
                return candidate
        return "a"
    if name == "CATEGORY":
        return _category_char(str(av))
    return ""


def _in_class(items, char: str) -> bool:
    negate = False
    hit = False
    code = ord(char)
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            hit = hit or av == code
        elif name == "RANGE":
            hit = hit or av[0] <= code <= av[1]
        elif name == "CATEGORY":
            hit = hit or _category_char(str(av), char) == char
    return hit != negate


_CATEGORY_TESTS = {
    "CATEGORY_DIGIT": str.isdigit, "CATEGORY_NOT_DIGIT": lambda c: not c.isdigit(),
    "CATEGORY_SPACE": str.isspace, "CATEGORY_NOT_SPACE": lambda c: not c.isspace(),
    "CATEGORY_WORD": lambda c: c.isalnum() or c == "_", "CATEGORY_NOT_WORD": lambda c: not (c.isalnum() or c == "_"),
    "CATEGORY_LINEBREAK": lambda c: c == "\n", "CATEGORY_NOT_LINEBREAK": lambda c: c != "\n",
}


def _category_char(name: str, probe: str | None = None) -> str:
    test = _CATEGORY_TESTS.get(name.replace("UNI_", "").replace("LOC_", ""), lambda c: True)
    if probe is not None:
        return probe if test(probe) else ""
    return next((c for c in _CANDIDATES if test(c)), "a")


# Runs in a separate interpreter: each string gets `seconds` (an interval timer; the regex engine
# checks for signals while it backtracks, so the timer interrupts it); the first slow one ends the trial.
_TRIAL = """
import json, re, signal, sys
data = json.loads(sys.stdin.read())
rx = re.compile(data["pattern"], data["flags"])
class Slow(Exception):
    pass
def alarm(*_):
    raise Slow()
timer = hasattr(signal, "setitimer")
if timer:
    signal.signal(signal.SIGALRM, alarm)
for index, text in enumerate(data["strings"]):
    if timer:
        signal.setitimer(signal.ITIMER_REAL, data["seconds"])
    try:
        rx.search(text)
    except Slow:
        sys.stdout.write(json.dumps({"slow": index}))
        sys.exit(0)
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
sys.stdout.write(json.dumps({"ok": True}))
"""


def _trial(pattern: str, flags: int, strings: list[str], seconds: float) -> str | None:
    """None when every string was searched in time; 'slow:<string>' for the first that was not, or
    what went wrong."""
    payload = json.dumps({"pattern": pattern, "flags": flags, "strings": strings, "seconds": seconds})
    if not sys.executable:
        return "error:no Python interpreter to run the trial in"
    try:
        # -I -S: an isolated interpreter that imports nothing but re and json, and starts in milliseconds.
        done = subprocess.run([sys.executable, "-I", "-S", "-c", _TRIAL], input=payload, capture_output=True,
                              text=True, encoding="utf-8", timeout=5 + seconds * (len(strings) + 1))
    except subprocess.TimeoutExpired:
        return "slow:"
    except OSError as exc:
        return f"error:could not start the trial: {exc}"
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        lines = (done.stderr or done.stdout or f"exit status {done.returncode}").strip().splitlines()
        return f"error:{lines[-1] if lines else done.returncode}"
    if "slow" in answer:
        return "slow:" + strings[answer["slow"]]
    return None
