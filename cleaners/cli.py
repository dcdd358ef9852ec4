"""`cleaners` command line: clean files, explain and report removals, list, test and check rules.

    cleaners clean FILE...              the clean text (--json, --explain)
    cleaners explain FILE...            the article with its removals marked in place
    cleaners report FILE... -o OUT      an HTML review report
    cleaners rules list|test|check DIR  the rule catalogue, its examples, a user's rule directory

Results go to stdout (JSON with --json), messages to stderr. Exit codes: 0 ok; 1 at least one input
could not be read or cleaned (the others are still processed), or a rule or example failed; 2 wrong
usage. An input that is not a regular file (a device, a FIFO) or is over the size limit
(CLEANERS_MAX_INPUT_BYTES) is refused without being read whole; standard input is read up to the limit.
"""
from __future__ import annotations

import argparse
import codecs
import json
import os
import shutil
import stat
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from . import __version__, guards, settings
from .api import clean_html, clean_text, rule_catalogue
from .errors import CleaningError
from .render.explain import removals_list, render_explain
from .rules import RuleError, load_rules
from .rules.examples import example_failures, short_path, untested_alternatives
from .text.decode import read_bytes

_READ_ERRORS = (OSError, CleaningError, UnicodeDecodeError, RuleError)
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        (args.help_for or parser).print_help(sys.stderr)
        return EXIT_USAGE
    if getattr(args, "url", None) and len(args.files) > 1:
        # One URL names one article: given to several files it would file them all under one address.
        args.command_parser.error("--url is the address of one article: give it with one FILE (for several files "
                                  "of one site, use --source; a page's own canonical URL is used without --url)")
    if hasattr(args, "files") and _load(args.rules) is None:  # a broken rule file: once, not once per input
        return EXIT_FAILED
    try:
        return args.run(args)
    except BrokenPipeError:  # `cleaners ... | head` closed the pipe: not an error
        sys.stderr.close()
        return EXIT_OK


