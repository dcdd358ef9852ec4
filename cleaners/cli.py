"""`cleaners` command line: clean files or stdin, show what was removed and why.

Exit codes: 0 all inputs cleaned; 1 at least one input could not be read or cleaned (the others
are still processed); 2 wrong usage.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from pathlib import Path

from . import __version__
from .core import clean_html, clean_text
from .errors import CleaningError
from .rules import RuleError

_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|div|p|article|main|section|meta|title)\b", re.I | re.S)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command != "clean":
        parser.print_help(sys.stderr)
        return 2
    failures = 0
    for name in args.files:
        try:
            result = _clean_one(name, args)
        except (OSError, CleaningError, UnicodeDecodeError, RuleError) as exc:
            print(f"cleaners: {name}: {exc}", file=sys.stderr)
            failures += 1
            continue
        _print_result(name, result, args)
    return 1 if failures else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cleaners", description="Clean scraped articles and explain every removal.")
    parser.add_argument("--version", action="version", version=f"cleaners {__version__}")
    commands = parser.add_subparsers(dest="command")
    clean = commands.add_parser("clean", help="clean files (or - for stdin) and print the clean text")
    clean.add_argument("files", nargs="+", metavar="FILE", help="files to clean; - reads standard input")
    mode = clean.add_mutually_exclusive_group()
    mode.add_argument("--html", dest="mode", action="store_const", const="html", help="inputs are HTML pages")
    mode.add_argument("--text", dest="mode", action="store_const", const="text", help="inputs are extracted text")
    clean.add_argument("--source", help="the site the articles come from (default: the URL's registered domain)")
    clean.add_argument("--url", help="the article's URL")
    clean.add_argument("--language", help="language hint, e.g. de or en (default: detected)")
    clean.add_argument("--rules", action="append", metavar="DIR", help="extra rule directory (repeatable)")
    clean.add_argument("--encoding", default="utf-8", help="encoding of text inputs (default utf-8)")
    out = clean.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the whole result as JSON (one line per input)")
    out.add_argument("--explain", action="store_true", help="print each removal with category, rule id and text")
    return parser


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    path = Path(name)
    if path.is_dir():
        raise OSError("is a directory")
    return path.read_bytes()


def _clean_one(name: str, args):
    data = _read(name)
    if not data.strip():
        raise CleaningError("empty_input", "empty input")
    if b"\x00" in data[:8192]:
        raise CleaningError("binary", "binary data (NUL bytes): not text or HTML")
    mode = args.mode or ("html" if _HTML_START.match(data[:4096]) else "text")
    options = dict(source=args.source, url=args.url, language=args.language, rules=args.rules)
    if mode == "html":
        return clean_html(data, **options)
    try:
        text = data.decode(args.encoding)
    except UnicodeDecodeError as exc:
        raise CleaningError("undecodable", f"not valid {args.encoding} (byte {data[exc.start]:#04x} at offset "
                                           f"{exc.start}); pass --encoding") from None
    return clean_text(text.removeprefix("\ufeff"), **options)


def _print_result(name: str, result, args) -> None:
    if args.json:
        print(json.dumps({"input": name, **result.to_dict()}, ensure_ascii=False))
        return
    if len(args.files) > 1:
        print(f"==> {name} <==")
    if result.title:
        print(result.title.upper() if args.explain else result.title, end="\n\n")
    print(result.text)
    if args.explain:
        print(_explain(result))
    elif len(args.files) > 1:
        print()


def _explain(result) -> str:
    lines = ["", f"--- {len(result.removals)} removal(s); warnings: {', '.join(result.warnings) or 'none'}"]
    for removal in result.removals:
        where = "sentence" if removal.scope == "sentence" else ("page element" if removal.scope == "element" else "block")
        lines.append(f"[{removal.category}] {removal.rule_id} ({where})")
        lines.extend(textwrap.wrap(removal.text, 100, initial_indent="    ", subsequent_indent="    ") or ["    (empty)"])
    meta = result.metadata
    lines.append(f"--- metadata: published={meta.published} author={meta.author} tags={meta.tags} sources={len(meta.sources)}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