# --- argument parsing ------------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cleaners", description="Clean scraped articles and explain every removal.",
        epilog="exit codes: 0 ok; 1 an input could not be cleaned or a rule check failed; 2 wrong usage",
    )
    parser.add_argument("--version", action="version", version=f"cleaners {__version__}")
    parser.set_defaults(run=None, help_for=None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    inputs = _input_options()

    clean = commands.add_parser("clean", parents=[inputs], help="clean files (or - for stdin) and print the clean text",
                                description="Print the clean text of each input (title first).")
    out = clean.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the whole result as JSON (one line per input)")
    out.add_argument("--explain", action="store_true", help="print each removal with category, rule id and text")
    clean.set_defaults(run=_cmd_clean, command_parser=clean)

    explain = commands.add_parser("explain", parents=[inputs], help="print the article with its removals marked in place",
                                  description="Print each article with what was removed struck through in place, "
                                              "labelled [category rule-id]. Colours only on a terminal and without NO_COLOR.")
    explain.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour the output (default auto)")
    explain.add_argument("--furniture", action="store_true",
                         help="show each record of page furniture the extractor left out (default: one summary line)")
    explain.add_argument("--width", type=_width, help="wrap lines at this width, 0 for no wrapping "
                                                   "(default: the terminal's width up to 100; no wrapping when piped)")
    explain.set_defaults(run=_cmd_explain, command_parser=explain)

    report = commands.add_parser("report", parents=[inputs], help="write an HTML review report for files",
                                 description="One self-contained HTML page with each article and its removals "
                                             "struck through in place, coloured by category, rule id on hover.")
    report.add_argument("-o", "--output", default="-", metavar="FILE", help="where to write it (default: stdout)")
    report.add_argument("--title", default="Review report", help="the report's heading")
    report.set_defaults(run=_cmd_report, command_parser=report)

    rules = commands.add_parser("rules", help="list, test or check rules", description="Work with rule packs.")
    rules.set_defaults(help_for=rules)
    rule_commands = rules.add_subparsers(dest="rules_command", metavar="COMMAND")
    listing = rule_commands.add_parser("list", help="every rule: id, category, kind, why",
                                       description="List the built-in rules (and --rules directories) and the structure heuristics.")
    listing.add_argument("--rules", action="append", type=_rules_dir, metavar="DIR",
                         help="also a user rule directory (repeatable)")
    listing.add_argument("--category", help="only this category")
    listing.add_argument("--json", action="store_true", help="print JSON (a list of rules)")
    listing.set_defaults(run=_cmd_rules_list)
    testing = rule_commands.add_parser("test", help="run every rule on its own examples",
                                       description="Run every rule on its examples and check that every alternative of "
                                                   "its pattern is needed by one; print the failures. Exit 1 on any failure.")
    testing.add_argument("--rules", action="append", type=_rules_dir, metavar="DIR",
                         help="also a user rule directory (repeatable)")
    testing.add_argument("--json", action="store_true", help="print the failures as JSON")
    testing.set_defaults(run=_cmd_rules_test)
    check = rule_commands.add_parser("check", help="validate a rule directory (or file) of your own",
                                     description="Load DIR on top of the built-in packs and run its rules' examples. "
                                                 "Exit 0 when it is usable, 1 when it is not, 2 when DIR does not exist.")
    check.add_argument("directory", metavar="DIR", help="a folder of .toml rule files (and sites/*.toml), or one file")
    check.add_argument("--json", action="store_true", help="print the outcome as JSON")
    check.set_defaults(run=_cmd_rules_check)
    return parser


def _input_options() -> argparse.ArgumentParser:
    """The options every command that cleans inputs shares."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("files", nargs="+", metavar="FILE", help="files to clean; - reads standard input")
    mode = options.add_mutually_exclusive_group()
    mode.add_argument("--html", dest="mode", action="store_const", const="html", help="inputs are HTML pages")
    mode.add_argument("--text", dest="mode", action="store_const", const="text", help="inputs are extracted text")
    options.add_argument("--source", help="the site the articles come from (default: the URL's registered domain)")
    options.add_argument("--url", help="the article's URL, with one FILE (default: a page's own canonical URL)")
    options.add_argument("--language", help="language hint, e.g. de or en (default: detected)")
    options.add_argument("--rules", action="append", type=_rules_dir, metavar="DIR", help="extra rule directory (repeatable)")
    options.add_argument("--encoding", type=_text_encoding, help="encoding of text inputs (default: a byte-order mark says, else utf-8)")
    options.add_argument("--no-progress", dest="progress", action="store_false",
                         help="no progress bar (it is only shown on a terminal, for more than one file)")
    return options


def _text_encoding(name: str) -> str:
    """--encoding: a codec that turns bytes into text. Python also has codecs from bytes to bytes
    (hex, base64, zlib) and from text to text (rot13), which cannot decode a file."""
    try:
        codec = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        raise argparse.ArgumentTypeError(f"unknown encoding {name!r}") from None
    if not codec._is_text_encoding:
        raise argparse.ArgumentTypeError(f"{name!r} is not a text encoding: it does not turn bytes into text")
    try:
        codec.encode("text")
    except UnicodeError:  # "undefined": a text codec that refuses everything
        raise argparse.ArgumentTypeError(f"{name!r} decodes nothing: it is the codec that always fails") from None
    return name


def _rules_dir(value: str) -> str:
    """--rules: a path that exists. An empty one would be the current folder, where any .toml file
    (pyproject.toml) would be read as rules."""
    if not value.strip():
        raise argparse.ArgumentTypeError('"" (empty): give a folder of .toml rule files')
    if not Path(value).exists():
        raise argparse.ArgumentTypeError(f"{value}: no such rule file or directory")
    return value


def _width(value: str) -> int:
    try:
        width = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid width {value!r}: a whole number") from None
    if width < 0:
        raise argparse.ArgumentTypeError(f"invalid width {width}: 0 (no wrapping) or more")
    return width


# --- cleaning inputs -------------------------------------------------------------------------------

def _read(name: str) -> bytes:
    """The input's bytes. Never more than the size limit is read: a device (/dev/zero) or a FIFO is
    refused before it is opened, a larger file before it is read, and a file (or standard input) that
    grows while it is read is cut off at the limit and refused."""
    limit = settings.current().max_input_bytes
    if name == "-":
        return _within(sys.stdin.buffer, limit)
    info = os.stat(name)
    if stat.S_ISDIR(info.st_mode):
        raise CleaningError("not_a_file", "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise CleaningError("not_a_file", f"refused: not a regular file ({guards.file_kind(info.st_mode)}); it was not read")
    if limit > 0 and info.st_size > limit:
        raise _too_large(f"{info.st_size:,} bytes", limit)
    with open(name, "rb") as handle:
        return _within(handle, limit)


def _within(handle, limit: int) -> bytes:
    if limit <= 0:  # the limit is switched off
        return handle.read()
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise _too_large(f"more than {limit:,} bytes", limit)
    return data


def _too_large(size: str, limit: int) -> CleaningError:
    return CleaningError("too_large", f"refused: {size}, over the size limit of {limit:,} bytes "
                                      f"({settings.ENV['max_input_bytes']}); it was not read whole")


def _clean_one(name: str, args):
    data = _read(name)
    if not data.strip():
        raise CleaningError("empty_input", "empty input")
    mode, content = read_bytes(data, mode=args.mode, encoding=args.encoding)
    url = args.url or (page_url(content) if mode == "html" else None)  # so that a saved page meets its site pack
    options = dict(source=args.source, url=url, language=args.language, rules=args.rules)
    return (clean_html if mode == "html" else clean_text)(content, **options)


_HEAD_CHARS = 1_000_000  # a page's <head> is read this far at most (inline scripts and styles can be long)


class _HeadURLs(HTMLParser):
    """The first absolute <link rel="canonical"> and <meta property="og:url"> of a page's head."""

    class Done(Exception):
        pass

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            raise self.Done
        values = {name: (value or "").strip() for name, value in attrs}
        if tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self._keep("canonical", values.get("href", ""))
        elif tag == "meta" and (values.get("property") or values.get("name") or "").lower() == "og:url":
            self._keep("og:url", values.get("content", ""))

    def _keep(self, key: str, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            self.found.setdefault(key, url)


def page_url(page: str) -> str | None:
    """The page's own URL: its canonical link, else its og:url (absolute http(s) URLs only)."""
    reader = _HeadURLs()
    try:
        reader.feed(page[:_HEAD_CHARS])
        reader.close()
    except _HeadURLs.Done:
        pass
    except Exception:  # markup the stdlib parser trips on: the URL is only a hint, the page is still cleaned
        return None
    return reader.found.get("canonical") or reader.found.get("og:url")


def _clean_all(args):
    """(name, result) for each input that could be cleaned; failures reported on stderr as they come."""
    progress = Progress(len(args.files), enabled=args.progress)
    failures = args.failures = []
    for number, name in enumerate(args.files, 1):
        progress.show(number - 1, name)
        try:
            result = _clean_one(name, args)
        except _READ_ERRORS as exc:
            progress.clear()
            message = _message(exc)
            print(f"cleaners: {name}: {message}", file=sys.stderr)
            failures.append((name, message))
            continue
        if _isatty(sys.stdout):  # the output shares the terminal with the bar: make room for it
            progress.clear()
        yield name, result
    progress.clear()


def _message(exc: Exception) -> str:
    """An error as a user reads it: "no such file or directory", not "[Errno 2] ...: 'name'" (the
    name is already at the start of the line)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc)


class Progress:
    """A one-line progress bar on stderr, drawn only on a terminal and only for several files.

    It is cleared before anything else is printed, so it never mixes with the output."""

    def __init__(self, total: int, enabled: bool = True, stream=None):
        self.stream = stream or sys.stderr
        self.total = total
        self.on = enabled and total > 1 and _isatty(self.stream)
        self.drawn = False

    def show(self, done: int, name: str) -> None:
        if not self.on:
            return
        width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
        bar = 20
        filled = bar * done // self.total
        head = f"[{'#' * filled}{'.' * (bar - filled)}] {done}/{self.total} "
        room = width - len(head)
        label = name if len(name) <= room else "…" + name[-(room - 1):] if room > 1 else ""
        self.stream.write("\r" + head + label + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# --- clean -----------------------------------------------------------------------------------------

def _cmd_clean(args) -> int:
    for name, result in _clean_all(args):
        _print_result(name, result, args)
    return EXIT_FAILED if args.failures else EXIT_OK


def _print_result(name: str, result, args) -> None:
    if args.json:
        print(json.dumps({"input": name, **result.to_dict()}, ensure_ascii=False), flush=True)
        return
    if len(args.files) > 1:
        print(f"==> {name} <==")
    if result.title:
        print(result.title.upper() if args.explain else result.title, end="\n\n")
    print(result.text)
    if args.explain:
        print(removals_list(result))
    elif len(args.files) > 1:
        print()
    sys.stdout.flush()


# --- explain ---------------------------------------------------------------------------------------

def use_colour(choice: str, stream) -> bool:
    """--color always/never, else colour only on a terminal, without NO_COLOR (no-color.org) or TERM=dumb."""
    if choice != "auto":
        return choice == "always"
    return _isatty(stream) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _cmd_explain(args) -> int:
    colour = use_colour(args.color, sys.stdout)
    width = args.width
    if width is None:
        width = min(100, shutil.get_terminal_size((100, 24)).columns) if _isatty(sys.stdout) else 0
    first = True
    for name, result in _clean_all(args):
        if not first:
            print()
        first = False
        print(render_explain(name if len(args.files) > 1 else None, result, colour=colour, width=width,
                             furniture=args.furniture), flush=True)
    return EXIT_FAILED if args.failures else EXIT_OK


# --- report ----------------------------------------------------------------------------------------

def _cmd_report(args) -> int:
    from .render.report import render_report

    items = list(_clean_all(args))
    page = render_report(items, title=args.title, failures=args.failures)
    if args.output == "-":
        sys.stdout.write(page + "\n")
    else:
        try:
            Path(args.output).parent.mkdir(parents=True, exist_ok=True)
            Path(args.output).write_text(page, encoding="utf-8")
        except OSError as exc:
            print(f"cleaners: cannot write {args.output}: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"cleaners: wrote {args.output} ({len(items)} article(s), {len(args.failures)} failed)", file=sys.stderr)
    return EXIT_FAILED if args.failures else EXIT_OK


# --- rules -----------------------------------------------------------------------------------------

def _load(dirs) -> object | None:
    try:
        return load_rules(dirs)
    except RuleError as exc:
        print(f"cleaners: {exc}", file=sys.stderr)
        return None


def _cmd_rules_list(args) -> int:
    ruleset = _load(args.rules)
    if ruleset is None:
        return EXIT_FAILED
    rows = [{"id": r.id, "category": r.category, "kind": r.kind, "languages": list(r.languages), "sites": list(r.sites),
             "why": r.why, "pattern": r.pattern, "origin": short_path(r.origin),
             "examples": {"remove": list(r.examples_remove), "keep": list(r.examples_keep)}} for r in ruleset.rules]
    # the structure heuristics and template memory: in the catalogue, but code rather than pack data
    rows += [{"id": rule_id, "category": category, "kind": "heuristic", "languages": ["*"], "sites": [], "why": why,
              "pattern": None, "origin": "built-in detector", "examples": {"remove": [], "keep": []}}
             for rule_id, (category, why) in rule_catalogue(ruleset).items() if rule_id not in ruleset.by_id]
    if args.category:
        rows = [row for row in rows if row["category"] == args.category]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return EXIT_OK
    id_width = max((len(row["id"]) for row in rows), default=2)
    for row in rows:
        scope = f" ({', '.join(row['sites'])})" if row["sites"] else ""
        print(f"{row['id']:<{id_width}}  {row['category']:<10}  {row['kind']:<9}  {row['why']}{scope}")
    print(f"{len(rows)} rule(s)", file=sys.stderr)
    return EXIT_OK


def _cmd_rules_test(args) -> int:
    ruleset = _load(args.rules)
    if ruleset is None:
        return EXIT_FAILED
    failures = example_failures(ruleset.rules) + untested_alternatives(ruleset.rules)
    examples = sum(len(r.examples_remove) + len(r.examples_keep) for r in ruleset.rules)
    if args.json:
        print(json.dumps({"rules": len(ruleset.rules), "examples": examples,
                          "failures": [vars(f) for f in failures]}, ensure_ascii=False, indent=1))
    else:
        for failure in failures:
            print(f"FAIL {failure}")
        verdict = f"{len(failures)} failure(s)" if failures else "all pass"
        print(f"{len(ruleset.rules)} rules, {examples} examples: {verdict}")
    return EXIT_FAILED if failures else EXIT_OK


def _cmd_rules_check(args) -> int:
    target = Path(args.directory)
    if not args.directory.strip():  # Path("") is the current folder
        print('cleaners: rules check: the directory is "" (empty): give a folder of .toml rule files', file=sys.stderr)
        return EXIT_USAGE
    if not target.exists():
        print(f"cleaners: {target}: no such file or directory", file=sys.stderr)
        return EXIT_USAGE
    files = sorted(target.glob("sites/*.toml")) + sorted(target.glob("*.toml")) if target.is_dir() else [target]
    outcome = {"directory": str(target), "files": [str(f) for f in files], "rules": [], "errors": [], "untested": []}
    if not files:
        outcome["errors"].append(f"{target}: no rule files (looked for *.toml and sites/*.toml)")
    else:
        try:
            ruleset = load_rules(target)
        except RuleError as exc:
            outcome["errors"].append(str(exc))
        else:
            root = target.resolve()
            mine = [r for r in ruleset.rules if Path(r.origin).resolve() == root or root in Path(r.origin).resolve().parents]
            outcome["rules"] = [r.id for r in mine]
            outcome["errors"] = [str(f) for f in example_failures(mine)]
            # a user's pack is usable with untested alternatives: they are listed, not refused
            outcome["untested"] = [str(f) for f in untested_alternatives(mine)]
    if args.json:
        print(json.dumps(outcome | {"ok": not outcome["errors"]}, ensure_ascii=False, indent=1))
    else:
        for error in outcome["errors"]:
            print(f"cleaners: {error}", file=sys.stderr)
        for note in outcome["untested"]:
            print(f"cleaners: note: {note}", file=sys.stderr)
        if outcome["errors"]:
            print(f"{target}: {len(outcome['errors'])} problem(s)", file=sys.stderr)
        else:
            print(f"{target}: ok, {len(outcome['rules'])} rule(s) in {len(files)} file(s), every example passes")
    return EXIT_FAILED if outcome["errors"] else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
